package loadtest

import (
	"fmt"
	"net/url"
)

// AdServerPath is the ad server's ad-decision endpoint.
const AdServerPath = "/vast"

// adBreak is one kind of ad break: where it sits and how it may be filled.
type adBreak struct {
	pos      string // pre, mid or post
	dur      int    // seconds to fill
	min, max int    // bounds of one ad's duration
	podSize  int    // most ads in the break
	weight   int
}

// adBreaks are the breaks a streaming service asks for, with their shares: short pre-rolls, mid-
// roll pods of one to two minutes, and post-rolls.
var adBreaks = []adBreak{
	{"pre", 15, 5, 15, 1, 12}, {"pre", 30, 5, 30, 2, 18},
	{"mid", 30, 5, 15, 2, 10}, {"mid", 60, 5, 30, 4, 20}, {"mid", 90, 5, 30, 5, 15}, {"mid", 120, 5, 30, 6, 10},
	{"post", 30, 5, 30, 2, 10}, {"post", 60, 15, 30, 3, 5},
}

// AdServer builds ad decisions, GET {target}/vast?dur=…&min=…&max=…&ps=…&uid=…&content=…&ip=…
// &ua=…&session=…&pos=pre|mid|post, for breaks of several lengths (adBreaks) requested by
// Zipf-popular viewers watching Zipf-popular content, each in its own session. The answer is
// VAST XML.
func AdServer(target string, o Options) *Scenario {
	o = o.withDefaults()
	r := newRand(o.Seed, "adserver")
	users := newPopulation(r, o.Users, o.ZipfS)
	contents := newPopulation(r, o.Contents, o.ZipfS)
	total := 0
	for _, b := range adBreaks {
		total += b.weight
	}
	base := baseURL(target) + AdServerPath + "?"
	s := &Scenario{Name: "adserver", Target: target, Requests: make([]Request, o.Pool)}
	for i := range s.Requests {
		n := r.IntN(total)
		var b adBreak
		for _, b = range adBreaks {
			if n -= b.weight; n < 0 {
				break
			}
		}
		tv := tvModels[r.IntN(len(tvModels))]
		q := url.Values{}
		q.Set("dur", fmt.Sprint(b.dur))
		q.Set("min", fmt.Sprint(b.min))
		q.Set("max", fmt.Sprint(b.max))
		q.Set("ps", fmt.Sprint(b.podSize))
		q.Set("uid", userID(users.draw()))
		q.Set("content", contentID(contents.draw()))
		q.Set("ip", fmt.Sprintf("203.0.113.%d", 1+r.IntN(254)))
		q.Set("ua", tv[3])
		q.Set("session", fmt.Sprintf("s-%016x", r.Uint64()))
		q.Set("pos", b.pos)
		s.Requests[i] = Request{Method: "GET", URI: base + q.Encode()}
	}
	return s
}
