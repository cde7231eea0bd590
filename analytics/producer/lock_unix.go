//go:build unix

package producer

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// ErrSpoolLocked means another live process holds the spool directory. Two producers sharing a
// spool would replay each other's records twice: give each process its own directory.
var ErrSpoolLocked = errors.New("producer: spool directory is in use by another process")

// lockDir takes an exclusive advisory lock on dir/LOCK, released by unlockDir or by the
// process's death (so a crashed process never leaves the spool locked).
func lockDir(dir string) (*os.File, error) {
	f, err := os.OpenFile(filepath.Join(dir, "LOCK"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("producer: spool lock: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		_ = f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("%w: %s", ErrSpoolLocked, dir)
		}
		return nil, fmt.Errorf("producer: spool lock: %w", err)
	}
	return f, nil
}

func unlockDir(f *os.File) error {
	if f == nil {
		return nil
	}
	_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
	return f.Close()
}
