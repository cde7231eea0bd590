package catalog

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/cuepoint/cuepoint/adserver/condition"
	"github.com/cuepoint/cuepoint/adserver/vast"
)

// Creative is a catalog entry: an ad's media and its conditioning.
type Creative struct {
	ID            string                     `json:"id"`
	UAIDRegistry  string                     `json:"uaid_registry,omitempty"`
	UAIDValue     string                     `json:"uaid,omitempty"`
	MezzanineURL  string                     `json:"mezzanine_url"`
	DurationMS    int64                      `json:"duration_ms"`
	Title         string                     `json:"title,omitempty"`
	Advertiser    string                     `json:"advertiser,omitempty"`
	Source        string                     `json:"source,omitempty"` // "bidder:<name>", "admin", "demo"
	Status        string                     `json:"status"`           // ready, pending, failed
	Error         string                     `json:"error,omitempty"`
	Attempts      int                        `json:"attempts,omitempty"`
	MediaHash     string                     `json:"media_hash,omitempty"`
	Ladder        string                     `json:"ladder,omitempty"` // fingerprint of the ladder conditioned for
	Renditions    []condition.RenditionFiles `json:"renditions,omitempty"`
	Audio         *condition.AudioFiles      `json:"audio,omitempty"`
	Master        string                     `json:"master,omitempty"`
	SourceFile    string                     `json:"source_file,omitempty"`
	SourceSize    int64                      `json:"source_size,omitempty"`
	Width         int                        `json:"width,omitempty"`
	Height        int                        `json:"height,omitempty"`
	ConditionedMS int64                      `json:"conditioned_ms,omitempty"` // the renditions' length
	Created       time.Time                  `json:"created"`
	Updated       time.Time                  `json:"updated"`
}

// UniversalAdID returns the creative's UniversalAdId.
func (c *Creative) UniversalAdID() vast.UniversalAdID {
	return vast.UniversalAdID{Registry: c.UAIDRegistry, Value: c.UAIDValue}
}

// Validate reports the first field that is missing or malformed.
func (c *Creative) Validate() error {
	switch {
	case !validID(c.ID):
		return fmt.Errorf("id %q: want 1-128 letters, digits, '.', '_' or '-'", c.ID)
	case c.MezzanineURL == "" || len(c.MezzanineURL) > 4096:
		return fmt.Errorf("mezzanine_url is required (an http(s) URL of at most 4096 bytes)")
	case c.DurationMS < 0 || c.DurationMS > 3_600_000:
		return fmt.Errorf("duration_ms %d: want 0 (the file's) up to an hour", c.DurationMS)
	case (c.UAIDRegistry == "") != (c.UAIDValue == ""):
		return fmt.Errorf("uaid and uaid_registry go together")
	case len(c.Title) > 256 || len(c.Advertiser) > 256:
		return fmt.Errorf("title and advertiser: at most 256 bytes")
	}
	return nil
}

// IDFor derives the catalog id of the creative an ad names: from its UniversalAdId when it is
// known ("u-" and a hash of registry and value), else from its mezzanine URL ("m-" and a
// hash). Every instance derives the same id for the same ad.
func IDFor(ref *Ref) string {
	if ref.UniversalAdID.Known() {
		return "u-" + hash24(ref.UniversalAdID.Registry+"\x00"+ref.UniversalAdID.Value)
	}
	return "m-" + hash24(ref.Mezzanine.URL)
}

func hash24(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:12])
}

func uaidKey(registry, value string) string { return registry + "\x00" + value }
