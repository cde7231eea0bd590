package ssai

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync"
)

// Source is a content origin registered by name: any HLS origin, ours or another.
type Source struct {
	Name string `json:"name"`
	URL  string `json:"url"` // the multivariant playlist
	// Slate is an HLS asset (multivariant playlist) that fills breaks when there are no ads;
	// empty: breaks without ads play the content.
	Slate string `json:"slate,omitempty"`
}

// sources is the registry of sources by name.
type sources struct {
	mu sync.RWMutex
	m  map[string]Source
}

func (r *sources) get(name string) (Source, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	s, ok := r.m[name]
	return s, ok
}

func (r *sources) set(s Source) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.m == nil {
		r.m = make(map[string]Source)
	}
	r.m[s.Name] = s
}

func (r *sources) list() []Source {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]Source, 0, len(r.m))
	for _, s := range r.m {
		out = append(out, s)
	}
	slices.SortFunc(out, func(a, b Source) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// validateSource checks a source's name (a URL path segment) and URL (absolute http or https).
func validateSource(s Source) error {
	if s.Name == "" || len(s.Name) > 64 || strings.Trim(s.Name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") != "" || s.Name[0] == '.' {
		return fmt.Errorf("source name %q: want 1 to 64 letters, digits, '-', '_' or '.', not starting with '.'", s.Name)
	}
	for _, v := range []struct{ name, u string }{{"url", s.URL}, {"slate", s.Slate}} {
		if v.name == "slate" && v.u == "" {
			continue
		}
		u, err := url.Parse(v.u)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("source %s %q: want an absolute http or https URL of a multivariant playlist", v.name, v.u)
		}
	}
	return nil
}
