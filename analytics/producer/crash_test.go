package producer

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// A process killed outright (SIGKILL: no Close, no deferred code) leaves its spool behind, and
// the next process replays all of it. The first process runs as a child: this test binary,
// re-executed into TestCrashChild.
func TestCrashedProcessSpoolIsReplayed(t *testing.T) {
	spoolDir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$")
	cmd.Env = append(os.Environ(), "PRODUCER_CRASH_CHILD="+spoolDir, "PRODUCER_CRASH_PORT="+strconv.Itoa(freePort(t)))
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	var ids []string
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		line := sc.Text()
		if id, ok := strings.CutPrefix(line, "id "); ok {
			ids = append(ids, id)
		}
		if line == "spooled" {
			break
		}
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	if len(ids) != 400 {
		t.Fatalf("child emitted %d events before being killed, want 400", len(ids))
	}

	k := newKafka(t, 3)
	p := newProducer(t, k.brokers(), testOptions(t, spoolDir)...)
	waitFor(t, "the dead process's spool to be replayed", func() bool { return p.Stats().Replayed == 400 })
	assertExactly(t, consume(t, k.brokers(), 400), ids)
}

// TestCrashChild is the process TestCrashedProcessSpoolIsReplayed kills: it spools 400 events
// with Kafka unreachable, waits until every spooled byte is in the segment files (the page
// cache survives the process), says so, and waits to be killed.
func TestCrashChild(t *testing.T) {
	dir := os.Getenv("PRODUCER_CRASH_CHILD")
	if dir == "" {
		t.Skip("run by TestCrashedProcessSpoolIsReplayed")
	}
	p, err := New([]string{"127.0.0.1:" + os.Getenv("PRODUCER_CRASH_PORT")}, testOptions(t, dir)...)
	if err != nil {
		t.Fatal(err)
	}
	e := newEmitter(99)
	e.emit(t, p, 400)
	for _, id := range e.ids {
		os.Stdout.WriteString("id " + id + "\n")
	}
	waitFor(t, "events spooled and written", func() bool {
		if p.Stats().Spooled != 400 {
			return false
		}
		var onDisk int64
		segs, _ := filepath.Glob(filepath.Join(dir, "*"+segmentSuffix))
		for _, s := range segs {
			if info, err := os.Stat(s); err == nil {
				onDisk += info.Size()
			}
		}
		return onDisk == p.Stats().SpoolBytes
	})
	os.Stdout.WriteString("spooled\n")
	time.Sleep(patience) // until killed; a child orphaned by a failed parent ends on its own
	os.Exit(1)
}
