package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/cuepoint/cuepoint/internal/browsertest"
)

// demoDev is `cuepoint dev` run by a test as a child process, the way a person runs it: on a
// root of the test's own at a free port offset, with the embedded stack. The root is seeded
// from the test cache (.cuepoint/test-cache/player-dev: the packaged demo asset and the
// conditioned demo ads, copied, so nothing dev does touches the cache), and the cache is
// refreshed once the ads are ready. It is stopped with SIGINT (killed after 30 s) when the test
// ends, its output logged if the test failed.
type demoDev struct {
	t      *testing.T
	cmd    *exec.Cmd
	off    int
	root   string
	cache  string
	exited chan error
	out    lockedBuffer
}

// demoCached are the parts of a dev root kept between runs: making them takes minutes of ffmpeg.
var demoCached = []string{filepath.Join("media", "demo"), filepath.Join("adserver", "media")}

// startDemoDev starts dev with env added to the test's environment.
func startDemoDev(t *testing.T, env ...string) *demoDev {
	t.Helper()
	repo := browsertest.RepoRoot(t)
	d := &demoDev{t: t, root: t.TempDir(), cache: filepath.Join(repo, ".cuepoint", "test-cache", "player-dev"), off: freeOffset(t), exited: make(chan error, 1)}
	for _, rel := range demoCached {
		if err := copyTree(filepath.Join(d.cache, rel), filepath.Join(d.root, rel), false); err != nil && !errors.Is(err, fs.ErrNotExist) {
			t.Logf("test cache %s not used: %v", rel, err)
		}
	}
	d.cmd = exec.Command(binary, "dev", "--root", d.root, "--port-offset", strconv.Itoa(d.off), "--log-level", "warn")
	d.cmd.Dir = repo
	d.cmd.Env = append(append(os.Environ(), "CUEPOINT_KAFKA_BROKERS=", "CUEPOINT_CLICKHOUSE_ADDR=", "CUEPOINT_CASSANDRA_HOSTS="), env...)
	d.cmd.Stdout, d.cmd.Stderr = &d.out, &d.out
	if err := d.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { d.exited <- d.cmd.Wait() }()
	t.Cleanup(d.stop)
	return d
}

func (d *demoDev) stop() {
	select {
	case <-d.exited:
	default:
		d.cmd.Process.Signal(os.Interrupt)
		select {
		case <-d.exited:
		case <-time.After(30 * time.Second):
			d.cmd.Process.Kill()
			<-d.exited
		}
	}
	if d.t.Failed() {
		d.t.Logf("cuepoint dev output:\n%s", d.out.String())
	}
}

// port is the port dev serves the service of default port p on.
func (d *demoDev) port(p int) string { return strconv.Itoa(p + d.off) }

// base is the URL of the service of default port p.
func (d *demoDev) base(p int) string { return "http://127.0.0.1:" + d.port(p) }

// waitFor polls ok until it holds, failing the test after limit or if dev exits.
func (d *demoDev) waitFor(what string, limit time.Duration, ok func() bool) {
	d.t.Helper()
	deadline := time.Now().Add(limit)
	for !ok() {
		select {
		case err := <-d.exited:
			d.t.Fatalf("cuepoint dev exited while waiting for %s: %v", what, err)
		default:
		}
		if time.Now().After(deadline) {
			d.t.Fatalf("%s: not within %s", what, limit)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// waitForAds waits until the services of the default ports are ready, the demo ads are
// conditioned (no ffmpeg child left for a while) and a demo session has both its breaks filled;
// then it saves the cache for the next run.
func (d *demoDev) waitForAds(ports ...int) {
	d.t.Helper()
	for _, p := range ports {
		d.waitFor(fmt.Sprintf(":%d ready", p), 6*time.Minute, func() bool { return httpStatus(d.base(p)+"/readyz") == 200 })
	}
	quiet := 0
	d.waitFor("the demo ads conditioned", 6*time.Minute, func() bool {
		if hasChild(d.cmd.Process.Pid, "ffmpeg") {
			quiet = 0
		} else {
			quiet++
		}
		return quiet >= 8
	})
	var probed time.Time
	d.waitFor("a demo session with a preroll and a midroll", 2*time.Minute, func() bool {
		if time.Since(probed) < 2*time.Second { // each probe is a session with its ad decisions
			return false
		}
		probed = time.Now()
		return demoSessionHasAds(d.base(8083))
	})
	for _, rel := range demoCached {
		if err := copyTree(filepath.Join(d.root, rel), filepath.Join(d.cache, rel), true); err != nil {
			d.t.Logf("test cache %s not saved: %v", rel, err)
		}
	}
}
