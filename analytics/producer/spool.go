package producer

import (
	"cmp"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/cuepoint/cuepoint/analytics/events"
)

// Spool errors. Both mean the record was dropped, and both are counted.
var (
	// ErrSpoolFull means the spool holds its maximum bytes: Kafka has been away long enough to
	// fill it. Give the spool more room (WithSpool) or bring Kafka back.
	ErrSpoolFull = errors.New("producer: spool full")
	// ErrSpoolWrite means the spool's disk refused a write (disk full, I/O error, permissions).
	ErrSpoolWrite = errors.New("producer: spool write failed")
)

const segmentSuffix = ".seg"

// spool is the on-disk FIFO of records that could not go to Kafka: a directory of numbered
// segment files, appended to one at a time and replayed oldest first. A segment is deleted only
// after every record in it was acknowledged by Kafka (or found damaged and counted).
//
// The spool is pending from the first append until the replayer has drained it: while it is
// pending, new records are appended behind the spooled ones rather than produced directly, so
// that a key's records reach Kafka in the order they were emitted. To drain a spool that keeps
// receiving records, the replayer seals the last segment and has the dispatcher hold new
// records in memory while it replays that segment (next, finishDrain, abortDrain).
type spool struct {
	dir      string
	maxBytes int64
	segBytes int64
	lock     *os.File
	lost     func(family events.Family, n int, err error) // records lost to a failed write

	mu     sync.Mutex
	seq    uint64     // number of the next segment file
	sealed []*segment // complete segments awaiting replay, oldest first
	active *segment   // the segment being appended to, nil when none is open
	size   int64      // bytes of all segments, buffered frames included
	dirty  bool       // the active file has writes not yet fsync'd
	wbuf   []byte     // frames appended to active but not yet written to its file
	wrecs  map[events.Family]int

	pending  atomic.Bool  // some record is spooled and not yet replayed
	draining atomic.Bool  // the last segment is being replayed; new records are held back
	bytes    atomic.Int64 // size, for gauges read without mu
	syncs    chan *os.File
	kick     chan struct{} // wakes the replayer
}

// segment is one spool file.
type segment struct {
	seq     uint64
	path    string
	size    int64 // bytes, buffered ones included while active
	written int64 // bytes in the file, while active
	records int   // records, while active
	f       *os.File
}

// writeBuffer is how many bytes of frames the active segment buffers before writing them.
const writeBuffer = 256 << 10

func segmentName(seq uint64) string { return fmt.Sprintf("%020d%s", seq, segmentSuffix) }

// openSpool opens (creating) the spool directory, locks it against other processes and lists
// the segments a previous process left, which become pending for replay.
func openSpool(dir string, maxBytes, segBytes int64, lost func(events.Family, int, error)) (*spool, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("producer: spool directory: %w", err)
	}
	lock, err := lockDir(dir)
	if err != nil {
		return nil, err
	}
	s := &spool{
		dir: dir, maxBytes: maxBytes, segBytes: segBytes, lock: lock, lost: lost,
		seq: 1, wrecs: map[events.Family]int{},
		syncs: make(chan *os.File, 16), kick: make(chan struct{}, 1),
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		_ = unlockDir(lock)
		return nil, fmt.Errorf("producer: spool directory: %w", err)
	}
	for _, e := range ents {
		name := e.Name()
		if strings.HasSuffix(name, segmentSuffix+".tmp") {
			_ = os.Remove(filepath.Join(dir, name)) // a rewrite (replace) a crash interrupted
			continue
		}
		if !strings.HasSuffix(name, segmentSuffix) || !e.Type().IsRegular() {
			continue
		}
		seq, err := strconv.ParseUint(strings.TrimSuffix(name, segmentSuffix), 10, 64)
		if err != nil {
			continue
		}
		info, err := e.Info()
		if err != nil {
			continue
		}
		s.sealed = append(s.sealed, &segment{seq: seq, path: filepath.Join(dir, name), size: info.Size()})
		s.size += info.Size()
		s.seq = max(s.seq, seq+1)
	}
	slices.SortFunc(s.sealed, func(a, b *segment) int { return cmp.Compare(a.seq, b.seq) })
	s.bytes.Store(s.size)
	s.pending.Store(len(s.sealed) > 0)
	return s, nil
}

