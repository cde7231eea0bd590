package bidder

import (
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strings"
)

// Campaign is one advertiser's line item: what it buys (Targeting), with what (Creatives), for
// how much (BaseCPMMicros, MaxCPMMicros) and how fast (DailyBudgetMicros, FreqCap). It is the
// document of the admin API (GET/PUT /v1/campaigns/{id}) and of the campaign store.
//
// Money is in integer micros of USD (1 USD CPM = 1_000_000).
type Campaign struct {
	ID         string `json:"id"`
	Advertiser string `json:"advertiser"`
	// Paused campaigns stay stored but are not indexed.
	Paused bool `json:"paused,omitempty"`
	// ADomain is the advertiser's domain(s), sent as bid.adomain and checked against badv.
	ADomain []string `json:"adomain"`
	// Cat is the IAB content taxonomy categories of the ads, sent as bid.cat and checked against bcat.
	Cat []string `json:"cat,omitempty"`
	// Bundle is the advertised app's bundle, if any, checked against bapp.
	Bundle string `json:"bundle,omitempty"`

	BaseCPMMicros     int64 `json:"base_cpm_micros"`
	MaxCPMMicros      int64 `json:"max_cpm_micros,omitempty"`
	DailyBudgetMicros int64 `json:"daily_budget_micros"`
	// Objective names the predicted value that scales the base CPM: "ctr", "completion" or "" (flat).
	Objective string   `json:"objective,omitempty"`
	FreqCap   *FreqCap `json:"freq_cap,omitempty"`

	// Deals, when set, make the campaign bid only in those PMP deals; otherwise it bids in the
	// open market only.
	Deals     []string  `json:"deals,omitempty"`
	Targeting Targeting `json:"targeting"`
	// VideoMarkup is how video bids carry their VAST: "adm" (in the bid), "nurl" (no adm; the
	// exchange fetches it from the signed win URL, which counts the win), or "" for the
	// bidder's --video-markup.
	VideoMarkup string     `json:"video_markup,omitempty"`
	Creatives   []Creative `json:"creatives"`
}

// FreqCap limits impressions per viewer: at most Max in any WindowHours-hour window.
type FreqCap struct {
	Max         int `json:"max"`
	WindowHours int `json:"window_hours"`
}

// Set is one targeting dimension: the request must carry at least one value of In (when In is
// set) and none of NotIn. An empty Set matches every request.
type Set struct {
	In    []string `json:"in,omitempty"`
	NotIn []string `json:"not_in,omitempty"`
}

func (s Set) empty() bool { return len(s.In) == 0 && len(s.NotIn) == 0 }

// Targeting is a conjunction over dimensions, each a Set. Values compare case-insensitively.
// Domains match their subdomains ("example.com" matches "news.example.com"); content
// categories match their subcategories ("IAB1" matches "IAB1-2").
type Targeting struct {
	Country    Set `json:"country,omitzero"`     // ISO-3166-1 alpha-3, as OpenRTB sends (device.geo, user.geo)
	Region     Set `json:"region,omitzero"`      // ISO-3166-2 subdivision, e.g. "CA"
	Metro      Set `json:"metro,omitzero"`       // Nielsen DMA code
	DeviceType Set `json:"device_type,omitzero"` // AdCOM device type number as text: "3" connected TV, "4" phone, …
	OS         Set `json:"os,omitzero"`
	Bundle     Set `json:"bundle,omitzero"`    // app.bundle
	Domain     Set `json:"domain,omitzero"`    // site.domain, app.domain
	Publisher  Set `json:"publisher,omitzero"` // site/app.publisher.id
	Category   Set `json:"category,omitzero"`  // site/app/content cat, sectioncat, pagecat
	Segment    Set `json:"segment,omitzero"`   // user.data segment ids and featurestore segments
	Plcmt      Set `json:"plcmt,omitzero"`     // video plcmt as text: "1" instream, … "4" standalone
	// Daypart lists the hours of the week (0 = Monday 00:00–01:00, 167 = Sunday 23:00) in the
	// viewer's local time (device.geo.utcoffset; UTC when absent). Empty means all hours.
	Daypart []int `json:"daypart,omitempty"`
}

// Creative is one ad of a campaign: a banner or a linear video.
type Creative struct {
	ID   string `json:"id"`
	Type string `json:"type"` // "banner" or "video"
	W    int64  `json:"w,omitempty"`
	H    int64  `json:"h,omitempty"`
	// Banner: an image served in a minimal HTML snippet, with ClickURL as its landing page.
	ImageURL string `json:"image_url,omitempty"`
	ClickURL string `json:"click_url,omitempty"`
	Mime     string `json:"mime,omitempty"` // banner image mime, e.g. image/png
	// Video.
	DurationSec int64       `json:"duration_sec,omitempty"`
	MediaFiles  []MediaFile `json:"media_files,omitempty"`
	// Attr is the AdCOM creative attributes (checked against battr).
	Attr []int64 `json:"attr,omitempty"`
	// Interstitial marks a full-screen creative: it bids only on imp.instl=1.
	Interstitial bool `json:"interstitial,omitempty"`
}

