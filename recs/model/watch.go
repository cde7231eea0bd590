package model

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/cuepoint/cuepoint/internal/logging"
)

// Watcher follows a model directory and hands every newly published model to OnLoad. It
// polls (a stat of CURRENT and of the file it names per Interval) rather than relying on file
// system notifications, which do not work on every volume a model directory lives on.
type Watcher struct {
	Dir      string
	Interval time.Duration // default 2 s
	// OnLoad receives each new model once it has been read and verified.
	OnLoad func(*Model)
	// OnError, when set, receives failures to read a new model (the previous one keeps
	// serving); the watcher logs them in any case.
	OnError func(error)
	Log     *slog.Logger

	mu   sync.Mutex // Check may run from Run and from callers at once
	seen fileState
}

// fileState identifies a published model file cheaply.
type fileState struct {
	path string
	size int64
	mod  time.Time
}

// Check loads the current model if it changed since the last Check. It returns whether a new
// model was handed to OnLoad. ErrNoModel means nothing is published yet. It is safe to call
// while Run runs.
func (w *Watcher) Check() (bool, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	path, err := Current(w.Dir)
	if err != nil {
		return false, err
	}
	info, err := os.Stat(path)
	if err != nil {
		return false, err
	}
	st := fileState{path, info.Size(), info.ModTime()}
	if st == w.seen {
		return false, nil
	}
	m, err := ReadFile(path)
	if err != nil {
		w.seen = st // do not re-read a bad file every poll; a new publish changes the state
		return false, err
	}
	w.seen = st
	w.OnLoad(m)
	return true, nil
}

// Run checks every Interval until ctx is cancelled.
func (w *Watcher) Run(ctx context.Context) {
	every := w.Interval
	if every <= 0 {
		every = 2 * time.Second
	}
	log := w.Log
	if log == nil {
		log = logging.Discard
	}
	t := time.NewTicker(every)
	defer t.Stop()
	var lastErr string
	for {
		if _, err := w.Check(); err != nil && !errors.Is(err, ErrNoModel) {
			if err.Error() != lastErr { // log a persistent failure once
				log.Error("recs model not loaded; the previous model keeps serving", "dir", w.Dir, "err", err)
				lastErr = err.Error()
			}
			if w.OnError != nil {
				w.OnError(err)
			}
		} else {
			lastErr = ""
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
