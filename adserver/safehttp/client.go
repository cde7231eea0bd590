package safehttp

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/valyala/fasthttp"
)

// Options tune a Client.
type Options struct {
	// UserAgent is sent on every request (default "Cuepoint-Adserver/1").
	UserAgent string
	// MaxBodyBytes caps a response body, after gzip inflation (default 512 KiB).
	MaxBodyBytes int
	// MaxRedirects is the most redirects followed per Get (default 3).
	MaxRedirects int
	// MaxConnsPerHost bounds the keep-alive pool per host (default 64).
	MaxConnsPerHost int
}

// Header is one request header.
type Header struct{ Name, Value string }

// Response is a fetched resource.
type Response struct {
	Status int
	// Body is the inflated body, appended to the dst given to Get.
	Body []byte
	// URL is the final URL after redirects.
	URL string
}

// ErrTooLarge means a response body exceeded Options.MaxBodyBytes.
var ErrTooLarge = errors.New("safehttp: response body too large")

// Client fetches outside URLs through a Guard, with keep-alive pools, gzip and bounded
// bodies. It is safe for concurrent use.
type Client struct {
	c    *fasthttp.Client
	dl   *fasthttp.Client // streams bodies: Download
	opts Options
}

// NewClient returns a client dialling through g.
func NewClient(g *Guard, o Options) *Client {
	if o.UserAgent == "" {
		o.UserAgent = "Cuepoint-Adserver/1"
	}
	if o.MaxBodyBytes <= 0 {
		o.MaxBodyBytes = 512 << 10
	}
	if o.MaxRedirects <= 0 {
		o.MaxRedirects = 3
	}
	if o.MaxConnsPerHost <= 0 {
		o.MaxConnsPerHost = 64
	}
	dl := &fasthttp.Client{
		Name:                      o.UserAgent,
		DialTimeout:               g.DialTimeout,
		MaxConnsPerHost:           8,
		MaxIdleConnDuration:       30 * time.Second,
		MaxIdemponentCallAttempts: 1,
		StreamResponseBody:        true,
	}
	return &Client{opts: o, dl: dl, c: &fasthttp.Client{
		Name:                          o.UserAgent,
		DialTimeout:                   g.DialTimeout,
		MaxConnsPerHost:               o.MaxConnsPerHost,
		MaxIdleConnDuration:           30 * time.Second,
		MaxResponseBodySize:           o.MaxBodyBytes,
		MaxIdemponentCallAttempts:     1, // a tracking pixel fired twice is counted twice
		ReadBufferSize:                8 << 10,
		NoDefaultUserAgentHeader:      false,
		DisableHeaderNamesNormalizing: false,
	}}
}

// Get fetches url before deadline, following redirects (each hop through the guard), sending
// Accept-Encoding: gzip and the extra headers. The inflated body is appended to dst. Non-2xx
// statuses are returned in Response.Status, not as errors.
func (c *Client) Get(deadline time.Time, url string, headers []Header, dst []byte) (Response, error) {
	req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
	defer fasthttp.ReleaseRequest(req)
	defer fasthttp.ReleaseResponse(resp)
	cur := url
	for hop := 0; ; hop++ {
		req.Reset()
		resp.Reset()
		req.SetRequestURI(cur)
		if s := req.URI().Scheme(); !bytes.Equal(s, []byte("http")) && !bytes.Equal(s, []byte("https")) {
			return Response{}, fmt.Errorf("safehttp: %q: only http and https URLs are fetched", cur)
		}
		req.Header.SetMethod(fasthttp.MethodGet)
		req.Header.Set(fasthttp.HeaderAcceptEncoding, "gzip")
		for _, h := range headers {
			req.Header.Set(h.Name, h.Value)
		}
		if err := c.c.DoDeadline(req, resp, deadline); err != nil {
			if errors.Is(err, fasthttp.ErrBodyTooLarge) {
				return Response{}, fmt.Errorf("%w: %s", ErrTooLarge, cur)
			}
			return Response{}, fmt.Errorf("safehttp: GET %s: %w", cur, err)
		}
		code := resp.StatusCode()
		if fasthttp.StatusCodeIsRedirect(code) {
			loc := resp.Header.Peek(fasthttp.HeaderLocation)
			if len(loc) == 0 {
				return Response{}, fmt.Errorf("safehttp: GET %s: redirect %d without Location", cur, code)
			}
			if hop >= c.opts.MaxRedirects {
				return Response{}, fmt.Errorf("safehttp: GET %s: more than %d redirects", url, c.opts.MaxRedirects)
			}
			u := fasthttp.AcquireURI()
			req.URI().CopyTo(u)
			u.UpdateBytes(loc)
			cur = u.String()
			fasthttp.ReleaseURI(u)
			continue
		}
		body, err := c.inflate(resp, dst)
		if err != nil {
			return Response{}, fmt.Errorf("safehttp: GET %s: %w", cur, err)
		}
		return Response{Status: code, Body: body, URL: cur}, nil
	}
}

