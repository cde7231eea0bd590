package producer

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// replayer sends the spool back to Kafka, oldest segment first, one segment at a time. It probes
// Kafka with a metadata request before each attempt and backs off while Kafka stays away. A
// segment is deleted once every record in it is resolved: acknowledged, refused for good, or
// damaged beyond reading (the last two are counted as dropped).
//
// Records still in the Kafka client when a segment is retried keep their order per partition:
// the client fails a partition's buffered records together, from the first failed one on.
type replayer struct {
	p      *Producer
	done   chan struct{}
	cur    *replaying     // the segment being replayed; the loop's until done is closed, then finish's
	wg     sync.WaitGroup // replayed records not yet resolved by the Kafka client
	outage bool           // Kafka was found unreachable and has not been seen back yet
}

// replaying is a segment loaded for replay, with the state of each of its intact frames.
type replaying struct {
	seg      *segment
	last     bool // the spool's last segment: the dispatcher may be holding records for it
	data     []byte
	frames   []replayFrame
	recs     []kgo.Record
	resolved []atomic.Bool

	mu      sync.Mutex
	lastErr error
}

type replayFrame struct {
	off, end int // the frame's bytes in data
	frame
	fam *familyMetrics
}

func (r *replayer) init(p *Producer) {
	r.p = p
	r.done = make(chan struct{})
}

func (r *replayer) loop() {
	defer close(r.done)
	p := r.p
	ctx := p.replayCtx
	wait := p.cfg.backoff
	sleep := func() bool {
		t := time.NewTimer(wait)
		defer t.Stop()
		wait = min(2*wait, p.cfg.maxBackoff)
		select {
		case <-t.C:
			return true
		case <-ctx.Done():
			return false
		}
	}
	for ctx.Err() == nil {
		if r.cur == nil {
			if !p.spool.pending.Load() {
				if r.outage {
					r.outage = false
					p.cfg.log.Info("spool replayed: producing to Kafka directly again")
				}
				select {
				case <-p.spool.kick:
				case <-ctx.Done():
					return
				}
				continue
			}
			if err := r.ping(ctx); err != nil {
				p.cfg.log.Debug("Kafka not reachable for replay", "err", err)
				r.down(err)
				if !sleep() {
					return
				}
				continue
			}
			seg, last := p.spool.next()
			if seg == nil {
				continue // drained: new records go directly to Kafka
			}
			cur, err := r.load(seg)
			if err != nil {
				if last {
					p.spool.abortDrain()
				}
				p.cfg.log.Error("cannot read spool segment; will retry", "path", seg.path, "err", err)
				if !sleep() {
					return
				}
				continue
			}
			cur.last = last
			r.cur = cur
		}
		complete, stopped := r.attempt(ctx)
		if stopped {
			return
		}
		if !complete {
			if r.cur.last {
				p.spool.abortDrain()
			}
			r.cur.mu.Lock()
			err := r.cur.lastErr
			r.cur.mu.Unlock()
			p.cfg.log.Debug("spool replay attempt incomplete; will retry", "path", r.cur.seg.path, "err", err)
			r.down(err)
			if !sleep() {
				return
			}
			continue
		}
		if err := p.spool.remove(r.cur.seg); err != nil {
			p.cfg.log.Error("cannot remove replayed spool segment", "path", r.cur.seg.path, "err", err)
		}
		if r.cur.last {
			p.spool.finishDrain()
		}
		r.cur = nil
		wait = p.cfg.backoff
	}
}

func (r *replayer) down(err error) {
	if !r.outage {
		r.outage = true
		r.p.cfg.log.Warn("Kafka unavailable: spooling events to disk until it is back", "dir", r.p.cfg.spoolDir, "err", err)
	}
}

func (r *replayer) ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, r.p.cfg.deliveryTimeout)
	defer cancel()
	return r.p.cl.Ping(ctx)
}

