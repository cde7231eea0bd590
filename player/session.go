package player

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// SessionRequest is the body of SSAI's POST /v1/sessions.
type SessionRequest struct {
	Source  string `json:"source"`
	UID     string `json:"uid,omitempty"`
	Content string `json:"content,omitempty"`
	// Beacons is "server" (SSAI fires them when ad segments are fetched; the default) or
	// "client" (the tracking JSON carries the URLs and the player fires them).
	Beacons string `json:"beacons,omitempty"`
}

// SessionInfo is what starting a session returned.
type SessionInfo struct {
	Session     string `json:"session"`     // opaque signed token ("" when started at a master URL)
	ID          string `json:"id"`          // the session id SSAI's analytics events carry (QoE uses it)
	ManifestURL string `json:"manifestUrl"` // the session's multivariant playlist
	TrackingURL string `json:"trackingUrl"` // its tracking JSON ("" when unknown)
	RequestID   string `json:"requestId"`   // X-Request-Id of the session start: the preroll decision's trace id
}

// maxDocument bounds a JSON answer the player reads (session, tracking).
const maxDocument = 4 << 20

// parseSessionResponse reads a POST /v1/sessions answer. The manifest URL must be an absolute
// http(s) URL; the tracking URL, when present, too.
func parseSessionResponse(b []byte) (SessionInfo, error) {
	var s SessionInfo
	if len(b) > maxDocument {
		return s, fmt.Errorf("player: session response of %d bytes", len(b))
	}
	if err := json.Unmarshal(b, &s); err != nil {
		return SessionInfo{}, fmt.Errorf("player: session response: %w", err)
	}
	if err := checkURL("manifestUrl", s.ManifestURL, true); err != nil {
		return SessionInfo{}, err
	}
	if err := checkURL("trackingUrl", s.TrackingURL, false); err != nil {
		return SessionInfo{}, err
	}
	return s, nil
}

// checkURL accepts an absolute http or https URL ("" when not required).
func checkURL(field, s string, required bool) error {
	if s == "" {
		if required {
			return fmt.Errorf("player: %s: missing", field)
		}
		return nil
	}
	u, err := url.Parse(s)
	if err != nil {
		return fmt.Errorf("player: %s: %w", field, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("player: %s: %q is not an absolute http(s) URL", field, s)
	}
	return nil
}

// sessionEntry reports whether u is an SSAI sessions endpoint (a path ending in /v1/sessions)
// and, if so, the request its query describes: ?source=…&uid=…&content=…&beacons=….
func sessionEntry(u *url.URL) (SessionRequest, bool, error) {
	if !strings.HasSuffix(u.Path, "/v1/sessions") {
		return SessionRequest{}, false, nil
	}
	q := u.Query()
	r := SessionRequest{Source: q.Get("source"), UID: q.Get("uid"), Content: q.Get("content"), Beacons: q.Get("beacons")}
	if r.Source == "" {
		return r, true, errors.New("player: a sessions URL needs ?source=NAME")
	}
	if r.Beacons != "" && r.Beacons != "server" && r.Beacons != "client" {
		return r, true, fmt.Errorf("player: beacons=%q: want server or client", r.Beacons)
	}
	return r, true, nil
}

// SessionsURL is the entry URL that makes Play start a session with POST base/v1/sessions and
// body r (base is the SSAI service, e.g. http://127.0.0.1:8083).
func SessionsURL(base string, r SessionRequest) string {
	q := url.Values{}
	q.Set("source", r.Source)
	if r.UID != "" {
		q.Set("uid", r.UID)
	}
	if r.Content != "" {
		q.Set("content", r.Content)
	}
	if r.Beacons != "" {
		q.Set("beacons", r.Beacons)
	}
	return strings.TrimRight(base, "/") + "/v1/sessions?" + q.Encode()
}
