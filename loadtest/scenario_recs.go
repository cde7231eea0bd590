package loadtest

import "fmt"

// RecsPath is the recommendations endpoint.
const RecsPath = "/v1/recs"

// Recs builds recommendation reads, GET {target}/v1/recs?user=U&n=20&surface=home|next, for
// viewers drawn with Zipf popularity (a few heavy viewers, a long tail of occasional ones), 70%
// for the home screen and 30% for "up next".
func Recs(target string, o Options) *Scenario {
	o = o.withDefaults()
	r := newRand(o.Seed, "recs")
	users := newPopulation(r, o.Users, o.ZipfS)
	base := baseURL(target) + RecsPath
	s := &Scenario{Name: "recs", Target: target, Requests: make([]Request, o.Pool)}
	for i := range s.Requests {
		surface := "home"
		if r.IntN(10) < 3 {
			surface = "next"
		}
		s.Requests[i] = Request{Method: "GET", URI: fmt.Sprintf("%s?user=%s&n=20&surface=%s", base, userID(users.draw()), surface)}
	}
	return s
}
