package loadtest

import (
	"bytes"
	"encoding/json"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/prebid/openrtb/v20/adcom1"
	"github.com/prebid/openrtb/v20/openrtb2"
)

const testBase = "http://127.0.0.1:9"

// decodeBid decodes an OpenRTB body into prebid/openrtb/v20 types, rejecting any field those
// types do not know: every generated field is a real OpenRTB 2.6 field.
func decodeBid(t *testing.T, body []byte) *openrtb2.BidRequest {
	t.Helper()
	var br openrtb2.BidRequest
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&br); err != nil {
		t.Fatalf("decode: %v\n%s", err, body)
	}
	return &br
}

func TestBidderPayloadsAreValidOpenRTB(t *testing.T) {
	s := Bidder(testBase, Options{Pool: 400})
	if s.Name != "bidder" || len(s.Requests) != 400 {
		t.Fatalf("scenario %s with %d requests", s.Name, len(s.Requests))
	}
	kinds := map[BidKind]int{}
	ids := map[string]bool{}
	var ctvBytes, ctvN int
	for i, r := range s.Requests {
		if r.Method != "POST" || r.URI != testBase+BidderPath || r.ContentType != "application/json" {
			t.Fatalf("request %d: %s %s %s", i, r.Method, r.URI, r.ContentType)
		}
		br := decodeBid(t, r.Body)
		kind := BidKindOf(i)
		kinds[kind]++
		if ids[br.ID] {
			t.Errorf("request %d: duplicate id %s", i, br.ID)
		}
		ids[br.ID] = true
		if len(br.Imp) == 0 || br.TMax <= 0 || br.TMax > 100 || br.User == nil || br.Regs == nil || br.Source == nil || br.Source.SChain == nil || len(br.Source.SChain.Nodes) == 0 || br.Device == nil {
			t.Fatalf("request %d (%s): missing required parts\n%s", i, kind, r.Body)
		}
		if (br.Site == nil) == (br.App == nil) {
			t.Fatalf("request %d (%s): want exactly one of site and app", i, kind)
		}
		for _, imp := range br.Imp {
			if imp.ID == "" || (imp.Video == nil && imp.Banner == nil) {
				t.Fatalf("request %d (%s): imp without id or media", i, kind)
			}
			if imp.Video != nil && len(imp.Video.MIMEs) == 0 {
				t.Fatalf("request %d (%s): video without mimes", i, kind)
			}
		}
		switch kind {
		case BidCTVPod:
			checkCTVPod(t, i, br)
			ctvBytes += len(r.Body)
			ctvN++
		case BidAppInterstitial:
			v := br.Imp[0].Video
			if br.App == nil || br.Imp[0].Instl != 1 || v == nil || v.Plcmt != adcom1.VideoPlcmtInterstitial {
				t.Errorf("request %d: not an app interstitial\n%s", i, r.Body)
			}
			if dt := br.Device.DeviceType; dt != adcom1.DevicePhone && dt != adcom1.DeviceTablet {
				t.Errorf("request %d: interstitial on device type %d", i, dt)
			}
		case BidWebVideo:
			v := br.Imp[0].Video
			if br.Site == nil || v == nil || v.Plcmt != adcom1.VideoPlcmtInstream || br.Device.DeviceType != adcom1.DevicePC {
				t.Errorf("request %d: not web instream video\n%s", i, r.Body)
			}
		case BidDisplayDeals:
			for _, imp := range br.Imp {
				if imp.Banner == nil || len(imp.Banner.Format) == 0 || imp.PMP == nil || len(imp.PMP.Deals) == 0 {
					t.Errorf("request %d: display imp without formats or deals\n%s", i, r.Body)
				}
			}
		case BidNoBid:
			if !shouldNotBid(br) {
				t.Errorf("request %d: meant not to bid, but neither priced out nor fully blocked\n%s", i, r.Body)
			}
		}
		if kind != BidNoBid && shouldNotBid(br) {
			t.Errorf("request %d (%s): would not bid", i, kind)
		}
	}
	want := map[BidKind]int{BidCTVPod: 160, BidAppInterstitial: 80, BidWebVideo: 60, BidDisplayDeals: 60, BidNoBid: 40}
	for k, n := range want {
		if kinds[k] != n {
			t.Errorf("%s: %d requests, want %d (shares %v)", k, kinds[k], n, kinds)
		}
	}
	// A CTV SSP's pod request is ~3.4 KB.
	if avg := ctvBytes / ctvN; avg < 2800 || avg > 4500 {
		t.Errorf("CTV pod requests average %d bytes, want ~3400", avg)
	} else {
		t.Logf("CTV pod requests average %d bytes", avg)
	}
}