var gzipReaders sync.Pool

func (c *Client) inflate(resp *fasthttp.Response, dst []byte) ([]byte, error) {
	raw := resp.Body()
	if !bytes.EqualFold(resp.Header.ContentEncoding(), []byte("gzip")) {
		return append(dst, raw...), nil
	}
	return Gunzip(dst, raw, c.opts.MaxBodyBytes)
}

// Fire requests url and discards the answer: a notice or tracking pixel. It reports an
// error for a failed request or a status of 400 or more.
func (c *Client) Fire(deadline time.Time, url string, headers []Header) error {
	resp, err := c.Get(deadline, url, headers, nil)
	if err != nil {
		return err
	}
	if resp.Status >= 400 {
		return fmt.Errorf("safehttp: GET %s: status %d", resp.URL, resp.Status)
	}
	return nil
}

// Gunzip appends the inflation of the gzip stream src to dst, refusing more than max bytes
// of output (a small compressed body must not become a large allocation).
func Gunzip(dst, src []byte, max int) ([]byte, error) {
	zr, _ := gzipReaders.Get().(*gzip.Reader)
	var err error
	if zr == nil {
		zr, err = gzip.NewReader(bytes.NewReader(src))
	} else {
		err = zr.Reset(bytes.NewReader(src))
	}
	if err != nil {
		return nil, fmt.Errorf("gzip body: %w", err)
	}
	defer gzipReaders.Put(zr)
	buf := bytes.NewBuffer(dst)
	n, err := io.Copy(buf, io.LimitReader(zr, int64(max)+1))
	if err != nil {
		return nil, fmt.Errorf("gzip body: %w", err)
	}
	if n > int64(max) {
		return nil, ErrTooLarge
	}
	return buf.Bytes(), nil
}

// Download streams the body of url into w before deadline, following redirects through the
// guard like Get, refusing bodies larger than max bytes. It returns the bytes written.
func (c *Client) Download(deadline time.Time, url string, w io.Writer, max int64) (int64, error) {
	req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
	defer fasthttp.ReleaseRequest(req)
	defer fasthttp.ReleaseResponse(resp)
	cur := url
	for hop := 0; ; hop++ {
		req.Reset()
		resp.Reset()
		req.SetRequestURI(cur)
		if s := req.URI().Scheme(); !bytes.Equal(s, []byte("http")) && !bytes.Equal(s, []byte("https")) {
			return 0, fmt.Errorf("safehttp: %q: only http and https URLs are fetched", cur)
		}
		if err := c.dl.DoDeadline(req, resp, deadline); err != nil {
			return 0, fmt.Errorf("safehttp: GET %s: %w", cur, err)
		}
		code := resp.StatusCode()
		if fasthttp.StatusCodeIsRedirect(code) {
			loc := resp.Header.Peek(fasthttp.HeaderLocation)
			_ = resp.CloseBodyStream()
			if len(loc) == 0 || hop >= c.opts.MaxRedirects {
				return 0, fmt.Errorf("safehttp: GET %s: bad or too many redirects", url)
			}
			u := fasthttp.AcquireURI()
			req.URI().CopyTo(u)
			u.UpdateBytes(loc)
			cur = u.String()
			fasthttp.ReleaseURI(u)
			continue
		}
		defer resp.CloseBodyStream() //nolint:errcheck // the body is read to the end or abandoned
		if code != fasthttp.StatusOK {
			return 0, fmt.Errorf("safehttp: GET %s: status %d", cur, code)
		}
		if cl := resp.Header.ContentLength(); cl > 0 && int64(cl) > max {
			return 0, fmt.Errorf("%w: %s is %d bytes, limit %d", ErrTooLarge, cur, cl, max)
		}
		n, err := io.Copy(w, io.LimitReader(resp.BodyStream(), max+1))
		if err != nil {
			return n, fmt.Errorf("safehttp: GET %s: %w", cur, err)
		}
		if n > max {
			return n, fmt.Errorf("%w: %s exceeds %d bytes", ErrTooLarge, cur, max)
		}
		return n, nil
	}
}
