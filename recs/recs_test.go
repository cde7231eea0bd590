package recs

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/cuepoint/cuepoint/analytics/events"
	"github.com/cuepoint/cuepoint/recs/catalog"
	"github.com/cuepoint/cuepoint/recs/model"
)

func onlyArm(name string) envOption {
	return func(c *Config, _ *Deps) { c.Arms = []Arm{{Name: name, Weight: 1}} }
}

func TestListShape(t *testing.T) {
	e := newEnv(t, onlyArm(ArmModel))
	r := e.recs("user=viewer-7&n=25&surface=home", "X-Request-Id", "trace-42")
	if len(r.Items) != 25 {
		t.Fatalf("%d items, want 25", len(r.Items))
	}
	seen := map[string]bool{}
	for k, it := range r.Items {
		if seen[it.ID] {
			t.Fatalf("%s twice", it.ID)
		}
		seen[it.ID] = true
		if it.Position != k+1 || it.Score < 0 || it.Score > 1 || it.Reason == "" {
			t.Fatalf("item %d: %+v", k, it)
		}
		if _, ok := e.f.cat.Index(it.ID); !ok {
			t.Fatalf("%s is not in the catalogue", it.ID)
		}
	}
	if r.Model != e.f.res.Model.Meta.Version || r.Arm != ArmModel || r.RequestID != "trace-42" || len(r.ListID) != events.IDLen {
		t.Fatalf("model %q arm %q request %q list %q", r.Model, r.Arm, r.RequestID, r.ListID)
	}
	if r.Degraded != "" {
		t.Fatalf("a healthy featurestore gave a degraded list: %s", r.Degraded)
	}
	// The event says the same as the response.
	served := e.rec.served()
	if len(served) != 1 {
		t.Fatalf("%d served events", len(served))
	}
	s := served[0]
	if s.ID != r.ListID || s.RequestID != "trace-42" || s.UserID != "viewer-7" || s.Model != r.Model || s.Arm != r.Arm ||
		s.Experiment != "recs-ranker" || len(s.Items) != 25 || s.Items[0] != r.Items[0].ID || s.Surface != "home" {
		t.Fatalf("served event %+v does not match the response", s)
	}
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestBadInputIs400WithTheReason(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct{ query, want string }{
		{"", "user: required"},
		{"n=5", "user: required"},
		{"user=", "user: required"},
		{"user=a%20b", "user:"},
		{"user=a%22b", "user:"},
		{"user=" + strings.Repeat("x", 129), "user:"},
		{"user=u&n=0", "n:"},
		{"user=u&n=201", "n:"},
		{"user=u&n=ten", "n:"},
		{"user=u&n=-3", "n:"},
		{"user=u&surface=sidebar", "surface:"},
		{"user=u&surface=", "user"}, // empty surface is the default: accepted (checked below)
		{"user=u&country=USA", "country:"},
		{"user=u&maturity=X", "maturity:"},
		{"user=u&content=a%0Ab", "content:"},
	} {
		code, body := e.do("GET", "/v1/recs?"+tc.query, nil)
		if tc.query == "user=u&surface=" {
			if code != 200 {
				t.Errorf("%q: %d", tc.query, code)
			}
			continue
		}
		var r response
		_ = json.Unmarshal(body, &r)
		if code != 400 || !strings.Contains(r.Error, tc.want) {
			t.Errorf("%q: %d %s, want 400 naming %q", tc.query, code, body, tc.want)
		}
	}
	if code, _ := e.do("POST", "/v1/recs?user=u", nil); code != 405 {
		t.Errorf("POST /v1/recs: %d, want 405", code)
	}
}

func TestColdStartViewerGetsAGoodList(t *testing.T) {
	e := newEnv(t, onlyArm(ArmModel))
	r := e.recs("user=somebody-new&n=20")
	if len(r.Items) != 20 {
		t.Fatalf("%d items", len(r.Items))
	}
	genres := map[string]bool{}
	for _, it := range r.Items {
		if it.Reason == "for_you" || strings.HasPrefix(it.Reason, "similar:") {
			t.Errorf("an unknown viewer got a personal reason: %+v", it)
		}
		i, _ := e.f.cat.Index(it.ID)
		genres[e.f.cat.Item(i).PrimaryGenre()] = true
	}
	if len(genres) < 5 {
		t.Errorf("the cold-start list spans only %d genres", len(genres))
	}
	// It is also good: more expected clicks, for the world's viewers, than the catalogue order.
	var list, first []int32
	for _, it := range r.Items {
		i, _ := e.f.cat.Index(it.ID)
		list = append(list, i)
	}
	for i := range int32(20) {
		first = append(first, i)
	}
	var got, base float64
	for u := range e.f.world.Viewers {
		got += e.f.world.ExpectedClicks(u, list)
		base += e.f.world.ExpectedClicks(u, first)
	}
	if got <= base {
		t.Errorf("cold-start list earns %.1f expected clicks over the audience, the first 20 titles %.1f", got, base)
	}
}

func TestRightsAndMaturityFilters(t *testing.T) {
	e := newEnv(t, onlyArm(ArmModel))
	for _, q := range []string{"user=viewer-3&n=100&maturity=G", "user=viewer-4&n=100&country=JP&maturity=PG-13"} {
		r := e.recs(q)
		for _, it := range r.Items {
			i, _ := e.f.cat.Index(it.ID)
			item := e.f.cat.Item(i)
			if strings.Contains(q, "maturity=G") && item.Rating != catalog.RatingG {
				t.Errorf("%s: %s rated %s", q, it.ID, item.Rating)
			}
			if strings.Contains(q, "country=JP") && !e.f.cat.Available(i, catalog.MustRegion("JP"), t0) {
				t.Errorf("%s: %s is not licensed in JP", q, it.ID)
			}
		}
	}
}

func TestABAssignmentIsStableAndWeighted(t *testing.T) {
	e := newEnv(t) // model=90, popular=10
	arms := map[string]string{}
	for u := range 40 {
		user := fmt.Sprintf("viewer-%d", u+1)
		r := e.recs("user=" + user + "&n=5")
		arms[user] = r.Arm
		if r.Arm == ArmPopular && r.Model != modelPopularity || r.Arm == ArmModel && r.Model == modelPopularity {
			t.Fatalf("arm %s served by %s", r.Arm, r.Model)
		}
	}
	// Stable: again, and on another instance.
	other := newEnv(t)
	for user, arm := range arms {
		if a := e.recs("user=" + user + "&n=3").Arm; a != arm {
			t.Fatalf("%s moved from %s to %s", user, arm, a)
		}
		if a := other.recs("user=" + user + "&n=3").Arm; a != arm {
			t.Fatalf("%s is in %s on one instance and %s on another", user, arm, a)
		}
	}
	// Weighted: 90/10 within a few percent over many viewers.
	exp := newExperiment(&Config{Experiment: "recs-ranker", Arms: []Arm{{ArmModel, 90}, {ArmPopular, 10}}})
	n := map[string]int{}
	const viewers = 50_000
	for u := range viewers {
		n[exp.assign(fmt.Sprintf("u%07d", u)).Name]++
	}
	if share := float64(n[ArmPopular]) / viewers; math.Abs(share-0.10) > 0.01 {
		t.Fatalf("popular arm has %.3f of viewers, want 0.10", share)
	}
	// A new experiment reshuffles independently of the old one.
	exp2 := newExperiment(&Config{Experiment: "recs-ranker-2", Arms: []Arm{{ArmModel, 50}, {ArmPopular, 50}}})
	exp1 := newExperiment(&Config{Experiment: "recs-ranker", Arms: []Arm{{ArmModel, 50}, {ArmPopular, 50}}})
	same := 0
	for u := range 10_000 {
		v := fmt.Sprintf("u%07d", u)
		if exp1.assign(v).Name == exp2.assign(v).Name {
			same++
		}
	}
	if same < 4700 || same > 5300 {
		t.Fatalf("%d of 10000 viewers in the same arm of two experiments: assignments are correlated", same)
	}
}

func TestRankingIsDeterministic(t *testing.T) {
	// Without exploration (the only randomness) a viewer's list is the same on every request
	// and every instance; with it, the draw is seeded by (seed, viewer, list id).
	noExplore := func(c *Config, _ *Deps) { c.ExploreShare = 0 }
	a, b := newEnv(t, onlyArm(ArmModel), noExplore), newEnv(t, onlyArm(ArmModel), noExplore)
	ids := func(r response) string {
		var s []string
		for _, it := range r.Items {
			s = append(s, it.ID+"/"+it.Reason)
		}
		return strings.Join(s, ",")
	}
	first := ids(a.recs("user=viewer-11&n=30"))
	if again, other := ids(a.recs("user=viewer-11&n=30")), ids(b.recs("user=viewer-11&n=30")); again != first || other != first {
		t.Fatalf("the same viewer got different lists:\nfirst: %s\nagain: %s\nother: %s", first, again, other)
	}
	if mix64(1^bucket("viewer-1", "l1")) == mix64(1^bucket("viewer-1", "l2")) {
		t.Fatal("exploration seeds do not depend on the list id")
	}
}

func TestHotModelReload(t *testing.T) {
	e := newEnv(t, onlyArm(ArmModel))
	v1 := e.f.res.Model.Meta.Version
	if r := e.recs("user=viewer-1&n=5"); r.Model != v1 {
		t.Fatalf("serving %q, want %q", r.Model, v1)
	}
	// A new model is published: the watcher picks it up without a restart.
	m2 := *e.f.res.Model
	m2.Meta.Version = v1 + "-b"
	m2.Weights = append([]float32(nil), m2.Weights...)
	m2.Weights[0] -= 0.5
	if _, err := model.Publish(e.dir, &m2, 0); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return e.recs("user=viewer-1&n=5").Model == m2.Meta.Version })
	// A corrupt publish is refused (and counted); the good model keeps serving.
	failures := e.svc.metrics.reloadFailed.Get()
	if err := writeFile(e.dir+"/bad"+model.Ext, []byte("CPRECSMD not really a model, but long enough to look like one.....")); err != nil {
		t.Fatal(err)
	}
	if err := writeFile(e.dir+"/"+model.CurrentFile, []byte("bad"+model.Ext+"\n")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return e.svc.metrics.reloadFailed.Get() > failures })
	if r := e.recs("user=viewer-1&n=5"); r.Model != m2.Meta.Version || len(r.Items) != 5 {
		t.Fatalf("after a corrupt publish: model %q, %d items", r.Model, len(r.Items))
	}
}