func checkCTVPod(t *testing.T, i int, br *openrtb2.BidRequest) {
	t.Helper()
	if dt := br.Device.DeviceType; dt != adcom1.DeviceTV && dt != adcom1.DeviceSetTopBox {
		t.Errorf("request %d: CTV on device type %d", i, dt)
	}
	if br.App == nil || br.App.Content == nil || br.App.Content.Series == "" || br.App.Content.Len == 0 {
		t.Errorf("request %d: CTV without app content", i)
	}
	podIDs := map[string]bool{}
	for _, imp := range br.Imp {
		v := imp.Video
		if v == nil || v.PodID == "" || v.MinCPMPerSec <= 0 || imp.SSAI != openrtb2.AdInsertServer {
			t.Fatalf("request %d: CTV imp without pod fields: %+v", i, v)
		}
		podIDs[v.PodID] = true
	}
	if len(podIDs) != 1 {
		t.Errorf("request %d: imps of one pod carry pod ids %v", i, podIDs)
	}
	if len(br.Imp) == 1 { // dynamic pod
		v := br.Imp[0].Video
		if v.PodDur <= 0 || v.MaxSeq <= 0 || v.MaxDuration > v.PodDur {
			t.Errorf("request %d: dynamic pod poddur %d maxseq %d", i, v.PodDur, v.MaxSeq)
		}
		return
	}
	var slots []adcom1.SlotPositionInPod
	for _, imp := range br.Imp { // structured pod
		if len(imp.Video.RqdDurs) == 0 {
			t.Errorf("request %d: structured slot without rqddurs", i)
		}
		slots = append(slots, imp.Video.SlotInPod)
	}
	if !slices.Contains(slots, adcom1.SlotPosFirst) || !slices.Contains(slots, adcom1.SlotPosLast) {
		t.Errorf("request %d: structured pod slots %v", i, slots)
	}
}

func shouldNotBid(br *openrtb2.BidRequest) bool {
	priced := true
	for _, imp := range br.Imp {
		priced = priced && imp.BidFloor >= NoBidFloor
	}
	blocked := len(br.BCat) >= 26
	for n := 1; n <= 26 && blocked; n++ {
		blocked = slices.Contains(br.BCat, "IAB"+strconv.Itoa(n))
	}
	return priced || blocked
}

func TestAdServerRequests(t *testing.T) {
	s := AdServer(testBase+"/", Options{Pool: 500})
	durs, pos := map[int]bool{}, map[string]int{}
	for _, r := range s.Requests {
		u, err := url.Parse(r.URI)
		if err != nil || r.Method != "GET" || u.Path != AdServerPath {
			t.Fatalf("%s %s: %v", r.Method, r.URI, err)
		}
		q := u.Query()
		for _, k := range []string{"dur", "min", "max", "ps", "uid", "content", "ip", "ua", "session", "pos"} {
			if q.Get(k) == "" {
				t.Fatalf("%s: no %s", r.URI, k)
			}
		}
		dur, _ := strconv.Atoi(q.Get("dur"))
		lo, _ := strconv.Atoi(q.Get("min"))
		hi, _ := strconv.Atoi(q.Get("max"))
		ps, _ := strconv.Atoi(q.Get("ps"))
		if lo <= 0 || lo > hi || hi > dur || ps < 1 || ps*lo > dur {
			t.Errorf("%s: inconsistent break dur=%d min=%d max=%d ps=%d", r.URI, dur, lo, hi, ps)
		}
		durs[dur] = true
		pos[q.Get("pos")]++
	}
	if len(durs) < 4 || len(pos) != 3 || pos["mid"] < pos["pre"] || pos["pre"] < pos["post"] {
		t.Errorf("break lengths %v positions %v", durs, pos)
	}
}

