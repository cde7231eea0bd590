package loadtest

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"
)

// SSAILive builds the live-refresh workload of a stitcher: it starts o.LiveSessions sessions
// (POST {target}/v1/sessions, default 5,000) of the first of o.SSAISources (a live source), then
// every arrival is one GET of one session's media playlist, round robin over sessions and their
// renditions — what 5,000 players at the live edge ask of ssai. Starting the sessions is part of
// building the scenario, not of the measured run.
func SSAILive(target string, o Options) (*Scenario, error) {
	o = o.withDefaults()
	n := o.LiveSessions
	if n <= 0 {
		n = 5000
	}
	base := baseURL(target)
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 32}}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()

	var (
		mu    sync.Mutex
		uris  []string
		first error
		wg    sync.WaitGroup
		sem   = make(chan struct{}, 16)
	)
	for i := range n {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			media, err := startLiveSession(ctx, client, base, o.SSAISources[0], fmt.Sprintf("live-viewer-%d", i))
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				if first == nil {
					first = err
				}
				return
			}
			uris = append(uris, media...)
		})
	}
	wg.Wait()
	if first != nil {
		return nil, fmt.Errorf("scenario ssai-live: starting %d sessions: %w", n, first)
	}
	s := &Scenario{Name: "ssai-live", Target: target, Requests: make([]Request, len(uris))}
	for i, u := range uris {
		s.Requests[i] = Request{Method: "GET", URI: u}
	}
	return s, nil
}

// startLiveSession starts a session and returns the URLs of its media playlists.
func startLiveSession(ctx context.Context, client *http.Client, base, source, uid string) ([]string, error) {
	body, _ := json.Marshal(map[string]string{"source": source, "uid": uid})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/v1/sessions", strings.NewReader(string(body)))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	var sr struct {
		ManifestURL string `json:"manifestUrl"`
	}
	err = json.NewDecoder(resp.Body).Decode(&sr)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated || err != nil {
		return nil, fmt.Errorf("POST /v1/sessions: %s %v", resp.Status, err)
	}
	req, err = http.NewRequestWithContext(ctx, http.MethodGet, sr.ManifestURL, nil)
	if err != nil {
		return nil, err
	}
	if resp, err = client.Do(req); err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", sr.ManifestURL, resp.Status)
	}
	prefix := sr.ManifestURL[:strings.LastIndexByte(sr.ManifestURL, '/')+1]
	var out []string
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		if i := strings.Index(line, `URI="`); strings.HasPrefix(line, "#EXT-X-MEDIA:") && i >= 0 {
			rest := line[i+5:]
			out = append(out, prefix+rest[:strings.IndexByte(rest, '"')])
		} else if line != "" && !strings.HasPrefix(line, "#") {
			out = append(out, prefix+line)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s lists no media playlist", sr.ManifestURL)
	}
	return out, sc.Err()
}
