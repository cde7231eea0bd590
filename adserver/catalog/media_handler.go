package catalog

import (
	"path/filepath"
	"strings"

	"github.com/valyala/fasthttp"

	"github.com/cuepoint/cuepoint/internal/server"
)

// MediaHandler serves the media root's ads/ and demo/ trees (conditioned renditions, stored
// mezzanines, demo ads) at /media/{path...}, for stitchers and players: byte ranges,
// content types HLS clients expect, CORS for browser players, and long caching — every path is
// content-addressed (a media hash and a ladder fingerprint), so a file never changes. Paths
// with "..", hidden segments (work in progress) or outside the two trees are 404.
func MediaHandler(root string) fasthttp.RequestHandler {
	fs := &fasthttp.FS{
		Root:               root,
		GenerateIndexPages: false,
		Compress:           false, // segments are compressed already; and no cache files in the tree
		AcceptByteRange:    true,
		PathRewrite:        fasthttp.NewPathSlashesStripper(1), // "/media/ads/…" → "/ads/…"
		PathNotFound:       func(ctx *fasthttp.RequestCtx) { ctx.Error("not found", fasthttp.StatusNotFound) },
	}
	serve := fs.NewRequestHandler()
	return func(ctx *fasthttp.RequestCtx) {
		p := server.Param(ctx, "path")
		if !servable(p) {
			ctx.Error("not found", fasthttp.StatusNotFound)
			return
		}
		ctx.Response.Header.Set("Access-Control-Allow-Origin", "*")
		serve(ctx)
		if code := ctx.Response.StatusCode(); code == fasthttp.StatusOK || code == fasthttp.StatusPartialContent {
			ctx.Response.Header.Set(fasthttp.HeaderCacheControl, "public, max-age=31536000, immutable")
			if ct := contentType(p); ct != "" {
				ctx.SetContentType(ct)
			}
		}
	}
}

func servable(p string) bool {
	if !strings.HasPrefix(p, "ads/") && !strings.HasPrefix(p, "demo/") {
		return false
	}
	for _, seg := range strings.Split(p, "/") {
		if seg == "" || seg == ".." || strings.HasPrefix(seg, ".") || strings.ContainsRune(seg, '\\') {
			return false
		}
	}
	return true
}

func contentType(p string) string {
	switch strings.ToLower(filepath.Ext(p)) {
	case ".m3u8":
		return "application/vnd.apple.mpegurl"
	case ".ts":
		return "video/mp2t"
	case ".m4s":
		return "video/iso.segment"
	case ".mp4":
		return "video/mp4"
	}
	return ""
}