// appendIfPending appends the record when the spool is pending and reports whether it did;
// err is set when it tried and failed. A false return means: produce the record directly.
func (s *spool) appendIfPending(at int64, family events.Family, key, value []byte) (spooled bool, err error) {
	if !s.pending.Load() {
		return false, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.pending.Load() {
		return false, nil
	}
	return true, s.appendLocked(at, family, key, value)
}

// append appends the record, making the spool pending.
func (s *spool) append(at int64, family events.Family, key, value []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.appendLocked(at, family, key, value)
}

func (s *spool) appendLocked(at int64, family events.Family, key, value []byte) error {
	n := int64(frameSize(family, key, value))
	if s.size+n > s.maxBytes {
		return ErrSpoolFull
	}
	if s.active != nil && s.active.size > 0 && s.active.size+n > s.segBytes {
		s.rotateLocked()
	}
	if s.active == nil {
		if err := s.createLocked(); err != nil {
			return err
		}
	}
	s.wbuf = appendFrame(s.wbuf, at, family, key, value)
	s.wrecs[family]++
	s.active.size += n
	s.active.records++
	s.size += n
	if len(s.wbuf) >= writeBuffer {
		if err := s.flushLocked(); err != nil {
			return err
		}
	}
	s.bytes.Store(s.size)
	if !s.pending.Load() {
		s.pending.Store(true)
		select {
		case s.kick <- struct{}{}:
		default:
		}
	}
	return nil
}

// flushLocked writes the buffered frames to the active file. When the write fails, the file is
// cut back to its last good length and the buffered records are reported lost (the caller of
// the append that triggered the flush gets the error; the earlier ones go to s.lost).
func (s *spool) flushLocked() error {
	if len(s.wbuf) == 0 {
		return nil
	}
	seg := s.active
	_, err := seg.f.Write(s.wbuf)
	if err == nil {
		seg.written += int64(len(s.wbuf))
		s.dirty = true
		s.wbuf = s.wbuf[:0]
		clear(s.wrecs)
		return nil
	}
	err = fmt.Errorf("%w: %v", ErrSpoolWrite, err)
	_ = seg.f.Truncate(seg.written)
	for fam, n := range s.wrecs {
		seg.records -= n
		if s.lost != nil {
			s.lost(fam, n, err)
		}
	}
	s.size -= seg.size - seg.written
	seg.size = seg.written
	s.bytes.Store(s.size)
	s.wbuf = s.wbuf[:0]
	clear(s.wrecs)
	return err
}

// createLocked opens a new active segment and makes its name durable.
func (s *spool) createLocked() error {
	seg := &segment{seq: s.seq, path: filepath.Join(s.dir, segmentName(s.seq))}
	f, err := os.OpenFile(seg.path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrSpoolWrite, err)
	}
	if err := syncDir(s.dir); err != nil {
		_ = f.Close()
		_ = os.Remove(seg.path)
		return fmt.Errorf("%w: %v", ErrSpoolWrite, err)
	}
	s.seq++
	seg.f = f
	s.active = seg
	return nil
}

// rotateLocked seals the active segment: its buffered frames are written, and the syncer makes
// them durable and closes the file off the append path. A failed final write has been
// reported by flushLocked; the segment keeps what reached the file.
func (s *spool) rotateLocked() {
	seg := s.active
	if seg == nil {
		return
	}
	_ = s.flushLocked()
	s.active, s.dirty = nil, false
	f := seg.f
	seg.f = nil
	if seg.size == 0 {
		_ = f.Close()
		_ = os.Remove(seg.path)
		return
	}
	s.sealed = append(s.sealed, seg)
	select {
	case s.syncs <- f:
	default:
		// The syncer is behind: sync here rather than leave a file unsynced.
		_ = syncClose(f)
	}
}