// MediaFile is one rendition of a video creative.
type MediaFile struct {
	URL         string `json:"url"`
	Mime        string `json:"mime"`
	W           int64  `json:"w"`
	H           int64  `json:"h"`
	BitrateKbps int64  `json:"bitrate_kbps,omitempty"`
}

// Where a video bid's VAST goes (Config.VideoMarkup, Campaign.VideoMarkup).
const (
	MarkupInAdm  = "adm"
	MarkupInNURL = "nurl"
)

// Creative types.
const (
	TypeBanner = "banner"
	TypeVideo  = "video"
)

// Validate reports the first problem that would make the campaign unservable, naming the field.
func (c *Campaign) Validate() error {
	var errs []error
	bad := func(f string, a ...any) { errs = append(errs, fmt.Errorf(f, a...)) }
	if c.ID == "" || len(c.ID) > 128 || strings.ContainsAny(c.ID, "/?#% \t\n") {
		bad("id %q: want 1–128 characters without / ? # %% or spaces", c.ID)
	}
	if len(c.ADomain) == 0 {
		bad("adomain: at least one advertiser domain is required")
	}
	if c.BaseCPMMicros <= 0 {
		bad("base_cpm_micros must be positive, got %d", c.BaseCPMMicros)
	}
	if c.MaxCPMMicros < 0 || (c.MaxCPMMicros > 0 && c.MaxCPMMicros < c.BaseCPMMicros) {
		bad("max_cpm_micros %d must be 0 (no cap) or at least base_cpm_micros %d", c.MaxCPMMicros, c.BaseCPMMicros)
	}
	if c.DailyBudgetMicros <= 0 {
		bad("daily_budget_micros must be positive, got %d", c.DailyBudgetMicros)
	}
	switch c.Objective {
	case "", "ctr", "completion":
	default:
		bad("objective %q: want \"\", \"ctr\" or \"completion\"", c.Objective)
	}
	switch c.VideoMarkup {
	case "", MarkupInAdm, MarkupInNURL:
	default:
		bad("video_markup %q: want \"\", \"adm\" or \"nurl\"", c.VideoMarkup)
	}
	if c.FreqCap != nil && (c.FreqCap.Max <= 0 || c.FreqCap.WindowHours <= 0 || c.FreqCap.WindowHours > maxCapWindowHours) {
		bad("freq_cap: max and window_hours must be positive, window_hours at most %d", maxCapWindowHours)
	}
	for _, h := range c.Targeting.Daypart {
		if h < 0 || h >= hoursPerWeek {
			bad("targeting.daypart: hour %d outside 0..167", h)
			break
		}
	}
	if len(c.Creatives) == 0 {
		bad("creatives: at least one creative is required")
	}
	seen := map[string]bool{}
	for i, cr := range c.Creatives {
		p := fmt.Sprintf("creatives[%d]", i)
		if cr.ID == "" || seen[cr.ID] {
			bad("%s.id %q: want a non-empty id unique in the campaign", p, cr.ID)
		}
		seen[cr.ID] = true
		switch cr.Type {
		case TypeBanner:
			if cr.W <= 0 || cr.H <= 0 {
				bad("%s: a banner needs w and h", p)
			}
			if !isHTTPURL(cr.ImageURL) || !isHTTPURL(cr.ClickURL) {
				bad("%s: a banner needs http(s) image_url and click_url", p)
			}
		case TypeVideo:
			if cr.DurationSec <= 0 || cr.DurationSec > 600 {
				bad("%s.duration_sec %d: want 1..600", p, cr.DurationSec)
			}
			if len(cr.MediaFiles) == 0 {
				bad("%s: a video needs at least one media file", p)
			}
			for j, mf := range cr.MediaFiles {
				if !isHTTPURL(mf.URL) || mf.Mime == "" || mf.W <= 0 || mf.H <= 0 {
					bad("%s.media_files[%d]: want an http(s) url, a mime, w and h", p, j)
				}
			}
			if cr.ClickURL != "" && !isHTTPURL(cr.ClickURL) {
				bad("%s.click_url: want http(s)", p)
			}
		default:
			bad("%s.type %q: want banner or video", p, cr.Type)
		}
	}
	return errors.Join(errs...)
}

// isHTTPURL accepts absolute http(s) URLs made only of characters RFC 3986 allows (what the
// VAST XSD's anyURI and every player accept): percent-encode the rest.
func isHTTPURL(s string) bool {
	if strings.ContainsAny(s, " <>\"{}|\\^`[]") || strings.IndexFunc(s, func(r rune) bool { return r < 0x21 || r > 0x7e }) >= 0 {
		return false
	}
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// mediaTypes returns the sorted distinct creative types of the campaign.
func (c *Campaign) mediaTypes() []string {
	var ts []string
	for _, cr := range c.Creatives {
		if !contains(ts, cr.Type) {
			ts = append(ts, cr.Type)
		}
	}
	sort.Strings(ts)
	return ts
}

func contains(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}