func TestRecsViewersAreZipf(t *testing.T) {
	s := Recs(testBase, Options{Pool: 20_000, Users: 100_000})
	users, surfaces := map[string]int{}, map[string]int{}
	for _, r := range s.Requests {
		u, _ := url.Parse(r.URI)
		q := u.Query()
		if u.Path != RecsPath || q.Get("n") != "20" {
			t.Fatalf("bad request %s", r.URI)
		}
		users[q.Get("user")]++
		surfaces[q.Get("surface")]++
	}
	top := 0
	for _, n := range users {
		top = max(top, n)
	}
	// Uniform draws would give the busiest of 100k users a handful of the 20k requests; Zipf
	// (s=1.1) gives the head thousands, and leaves most users unseen.
	if top < 500 || len(users) > 15_000 {
		t.Errorf("busiest user %d of 20000 requests, %d distinct users: not Zipf-like", top, len(users))
	}
	if surfaces["home"] < 2*surfaces["next"] || surfaces["next"] == 0 {
		t.Errorf("surfaces %v", surfaces)
	}
}

func TestFeatureStoreBatches(t *testing.T) {
	s := FeatureStore(testBase, Options{Pool: 50})
	for _, r := range s.Requests {
		var b BatchGet
		dec := json.NewDecoder(bytes.NewReader(r.Body))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&b); err != nil || r.Method != "POST" || !strings.HasSuffix(r.URI, FeatureStorePath) {
			t.Fatalf("%s %s: %v", r.Method, r.URI, err)
		}
		seen := map[string]bool{}
		for _, id := range b.IDs {
			seen[id] = true
		}
		if b.EntityType != "user" || len(b.IDs) != 200 || len(seen) != 200 || len(b.Views) == 0 {
			t.Errorf("batch: type %q, %d ids (%d distinct), views %v", b.EntityType, len(b.IDs), len(seen), b.Views)
		}
	}
}

func TestSSAISessions(t *testing.T) {
	s := SSAI(testBase, Options{Pool: 10, SSAISources: []string{"news", "movies/1"}})
	if s.Player == nil {
		t.Fatal("no player")
	}
	for i, r := range s.Requests {
		u, err := url.Parse(r.URI)
		if err != nil || u.Query().Get("uid") == "" || !strings.HasSuffix(u.EscapedPath(), "/master.m3u8") {
			t.Fatalf("%s: %v", r.URI, err)
		}
		want := []string{"/ssai/news/master.m3u8", "/ssai/movies%2F1/master.m3u8"}[i%2]
		if u.EscapedPath() != want {
			t.Errorf("path %s, want %s", u.EscapedPath(), want)
		}
	}
}

func TestBuild(t *testing.T) {
	for _, name := range append(slices.Clone(ServiceScenarios), "url") {
		s, err := Build(name, testBase, Options{Pool: 8})
		if err != nil || s.Name != name || len(s.Requests) == 0 {
			t.Errorf("Build(%s) = %v, %v", name, s, err)
			continue
		}
		if _, _, err := s.validate(); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := Build("mixed", testBase, Options{}); err == nil {
		t.Error("Build(mixed) should be BuildMix's job")
	}
	if _, err := Build("bidder", "localhost:8081", Options{}); err == nil {
		t.Error("relative target accepted")
	}
	mix, err := BuildMix(DefaultMix, nil, Options{Pool: 8})
	if err != nil || len(mix) != len(DefaultMix) {
		t.Fatalf("BuildMix = %v, %v", mix, err)
	}
	for _, w := range mix {
		if w.Scenario.Target != DefaultTargets[w.Scenario.Name] || w.Weight != DefaultMix[w.Scenario.Name] {
			t.Errorf("%s: target %s weight %d", w.Scenario.Name, w.Scenario.Target, w.Weight)
		}
	}
}

// Payloads are a pure function of the seed.
func TestScenariosAreReproducible(t *testing.T) {
	for _, name := range ServiceScenarios {
		a, _ := Build(name, testBase, Options{Pool: 20, Seed: 3})
		b, _ := Build(name, testBase, Options{Pool: 20, Seed: 3})
		c, _ := Build(name, testBase, Options{Pool: 20, Seed: 4})
		same, differs := true, false
		for i := range a.Requests {
			same = same && a.Requests[i].URI == b.Requests[i].URI && bytes.Equal(a.Requests[i].Body, b.Requests[i].Body)
			differs = differs || a.Requests[i].URI != c.Requests[i].URI || !bytes.Equal(a.Requests[i].Body, c.Requests[i].Body)
		}
		if !same || !differs {
			t.Errorf("%s: same seed same payloads %v, other seed differs %v", name, same, differs)
		}
	}
}
