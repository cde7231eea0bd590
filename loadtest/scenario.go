package loadtest

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"time"
)

// Request is one pre-built HTTP request. Scenarios build their requests before a run and every
// worker sends them as they are, read-only: the method, URI and body are copied into the
// worker's own fasthttp.Request (the body is referenced, not copied), so sending allocates
// nothing.
type Request struct {
	Method      string // "GET" or "POST"
	URI         string // absolute: scheme://host:port/path?query
	ContentType string // for a body
	Body        []byte // nil for GET
}

// Scenario is a named workload: a pool of requests replayed in order, cycling, against one
// target. Pools are large enough (thousands of distinct requests) that caches in the target see
// realistic key spreads, and small enough to build in a fraction of a second.
type Scenario struct {
	Name     string
	Target   string // the base URL the requests were built for, for reports
	Requests []Request
	// Player, when set, makes each arrival a viewer session instead of a single request: the
	// request's URI is the session's entry point (an SSAI master playlist) and Player.Play does
	// the fetching. The session's latency is from its due time to the end of Play.
	Player Player
}

// Player plays one viewer session that starts at a master playlist. Play is called from many
// workers at once and must be safe for that. It returns nil when the session worked, a
// *StatusError for an HTTP error, and any other error (a timeout included) when it failed.
//
// SessionPlayer is the built-in one. The headless QoE player (package player) can take its place
// through a small adapter in cmd/cuepoint: loadtest does not import it.
type Player interface {
	Play(masterURL string, deadline time.Time) error
}

// StatusError is an HTTP response with a status that counts as a failure (anything but 2xx).
type StatusError struct {
	Code int
	URL  string
}

func (e *StatusError) Error() string {
	return "HTTP " + strconv.Itoa(e.Code) + " from " + e.URL
}

// Weighted is a scenario and its share of a mix. Shares are exact: with weights 3 and 1, every
// four consecutive arrivals hold three of the first and one of the second.
type Weighted struct {
	Scenario *Scenario
	Weight   int
}

// validate checks what Run relies on and returns the scenario's scheme://host[:port].
func (s *Scenario) validate() (scheme, addr string, err error) {
	if s == nil || len(s.Requests) == 0 {
		return "", "", errors.New("loadtest: scenario has no requests")
	}
	for i := range s.Requests {
		r := &s.Requests[i]
		u, err := url.Parse(r.URI)
		if err != nil {
			return "", "", fmt.Errorf("loadtest: scenario %s request %d: %w", s.Name, i, err)
		}
		if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return "", "", fmt.Errorf("loadtest: scenario %s request %d: %q is not an absolute http(s) URL", s.Name, i, r.URI)
		}
		a := hostPort(u)
		if i == 0 {
			scheme, addr = u.Scheme, a
		} else if s.Player == nil && (u.Scheme != scheme || a != addr) {
			return "", "", fmt.Errorf("loadtest: scenario %s mixes targets %s://%s and %s://%s", s.Name, scheme, addr, u.Scheme, a)
		}
		switch r.Method {
		case "GET", "POST", "PUT", "HEAD", "DELETE":
		default:
			return "", "", fmt.Errorf("loadtest: scenario %s request %d: unsupported method %q", s.Name, i, r.Method)
		}
	}
	return scheme, addr, nil
}

// hostPort returns host:port with the scheme's default port filled in.
func hostPort(u *url.URL) string {
	if u.Port() != "" {
		return u.Host
	}
	if u.Scheme == "https" {
		return u.Host + ":443"
	}
	return u.Host + ":80"
}
