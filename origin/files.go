package origin

import (
	"errors"
	"io"
	"net/http"
	"os"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/valyala/fasthttp"
)

// Content types by extension. Anything else under the media root is not served: the media root
// is for media, not for whatever else lands there.
var mediaTypes = map[string]string{
	".m3u8": "application/vnd.apple.mpegurl",
	".ts":   "video/mp2t",
	".m4s":  "video/mp4",
	".mp4":  "video/mp4",
	".m4a":  "audio/mp4",
	".aac":  "audio/aac",
	".vtt":  "text/vtt; charset=utf-8",
	".json": "application/json",
}

// Static file types of the web player.
var playerTypes = map[string]string{
	".html":  "text/html; charset=utf-8",
	".js":    "text/javascript; charset=utf-8",
	".mjs":   "text/javascript; charset=utf-8",
	".css":   "text/css; charset=utf-8",
	".map":   "application/json",
	".json":  "application/json",
	".svg":   "image/svg+xml",
	".png":   "image/png",
	".jpg":   "image/jpeg",
	".ico":   "image/x-icon",
	".woff2": "font/woff2",
	".wasm":  "application/wasm",
	".txt":   "text/plain; charset=utf-8",
}

// Cache policies.
const (
	cacheImmutable = "public, max-age=31536000, immutable" // segments, init segments
	cacheShort     = "public, max-age=30"                  // VOD playlists, masters, metadata
	cachePlayer    = "public, max-age=60"
)

// cleanPath checks a request path relative to a root: slash-separated, no empty, "." or ".."
// element, no element starting with "." (hidden files, packaging staging directories), no
// backslash or NUL. It returns the path to open in an os.Root, which also refuses symbolic
// links that leave the root.
func cleanPath(p string) (string, bool) {
	if p == "" || len(p) > 1024 || strings.ContainsAny(p, "\\\x00") || strings.HasPrefix(p, "/") {
		return "", false
	}
	for rest := p; ; {
		el, tail, more := strings.Cut(rest, "/")
		if el == "" || el[0] == '.' {
			return "", false
		}
		if !more {
			return p, true
		}
		rest = tail
	}
}

// fileServer serves files from a root with content types, cache policy, strong ETags,
// conditional requests and single byte ranges.
type fileServer struct {
	root  *os.Root
	types map[string]string
}

// serve answers with the file rel under the root; false when it does not exist (or may not be
// served), leaving the response untouched for the caller's 404.
func (s fileServer) serve(ctx *fasthttp.RequestCtx, rel, cacheControl string) bool {
	ctype, ok := s.types[strings.ToLower(path.Ext(rel))]
	if !ok || s.root == nil {
		return false
	}
	f, err := s.root.Open(rel)
	if err != nil {
		return false // missing, or a link escaping the root: the same 404, nothing revealed
	}
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() {
		f.Close()
		return false
	}
	size := fi.Size()
	etag := `"` + strconv.FormatInt(size, 36) + "-" + strconv.FormatInt(fi.ModTime().UnixNano(), 36) + `"`
	h := &ctx.Response.Header
	h.SetContentType(ctype)
	h.Set("Cache-Control", cacheControl)
	h.Set("ETag", etag)
	h.Set("Last-Modified", fi.ModTime().UTC().Format(http.TimeFormat))
	h.Set("Accept-Ranges", "bytes")
	setCORS(ctx)

	if inm := string(ctx.Request.Header.Peek("If-None-Match")); inm != "" && etagMatch(inm, etag) {
		f.Close()
		ctx.SetStatusCode(fasthttp.StatusNotModified)
		return true
	}
	if ims := ctx.Request.Header.Peek("If-Modified-Since"); len(ims) > 0 && len(ctx.Request.Header.Peek("If-None-Match")) == 0 {
		if t, err := http.ParseTime(string(ims)); err == nil && !fi.ModTime().Truncate(time.Second).After(t) {
			f.Close()
			ctx.SetStatusCode(fasthttp.StatusNotModified)
			return true
		}
	}
	r := byteRange{0, size}
	status := fasthttp.StatusOK
	if rh := ctx.Request.Header.Peek("Range"); len(rh) > 0 && ifRangeHolds(ctx, etag) {
		br, err := parseRange(string(rh), size)
		switch {
		case err == nil:
			r, status = br, fasthttp.StatusPartialContent
			h.Set("Content-Range", "bytes "+strconv.FormatInt(br.start, 10)+"-"+
				strconv.FormatInt(br.start+br.length-1, 10)+"/"+strconv.FormatInt(size, 10))
		case errors.Is(err, errUnsatisfiable):
			f.Close()
			h.Set("Content-Range", "bytes */"+strconv.FormatInt(size, 10))
			ctx.Response.Header.SetContentType("text/plain; charset=utf-8")
			ctx.SetStatusCode(fasthttp.StatusRequestedRangeNotSatisfiable)
			ctx.SetBodyString("range not satisfiable: the file has " + strconv.FormatInt(size, 10) + " bytes\n")
			return true
		}
	}
	ctx.SetStatusCode(status)
	if ctx.IsHead() {
		f.Close()
		h.SetContentLength(int(r.length))
		return true
	}
	if r.start == 0 && r.length == size {
		ctx.SetBodyStream(f, int(size)) // closed by fasthttp once sent; sendfile when it can
		return true
	}
	ctx.SetBodyStream(sectionFile{io.NewSectionReader(f, r.start, r.length), f}, int(r.length))
	return true
}

// sectionFile reads a range of a file and closes the file when fasthttp is done with it.
type sectionFile struct {
	*io.SectionReader
	f *os.File
}

func (s sectionFile) Close() error { return s.f.Close() }

// ifRangeHolds reports whether a Range header applies: no If-Range, or an If-Range naming the
// current entity tag.
func ifRangeHolds(ctx *fasthttp.RequestCtx, etag string) bool {
	ir := ctx.Request.Header.Peek("If-Range")
	return len(ir) == 0 || string(ir) == etag
}

// etagMatch reports whether an If-None-Match list names etag (weak comparison, RFC 9110
// §13.1.2), or is "*".
func etagMatch(list, etag string) bool {
	for _, t := range strings.Split(list, ",") {
		t = strings.TrimSpace(t)
		if t == "*" || strings.TrimPrefix(t, "W/") == etag {
			return true
		}
	}
	return false
}

// setCORS lets players on any origin read media and playlists (hls.js fetches them from the
// page's origin, which is rarely the media's).
func setCORS(ctx *fasthttp.RequestCtx) {
	ctx.Response.Header.Set("Access-Control-Allow-Origin", "*")
	ctx.Response.Header.Set("Access-Control-Expose-Headers", "Content-Length, Content-Range, ETag, Age")
}

// preflight answers a CORS preflight for media routes.
func preflight(ctx *fasthttp.RequestCtx) {
	setCORS(ctx)
	ctx.Response.Header.Set("Access-Control-Allow-Methods", "GET, HEAD, OPTIONS")
	ctx.Response.Header.Set("Access-Control-Allow-Headers", "Range, If-None-Match, If-Range")
	ctx.Response.Header.Set("Access-Control-Max-Age", "86400")
	ctx.SetStatusCode(fasthttp.StatusNoContent)
}
