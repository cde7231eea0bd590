package beacon

import (
	"bytes"
	"compress/flate"
	"encoding/base64"
	"errors"
	"io"
	"strings"
	"sync"
)

// The third-party URLs a beacon carries are packed into one parameter: the billing URL and
// the tracker URLs joined by newlines (the billing URL first, possibly empty), deflated, in
// URL-safe base64. Tracking URLs of one event repeat hosts and paths, so they compress well.

const maxPacked = 16 << 10 // inflated bytes accepted

var flateWriters = sync.Pool{New: func() any {
	w, _ := flate.NewWriter(nil, flate.BestSpeed)
	return w
}}

func packURLs(bill string, urls []string) string {
	var raw bytes.Buffer
	raw.WriteString(bill)
	for _, u := range urls {
		raw.WriteByte('\n')
		raw.WriteString(u)
	}
	var z bytes.Buffer
	w := flateWriters.Get().(*flate.Writer)
	w.Reset(&z)
	_, _ = w.Write(raw.Bytes())
	_ = w.Close()
	flateWriters.Put(w)
	return base64.RawURLEncoding.EncodeToString(z.Bytes())
}

func unpackURLs(s string) (bill string, urls []string, err error) {
	z, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return "", nil, errors.New("third-party URLs: bad base64")
	}
	r := flate.NewReader(bytes.NewReader(z))
	defer r.Close()
	raw, err := io.ReadAll(io.LimitReader(r, maxPacked+1))
	if err != nil || len(raw) > maxPacked {
		return "", nil, errors.New("third-party URLs: bad or oversized deflate stream")
	}
	parts := strings.Split(string(raw), "\n")
	return parts[0], parts[1:], nil
}