func TestFeaturestoreDownStillServes(t *testing.T) {
	for _, fail := range []bool{false, true} {
		e := newEnv(t, onlyArm(ArmModel), func(c *Config, d *Deps) {
			d.Features = slowFeatures{fail: fail}
			c.FeatureTimeout = 5 * time.Millisecond
		})
		e.svc.RefreshTrending(context.Background()) // trending keeps the prior's order
		r := e.recs("user=viewer-9&n=20")
		if len(r.Items) != 20 || r.Degraded == "" {
			t.Fatalf("fail=%v: %d items, degraded %q", fail, len(r.Items), r.Degraded)
		}
		// The viewer plays something through this instance: their next list is personal
		// (folded in from the play, neighbours of it), featurestore or not.
		played := r.Items[0].ID
		body := fmt.Sprintf(`{"type":"play","list":%q,"user":"viewer-9","item":%q,"position":1,"model":%q,"arm":%q}`,
			r.ListID, played, r.Model, r.Arm)
		if code, b := e.do("POST", "/v1/recs/actions", []byte(body)); code != 204 {
			t.Fatalf("action: %d %s", code, b)
		}
		r2 := e.recs("user=viewer-9&n=20")
		personal := 0
		for _, it := range r2.Items {
			if it.ID == played {
				t.Fatalf("fail=%v: the title just played is recommended again", fail)
			}
			if it.Reason == "for_you" || strings.HasPrefix(it.Reason, "similar:") {
				personal++
			}
		}
		if personal == 0 {
			t.Fatalf("fail=%v: a viewer with a play got no personal item while the featurestore is down", fail)
		}
	}
}