// load reads a segment and counts its damage, once. A segment with nothing left to send is
// removed, and load returns the next one.
func (r *replayer) load(seg *segment) (*replaying, error) {
	p := r.p
	data, err := os.ReadFile(seg.path)
	if errors.Is(err, os.ErrNotExist) {
		data, err = nil, nil // removed behind our back: nothing to replay
	}
	if err != nil {
		return nil, err
	}
	cur := &replaying{seg: seg, data: data}
	rd := segmentReader{data: data}
	for f, ok := rd.next(); ok; f, ok = rd.next() {
		cur.frames = append(cur.frames, replayFrame{off: rd.frameAt, end: rd.off, frame: f, fam: p.stats.family(f.family)})
	}
	if rd.damaged > 0 {
		err := fmt.Errorf("spool segment %s: %d damaged regions, %d bytes skipped", seg.path, rd.damaged, rd.skipped)
		p.cfg.log.Error("spool damage detected by CRC: the records in the damaged bytes are lost, the rest are replayed",
			"path", seg.path, "damaged_regions", rd.damaged, "skipped_bytes", rd.skipped, "intact_records", len(cur.frames))
		p.stats.drop(p.stats.unknown, reasonSpoolDamaged, rd.damaged, err)
	}
	cur.recs = make([]kgo.Record, len(cur.frames))
	cur.resolved = make([]atomic.Bool, len(cur.frames))
	for i := range cur.frames {
		if cur.frames[i].fam == nil {
			p.stats.drop(p.stats.familyOrUnknown(cur.frames[i].family), reasonUnknownFamily, 1, nil)
			cur.resolved[i].Store(true)
		}
	}
	return cur, nil
}

// attempt produces every unresolved record of the current segment and waits for the answers.
// complete reports that all are resolved; stopped, that Close interrupted the wait.
func (r *replayer) attempt(ctx context.Context) (complete, stopped bool) {
	cur := r.cur
	for i := range cur.frames {
		if cur.resolved[i].Load() {
			continue
		}
		fr := &cur.frames[i]
		kr := &cur.recs[i]
		// The Kafka timestamp is the replay time: the client measures the delivery timeout
		// from it. The event's own time is in its encoding, unchanged.
		*kr = kgo.Record{Topic: fr.fam.topic, Value: fr.value}
		if len(fr.key) > 0 {
			kr.Key = fr.key
		}
		r.wg.Add(1)
		r.p.cl.Produce(ctx, kr, r.promise(cur, i))
		if ctx.Err() != nil {
			break // the record was failed with ctx's error; the rest wait for the next process
		}
	}
	done := make(chan struct{})
	go func() {
		r.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-ctx.Done():
		return false, true
	}
	for i := range cur.resolved {
		if !cur.resolved[i].Load() {
			return false, false
		}
	}
	return true, false
}

func (r *replayer) promise(cur *replaying, i int) func(*kgo.Record, error) {
	p := r.p
	fam := cur.frames[i].fam
	return func(_ *kgo.Record, err error) {
		defer r.wg.Done()
		switch {
		case err == nil:
			fam.replayed.Inc()
			p.stats.replayed.Add(1)
			cur.resolved[i].Store(true)
		case isRejected(err):
			p.stats.drop(fam, reasonRejected, 1, err)
			cur.resolved[i].Store(true)
		default:
			cur.mu.Lock()
			cur.lastErr = err
			cur.mu.Unlock()
		}
	}
}

// finish runs in Close after the loop returned and the Kafka client closed. It settles a segment
// interrupted mid-replay: deleted when all of it reached Kafka after all, rewritten without the
// records that did so the next process does not send them twice, or left whole.
func (r *replayer) finish() error {
	cur := r.cur
	if cur == nil {
		return nil
	}
	done := make(chan struct{})
	go func() {
		r.wg.Wait()
		close(done)
	}()
	grace := time.NewTimer(time.Second)
	defer grace.Stop()
	select {
	case <-done:
	case <-grace.C:
		// The closed client still owes answers: leave the segment whole. Records it did deliver
		// are sent again by the next process (at-least-once; consumers drop duplicates by id).
		return nil
	}
	var keep []byte
	resolved := 0
	for i := range cur.frames {
		if cur.resolved[i].Load() {
			resolved++
			continue
		}
		keep = append(keep, cur.data[cur.frames[i].off:cur.frames[i].end]...)
	}
	switch {
	case len(keep) == len(cur.data):
		return nil // nothing resolved, nothing damaged: the file is already what is left
	case len(keep) == 0:
		return r.p.spool.remove(cur.seg)
	default:
		if err := r.p.spool.replace(cur.seg, keep); err != nil {
			return fmt.Errorf("producer: rewrite partly replayed spool segment %s (it will be replayed whole): %w", cur.seg.path, err)
		}
		return nil
	}
}
