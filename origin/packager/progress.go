package packager

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// Progress is how far an ffmpeg run has come, from its -progress output.
type Progress struct {
	Done  time.Duration // media time written
	Total time.Duration // media time to write
	Speed float64       // media seconds per wall second (2.0 = twice real time)
	Frame int64
	End   bool // ffmpeg reported progress=end
}

// Fraction returns Done/Total in [0, 1].
func (p Progress) Fraction() float64 {
	if p.Total <= 0 {
		return 0
	}
	return min(max(float64(p.Done)/float64(p.Total), 0), 1)
}

// readProgress parses ffmpeg's -progress key=value blocks from r, calling fn at the end of each
// block (progress=continue or progress=end), until r ends.
func readProgress(r io.Reader, total time.Duration, fn func(Progress)) {
	sc := bufio.NewScanner(r)
	p := Progress{Total: total}
	for sc.Scan() {
		k, v, ok := strings.Cut(strings.TrimSpace(sc.Text()), "=")
		if !ok {
			continue
		}
		switch k {
		case "out_time_us":
			if us, err := strconv.ParseInt(v, 10, 64); err == nil && us >= 0 {
				p.Done = time.Duration(us) * time.Microsecond
			}
		case "frame":
			p.Frame, _ = strconv.ParseInt(v, 10, 64)
		case "speed":
			p.Speed, _ = strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), "x"), 64)
		case "progress":
			p.End = v == "end"
			if p.End {
				p.Done = total
			}
			if fn != nil {
				fn(p)
			}
		}
	}
	_, _ = io.Copy(io.Discard, r)
}

// Bar draws packaging progress on a terminal line (redrawn in place) or, when w is not a
// terminal, as a line every 10%.
type Bar struct {
	w        io.Writer
	tty      bool
	label    string
	lastTick int
}

// NewBar returns a progress bar writing to w; tty says whether w is a terminal.
func NewBar(w io.Writer, tty bool, label string) *Bar {
	return &Bar{w: w, tty: tty, label: label, lastTick: -1}
}

// Update draws p.
func (b *Bar) Update(p Progress) {
	f := p.Fraction()
	if !b.tty {
		if tick := int(f * 10); tick > b.lastTick {
			b.lastTick = tick
			fmt.Fprintf(b.w, "%s %3.0f%% %s/%s %s\n", b.label, f*100, clock(p.Done), clock(p.Total), speed(p))
		}
		return
	}
	const width = 30
	filled := int(f * width)
	eta := ""
	if p.Speed > 0 && !p.End {
		eta = " ETA " + clock(time.Duration(float64(p.Total-p.Done)/p.Speed))
	}
	fmt.Fprintf(b.w, "\r%s [%s%s] %3.0f%% %s/%s %s%s\x1b[K", b.label, strings.Repeat("#", filled),
		strings.Repeat(".", width-filled), f*100, clock(p.Done), clock(p.Total), speed(p), eta)
	if p.End {
		fmt.Fprintln(b.w)
	}
}

func speed(p Progress) string {
	if p.Speed <= 0 {
		return ""
	}
	return strconv.FormatFloat(p.Speed, 'f', 1, 64) + "x"
}

func clock(d time.Duration) string {
	d = max(d, 0).Round(time.Second)
	return fmt.Sprintf("%d:%02d", int(d.Minutes()), int(d.Seconds())%60)
}