func TestNoFeaturestoreAtAll(t *testing.T) {
	e := newEnv(t, func(_ *Config, d *Deps) { d.Features = nil })
	if r := e.recs("user=viewer-2&n=10"); len(r.Items) != 10 || r.Degraded == "" {
		t.Fatalf("%d items, degraded %q", len(r.Items), r.Degraded)
	}
}

func TestUntrainedServiceServes(t *testing.T) {
	e := newEnv(t, func(c *Config, _ *Deps) { c.ModelDir = "" })
	r := e.recs("user=viewer-2&n=10")
	if len(r.Items) != 10 || r.Model != "untrained" {
		t.Fatalf("%d items from %q", len(r.Items), r.Model)
	}
}

func TestActions(t *testing.T) {
	e := newEnv(t, onlyArm(ArmModel))
	r := e.recs("user=viewer-5&n=10")
	it := r.Items[3]
	click := fmt.Sprintf(`{"type":"click","list":%q,"user":"viewer-5","item":%q,"position":4,"model":%q,"arm":%q}`, r.ListID, it.ID, r.Model, r.Arm)
	if code, b := e.do("POST", "/v1/recs/actions", []byte(click), "X-Request-Id", "rq-1"); code != 204 {
		t.Fatalf("%d %s", code, b)
	}
	acts := e.rec.actions()
	if len(acts) != 1 {
		t.Fatalf("%d action events", len(acts))
	}
	a := acts[0]
	if a.Kind != events.ActionClick || a.ListID != r.ListID || a.ItemID != it.ID || a.Position != 4 || a.Model != r.Model ||
		a.Arm != r.Arm || a.Experiment != "recs-ranker" || a.RequestID != "rq-1" || a.Validate() != nil {
		t.Fatalf("action event %+v", a)
	}
	i, _ := e.f.cat.Index(it.ID)
	if _, clicks := e.svc.bandit.Stats(i); clicks != 1 {
		t.Fatalf("the bandit saw %d clicks", clicks)
	}
	for _, bad := range []string{
		``, `{}`, `[]`, `{"type":"view","list":"l","user":"u","item":"i","position":1}`,
		`{"type":"click","list":"l","user":"u","item":"i","position":0}`,
		`{"type":"click","list":"l","user":"u","item":"i","position":1,"extra":1}`,
		`{"type":"click","list":"l","user":"u","item":"i","position":1}{}`,
		`{"type":"click","list":"l","user":"u u","item":"i","position":1}`,
	} {
		if code, _ := e.do("POST", "/v1/recs/actions", []byte(bad)); code != 400 {
			t.Errorf("%q: %d, want 400", bad, code)
		}
	}
	if code, _ := e.do("POST", "/v1/recs/actions", []byte(`{"type":"click","list":"`+strings.Repeat("l", 5000)+`"}`)); code != 413 {
		t.Errorf("oversized action: %d, want 413", code)
	}
	if code, _ := e.do("OPTIONS", "/v1/recs/actions", nil); code != 204 {
		t.Errorf("preflight: %d", code)
	}
}

