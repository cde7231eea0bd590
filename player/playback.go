package player

import "time"

// playback simulates the video element: a playhead in media time that moves with the session's
// clock while enough is buffered, stalls when it reaches the end of the buffer, and resumes when
// the resume threshold is buffered again.
type playback struct {
	started    bool
	playhead   time.Duration
	last       time.Time // when the playhead was last moved
	stalled    bool
	stallStart time.Time
	ended      bool

	watch        time.Duration
	rebuffers    int
	rebufferTime time.Duration
}

// start begins playback at now.
func (b *playback) start(now time.Time) {
	b.started, b.last = true, now
}

// advance moves the playhead to now, given the media buffered (end) and whether the end of the
// buffer is the end of the stream. A playhead that reaches the buffer's end stalls at the exact
// moment it did.
func (b *playback) advance(now time.Time, end time.Duration, endOfStream bool) {
	if !b.started || b.stalled || b.ended {
		b.last = now
		return
	}
	el := now.Sub(b.last)
	b.last = now
	if el <= 0 {
		return
	}
	room := max(end-b.playhead, 0)
	if el < room {
		b.playhead += el
		b.watch += el
		return
	}
	b.playhead = end
	b.watch += room
	if endOfStream {
		b.ended = true
		return
	}
	b.stalled = true
	b.stallStart = now.Add(room - el)
	b.rebuffers++
}

// data is called when media was added: a stalled playback resumes once resume is buffered ahead
// (or the rest of the stream is).
func (b *playback) data(now time.Time, end time.Duration, endOfStream bool, resume time.Duration) {
	if !b.stalled {
		return
	}
	if end-b.playhead >= resume || endOfStream {
		b.stalled = false
		b.rebufferTime += now.Sub(b.stallStart)
		b.last = now
	}
}

// ahead is the media buffered ahead of the playhead.
func (b *playback) ahead(end time.Duration) time.Duration { return max(end-b.playhead, 0) }
