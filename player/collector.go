package player

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/cuepoint/cuepoint/analytics/collector"
	"github.com/cuepoint/cuepoint/analytics/events"
)

// CollectorEmitter sends events to the collector's POST /v1/events from outside the services
// (a headless player on another machine, `cuepoint play`), signed as a server sender
// (X-Cuepoint-Sender, X-Cuepoint-Signature; analytics/collector.Sign). Emit never blocks: events
// are queued and posted in batches every interval or when a batch is full; Close posts what is
// left. A batch that fails is retried once at the next flush, then dropped and counted.
type CollectorEmitter struct {
	url    string
	sender string
	secret []byte
	client *http.Client

	mu       sync.Mutex
	queue    []events.Event
	stats    CollectorStats
	wake     chan struct{}
	stop     chan struct{}
	done     chan struct{}
	closeErr error
	once     sync.Once
}

// CollectorStats counts what the collector answered.
type CollectorStats struct {
	Posted     int // requests sent
	Accepted   int // events the collector accepted
	Duplicates int
	Rejected   int    // events it rejected
	Dropped    int    // events never accepted (the request failed twice, or the queue was full)
	LastError  string // the last failure or rejection reason
}

// collectorBatch is the most events posted in one request (the collector takes 500).
const collectorBatch = 200

// collectorQueue bounds the events waiting to be posted.
const collectorQueue = 10_000

// NewCollectorEmitter posts to url (http://dashboard:8088/v1/events) as sender, signing with
// secret, every interval (default 2 s when 0).
func NewCollectorEmitter(url, sender string, secret []byte, interval time.Duration) *CollectorEmitter {
	if interval <= 0 {
		interval = 2 * time.Second
	}
	e := &CollectorEmitter{url: url, sender: sender, secret: secret, client: &http.Client{Timeout: 10 * time.Second},
		wake: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	go e.loop(interval)
	return e
}

// Emit queues ev; it never blocks. A full queue drops the event (counted).
func (e *CollectorEmitter) Emit(ev events.Event) {
	e.mu.Lock()
	if len(e.queue) >= collectorQueue {
		e.stats.Dropped++
		e.mu.Unlock()
		return
	}
	e.queue = append(e.queue, ev)
	full := len(e.queue) >= collectorBatch
	e.mu.Unlock()
	if full {
		select {
		case e.wake <- struct{}{}:
		default:
		}
	}
}

// Stats returns the counts so far.
func (e *CollectorEmitter) Stats() CollectorStats {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.stats
}

// Close posts the queued events and stops; ctx bounds the wait.
func (e *CollectorEmitter) Close(ctx context.Context) error {
	e.once.Do(func() { close(e.stop) })
	select {
	case <-e.done:
		return e.closeErr
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (e *CollectorEmitter) loop(interval time.Duration) {
	defer close(e.done)
	t := time.NewTicker(interval)
	defer t.Stop()
	var retry []events.Event
	for {
		select {
		case <-t.C:
		case <-e.wake:
		case <-e.stop:
			e.closeErr = e.flush(&retry, true)
			return
		}
		e.flush(&retry, false)
	}
}

// flush posts the queue in batches; a failed batch is kept for one more try (final: none).
func (e *CollectorEmitter) flush(retry *[]events.Event, final bool) error {
	e.mu.Lock()
	batch := append(*retry, e.queue...)
	e.queue = e.queue[:0]
	e.mu.Unlock()
	*retry = nil
	var last error
	for len(batch) > 0 {
		n := min(len(batch), collectorBatch)
		if err := e.post(batch[:n]); err != nil {
			last = err
			e.mu.Lock()
			e.stats.LastError = err.Error()
			e.mu.Unlock()
			if !final && len(*retry) == 0 {
				*retry = append(*retry, batch[:n]...)
			} else {
				e.mu.Lock()
				e.stats.Dropped += n
				e.mu.Unlock()
			}
		}
		batch = batch[n:]
	}
	return last
}

// post sends one signed batch and counts the answer.
func (e *CollectorEmitter) post(evs []events.Event) error {
	var body bytes.Buffer
	body.WriteString(`{"events":[`)
	var buf []byte
	for i, ev := range evs {
		var err error
		if buf, err = ev.Append(buf[:0]); err != nil {
			return err
		}
		if i > 0 {
			body.WriteByte(',')
		}
		fmt.Fprintf(&body, `{"family":%q,"event":`, string(ev.Family()))
		body.Write(buf)
		body.WriteByte('}')
	}
	body.WriteString(`]}`)
	req, err := http.NewRequest("POST", e.url, bytes.NewReader(body.Bytes()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(collector.HeaderSender, e.sender)
	req.Header.Set(collector.HeaderSignature, collector.Sign(e.sender, e.secret, body.Bytes(), time.Now()))
	resp, err := e.client.Do(req)
	e.mu.Lock()
	e.stats.Posted++
	e.mu.Unlock()
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	var ans struct {
		Accepted   int `json:"accepted"`
		Duplicates int `json:"duplicates"`
		Rejected   []struct {
			Reason string `json:"reason"`
		} `json:"rejected"`
	}
	_ = json.Unmarshal(raw, &ans)
	e.mu.Lock()
	e.stats.Accepted += ans.Accepted
	e.stats.Duplicates += ans.Duplicates
	e.stats.Rejected += len(ans.Rejected)
	if len(ans.Rejected) > 0 {
		e.stats.LastError = ans.Rejected[0].Reason
	}
	e.mu.Unlock()
	if resp.StatusCode == http.StatusOK || (resp.StatusCode == http.StatusBadRequest && len(ans.Rejected) > 0) {
		return nil // judged: accepted and rejected events are final
	}
	return fmt.Errorf("collector: HTTP %d: %s", resp.StatusCode, bytes.TrimSpace(raw))
}