func TestExplorationShareAndPromotions(t *testing.T) {
	f := getFixture(t)
	promoted := ""
	for i := range int32(f.cat.Len()) { // a title every viewer may see
		if it := f.cat.Item(i); len(it.Regions) == 0 && it.Until.IsZero() && f.cat.Available(i, 0, t0) {
			promoted = it.ID
		}
	}
	e := newEnv(t, onlyArm(ArmModel), func(c *Config, _ *Deps) {
		c.ExploreShare = 0.2
		c.Promotions = []string{promoted + "@1"}
	})
	lists, explored := 60, 0
	for k := range lists {
		r := e.recs(fmt.Sprintf("user=viewer-%d&n=20", k+1))
		for _, it := range r.Items {
			if it.Reason == "explore" {
				explored++
			}
		}
		if r.Items[0].ID != promoted || r.Items[0].Reason != "promoted" {
			t.Fatalf("position 1 is %+v, not the promoted %s", r.Items[0], promoted)
		}
	}
	if want := lists * 4; explored != want {
		t.Fatalf("%d exploration slots in %d lists of 20 at share 0.2, want %d", explored, lists, want)
	}
}

func TestCatalogAndModelEndpoints(t *testing.T) {
	e := newEnv(t)
	code, body := e.do("GET", "/v1/catalog", nil)
	if code != 200 {
		t.Fatal(code)
	}
	cat, err := catalog.Parse(body)
	if err != nil || cat.Len() != e.f.cat.Len() {
		t.Fatalf("catalog: %v", err)
	}
	if code, _ := e.do("GET", "/v1/catalog/item-1", nil); code != 200 {
		t.Fatal(code)
	}
	if code, _ := e.do("GET", "/v1/catalog/nope", nil); code != 404 {
		t.Fatal(code)
	}
	code, body = e.do("GET", "/v1/recs/model", nil)
	var info struct {
		Version string             `json:"version"`
		Weights map[string]float32 `json:"weights"`
	}
	if code != 200 || json.Unmarshal(body, &info) != nil || info.Version != e.f.res.Model.Meta.Version || len(info.Weights) == 0 {
		t.Fatalf("model info: %d %s", code, body)
	}
	if code, body := e.do("GET", "/", nil); code != 200 || !strings.Contains(string(body), "/v1/recs") {
		t.Fatal("demo page")
	}
}

