package server

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/valyala/fasthttp"
)

// ErrBodyTooLarge means a request body, after decompression, exceeded the cap.
var ErrBodyTooLarge = errors.New("request body too large")

var gzipReaders sync.Pool

// Body returns the request body, inflated when Content-Encoding is gzip, refusing more than max
// bytes after inflation (a small gzip bomb must not become a large allocation). The returned
// slice is valid until the handler returns; buf, when non-nil, is reused for the inflated body.
func Body(ctx *fasthttp.RequestCtx, max int, buf *bytes.Buffer) ([]byte, error) {
	raw := ctx.PostBody()
	enc := ctx.Request.Header.ContentEncoding()
	switch {
	case len(enc) == 0 || bytes.EqualFold(enc, []byte("identity")):
		if len(raw) > max {
			return nil, fmt.Errorf("%w: %d bytes, limit %d", ErrBodyTooLarge, len(raw), max)
		}
		return raw, nil
	case bytes.EqualFold(enc, []byte("gzip")):
		zr, _ := gzipReaders.Get().(*gzip.Reader)
		var err error
		if zr == nil {
			zr, err = gzip.NewReader(bytes.NewReader(raw))
		} else {
			err = zr.Reset(bytes.NewReader(raw))
		}
		if err != nil {
			return nil, fmt.Errorf("gzip body: %w", err)
		}
		defer gzipReaders.Put(zr)
		if buf == nil {
			buf = new(bytes.Buffer)
		}
		buf.Reset()
		n, err := io.Copy(buf, io.LimitReader(zr, int64(max)+1))
		if err != nil {
			return nil, fmt.Errorf("gzip body: %w", err)
		}
		if n > int64(max) {
			return nil, fmt.Errorf("%w: more than %d bytes after gzip", ErrBodyTooLarge, max)
		}
		return buf.Bytes(), nil
	default:
		return nil, fmt.Errorf("unsupported Content-Encoding %q (want gzip or none)", enc)
	}
}
