package events

import (
	"fmt"
	"slices"
	"time"
	"unicode/utf8"
)

// Limits that Validate enforces on every event.
const (
	// MaxTokenLen bounds ids, names and other single-token strings.
	MaxTokenLen = 128
	// MaxTextLen bounds free text such as error messages.
	MaxTextLen = 1024
	// MaxItems bounds every list (bids, formats, recommended items, pod creatives).
	MaxItems = 1000
	// MaxMicros bounds money: one million currency units, in micros.
	MaxMicros = 1_000_000 * 1_000_000
	// MaxDurationMS bounds durations in milliseconds (a day).
	MaxDurationMS = 24 * 3600 * 1000
	// MaxLatencyUS bounds server latencies in microseconds (an hour).
	MaxLatencyUS = 3600 * 1_000_000
	// MaxCount bounds counters (rebuffers, bidders, positions, …).
	MaxCount = 1_000_000
)

// Times outside [MinTime, MaxTime) are rejected: they are clock errors, and ClickHouse's
// DateTime cannot hold all of them.
var (
	MinTime = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	MaxTime = time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)
)

// ValidationError names the field that failed validation and why.
type ValidationError struct {
	Field   string
	Problem string
}

func (e *ValidationError) Error() string { return e.Field + ": " + e.Problem }

// checker records the first validation failure; later checks are no-ops. Validate methods run
// every check unconditionally and return c.err, which keeps them short and linear.
type checker struct{ err error }

func (c *checker) fail(field, format string, args ...any) {
	if c.err == nil {
		c.err = &ValidationError{Field: field, Problem: fmt.Sprintf(format, args...)}
	}
}

// token checks an id or name: printable ASCII without spaces, quotes or backslashes, at most
// MaxTokenLen bytes, and non-empty when required.
func (c *checker) token(field, v string, required bool) {
	if c.err != nil {
		return
	}
	if v == "" {
		if required {
			c.fail(field, "required")
		}
		return
	}
	if len(v) > MaxTokenLen {
		c.fail(field, "longer than %d bytes", MaxTokenLen)
		return
	}
	for i := 0; i < len(v); i++ {
		if b := v[i]; b <= ' ' || b >= 0x7f || b == '"' || b == '\\' {
			c.fail(field, "byte %d (%q) is not printable ASCII without spaces, quotes or backslashes", i, b)
			return
		}
	}
}

// text checks free text: valid UTF-8, at most max bytes.
func (c *checker) text(field, v string, max int) {
	if c.err != nil {
		return
	}
	if len(v) > max {
		c.fail(field, "longer than %d bytes", max)
	} else if !utf8.ValidString(v) {
		c.fail(field, "not valid UTF-8")
	}
}

func (c *checker) tokens(field string, vs []string, required bool) {
	if c.err != nil {
		return
	}
	if len(vs) == 0 && required {
		c.fail(field, "required")
		return
	}
	if len(vs) > MaxItems {
		c.fail(field, "more than %d items", MaxItems)
		return
	}
	for i, v := range vs {
		if c.token(field, v, true); c.err != nil {
			c.err.(*ValidationError).Field = fmt.Sprintf("%s[%d]", field, i)
			return
		}
	}
}

// rangeInt checks min ≤ v ≤ max.
func (c *checker) rangeInt(field string, v, min, max int64) {
	if c.err == nil && (v < min || v > max) {
		c.fail(field, "%d is outside [%d, %d]", v, min, max)
	}
}

func (c *checker) time(field string, t time.Time) {
	if c.err != nil {
		return
	}
	if t.IsZero() {
		c.fail(field, "required")
	} else if t.Before(MinTime) || !t.Before(MaxTime) {
		c.fail(field, "%s is outside [%s, %s)", t.Format(time.RFC3339), MinTime.Format(time.RFC3339), MaxTime.Format(time.RFC3339))
	}
}

// oneOf checks that v is one of allowed (or empty when not required).
func (c *checker) oneOf(field, v string, required bool, allowed ...string) {
	if c.err != nil {
		return
	}
	if v == "" && !required {
		return
	}
	for _, a := range allowed {
		if v == a {
			return
		}
	}
	c.fail(field, "%q is not one of %q", v, slices.Clone(allowed)) // the clone keeps allowed on the caller's stack
}

// currency checks an ISO 4217 code: empty (meaning USD) or three upper-case letters.
func (c *checker) currency(field, v string) {
	if c.err != nil || v == "" {
		return
	}
	if len(v) != 3 || !isUpper(v[0]) || !isUpper(v[1]) || !isUpper(v[2]) {
		c.fail(field, "%q is not an ISO 4217 code (three upper-case letters)", v)
	}
}

func isUpper(b byte) bool { return b >= 'A' && b <= 'Z' }
