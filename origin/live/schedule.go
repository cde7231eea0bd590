package live

import (
	"time"

	"github.com/cuepoint/cuepoint/origin/scte35"
)

// span is break k placed on segments: ads from segment first to end-1, content again at end.
// The splice points are computed once, on the reference timeline, and apply to every
// rendition, audio included.
type span struct {
	k          int64
	first, end int64
}

// breakSpan places break k: its first segment is the first to start at or after the nominal
// time, and it lasts the scheduled duration rounded up to whole segments.
func (c *Channel) breakSpan(k int64) span {
	s := c.cfg.Breaks
	first := c.tl.atOrAfter(s.Offset + time.Duration(k)*s.Every)
	end := c.tl.atOrAfter(c.tl.start(first) + s.Duration)
	return span{k: k, first: first, end: max(end, first+1)}
}

// breakAt returns the break whose span covers segment g, counting its end segment (the one
// that carries the CUE-IN).
func (c *Channel) breakAt(g int64) (span, bool) {
	s := c.cfg.Breaks
	st := c.tl.start(g)
	if st < s.Offset {
		return span{}, false
	}
	k0 := int64((st - s.Offset) / s.Every)
	for k := k0; k >= 0 && k >= k0-1; k-- {
		if b := c.breakSpan(k); b.first <= g && g <= b.end {
			return b, true
		}
	}
	return span{}, false
}

// nextBreak returns the first break starting after segment g.
func (c *Channel) nextBreak(g int64) span {
	s := c.cfg.Breaks
	k := int64(0)
	if st := c.tl.start(g); st > s.Offset {
		k = int64((st - s.Offset) / s.Every)
	}
	for b := c.breakSpan(k); ; b = c.breakSpan(b.k + 1) {
		if b.first > g {
			return b
		}
	}
}

// cueBreak describes span b for the SCTE-35 layer.
func (c *Channel) cueBreak(b span) scte35.Break {
	startPTS := c.src.startPTS + scte35.DurationToTicks(c.tl.starts[b.first%c.tl.n])
	return scte35.Break{
		EventID:  uint32(b.k + 1),
		Start:    c.cfg.Epoch.Add(c.tl.start(b.first)),
		Duration: c.tl.start(b.end) - c.tl.start(b.first),
		PTS:      startPTS % scte35.PTSWrap,
	}
}

// signals renders break b in the channel's format, once: the few breaks a window can show are
// kept in a small ring.
func (c *Channel) signals(b span) (*scte35.Signals, error) {
	c.sigMu.Lock()
	defer c.sigMu.Unlock()
	for _, e := range c.sigRing {
		if e.s != nil && e.k == b.k {
			return e.s, nil
		}
	}
	s, err := scte35.Render(c.cfg.Format, c.cueBreak(b))
	if err != nil {
		return nil, err
	}
	c.sigRing[c.sigNext] = sigEntry{b.k, s}
	c.sigNext = (c.sigNext + 1) % len(c.sigRing)
	return s, nil
}

type sigEntry struct {
	k int64
	s *scte35.Signals
}

// announced reports whether a cue for the segment g is visible at media time e: a DATERANGE
// arrives Lead ahead of the splice point.
func (c *Channel) announced(g int64, e time.Duration) bool {
	return e >= c.tl.start(g)-c.cfg.Breaks.Lead
}
