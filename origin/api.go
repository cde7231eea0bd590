package origin

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/cuepoint/cuepoint/origin/hls"
	"github.com/cuepoint/cuepoint/origin/live"
	"github.com/cuepoint/cuepoint/origin/packager"
)

// AssetEntry is one packaged asset in GET /v1/assets.
type AssetEntry struct {
	Name   string `json:"name"`
	Master string `json:"master"` // URL path of the multivariant playlist
	// Asset is the packager's description (asset.json); nil for assets packaged by other tools,
	// which are listed with what their master playlist says.
	Asset    *packager.Asset `json:"asset,omitempty"`
	Variants int             `json:"variants"`
	Error    string          `json:"error,omitempty"`
}

// Assets lists the packaged assets under the media root: every visible directory with a
// master.m3u8, by name.
func (o *Origin) Assets() []AssetEntry {
	entries, err := os.ReadDir(o.cfg.MediaRoot)
	if err != nil {
		return nil
	}
	out := []AssetEntry{}
	for _, e := range entries {
		name := e.Name()
		if !e.IsDir() || name[0] == '.' {
			continue
		}
		dir := filepath.Join(o.cfg.MediaRoot, name)
		master, err := os.ReadFile(filepath.Join(dir, "master.m3u8"))
		if err != nil {
			continue
		}
		a := AssetEntry{Name: name, Master: "/vod/" + name + "/master.m3u8"}
		if m, err := hls.ParseMaster(master); err != nil {
			a.Error = err.Error()
		} else {
			a.Variants = len(m.Variants)
		}
		if desc, err := packager.ReadAsset(dir); err == nil {
			a.Asset = &desc
		}
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func (o *Origin) handleAssets(ctx *fasthttp.RequestCtx) {
	writeJSON(ctx, map[string]any{"assets": o.Assets()})
}

// ChannelEntry is one live channel in GET /v1/channels.
type ChannelEntry struct {
	Name   string     `json:"name"`
	Master string     `json:"master"`
	Status string     `json:"status"` // "live" or "unavailable"
	Error  string     `json:"error,omitempty"`
	Info   *live.Info `json:"info,omitempty"`
}

// Channels lists the configured channels and their state.
func (o *Origin) Channels() []ChannelEntry {
	out := make([]ChannelEntry, 0, len(o.names))
	for _, name := range o.names {
		e := ChannelEntry{Name: name, Master: "/live/" + name + "/master.m3u8", Status: "live"}
		ch, err := o.channel(o.slots[name])
		if err != nil {
			e.Status, e.Error = "unavailable", err.Error()
		} else {
			info := ch.Info()
			e.Info = &info
		}
		out = append(out, e)
	}
	return out
}

func (o *Origin) handleChannels(ctx *fasthttp.RequestCtx) {
	writeJSON(ctx, map[string]any{"channels": o.Channels(), "now": o.cfg.Clock.Now().UTC().Truncate(time.Millisecond)})
}

func writeJSON(ctx *fasthttp.RequestCtx, v any) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		httpError(ctx, fasthttp.StatusInternalServerError, err.Error())
		return
	}
	setCORS(ctx)
	ctx.SetContentType("application/json")
	ctx.Response.Header.Set("Cache-Control", "no-cache")
	ctx.SetBody(append(b, '\n'))
}
