package origin

import (
	"errors"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/cuepoint/cuepoint/internal/server"
	"github.com/cuepoint/cuepoint/origin/live"
)

// handleVOD serves /vod/<asset>/...: playlists (short cache), segments (immutable), asset.json.
func (o *Origin) handleVOD(ctx *fasthttp.RequestCtx) {
	rel, ok := cleanPath(server.Param(ctx, "path"))
	if !ok {
		notFound(ctx, "no such file")
		return
	}
	cache := cacheImmutable
	if ext := path.Ext(rel); ext == ".m3u8" || ext == ".json" {
		cache = cacheShort
	}
	if !o.media.serve(ctx, rel, cache) {
		notFound(ctx, "no such file: /vod/"+rel)
	}
}

// handleLive serves /live/<channel>/master.m3u8, /live/<channel>/<rendition>/<playlist>.m3u8
// (generated), and the rendition's segments and init segment.
func (o *Origin) handleLive(ctx *fasthttp.RequestCtx) {
	name := server.Param(ctx, "channel")
	s, ok := o.slots[name]
	if !ok {
		notFound(ctx, "no such channel: "+name)
		return
	}
	ch, err := o.channel(s)
	if err != nil {
		ctx.Response.Header.Set("Retry-After", "5")
		httpError(ctx, fasthttp.StatusServiceUnavailable, err.Error())
		return
	}
	rel, ok := cleanPath(server.Param(ctx, "path"))
	if !ok {
		notFound(ctx, "no such file")
		return
	}
	if rel == "master.m3u8" {
		setCORS(ctx)
		ctx.SetContentType(mediaTypes[".m3u8"])
		ctx.Response.Header.Set("Cache-Control", cacheShort)
		ctx.SetBody(ch.Master())
		return
	}
	rendition, file, ok := strings.Cut(rel, "/")
	if !ok || strings.Contains(file, "/") {
		notFound(ctx, "no such file: "+rel)
		return
	}
	if pl, ok := ch.PlaylistName(rendition); ok && file == pl {
		o.serveLivePlaylist(ctx, ch, rendition)
		return
	}
	p, _, err := ch.Segment(rendition, file)
	switch {
	case errors.Is(err, live.ErrGone):
		httpError(ctx, fasthttp.StatusGone, name+"/"+rel+": "+err.Error())
		return
	case err != nil:
		notFound(ctx, name+"/"+rel+": "+err.Error())
		return
	}
	relToRoot, err := filepath.Rel(o.cfg.MediaRoot, p)
	if err != nil || !o.media.serve(ctx, filepath.ToSlash(relToRoot), cacheImmutable) {
		notFound(ctx, name+"/"+rel+": the asset file is missing")
	}
}

func (o *Origin) serveLivePlaylist(ctx *fasthttp.RequestCtx, ch *live.Channel, rendition string) {
	p, err := ch.Playlist(rendition)
	if err != nil {
		if errors.Is(err, live.ErrNotStarted) {
			ctx.Response.Header.Set("Retry-After", strconv.Itoa(ch.TargetDuration()))
			httpError(ctx, fasthttp.StatusServiceUnavailable, err.Error())
			return
		}
		notFound(ctx, err.Error())
		return
	}
	setCORS(ctx)
	h := &ctx.Response.Header
	h.SetContentType(mediaTypes[".m3u8"])
	h.Set("ETag", p.ETag)
	// Fresh until the next segment is published (or the next cue announced), and never for
	// more than half a target duration: a player or CDN refreshing sees every new segment.
	fresh := p.NextChange.Sub(o.cfg.Clock.Now())
	maxAge := min(max(int(fresh/time.Second), 0), ch.TargetDuration()/2)
	h.Set("Cache-Control", liveCacheControl(maxAge))
	if inm := string(ctx.Request.Header.Peek("If-None-Match")); inm != "" && etagMatch(inm, p.ETag) {
		ctx.SetStatusCode(fasthttp.StatusNotModified)
		return
	}
	ctx.SetBody(p.Body)
}

var liveMaxAge = func() (s [16]string) {
	for i := range s {
		s[i] = "public, max-age=" + strconv.Itoa(i)
	}
	return s
}()

func liveCacheControl(maxAge int) string {
	if maxAge < len(liveMaxAge) {
		return liveMaxAge[maxAge]
	}
	return "public, max-age=" + strconv.Itoa(maxAge)
}

// handlePlayerRoot redirects /player to /player/ (so relative asset URLs resolve) and serves
// index.html there.
func (o *Origin) handlePlayerRoot(ctx *fasthttp.RequestCtx) {
	if string(ctx.Path()) == "/player" {
		ctx.Response.Header.Set("Location", "/player/")
		ctx.SetStatusCode(fasthttp.StatusMovedPermanently)
		return
	}
	o.servePlayerFile(ctx, "index.html")
}

func (o *Origin) handlePlayer(ctx *fasthttp.RequestCtx) {
	rel, ok := cleanPath(server.Param(ctx, "path"))
	if !ok {
		notFound(ctx, "no such file")
		return
	}
	if rel == "config.json" {
		o.handlePlayerConfig(ctx)
		return
	}
	o.servePlayerFile(ctx, rel)
}

func (o *Origin) servePlayerFile(ctx *fasthttp.RequestCtx, rel string) {
	if o.player.root == nil || !o.playerBuilt() {
		notFound(ctx, "the web player is not built: "+filepath.Join(o.cfg.PlayerDir, "index.html")+
			" is missing. Build the player (the web player's build writes it there) or point --player-dir "+
			"(CUEPOINT_PLAYER_DIR) at a build.")
		return
	}
	if !o.player.serve(ctx, rel, cachePlayer) {
		notFound(ctx, "no such file in the web player: "+rel)
	}
}

func (o *Origin) playerBuilt() bool {
	fi, err := o.player.root.Stat("index.html")
	return err == nil && fi.Mode().IsRegular()
}

func notFound(ctx *fasthttp.RequestCtx, msg string) { httpError(ctx, fasthttp.StatusNotFound, msg) }

func httpError(ctx *fasthttp.RequestCtx, code int, msg string) {
	setCORS(ctx)
	ctx.Response.Header.Del("Cache-Control")
	ctx.Response.Header.Del("ETag")
	ctx.Response.Header.Del("Last-Modified")
	ctx.Response.Header.Del("Accept-Ranges")
	ctx.Response.Header.Del("Content-Range")
	// Not ctx.Error: it drops the headers set so far (Retry-After, CORS).
	ctx.Response.ResetBody()
	ctx.SetStatusCode(code)
	ctx.SetContentType("text/plain; charset=utf-8")
	ctx.SetBodyString(msg + "\n")
}
