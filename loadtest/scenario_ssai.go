package loadtest

import (
	"fmt"
	"net/url"
)

// SSAI builds viewer sessions, each starting at GET {target}/ssai/{source}/master.m3u8?uid=U for
// a Zipf-popular viewer and one of o.SSAISources, played by o.Player (a SessionPlayer by
// default). Every arrival is a whole session, so the latency reported for this scenario is a
// session's startup time (master, media playlist, first segments), not one request's.
func SSAI(target string, o Options) *Scenario {
	o = o.withDefaults()
	r := newRand(o.Seed, "ssai")
	users := newPopulation(r, o.Users, o.ZipfS)
	base := baseURL(target)
	player := o.Player
	if player == nil {
		player = NewSessionPlayer(o.Connections, o.SessionLength)
	}
	s := &Scenario{Name: "ssai", Target: target, Player: player, Requests: make([]Request, o.Pool)}
	for i := range s.Requests {
		src := o.SSAISources[i%len(o.SSAISources)]
		s.Requests[i] = Request{Method: "GET", URI: fmt.Sprintf("%s/ssai/%s/master.m3u8?uid=%s", base, url.PathEscape(src), userID(users.draw()))}
	}
	return s
}
