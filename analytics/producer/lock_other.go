//go:build !unix

package producer

import (
	"errors"
	"os"
)

// ErrSpoolLocked means another live process holds the spool directory.
var ErrSpoolLocked = errors.New("producer: spool directory is in use by another process")

// lockDir is a no-op where advisory file locks are not available: run one process per spool
// directory.
func lockDir(string) (*os.File, error) { return nil, nil }

func unlockDir(*os.File) error { return nil }
