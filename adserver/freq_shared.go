package adserver

import (
	"context"
	"errors"
	"sync"
	"time"
)

// Frequency caps across instances.
//
// The counts that cap a viewer live in a FrequencyStore shared by every instance (Cassandra in
// production: CassandraFrequency). A decision starts reading the viewer's counts when the
// request arrives, in parallel with the auction, and waits for them at most until the auction
// is over or --freq-timeout after the arrival, whichever is later — so a healthy store costs
// nothing while bidders think. The in-process counters (Frequency, MemoryFrequency by default)
// are the near-cache: this instance's own impressions count at once, before their write
// reaches the store, and a viewer's count is the larger of the two. When the store is slow or
// down, the decision goes on with the local counts alone within its budget, counted in
// cuepoint_adserver_freq_degraded_total{reason="timeout"|"error"}.
//
// Impressions are written to the store off the request path by a few writers behind a
// bounded queue (a full queue drops the write and counts it): the beacon answers at once.

// FrequencyStore is where instances share impression counts.
type FrequencyStore interface {
	// Counts returns the viewer's impressions per key (advertiser domain) within the cap's
	// window ending at now.
	Counts(ctx context.Context, viewer string, now time.Time) (map[string]int, error)
	// Add records one impression of key for the viewer; adID (the ad serving id) makes it
	// idempotent, so instances that both count one beacon record it once.
	Add(ctx context.Context, viewer, key, adID string, at time.Time) error
}

// freqRead is one decision's read of the shared counts.
type freqRead struct {
	done   chan struct{}
	counts map[string]int
	err    error
}

// startFreqRead starts reading the viewer's shared counts, bounded by deadline; nil when
// there is nothing to read (no store, no cap, no viewer).
func (a *AdServer) startFreqRead(viewer string, now, deadline time.Time) *freqRead {
	if a.store == nil || a.cfg.FreqCap <= 0 || viewer == "" {
		return nil
	}
	r := &freqRead{done: make(chan struct{})}
	go func() {
		defer close(r.done)
		ctx, cancel := context.WithDeadline(context.Background(), deadline)
		defer cancel()
		r.counts, r.err = a.store.Counts(ctx, viewer, now)
	}()
	return r
}

// awaitFreq returns the shared counts once read, waiting at most until arrival plus
// --freq-timeout (not at all once that is past); nil — the local counts alone — when they
// did not come in time or could not be read. waited is the time it waited (the decision's
// wait for Cassandra beyond the auction).
func (a *AdServer) awaitFreq(r *freqRead, arrival time.Time) (counts map[string]int, waited time.Duration) {
	if r == nil {
		return nil, 0
	}
	select {
	case <-r.done:
	default:
		wait := time.Until(arrival.Add(a.cfg.FreqTimeout))
		if wait <= 0 {
			a.freqTimeout.Inc()
			return nil, 0
		}
		start := time.Now()
		t := time.NewTimer(wait)
		defer t.Stop()
		select {
		case <-r.done:
			waited = time.Since(start)
			a.freqWait.Update(waited.Seconds())
		case <-t.C:
			waited = time.Since(start)
			a.freqWait.Update(waited.Seconds())
			a.freqTimeout.Inc()
			return nil, waited
		}
	}
	if errors.Is(r.err, context.DeadlineExceeded) {
		a.freqTimeout.Inc() // the decision's own deadline passed while reading
		return nil, waited
	}
	if r.err != nil {
		a.freqError.Inc()
		a.log.Debug("frequency counts not read: local counts only", "err", r.err)
		return nil, waited
	}
	return r.counts, waited
}

// freqWrite is one impression on its way to the store.
type freqWrite struct {
	viewer, key, ad string
	at              time.Time
}

const (
	freqWriters     = 4
	freqQueue       = 4096
	freqWriteTimout = 2 * time.Second
)

// startFreqWriters starts the writers of impressions to the store.
func (a *AdServer) startFreqWriters() {
	a.freqWrites = make(chan freqWrite, freqQueue)
	a.freqWG.Add(freqWriters)
	for range freqWriters {
		go func() {
			defer a.freqWG.Done()
			for w := range a.freqWrites {
				ctx, cancel := context.WithTimeout(context.Background(), freqWriteTimout)
				err := a.store.Add(ctx, w.viewer, w.key, w.ad, w.at)
				cancel()
				if err != nil {
					a.freqWriteErr.Inc()
					a.log.Debug("frequency write failed", "err", err)
					continue
				}
				a.freqWriteOK.Inc()
			}
		}()
	}
}

// recordImpression counts an impression of key for the viewer: at once in the local counters,
// then in the shared store (queued).
func (a *AdServer) recordImpression(viewer, key, adID string, now time.Time) {
	a.freq.Record(viewer, key, now)
	if a.freqWrites == nil {
		return
	}
	a.freqMu.RLock()
	defer a.freqMu.RUnlock()
	if a.freqClosed {
		return
	}
	select {
	case a.freqWrites <- freqWrite{viewer: viewer, key: key, ad: adID, at: now}:
	default:
		a.freqWriteDrop.Inc()
	}
}

// closeFreqWriters stops taking writes and waits, until ctx ends, for the queued ones.
func (a *AdServer) closeFreqWriters(ctx context.Context) error {
	if a.freqWrites == nil {
		return nil
	}
	a.freqMu.Lock()
	if !a.freqClosed {
		a.freqClosed = true
		close(a.freqWrites)
	}
	a.freqMu.Unlock()
	done := make(chan struct{})
	go func() { a.freqWG.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// freqWriterState is the AdServer's part for shared frequency writes.
type freqWriterState struct {
	freqWrites chan freqWrite
	freqWG     sync.WaitGroup
	freqMu     sync.RWMutex
	freqClosed bool
}
