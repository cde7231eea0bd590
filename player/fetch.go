package player

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"time"

	"github.com/valyala/fasthttp"
)

// StatusError is an HTTP answer outside 2xx.
type StatusError struct {
	Code int
	URL  string
}

func (e *StatusError) Error() string { return "HTTP " + strconv.Itoa(e.Code) + " from " + e.URL }

// newClient is the HTTP client every session of a Player shares.
func newClient(connections int, ua string) *fasthttp.Client {
	return &fasthttp.Client{
		Name:                      ua,
		MaxConnsPerHost:           max(connections, 1),
		MaxIdleConnDuration:       time.Minute,
		MaxIdemponentCallAttempts: 1,
		DisablePathNormalizing:    true,
		ReadBufferSize:            16 << 10,
	}
}

// fetcher is one session's HTTP state: its reusable request and responses.
type fetcher struct {
	client  *fasthttp.Client
	timeout time.Duration
	req     fasthttp.Request
	doc     fasthttp.Response // playlists, JSON
	media   fasthttp.Response // segments, streamed and discarded
}

func newFetcher(c *fasthttp.Client, timeout time.Duration) *fetcher {
	f := &fetcher{client: c, timeout: timeout}
	f.media.StreamBody = true
	return f
}

func (f *fetcher) deadline(ctx context.Context) time.Time {
	d := time.Now().Add(f.timeout)
	if cd, ok := ctx.Deadline(); ok && cd.Before(d) {
		d = cd
	}
	return d
}

// document GETs (or POSTs body to) u and returns the body, valid until the next call.
func (f *fetcher) document(ctx context.Context, method, u string, contentType string, body []byte) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	f.req.Reset()
	f.req.Header.SetMethod(method)
	f.req.SetRequestURI(u)
	if body != nil {
		f.req.Header.SetContentType(contentType)
		f.req.SetBodyRaw(body)
	}
	if err := f.client.DoDeadline(&f.req, &f.doc, f.deadline(ctx)); err != nil {
		return nil, err
	}
	if c := f.doc.StatusCode(); c < 200 || c > 299 {
		return nil, &StatusError{Code: c, URL: u}
	}
	return f.doc.Body(), nil
}

// header returns a header of the last document's response.
func (f *fetcher) header(name string) string { return string(f.doc.Header.Peek(name)) }

// maxRedirects bounds the redirects followed for one segment (SSAI serves ad segments as a
// redirect through itself, to fire server-side beacons).
const maxRedirects = 5

// segment GETs u, following redirects, and discards the body as it streams in, returning its
// size.
func (f *fetcher) segment(ctx context.Context, u string) (int64, error) {
	for hop := 0; ; hop++ {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		f.req.Reset()
		f.req.SetRequestURI(u)
		if err := f.client.DoDeadline(&f.req, &f.media, f.deadline(ctx)); err != nil {
			return 0, err
		}
		var n int64
		var err error
		if bs := f.media.BodyStream(); bs != nil {
			n, err = io.Copy(io.Discard, bs)
			if cerr := f.media.CloseBodyStream(); err == nil {
				err = cerr
			}
		} else {
			n = int64(len(f.media.Body()))
		}
		c := f.media.StatusCode()
		if fasthttp.StatusCodeIsRedirect(c) && hop < maxRedirects {
			loc := string(f.media.Header.Peek("Location"))
			base, perr := url.Parse(u)
			if loc == "" || perr != nil {
				return n, &StatusError{Code: c, URL: u}
			}
			next, perr := resolve(base, loc)
			if perr != nil {
				return n, fmt.Errorf("player: redirect from %s: %w", u, perr)
			}
			u = next.String()
			continue
		}
		if c < 200 || c > 299 {
			return n, &StatusError{Code: c, URL: u}
		}
		return n, err
	}
}

// resolve resolves ref against base (RFC 3986).
func resolve(base *url.URL, ref string) (*url.URL, error) {
	r, err := url.Parse(ref)
	if err != nil {
		return nil, err
	}
	return base.ResolveReference(r), nil
}

var (
	errNoVariant = errors.New("player: multivariant playlist lists no variant")
	errNoMedia   = errors.New("player: the stream has no media to play (no segment, or only zero-length ones)")
)
