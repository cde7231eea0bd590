package dashboard

import (
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"
)

// FuzzParseRange feeds the chart API's query string (outside input) to ParseRange: it never
// panics, refuses with a ParamError naming from, to or step, and what it accepts is a range
// every chart can render into SQL without leaving anything but digits where the parameters go.
func FuzzParseRange(f *testing.F) {
	for _, q := range []string{
		"", "from=now-15m&to=now", "from=now-7d&step=3600", "from=1772445600&to=1772452800&step=120",
		"from=2026-03-02T10:00:00Z&to=2026-03-02T12:00:00Z", "step=5m", "from=now-1e308h", "from=now-9223372036854775807d",
		"to=now-0s", "from=now&to=now-1h", "step=-60", "step=1.5m", "from=0x10", "to=1e9", "step=9223372036854775807",
		"from=now-0.5d&step=auto", "from=2026-03-02T10:00:00%2B05:00", "from=1);DROP TABLE x;--",
	} {
		f.Add(q)
	}
	now := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, query string) {
		v, err := url.ParseQuery(query)
		if err != nil {
			return
		}
		r, err := ParseRange(v.Get, now)
		if err != nil {
			var pe *ParamError
			if !errors.As(err, &pe) || (pe.Param != "from" && pe.Param != "to" && pe.Param != "step") || pe.Reason == "" {
				t.Fatalf("%q: error %v is not a ParamError naming a parameter", query, err)
			}
			return
		}
		if r.From >= r.To || r.To-r.From > MaxRange || r.Step < MinStep || r.Step%MinStep != 0 || (r.To-r.Aligned())/r.Step > MaxPoints {
			t.Fatalf("%q: accepted %+v", query, r)
		}
		for i := range Charts {
			sql := Charts[i].Render("cuepoint", r)
			rest := sql
			for _, ph := range []string{"toDateTime(", "intDiv(toUInt32("} {
				rest = strings.ReplaceAll(rest, ph, "")
			}
			if strings.ContainsAny(rest, "{};") || strings.Contains(sql, "--") {
				t.Fatalf("%q: chart %s rendered %s", query, Charts[i].Name, sql)
			}
		}
	})
}