// sync makes the active segment's bytes durable. The fsync runs outside mu so that appends
// continue meanwhile; a rotation closing the file concurrently syncs it itself.
func (s *spool) sync() error {
	s.mu.Lock()
	if s.active == nil || (!s.dirty && len(s.wbuf) == 0) {
		s.mu.Unlock()
		return nil
	}
	if err := s.flushLocked(); err != nil {
		s.mu.Unlock()
		return err
	}
	f := s.active.f
	s.dirty = false
	s.mu.Unlock()
	if err := f.Sync(); err != nil && !errors.Is(err, os.ErrClosed) {
		return fmt.Errorf("%w: fsync: %v", ErrSpoolWrite, err)
	}
	return nil
}

// next returns the oldest segment to replay. When only the active segment is left, it seals
// it and starts a drain (last is true): until the replayer ends the drain, new records wait in
// the dispatcher instead of joining the spool, so that the spool can run empty even under a
// steady stream of records. When nothing is left it clears pending, so new records go directly
// to Kafka again, and returns nil. The caller must have finished replaying (and removed) the
// previous segment.
func (s *spool) next() (seg *segment, last bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.sealed) == 0 && s.active != nil && s.active.records > 0 {
		s.rotateLocked()
		last = true
		s.draining.Store(true)
	}
	if len(s.sealed) > 0 {
		return s.sealed[0], last
	}
	s.pending.Store(false)
	return nil, false
}

// finishDrain ends a drain whose last segment was replayed: when nothing was spooled
// meanwhile (a record Kafka failed, or one the dispatcher stopped holding), the spool is no
// longer pending and the held records go directly to Kafka, after everything spooled.
func (s *spool) finishDrain() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.draining.Store(false)
	if len(s.sealed) == 0 && (s.active == nil || s.active.records == 0) {
		s.pending.Store(false)
	}
}

// abortDrain ends a drain that cannot finish soon (its last segment failed, or the dispatcher
// cannot hold records longer): records join the spool again.
func (s *spool) abortDrain() { s.draining.Store(false) }

// remove deletes a replayed segment.
func (s *spool) remove(seg *segment) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := slices.Index(s.sealed, seg)
	if i < 0 {
		return nil
	}
	s.sealed = slices.Delete(s.sealed, i, i+1)
	s.size -= seg.size
	s.bytes.Store(s.size)
	if err := os.Remove(seg.path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("producer: remove replayed spool segment: %w", err)
	}
	return nil
}

// replace rewrites a partly replayed segment with only the frames still to replay, so that a
// restart does not replay the acknowledged ones again. It is atomic: a crash leaves either file.
func (s *spool) replace(seg *segment, keep []byte) error {
	tmp := seg.path + ".tmp"
	if err := writeFileSync(tmp, keep); err != nil {
		_ = os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, seg.path); err != nil {
		_ = os.Remove(tmp)
		return err
	}
	if err := syncDir(s.dir); err != nil {
		return err
	}
	s.mu.Lock()
	s.size += int64(len(keep)) - seg.size
	seg.size = int64(len(keep))
	s.bytes.Store(s.size)
	s.mu.Unlock()
	return nil
}

// segments returns the number of segment files, the active one included.
func (s *spool) segments() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := len(s.sealed)
	if s.active != nil {
		n++
	}
	return n
}

// close makes everything durable, closes the files and releases the directory lock. Records
// not yet replayed stay on disk for the next process.
func (s *spool) close() error {
	s.mu.Lock()
	s.rotateLocked()
	s.mu.Unlock()
	var errs []error
	for {
		select {
		case f := <-s.syncs:
			errs = append(errs, syncClose(f))
			continue
		default:
		}
		break
	}
	errs = append(errs, syncDir(s.dir), unlockDir(s.lock))
	return errors.Join(errs...)
}

func syncClose(f *os.File) error {
	err := f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("%w: %v", ErrSpoolWrite, err)
	}
	return nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

func writeFileSync(path string, b []byte) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		_ = f.Close()
		return err
	}
	return syncClose(f)
}
