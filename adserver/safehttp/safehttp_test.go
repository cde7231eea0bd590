package safehttp_test

import (
	"bytes"
	"compress/gzip"
	"errors"
	"net"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/cuepoint/cuepoint/adserver/safehttp"
)

func TestCheck(t *testing.T) {
	g := safehttp.NewGuard(nil)
	for addr, want := range map[string]string{
		"127.0.0.1":          "loopback",
		"127.9.9.9":          "loopback",
		"::1":                "loopback",
		"10.1.2.3":           "private",
		"172.16.0.1":         "private",
		"192.168.1.1":        "private",
		"fd00::1":            "private",
		"169.254.169.254":    "link-local",
		"fe80::1":            "link-local",
		"0.0.0.0":            "unspecified",
		"::":                 "unspecified",
		"100.64.0.1":         "shared (CGNAT)",
		"224.0.0.1":          "multicast",
		"255.255.255.255":    "reserved",
		"::ffff:127.0.0.1":   "loopback",
		"::ffff:10.0.0.1":    "private",
		"64:ff9b::a00:1":     "private (embedded in 64:ff9b::a00:1)",
		"2002:a9fe:a9fe::1":  "link-local (embedded in 2002:a9fe:a9fe::1)",
		"8.8.8.8":            "",
		"203.0.113.7":        "",
		"2606:4700:4700::11": "",
	} {
		if got := g.Check(netip.MustParseAddr(addr)); got != want {
			t.Errorf("Check(%s) = %q, want %q", addr, got, want)
		}
	}
	dev := safehttp.NewGuard(safehttp.MustPrefixes("127.0.0.0/8", "::1"))
	if r := dev.Check(netip.MustParseAddr("127.0.0.1")); r != "" {
		t.Errorf("allow-listed loopback refused: %s", r)
	}
	if r := dev.Check(netip.MustParseAddr("::ffff:127.0.0.1")); r != "" {
		t.Errorf("allow-listed mapped loopback refused: %s", r)
	}
	if r := dev.Check(netip.MustParseAddr("169.254.169.254")); r == "" {
		t.Error("metadata address allowed by a loopback allow list")
	}
	if _, err := safehttp.ParsePrefixes([]string{"not-an-ip"}); err == nil {
		t.Error("ParsePrefixes accepted garbage")
	}
}

// serve runs h on a loopback port until the test ends and returns its base URL.
func serve(t *testing.T, h fasthttp.RequestHandler) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &fasthttp.Server{Handler: h}
	go func() { _ = s.Serve(ln) }()
	t.Cleanup(func() { _ = s.Shutdown() })
	return "http://" + ln.Addr().String()
}

func TestClientRefusesLoopbackUnlessAllowListed(t *testing.T) {
	var hits atomic.Int64
	base := serve(t, func(ctx *fasthttp.RequestCtx) { hits.Add(1); ctx.SetBodyString("ok") })
	deadline := time.Now().Add(5 * time.Second)
	port := base[strings.LastIndexByte(base, ':'):]

	strict := safehttp.NewClient(safehttp.NewGuard(nil), safehttp.Options{})
	for _, u := range []string{base + "/x", "http://localhost" + port + "/x", "http://[::ffff:127.0.0.1]" + port + "/x"} {
		_, err := strict.Get(deadline, u, nil, nil)
		var re *safehttp.RefusedError
		if !errors.Is(err, safehttp.ErrRefused) || !errors.As(err, &re) || re.Reason != "loopback" {
			t.Errorf("GET %s: err = %v, want a loopback refusal", u, err)
		}
	}
	if n := hits.Load(); n != 0 {
		t.Fatalf("the refused server was reached %d times", n)
	}

	dev := safehttp.NewClient(safehttp.NewGuard(safehttp.MustPrefixes("127.0.0.0/8")), safehttp.Options{})
	resp, err := dev.Get(deadline, base+"/x", nil, nil)
	if err != nil || resp.Status != 200 || string(resp.Body) != "ok" {
		t.Fatalf("allow-listed GET = %+v, %v", resp, err)
	}
}

func TestClientRedirectsAreGuarded(t *testing.T) {
	var base string
	base = serve(t, func(ctx *fasthttp.RequestCtx) {
		switch string(ctx.Path()) {
		case "/hop":
			ctx.Redirect(base+"/final", 302)
		case "/final":
			ctx.SetBodyString("final")
		case "/metadata":
			ctx.Redirect("http://169.254.169.254/latest/meta-data/", 302)
		case "/loop":
			ctx.Redirect("/loop", 302)
		}
	})
	c := safehttp.NewClient(safehttp.NewGuard(safehttp.MustPrefixes("127.0.0.0/8")), safehttp.Options{MaxRedirects: 3})
	deadline := time.Now().Add(5 * time.Second)
	resp, err := c.Get(deadline, base+"/hop", nil, nil)
	if err != nil || string(resp.Body) != "final" || resp.URL != base+"/final" {
		t.Fatalf("redirect: %+v, %v", resp, err)
	}
	if _, err := c.Get(deadline, base+"/metadata", nil, nil); !errors.Is(err, safehttp.ErrRefused) {
		t.Fatalf("redirect to the metadata address: err = %v, want a refusal", err)
	}
	if _, err := c.Get(deadline, base+"/loop", nil, nil); err == nil || !strings.Contains(err.Error(), "redirects") {
		t.Fatalf("redirect loop: err = %v", err)
	}
	if _, err := c.Get(deadline, "file:///etc/passwd", nil, nil); err == nil {
		t.Fatal("file URL fetched")
	}
}

func TestClientInflatesGzipWithinTheCap(t *testing.T) {
	gz := func(b []byte) []byte {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		_, _ = zw.Write(b)
		_ = zw.Close()
		return buf.Bytes()
	}
	small, bomb := gz([]byte("<VAST/>")), gz(make([]byte, 10<<20))
	var gotHeader atomic.Value
	base := serve(t, func(ctx *fasthttp.RequestCtx) {
		gotHeader.Store(string(ctx.Request.Header.Peek("X-Device-IP")))
		ctx.Response.Header.Set("Content-Encoding", "gzip")
		if string(ctx.Path()) == "/bomb" {
			ctx.SetBody(bomb)
			return
		}
		ctx.SetBody(small)
	})
	c := safehttp.NewClient(safehttp.NewGuard(safehttp.MustPrefixes("127.0.0.1")), safehttp.Options{MaxBodyBytes: 64 << 10})
	deadline := time.Now().Add(5 * time.Second)
	resp, err := c.Get(deadline, base+"/small", []safehttp.Header{{Name: "X-Device-IP", Value: "203.0.113.9"}}, nil)
	if err != nil || string(resp.Body) != "<VAST/>" {
		t.Fatalf("gzip: %q, %v", resp.Body, err)
	}
	if gotHeader.Load() != "203.0.113.9" {
		t.Fatalf("X-Device-IP = %v", gotHeader.Load())
	}
	if _, err := c.Get(deadline, base+"/bomb", nil, nil); !errors.Is(err, safehttp.ErrTooLarge) {
		t.Fatalf("gzip bomb: err = %v, want ErrTooLarge", err)
	}
}
