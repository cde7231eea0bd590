package origin

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/cuepoint/cuepoint/analytics/collector"
)

// PlayerConfig is what the web player learns from GET /player/config.json: where the services
// it talks to answer, and a collector token for this page view. The page holds no secret: the
// origin keeps the collector sender's secret and mints a short-lived token per request, bound
// to the page's origin (collector.MintToken). Empty URLs leave the matching feature off in the
// page (no SSAI: the origin's plain playlists; no recs: no row; no collector: no reports).
type PlayerConfig struct {
	// SSAIURL, RecsURL and CollectorURL are the services' base URLs as a browser reaches them
	// (scheme://host[:port], no trailing slash).
	SSAIURL, RecsURL, CollectorURL string
	// Sender is the collector sender whose secret (its first, current one) signs the tokens;
	// it must be allowed the playback and recs families.
	Sender collector.Sender
	// PageOrigins are the origins (scheme://host[:port]) pages may be served from. A token is
	// minted for the request's own origin (its Host, https when the request came over TLS or
	// X-Forwarded-Proto says so) when it is listed, or when the list is empty.
	PageOrigins []string
	// TokenTTL is how long a token is valid (default 1 h; the collector refuses more than 4 h).
	TokenTTL time.Duration
}

// DefaultPlayerTokenTTL is a page's collector token lifetime; the page fetches a new config
// before it runs out.
const DefaultPlayerTokenTTL = time.Hour

// Validate checks the URLs, the sender and the page origins.
func (p *PlayerConfig) Validate() error {
	for _, u := range []struct{ name, v string }{{"ssai", p.SSAIURL}, {"recs", p.RecsURL}, {"collector", p.CollectorURL}} {
		if u.v == "" {
			continue
		}
		if err := checkBaseURL(u.v); err != nil {
			return fmt.Errorf("player %s URL: %w", u.name, err)
		}
	}
	for _, o := range p.PageOrigins {
		if err := checkBaseURL(o); err != nil {
			return fmt.Errorf("player page origin: %w", err)
		}
	}
	if p.CollectorURL != "" {
		if p.Sender.ID == "" || len(p.Sender.Secrets) == 0 || len(p.Sender.Secrets[0]) < 32 {
			return errors.New("player collector: a sender with an id and a secret of at least 32 bytes is required to mint the page's tokens")
		}
	}
	if p.TokenTTL < 0 || p.TokenTTL > collector.DefaultMaxTokenTTL {
		return fmt.Errorf("player token TTL %s: want at most %s", p.TokenTTL, collector.DefaultMaxTokenTTL)
	}
	return nil
}

// checkBaseURL accepts scheme://host[:port] without a path, query or trailing slash.
func checkBaseURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Path != "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return fmt.Errorf("%q: want scheme://host[:port] without a path or trailing slash", s)
	}
	return nil
}

// playerConfigJSON is the body of /player/config.json; web/player/src/config.js reads it.
type playerConfigJSON struct {
	SSAI      string `json:"ssai,omitempty"`
	Recs      string `json:"recs,omitempty"`
	Collector string `json:"collector,omitempty"`
	// Token is the collector token for this page (X-Cuepoint-Token, or ?token= for beacons)
	// and TokenExpires when it runs out (RFC 3339); TokenError says why there is none.
	Token        string `json:"token,omitempty"`
	TokenExpires string `json:"tokenExpires,omitempty"`
	TokenError   string `json:"tokenError,omitempty"`
}

// handlePlayerConfig serves GET /player/config.json: the player's service URLs and a fresh
// collector token for the requesting page's origin. Never cached: each page view gets its own
// token.
func (o *Origin) handlePlayerConfig(ctx *fasthttp.RequestCtx) {
	p := o.cfg.Player
	var body playerConfigJSON
	if p != nil {
		body.SSAI, body.Recs, body.Collector = p.SSAIURL, p.RecsURL, p.CollectorURL
		if p.CollectorURL != "" {
			now := time.Now()
			page := requestOrigin(ctx)
			ttl := p.TokenTTL
			if ttl == 0 {
				ttl = DefaultPlayerTokenTTL
			}
			switch {
			case len(p.PageOrigins) > 0 && !slices.Contains(p.PageOrigins, page):
				body.TokenError = "pages of " + page + " may not report events: the origin's --player-page-origins lists " + strings.Join(p.PageOrigins, ", ")
			default:
				tok, err := collector.MintToken(p.Sender.ID, p.Sender.Secrets[0], page, ttl, now)
				if err != nil {
					body.TokenError = err.Error()
				} else {
					body.Token, body.TokenExpires = tok, now.Add(ttl).UTC().Format(time.RFC3339)
				}
			}
		}
	}
	b, err := json.Marshal(body)
	if err != nil {
		httpError(ctx, fasthttp.StatusInternalServerError, err.Error())
		return
	}
	ctx.Response.Header.Set("Cache-Control", "no-store")
	ctx.SetContentType("application/json")
	ctx.SetBody(b)
}

// requestOrigin is the origin a browser sees for this request: scheme://Host.
func requestOrigin(ctx *fasthttp.RequestCtx) string {
	scheme := "http"
	if ctx.IsTLS() || strings.EqualFold(string(ctx.Request.Header.Peek("X-Forwarded-Proto")), "https") {
		scheme = "https"
	}
	return scheme + "://" + string(ctx.Host())
}