func TestHistoryIsBounded(t *testing.T) {
	h := newHistory(historyShards * 2) // two viewers per shard
	for v := range 1000 {
		h.add(fmt.Sprintf("v%d", v), int32(v), int64(v))
	}
	n := 0
	for v := range 1000 {
		got, _ := h.appendTo(nil, fmt.Sprintf("v%d", v), 0)
		n += len(got)
	}
	if n > historyShards*2 {
		t.Fatalf("remembers %d viewers, bound %d", n, historyShards*2)
	}
	for k := range 30 {
		h.add("w", int32(k%25), int64(k))
	}
	got, later := h.appendTo(nil, "w", 26)
	if len(got) != historyItems || got[0] != 4 || got[1] != 3 || later != 3 {
		t.Fatalf("history %v, %d later than 26", got, later)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second) // a bound on a hang, not a latency assertion
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestRowFollowsWhatTheViewerWatches(t *testing.T) {
	e := newEnv(t, onlyArm(ArmModel), func(c *Config, _ *Deps) { c.ExploreShare = 0 })
	genreShare := func(r response, genre string) int {
		n := 0
		for _, it := range r.Items {
			i, _ := e.f.cat.Index(it.ID)
			if e.f.cat.Item(i).PrimaryGenre() == genre {
				n++
			}
		}
		return n
	}
	before := e.recs("user=viewer-12&n=20")
	// The viewer binges kids titles they had not watched.
	var kids []string
	for i := range int32(e.f.cat.Len()) {
		if it := e.f.cat.Item(i); it.PrimaryGenre() == "kids" && e.f.cat.Available(i, 0, t0) && len(kids) < 4 {
			kids = append(kids, it.ID)
		}
	}
	for _, id := range kids {
		body := fmt.Sprintf(`{"type":"play","list":%q,"user":"viewer-12","item":%q,"position":1}`, before.ListID, id)
		if code, b := e.do("POST", "/v1/recs/actions", []byte(body)); code != 204 {
			t.Fatalf("%d %s", code, b)
		}
	}
	after := e.recs("user=viewer-12&n=20")
	if a, b := genreShare(after, "kids"), genreShare(before, "kids"); a <= b {
		t.Fatalf("after four kids plays the row has %d kids titles, before %d", a, b)
	}
	similar := 0
	for _, it := range after.Items {
		for _, k := range kids {
			if it.ID == k {
				t.Fatalf("%s was just watched and is recommended again", k)
			}
			if it.Reason == "similar:"+k {
				similar++
			}
		}
	}
	if similar == 0 {
		t.Fatal("no item is recommended as similar to what was just watched")
	}
}
