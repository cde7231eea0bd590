package loadtest

import (
	"fmt"
	"html"
	"math"
	"strings"
)

// A tiny SVG line-chart writer for the HTML report: no JavaScript, no dependencies, and output
// that any browser (or an XML parser) reads.

type point struct{ x, y float64 }

type series struct {
	name   string
	color  string
	dashed bool
	points []point
}

type tick struct {
	v     float64
	label string
}

// axis maps data values to pixels. A log axis takes log10 of the values; ticks are in data units.
type axis struct {
	label    string
	log      bool
	min, max float64
	ticks    []tick
}

func (a *axis) pos(v float64) float64 {
	lo, hi := a.min, a.max
	if a.log {
		v, lo, hi = math.Log10(math.Max(v, a.min)), math.Log10(a.min), math.Log10(a.max)
	}
	if hi <= lo {
		return 0
	}
	return (v - lo) / (hi - lo)
}

type chart struct {
	title  string
	w, h   int
	x, y   axis
	series []series
}

const (
	padLeft, padRight, padTop, padBottom = 70, 130, 30, 44
)

func (c *chart) svg() string {
	var b strings.Builder
	pw, ph := float64(c.w-padLeft-padRight), float64(c.h-padTop-padBottom)
	px := func(v float64) float64 { return padLeft + c.x.pos(v)*pw }
	py := func(v float64) float64 { return padTop + (1-c.y.pos(v))*ph }
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="11">`, c.w, c.h, c.w, c.h)
	fmt.Fprintf(&b, `<text x="%d" y="18" font-size="13" font-weight="bold">%s</text>`, padLeft, html.EscapeString(c.title))
	fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%.0f" height="%.0f" fill="#fafafa" stroke="#ccc"/>`, padLeft, padTop, pw, ph)
	for _, t := range c.y.ticks {
		y := py(t.v)
		fmt.Fprintf(&b, `<line x1="%d" y1="%.1f" x2="%.0f" y2="%.1f" stroke="#e4e4e4"/>`, padLeft, y, padLeft+pw, y)
		fmt.Fprintf(&b, `<text x="%d" y="%.1f" text-anchor="end" dominant-baseline="middle">%s</text>`, padLeft-6, y, html.EscapeString(t.label))
	}
	for _, t := range c.x.ticks {
		x := px(t.v)
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%.0f" stroke="#e4e4e4"/>`, x, padTop, x, padTop+ph)
		fmt.Fprintf(&b, `<text x="%.1f" y="%.0f" text-anchor="middle">%s</text>`, x, padTop+ph+15, html.EscapeString(t.label))
	}
	fmt.Fprintf(&b, `<text x="%.0f" y="%d" text-anchor="middle">%s</text>`, padLeft+pw/2, c.h-6, html.EscapeString(c.x.label))
	fmt.Fprintf(&b, `<text x="14" y="%.0f" text-anchor="middle" transform="rotate(-90 14 %.0f)">%s</text>`, padTop+ph/2, padTop+ph/2, html.EscapeString(c.y.label))
	for i, s := range c.series {
		if len(s.points) == 0 {
			continue
		}
		var d strings.Builder
		for j, p := range s.points {
			cmd := 'L'
			if j == 0 {
				cmd = 'M'
			}
			fmt.Fprintf(&d, "%c%.1f %.1f ", cmd, px(p.x), py(p.y))
		}
		dash := ""
		if s.dashed {
			dash = ` stroke-dasharray="6 4"`
		}
		fmt.Fprintf(&b, `<path d="%s" fill="none" stroke="%s" stroke-width="1.6"%s/>`, strings.TrimSpace(d.String()), s.color, dash)
		if len(s.points) == 1 {
			p := s.points[0]
			fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="3" fill="%s"/>`, px(p.x), py(p.y), s.color)
		}
		ly := padTop + 10 + 16*i
		fmt.Fprintf(&b, `<line x1="%.0f" y1="%d" x2="%.0f" y2="%d" stroke="%s" stroke-width="2"%s/>`, padLeft+pw+10, ly, padLeft+pw+30, ly, s.color, dash)
		fmt.Fprintf(&b, `<text x="%.0f" y="%d" dominant-baseline="middle">%s</text>`, padLeft+pw+35, ly, html.EscapeString(s.name))
	}
	b.WriteString(`</svg>`)
	return b.String()
}

// logAxis spans [lo, hi] (both > 0) with ticks at 1, 2 and 5 times powers of ten.
func logAxis(label string, lo, hi float64, unit func(float64) string) axis {
	if !(lo > 0) {
		lo = 0.001
	}
	if hi <= lo {
		hi = lo * 10
	}
	lo = math.Pow(10, math.Floor(math.Log10(lo)))
	hi = math.Pow(10, math.Ceil(math.Log10(hi)))
	a := axis{label: label, log: true, min: lo, max: hi}
	decades := math.Log10(hi / lo)
	for d := lo; d <= hi*1.0001; d *= 10 {
		for _, m := range []float64{1, 2, 5} {
			v := d * m
			if v > hi*1.0001 || (m != 1 && decades > 4) {
				continue
			}
			a.ticks = append(a.ticks, tick{v, unit(v)})
		}
	}
	return a
}

// linearAxis spans [0, hi] with about five round ticks.
func linearAxis(label string, hi float64, unit func(float64) string) axis {
	if !(hi > 0) {
		hi = 1
	}
	step := niceStep(hi / 5)
	hi = math.Ceil(hi/step) * step
	a := axis{label: label, min: 0, max: hi}
	for v := 0.0; v <= hi*1.0001; v += step {
		a.ticks = append(a.ticks, tick{v, unit(v)})
	}
	return a
}

func niceStep(raw float64) float64 {
	p := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 5, 10} {
		if raw <= m*p {
			return m * p
		}
	}
	return 10 * p
}

func fmtMS(v float64) string {
	switch {
	case v >= 1000:
		return trimFloat(v/1000) + "s"
	case v >= 1:
		return trimFloat(v) + "ms"
	default:
		return trimFloat(v*1000) + "µs"
	}
}

func fmtCount(v float64) string {
	switch {
	case v >= 1e6:
		return trimFloat(v/1e6) + "M"
	case v >= 1e3:
		return trimFloat(v/1e3) + "k"
	}
	return trimFloat(v)
}

func fmtSeconds(v float64) string { return trimFloat(v) + "s" }

func trimFloat(v float64) string { return strings.TrimSuffix(fmt.Sprintf("%.3g", v), ".0") }
