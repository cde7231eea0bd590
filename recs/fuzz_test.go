package recs

import (
	"testing"

	"github.com/valyala/fasthttp"
)

// FuzzParams: any query string either parses into parameters within their ranges or is a
// 400 with a reason; never a panic.
func FuzzParams(f *testing.F) {
	for _, q := range []string{
		"user=viewer-1&n=20&surface=home", "user=u&n=200&surface=next&content=item-3&country=de&maturity=PG-13",
		"user=%00", "n=5", "user=u&n=99999999999999999999", "user=u&surface=%FF", "user=a&user=b", "",
	} {
		f.Add(q)
	}
	f.Fuzz(func(t *testing.T, q string) {
		var args fasthttp.Args
		args.Parse(q)
		p, err := parseParams(&args)
		if err != nil {
			if _, ok := err.(*badRequest); !ok || err.Error() == "" {
				t.Fatalf("error %T %q is not a reasoned bad request", err, err)
			}
			return
		}
		if p.user == "" || len(p.user) > maxTokenLen || p.n < 1 || p.n > 200 || checkToken([]byte(p.user)) != nil {
			t.Fatalf("accepted out-of-range parameters %+v", p)
		}
	})
}

// FuzzAction: any body either becomes a valid RecsAction or is refused; never a panic.
func FuzzAction(f *testing.F) {
	for _, b := range []string{
		`{"type":"click","list":"l","user":"u","item":"i","position":1,"model":"m","arm":"a"}`,
		`{"type":"play","list":"l","user":"u","item":"i","position":200}`,
		`{"type":"click"}`, `{"position":1e99}`, `[]`, `null`, `{"type":"click","list":"\u0000"}`,
	} {
		f.Add([]byte(b))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		ev, err := parseAction(body, "exp")
		if err != nil {
			return
		}
		if err := ev.Validate(); err != nil {
			t.Fatalf("accepted an invalid action: %v", err)
		}
	})
}
