package stack

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// procIdentity identifies a process across pid reuse: its pid and its start time in clock
// ticks after boot (field 22 of /proc/<pid>/stat). A pidfile that names a pid whose start time
// differs names a process that is gone, whatever now runs under that pid.
type procIdentity struct {
	PID   int    `json:"pid"`
	Start uint64 `json:"start"`
}

// procStat is the part of /proc/<pid>/stat the stack uses.
type procStat struct {
	state byte   // R, S, D, Z, X, ...
	start uint64 // clock ticks after boot
}

func readProcStat(pid int) (procStat, error) {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return procStat{}, err
	}
	// The command name (field 2) is in parentheses and may itself hold spaces and
	// parentheses: the fields we want follow the last ')'.
	i := bytes.LastIndexByte(raw, ')')
	if i < 0 {
		return procStat{}, fmt.Errorf("/proc/%d/stat: malformed", pid)
	}
	fields := strings.Fields(string(raw[i+1:]))
	// fields[0] is field 3 (state); starttime is field 22.
	if len(fields) < 20 {
		return procStat{}, fmt.Errorf("/proc/%d/stat: %d fields after the command", pid, len(fields))
	}
	start, err := strconv.ParseUint(fields[19], 10, 64)
	if err != nil {
		return procStat{}, fmt.Errorf("/proc/%d/stat: starttime: %w", pid, err)
	}
	return procStat{state: fields[0][0], start: start}, nil
}

// identify returns the identity of the live process pid.
func identify(pid int) (procIdentity, error) {
	st, err := readProcStat(pid)
	if err != nil {
		return procIdentity{}, err
	}
	return procIdentity{PID: pid, Start: st.start}, nil
}

// self is the identity of this process.
func self() procIdentity {
	id, err := identify(os.Getpid())
	if err != nil {
		// Without /proc the start time is unknown; the pid alone still names us.
		return procIdentity{PID: os.Getpid()}
	}
	return id
}

// alive reports whether the process id still runs: it exists, is not a zombie waiting to be
// reaped, and (when id.Start is known) is the same process, not a later one reusing the pid.
func (id procIdentity) alive() bool {
	if id.PID <= 0 {
		return false
	}
	st, err := readProcStat(id.PID)
	if err != nil {
		return false
	}
	if st.state == 'Z' || st.state == 'X' {
		return false
	}
	return id.Start == 0 || st.start == id.Start
}

// describeProcess returns "pid N (command line)" for messages, cut to a readable length.
func describeProcess(pid int) string {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	cmd := strings.TrimSpace(string(bytes.ReplaceAll(raw, []byte{0}, []byte{' '})))
	if err != nil || cmd == "" {
		if comm, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid)); err == nil {
			cmd = strings.TrimSpace(string(comm))
		}
	}
	const max = 160
	if len(cmd) > max {
		cmd = cmd[:max] + "…"
	}
	if cmd == "" {
		return fmt.Sprintf("pid %d", pid)
	}
	return fmt.Sprintf("pid %d (%s)", pid, cmd)
}

// listenerPID returns the pid of a process with a TCP socket listening on port, from
// /proc/net/tcp{,6} and the processes' open file descriptors. It returns 0 and no error when
// the socket is found but its owner is not visible to this user.
func listenerPID(port int) (int, error) {
	inodes := map[string]bool{}
	for _, table := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		if err := listeningInodes(table, port, inodes); err != nil && !errors.Is(err, os.ErrNotExist) {
			return 0, err
		}
	}
	if len(inodes) == 0 {
		return 0, fmt.Errorf("no listening socket on port %d", port)
	}
	procs, err := os.ReadDir("/proc")
	if err != nil {
		return 0, err
	}
	for _, p := range procs {
		pid, err := strconv.Atoi(p.Name())
		if err != nil {
			continue
		}
		fdDir := filepath.Join("/proc", p.Name(), "fd")
		fds, err := os.ReadDir(fdDir)
		if err != nil {
			continue // gone, or not ours to look at
		}
		for _, fd := range fds {
			link, err := os.Readlink(filepath.Join(fdDir, fd.Name()))
			if err != nil || !strings.HasPrefix(link, "socket:[") {
				continue
			}
			if inodes[strings.TrimSuffix(strings.TrimPrefix(link, "socket:["), "]")] {
				return pid, nil
			}
		}
	}
	return 0, nil
}

// listeningInodes adds to inodes the socket inodes of the LISTEN sockets on port in a
// /proc/net/tcp-format table.
func listeningInodes(table string, port int, inodes map[string]bool) error {
	f, err := os.Open(table)
	if err != nil {
		return err
	}
	defer f.Close()
	const listen = "0A"
	sc := bufio.NewScanner(f)
	sc.Scan() // header
	for sc.Scan() {
		// sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
		fields := strings.Fields(sc.Text())
		if len(fields) < 10 || fields[3] != listen {
			continue
		}
		_, hexPort, ok := strings.Cut(fields[1], ":")
		if !ok {
			continue
		}
		if p, err := strconv.ParseUint(hexPort, 16, 16); err == nil && int(p) == port {
			inodes[fields[9]] = true
		}
	}
	return sc.Err()
}

// systemdUnit returns the systemd service unit pid runs in ("clickhouse-server.service"), or ""
// when it runs in none (or systemd does not manage this machine).
func systemdUnit(pid int) string {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/cgroup", pid))
	if err != nil {
		return ""
	}
	for _, line := range strings.Split(string(raw), "\n") {
		// "0::/system.slice/clickhouse-server.service" (cgroup v2) or "1:name=systemd:/system.slice/…" (v1)
		_, path, ok := strings.Cut(line, ":/system.slice/")
		if !ok {
			continue
		}
		unit, _, _ := strings.Cut(path, "/")
		if strings.HasSuffix(unit, ".service") {
			return unit
		}
	}
	return ""
}
