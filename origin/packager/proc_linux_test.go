package packager

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestFFmpegDiesWithItsParent kills (SIGKILL, no cleanup) a process that is running ffmpeg and
// checks that ffmpeg does not outlive it: the kernel kills it (Pdeathsig), and failing that it
// dies writing progress to the closed pipe.
func TestFFmpegDiesWithItsParent(t *testing.T) {
	requireFFmpeg(t)
	if os.Getenv("CUEPOINT_PACKAGER_HELPER") != "" {
		return // the helper's own copy of this test
	}
	helper := exec.Command(os.Args[0], "-test.run=^TestHelperRunsFFmpeg$")
	helper.Env = append(os.Environ(), "CUEPOINT_PACKAGER_HELPER="+t.TempDir())
	if err := helper.Start(); err != nil {
		t.Fatal(err)
	}
	defer helper.Process.Kill()
	var ffmpeg int
	for deadline := time.Now().Add(20 * time.Second); ffmpeg == 0; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the helper never started ffmpeg")
		}
		ffmpeg = childNamed(helper.Process.Pid, "ffmpeg")
	}
	if err := helper.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	helper.Wait()
	for deadline := time.Now().Add(10 * time.Second); processAlive(ffmpeg); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			syscall.Kill(ffmpeg, syscall.SIGKILL)
			t.Fatalf("ffmpeg (pid %d) outlived its parent", ffmpeg)
		}
	}
}

// TestHelperRunsFFmpeg is the helper process: it generates a long demo until it is killed.
func TestHelperRunsFFmpeg(t *testing.T) {
	dir := os.Getenv("CUEPOINT_PACKAGER_HELPER")
	if dir == "" {
		t.Skip("helper process only")
	}
	_ = GenerateDemo(context.Background(), filepath.Join(dir, "long.mp4"), Demo{Duration: time.Hour, Width: 320, Height: 180}, Tools{})
}

// childNamed returns the pid of a child of pid whose command is name, 0 when none.
func childNamed(pid int, name string) int {
	tasks, _ := filepath.Glob("/proc/" + strconv.Itoa(pid) + "/task/*/children")
	for _, f := range tasks {
		b, _ := os.ReadFile(f)
		for _, c := range strings.Fields(string(b)) {
			comm, _ := os.ReadFile("/proc/" + c + "/comm")
			if strings.TrimSpace(string(comm)) == name {
				n, _ := strconv.Atoi(c)
				return n
			}
		}
	}
	return 0
}

func processAlive(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	// A zombie (state Z) has exited and only waits to be reaped by init.
	fields := strings.Fields(string(b))
	return len(fields) > 2 && fields[2] != "Z"
}
