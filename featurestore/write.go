package featurestore

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// MaxClockSkew is how far in the future an event time may be. Writes carry their event time
// as the Cassandra timestamp, so a far-future value would shadow every later write.
const MaxClockSkew = time.Minute

// Put stores fields as the view's value of the entity, as of eventTime (zero: now), with the
// view's TTL, and drops the entity from this Store's near-cache so the next read sees it
// (other processes see it within the view's Freshness).
//
// Among writes of one view the latest event time wins, whatever order they arrive in: a late
// backfill never overwrites a newer value, and replaying a write is harmless. (A Delete is
// timestamped with the time it was made, so it also hides a later Put of an older event.)
//
// Errors are a *RequestError (unknown type, view or feature, wrong value type, invalid id,
// event time too far ahead) or wrap ErrUnavailable.
func (s *Store) Put(ctx context.Context, entityType, id, view string, fields Fields, eventTime time.Time) error {
	v, err := s.reg.View(entityType, view)
	if err != nil {
		return err
	}
	if err := CheckID(id); err != nil {
		return err
	}
	value, err := v.Encode(fields, nil)
	if err != nil {
		return err
	}
	return s.PutEncoded(ctx, v, id, value, eventTime)
}

// PutEncoded is Put for a value already encoded by v.Encode (the loader and the stream
// updater validate once, then write).
func (s *Store) PutEncoded(ctx context.Context, v *View, id string, value []byte, eventTime time.Time) error {
	now := time.Now()
	if eventTime.IsZero() {
		eventTime = now
	}
	if eventTime.After(now.Add(MaxClockSkew)) {
		return badRequest("event time %s is more than %s in the future", eventTime.UTC().Format(time.RFC3339Nano), MaxClockSkew)
	}
	if eventTime.Before(time.Unix(0, 0)) {
		return badRequest("event time %s is before 1970", eventTime.UTC().Format(time.RFC3339))
	}
	ctx, cancel := context.WithTimeout(ctx, s.cfg.WriteTimeout)
	defer cancel()
	w := rowWrite{entity: v.Entity, id: id, view: v.Name, value: value,
		eventTime: eventTime.UnixMicro(), writeTime: now.UnixMicro(), ttl: v.TTL}
	t0 := time.Now()
	err := s.be.write(ctx, w)
	s.m.writeLat.Update(time.Since(t0).Seconds())
	s.invalidate(v.Entity, id)
	if err != nil {
		s.m.writeErr.Inc()
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	return nil
}

// Delete removes the view's value of the entity (reads then serve its defaults).
func (s *Store) Delete(ctx context.Context, entityType, id, view string) error {
	v, err := s.reg.View(entityType, view)
	if err != nil {
		return err
	}
	if err := CheckID(id); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, s.cfg.WriteTimeout)
	defer cancel()
	t0 := time.Now()
	err = s.be.remove(ctx, v.Entity, id, v.Name, t0.UnixMicro())
	s.m.delLat.Update(time.Since(t0).Seconds())
	s.invalidate(v.Entity, id)
	if err != nil {
		s.m.delErr.Inc()
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	return nil
}

// invalidate drops an entity from the near-cache after a write (also a failed one, which may
// have been applied) and keeps a read in flight from caching what it read before the write.
func (s *Store) invalidate(entityType, id string) {
	et, err := s.reg.Entity(entityType)
	if err != nil {
		return
	}
	s.flights[et.index].invalidate(id, func() { s.cache.del(et.index, id) })
}

// Update is the outcome of a Modify function: the view's new features, the stream updater's
// watermark stored with them, and the event time of the newest event they include.
type Update struct {
	Fields    Fields
	Watermark Watermark
	EventTime time.Time
}

// ModifyFunc computes a view's new value from its current one (cur.Present() is false when
// the view is absent). It returns ok=false to leave the view unchanged. It may run several
// times, so it must not have side effects.
type ModifyFunc func(cur Values) (u Update, ok bool, err error)

// maxModifyAttempts bounds the compare-and-set retries of Modify.
const maxModifyAttempts = 8

// Modify is a read-modify-write of one view that no concurrent Modify can lose: it reads the
// current value (a serial read), calls fn, and stores the result with a lightweight
// transaction conditional on the value being unchanged, retrying from the read when another
// writer came first. The stream updater keeps its counters and watermarks exact with it. It
// costs several Cassandra round trips: it is for updaters, not request paths. Errors wrap
// ErrUnavailable, ErrConflict, or fn's error.
func (s *Store) Modify(ctx context.Context, entityType, id, view string, fn ModifyFunc) error {
	v, err := s.reg.View(entityType, view)
	if err != nil {
		return err
	}
	if err := CheckID(id); err != nil {
		return err
	}
	defer s.invalidate(v.Entity, id)
	for attempt := 0; attempt < maxModifyAttempts; attempt++ {
		cur, old, err := s.readView(ctx, v, id)
		if err != nil {
			return err
		}
		u, ok, err := fn(cur)
		if err != nil || !ok {
			return err
		}
		value, err := v.Encode(u.Fields, u.Watermark)
		if err != nil {
			return err
		}
		now := time.Now()
		if u.EventTime.IsZero() {
			u.EventTime = now
		}
		w := rowWrite{entity: v.Entity, id: id, view: v.Name, value: value,
			eventTime: u.EventTime.UnixMicro(), writeTime: now.UnixMicro(), ttl: v.TTL}
		wctx, cancel := context.WithTimeout(ctx, s.cfg.WriteTimeout)
		t0 := time.Now()
		applied, err := s.be.compareAndWrite(wctx, w, old)
		s.m.casLat.Update(time.Since(t0).Seconds())
		cancel()
		if err != nil {
			s.m.casErr.Inc()
			return fmt.Errorf("%w: %w", ErrUnavailable, err)
		}
		if applied {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	return fmt.Errorf("%w: %s/%s/%s", ErrConflict, v.Entity, id, v.Name)
}

// readView reads one view straight from Cassandra with a serial read (bypassing the
// near-cache): its Values and its stored bytes (nil when absent) for a compare-and-set.
func (s *Store) readView(ctx context.Context, v *View, id string) (Values, []byte, error) {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.WriteTimeout)
	defer cancel()
	rows, err := s.be.read(ctx, v.Entity, id, true)
	if err != nil {
		s.m.readErr.Inc()
		return Values{}, nil, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	for _, r := range rows {
		if r.view != v.Name {
			continue
		}
		if checkValue(r.value) != nil {
			s.m.corrupt.Inc()
			// Replace it: a corrupt value cannot be updated, only overwritten.
			return Values{view: v}, r.value, nil
		}
		return Values{view: v, raw: r.value, eventTime: r.eventTime, present: true}, r.value, nil
	}
	return Values{view: v}, nil, nil
}

// IsUnavailable reports whether err is (or wraps) ErrUnavailable.
func IsUnavailable(err error) bool { return errors.Is(err, ErrUnavailable) }

// IsConflict reports whether err is (or wraps) ErrConflict.
func IsConflict(err error) bool { return errors.Is(err, ErrConflict) }
