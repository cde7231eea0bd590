package recs

import (
	"errors"
	"strconv"

	"github.com/valyala/fasthttp"

	"github.com/cuepoint/cuepoint/recs/catalog"
	"github.com/cuepoint/cuepoint/recs/rank"
)

// DefaultN is the list length when a request gives none.
const DefaultN = 20

// params are a recommendation request's query parameters, checked.
type params struct {
	user      string
	n         int
	surface   rank.Surface
	content   string // "" when absent; an id the catalogue does not have is ignored
	region    catalog.Region
	hasRegion bool
	maxRating catalog.Rating
	hasRating bool
}

// badRequest is a 400 with its reason.
type badRequest struct{ reason string }

func (e *badRequest) Error() string { return e.reason }

func bad(reason string) error { return &badRequest{reason} }

// parseParams reads GET /v1/recs?user=U&n=20&surface=home|next&content=ID&country=CC&maturity=R.
// user is required; n is 1..200 (default 20); surface is home (default) or next; country
// (ISO 3166-1 alpha-2) and maturity (a rating name) override the viewer's profile. Unknown
// parameters are ignored (cache busters). The error says what to fix.
func parseParams(args *fasthttp.Args) (params, error) {
	p := params{n: DefaultN}
	user := args.Peek("user")
	if len(user) == 0 {
		return p, bad("user: required")
	}
	if err := checkToken(user); err != nil {
		return p, bad("user: " + err.Error())
	}
	p.user = string(user)
	if v := args.Peek("n"); v != nil {
		n, err := strconv.Atoi(string(v))
		if err != nil || n < 1 || n > rank.MaxN {
			return p, bad("n: want an integer in 1..200, got " + strconv.Quote(truncate(string(v), 32)))
		}
		p.n = n
	}
	switch s := args.Peek("surface"); string(s) {
	case "", "home":
		p.surface = rank.SurfaceHome
	case "next":
		p.surface = rank.SurfaceNext
	default:
		return p, bad("surface: want home or next, got " + strconv.Quote(truncate(string(s), 32)))
	}
	if v := args.Peek("content"); len(v) > 0 {
		if err := checkToken(v); err != nil {
			return p, bad("content: " + err.Error())
		}
		p.content = string(v)
	}
	if v := args.Peek("country"); len(v) > 0 {
		r, err := catalog.ParseRegion(string(v))
		if err != nil {
			return p, bad("country: want a two-letter ISO 3166-1 code, got " + strconv.Quote(truncate(string(v), 32)))
		}
		p.region, p.hasRegion = r, true
	}
	if v := args.Peek("maturity"); len(v) > 0 {
		r, err := catalog.ParseRating(string(v))
		if err != nil {
			return p, bad("maturity: want G, PG, PG-13, R or NC-17, got " + strconv.Quote(truncate(string(v), 32)))
		}
		p.maxRating, p.hasRating = r, true
	}
	return p, nil
}

// maxTokenLen is the longest id recs accepts (the analytics events' limit).
const maxTokenLen = 128

// checkToken accepts 1..128 bytes of printable ASCII without spaces, quotes or backslashes:
// what analytics events and the featurestore carry as ids.
func checkToken(b []byte) error {
	if len(b) == 0 {
		return errors.New("empty")
	}
	if len(b) > maxTokenLen {
		return errors.New("longer than 128 bytes")
	}
	for _, c := range b {
		if c <= ' ' || c >= 0x7f || c == '"' || c == '\\' {
			return errors.New("only printable ASCII without spaces, quotes or backslashes")
		}
	}
	return nil
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}
