#!/usr/bin/env bash
# make bench: measures the budgets and rewrites the generated section of BENCHMARKS.md.
#
#   1. Go benchmarks of the hot paths (server wrapper, bidder, featurestore near-cache, origin
#      playlists, events), with -benchmem.
#   2. `cuepoint dev` on its own ports (offset CUEPOINT_BENCH_OFFSET, default 30000) and a
#      scratch root, then `cuepoint loadtest` (open loop) against each service's scenario at
#      the rate in the table below, one after the other.
#
# The figures replace everything between the make-bench markers in BENCHMARKS.md, with the
# machine, the date and the commands. Hand-written analysis elsewhere in the file is kept.
# Figures are only as good as the machine is quiet: run it with nothing else going on.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bin=bin/cuepoint
offset=${CUEPOINT_BENCH_OFFSET:-30000}
duration=${CUEPOINT_BENCH_DURATION:-20s}
# A root of its own, kept between runs: dev packages its demo media and conditions its demo ads
# with ffmpeg on the first run only, and that must not run while the load does.
root=${CUEPOINT_BENCH_ROOT:-.cuepoint/bench}
mkdir -p "$root"
out=$(mktemp -d /tmp/cuepoint-bench-out.XXXXXX)
dev_pid=
trap '[ -n "$dev_pid" ] && { kill "$dev_pid" 2>/dev/null; wait "$dev_pid" 2>/dev/null; }; rm -rf "$out"' EXIT

say() { echo "bench.sh: $*" >&2; }

machine="$(nproc) vCPU $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(free -g | awk '/Mem:/{print $2}') GiB, $(go version | awk '{print $3}')"

# --- 1. Go benchmarks ------------------------------------------------------------------------
gobench() {
	local pkg=$1 pattern=$2
	say "go test -bench '$pattern' $pkg"
	go test -run '^$' -bench "$pattern" -benchmem -count 1 -benchtime 1s "$pkg" 2>/dev/null |
		awk '/^Benchmark/ {name=$1; n=$2; $1=""; $2=""; sub(/^ +/, ""); printf "| `%s` | %s | %s |\n", name, n, $0}'
}
{
	echo "| benchmark | iterations | per op |"
	echo "|---|---|---|"
	gobench ./internal/server 'Serve'
	gobench ./bidder 'HandleBid$|JSONFloor'
	gobench ./featurestore 'BatchGetNearCache500|NearCacheFloor500'
	gobench ./origin/hls 'AppendMedia|DecodeReuse|EyevinnDecode'
	gobench ./analytics/events 'Codec|NewID'
} >"$out/go.md"

# --- 2. open-loop scenarios against cuepoint dev ---------------------------------------------
say "starting cuepoint dev (port offset $offset, root $root)"
"$bin" dev --root "$root" --port-offset "$offset" --log-level warn >"$out/dev.log" 2>&1 &
dev_pid=$!
landing="http://127.0.0.1:$((8080 + offset))"
for _ in $(seq 1 600); do
	if curl -fsS "$landing/readyz" >/dev/null 2>&1; then break; fi
	kill -0 "$dev_pid" 2>/dev/null || { cat "$out/dev.log" >&2; exit 1; }
	sleep 0.5
done
curl -fsS "$landing/readyz" >/dev/null || { say "cuepoint dev never became ready"; tail -50 "$out/dev.log" >&2; exit 1; }
# Every service ready: demo media packaged, demo ads conditioned (first run: a few minutes).
for port in 8081 8082 8083 8084 8085 8086 8087 8088; do
	url="http://127.0.0.1:$((port + offset))"
	curl -fsS "$url/healthz" >/dev/null 2>&1 || continue
	for _ in $(seq 1 1200); do
		curl -fsS "$url/readyz" >/dev/null 2>&1 && break
		sleep 0.5
	done
	curl -fsS "$url/readyz" >/dev/null 2>&1 || say "warning: $url is not ready; measuring anyway"
done
# Conditioning of the demo ads (ffmpeg children of dev) runs while the adserver is ready.
quiet=0
for _ in $(seq 1 600); do
	if pgrep -P "$dev_pid" -x ffmpeg >/dev/null 2>&1; then quiet=0; else quiet=$((quiet + 1)); fi
	[ "$quiet" -ge 10 ] && break
	sleep 0.5
done
say "every service is ready; settling for 10 s"
sleep 10

