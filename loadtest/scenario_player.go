package loadtest

import (
	"errors"
	"fmt"
	"net/url"
)

// Entry points of a player session.
const (
	// EntrySessions starts each session with SSAI's POST /v1/sessions (the request's URI is
	// {target}/v1/sessions?source=S&uid=U, the form the headless player turns into the POST's
	// JSON body), then plays the manifestUrl it answers.
	EntrySessions = "sessions"
	// EntryMaster starts each session with GET {target}/ssai/{source}/master.m3u8?uid=U, as a
	// plain player does.
	EntryMaster = "master"
)

// PlayerSessions builds new viewers' sessions for the headless QoE player: every arrival is a
// viewer who was not watching before (a uid of its own within the pool) starting a session of
// one of o.SSAISources, through entry (EntrySessions or EntryMaster). The latency reported is
// whatever o.Player.Play takes: with the player package's WithStartupOnly, session start to
// first segment downloaded, through the preroll decision (ssai → adserver → auction → bidder).
//
// o.Player is required: loadtest does not import package player; cmd/cuepoint's `play` command
// plugs it in (`cuepoint play --sessions N --rate R`).
func PlayerSessions(target string, o Options, entry string) (*Scenario, error) {
	if o.Player == nil {
		return nil, errors.New("loadtest: player sessions need a Player (the headless player: cuepoint play --sessions)")
	}
	if entry != EntrySessions && entry != EntryMaster {
		return nil, fmt.Errorf("loadtest: player entry %q: want %s or %s", entry, EntrySessions, EntryMaster)
	}
	if _, err := parseTarget(target); err != nil {
		return nil, err
	}
	o = o.withDefaults()
	base := baseURL(target)
	s := &Scenario{Name: "player", Target: target, Player: o.Player, Requests: make([]Request, o.Pool)}
	for i := range s.Requests {
		src := o.SSAISources[i%len(o.SSAISources)]
		uid := fmt.Sprintf("n%d-%07d", o.Seed, i)
		var u string
		if entry == EntrySessions {
			q := url.Values{"source": {src}, "uid": {uid}}
			u = base + "/v1/sessions?" + q.Encode()
		} else {
			u = fmt.Sprintf("%s/ssai/%s/master.m3u8?uid=%s", base, url.PathEscape(src), url.QueryEscape(uid))
		}
		s.Requests[i] = Request{Method: "GET", URI: u}
	}
	return s, nil
}