# scenario, service port, rate (requests/s), SLO, extra loadtest flags
scenarios=(
	"bidder 8081 2000 p99=2ms"
	"adserver 8082 200 p99=20ms"
	"featurestore 8086 200 p99=5ms"
	"recs 8085 200 p99=5ms"
	"ssai-live 8083 2500 p99=1ms --ssai-sources=demo-daterange --live-sessions=5000"
)
{
	echo "| scenario | offered /s | achieved /s | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms | errors | SLO |"
	echo "|---|---|---|---|---|---|---|---|---|---|"
	for s in "${scenarios[@]}"; do
		read -r name port rate slo extra <<<"$s"
		target="http://127.0.0.1:$((port + offset))"
		if ! curl -fsS "$target/healthz" >/dev/null 2>&1; then
			echo "| $name | $rate | — | — | — | — | — | — | — | service not running in dev |"
			continue
		fi
		say "loadtest $name at $rate/s for $duration"
		set +e
		# shellcheck disable=SC2086 # extra is a list of flags
		"$bin" loadtest --scenario "$name" --target "$target" --rate "$rate" --duration "$duration" \
			--slo "$slo" --output json $extra >"$out/$name.json" 2>"$out/$name.err"
		code=$?
		set -e
		verdict=$([ $code -eq 0 ] && echo "met ($slo)" || echo "missed ($slo)")
		python3 - "$out/$name.json" "$name" "$rate" "$verdict" <<'PY'
import json, sys
path, name, rate, verdict = sys.argv[1:]
try:
    s = json.load(open(path))
except Exception as e:
    print(f"| {name} | {rate} | — | — | — | — | — | — | — | no result ({e}) |")
    sys.exit(0)
l = s["latency_ms"]
print(f"| {name} | {rate} | {s['achieved_rate']:.0f} | {l['p50']:.2f} | {l['p90']:.2f} | {l['p99']:.2f} | {l['p999']:.2f} | {l['max']:.2f} | {s['errors']} | {verdict} |")
PY
	done
	# The session-start budget (docs/player.md): new viewers through POST /v1/sessions to their
	# first segment, with the headless player, 25 sessions/s.
	secs=${duration%s}
	target="http://127.0.0.1:$((8083 + offset))"
	if [[ "$secs" =~ ^[0-9]+$ ]] && curl -fsS "$target/healthz" >/dev/null 2>&1; then
		say "play: $((25 * secs)) new sessions at 25/s"
		set +e
		"$bin" play --ssai "$target" --sessions $((25 * secs)) --rate 25 --slo p99=100ms --output json --progress=false \
			>"$out/player.json" 2>"$out/player.err"
		code=$?
		set -e
		verdict=$([ $code -eq 0 ] && echo "met (p99=100ms)" || echo "missed (p99=100ms)")
		python3 - "$out/player.json" "$verdict" <<'PY'
import json, sys
path, verdict = sys.argv[1:]
try:
    s = json.load(open(path))["run"]
except Exception as e:
    print(f"| player sessions | 25 | — | — | — | — | — | — | — | no result ({e}) |")
    sys.exit(0)
l = s["latency_ms"]
print(f"| player sessions (start → first segment) | 25 | {s['achieved_rate']:.0f} | {l['p50']:.2f} | {l['p90']:.2f} | {l['p99']:.2f} | {l['p999']:.2f} | {l['max']:.2f} | {s['errors']} | {verdict} |")
PY
	fi
} >"$out/load.md"

# --- rewrite the generated section -----------------------------------------------------------
python3 - "$out" "$machine" "$duration" "$offset" <<'PY'
import datetime, pathlib, sys
out, machine, duration, offset = sys.argv[1:]
out = pathlib.Path(out)
section = f"""<!-- make-bench:start -->
## Generated by `make bench`

{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC on {machine}.

Go benchmarks (`go test -run '^$' -bench … -benchmem -count 1 -benchtime 1s`):

{(out / 'go.md').read_text().strip()}

Open loop against `cuepoint dev` (`cuepoint loadtest --scenario NAME --rate R --duration {duration} --slo …`,
latency from each request's scheduled send time). Every service, Kafka, ClickHouse, Cassandra and
the generator share the same machine, so these are end-to-end figures of the whole edge on one
machine, not of one service on its own cores:

{(out / 'load.md').read_text().strip()}
<!-- make-bench:end -->"""
p = pathlib.Path("BENCHMARKS.md")
text = p.read_text()
start, end = "<!-- make-bench:start -->", "<!-- make-bench:end -->"
if start in text and end in text:
    text = text[: text.index(start)] + section + text[text.index(end) + len(end):]
else:
    text = text.rstrip() + "\n\n" + section + "\n"
p.write_text(text)
PY
say "BENCHMARKS.md updated"
