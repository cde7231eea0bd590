package bidder

import (
	"slices"
	"strings"
	"testing"
)

// Known-good GPP strings: the examples of the IAB GPP specification (header and consent
// string sections) and the fixtures of LiveRamp/iabconsent, made with the IAB's encoder at
// iabgpp.com, with the section ids they list.
var knownGPP = []struct {
	gpp string
	ids []int
}{
	{"DBABMA~CPXxRfAPXxRfAAfKABENB-CgAAAAAAAAAAYgAAAAAAAA", []int{2}},
	{"DBACNY~CPXxRfAPXxRfAAfKABENB-CgAAAAAAAAAAYgAAAAAAAA~1YNN", []int{2, 6}},
	{"DBABM~x", []int{2}},       // a 5-character header: 30 bits, not whole bytes
	{"DBABjw~x~y", []int{5, 6}}, // a range entry
	{"DBABTA~1YNN", []int{6}},
	{"DBABLA~BVVqAAEABCA", []int{7}},
	{"DBABLA~BVVqAAEABCA.QA", []int{7}},
	{"DBABLA~BVVqAAEABCA.YA", []int{7}},
	{"DBABBg~BVoYYZoI", []int{8}},
	{"DBABRg~BVoYYYI", []int{9}},
	{"DBABJg~BVoYYQg", []int{10}},
	{"DBABFg~BVaGGGCA", []int{11}},
	{"DBABVg~BVoYYYQg", []int{12}},
	{"DBACLMA~BVVqAAEABCA~BVoYYYI", []int{7, 9}},
	{"DBABrGA~BVVqAAEABCA~BVoYYZoI~BVoYYYI~BVoYYQg~BVaGGGCA~BVoYYYQg", []int{7, 8, 9, 10, 11, 12}},
	{"DBABzw~1YNN~BVVqAAEABCA.QA", []int{6, 7}},
}

func TestGPPHeaderKnownStrings(t *testing.T) {
	for _, k := range knownGPP {
		secs, err := parseGPP(k.gpp)
		if err != nil {
			t.Errorf("%s: %v", k.gpp, err)
			continue
		}
		var ids []int
		for _, s := range secs {
			ids = append(ids, s.id)
		}
		if !slices.Equal(ids, k.ids) {
			t.Errorf("%s: ids %v, want %v", k.gpp, ids, k.ids)
		}
		if parts := strings.Split(k.gpp, "~")[1:]; len(parts) == len(secs) {
			for i := range secs {
				if secs[i].enc != parts[i] {
					t.Errorf("%s: section %d is %q, want %q", k.gpp, i, secs[i].enc, parts[i])
				}
			}
		}
	}
}

// TestGPPKnownSectionsDecode: the iabconsent fixtures record notices given and no opt-out
// (every opt-out field 2, "did not opt out"), GPC false except in ".YA".
func TestGPPKnownSectionsDecode(t *testing.T) {
	for _, tc := range []struct {
		id   int
		enc  string
		want usChoices
	}{
		{7, "BVVqAAEABCA", usChoices{}},
		{7, "BVVqAAEABCA.QA", usChoices{}},
		{7, "BVVqAAEABCA.YA", usChoices{gpc: true}},
		{8, "BVoYYZoI", usChoices{}},
		{9, "BVoYYYI", usChoices{}},
		{10, "BVoYYQg", usChoices{}},
		{11, "BVaGGGCA", usChoices{}},
		{12, "BVoYYYQg", usChoices{}},
	} {
		got, err := parseUSSection(tc.id, tc.enc)
		if err != nil || got != tc.want {
			t.Errorf("section %d %s: %+v, %v; want %+v", tc.id, tc.enc, got, err, tc.want)
		}
	}
	// The fixtures really say "did not opt out" (2), not "not applicable" (0): read the raw field.
	b, _ := sextets("BVVqAAEABCA")
	r := &bitReader{b: b, pos: 18}
	for _, name := range []string{"SaleOptOut", "SharingOptOut", "TargetedAdvertisingOptOut"} {
		if v, _ := r.read(2); v != 2 {
			t.Errorf("usnat fixture %s = %d, want 2", name, v)
		}
	}
}

// usSection encodes a US section's core segment with the given opt-out values (0, 1, 2) at
// the layout's offsets, every notice 1, and an optional GPC sub-section.
func usSection(id int, version, sale, sharing, targeted uint64, gpc int) string {
	lay := usLayouts[id]
	w := &bitWriter{}
	w.put(version, 6)
	for w.n < min(lay.sale, max(lay.targeted, lay.sharing)) {
		w.put(1, 2) // notices given
	}
	vals := map[int]uint64{lay.sale: sale, lay.sharing: sharing, lay.targeted: targeted}
	for w.n < 60 {
		if v, ok := vals[w.n]; ok {
			w.put(v, 2)
		} else {
			w.put(0, 2)
		}
	}
	s := w.String()
	if gpc >= 0 {
		g := &bitWriter{}
		g.put(1, 2)
		g.put(uint64(gpc), 1)
		s += "." + g.String()
	}
	return s
}

// TestGPPUSSections: each US section's sale, sharing and targeted-advertising opt-outs, and
// GPC, turn personalization off when the section applies, and only then.
func TestGPPUSSections(t *testing.T) {
	for id, lay := range usLayouts {
		allowed := usSection(id, 1, 2, 2, 2, 0)
		if r := gppOptOut(gppString(map[int]string{id: allowed}, []int{id}), []int8{int8(id)}, 0); r != "" {
			t.Errorf("%s with no opt-out: %q", lay.name, r)
		}
		notApplicable := usSection(id, 1, 0, 0, 0, -1)
		if r := gppOptOut(gppString(map[int]string{id: notApplicable}, []int{id}), []int8{int8(id)}, 0); r != "" {
			t.Errorf("%s with opt-outs not applicable: %q", lay.name, r)
		}
		for _, c := range []struct {
			name                    string
			sale, sharing, targeted uint64
			gpc                     int
			skip                    bool
		}{
			{"sale", 1, 2, 2, 0, false},
			{"sharing", 2, 1, 2, 0, lay.sharing < 0},
			{"targeted advertising", 2, 2, 1, 0, lay.targeted < 0},
			{"gpc", 2, 2, 2, 1, false},
		} {
			if c.skip {
				continue
			}
			enc := usSection(id, 1, c.sale, c.sharing, c.targeted, c.gpc)
			gpp := gppString(map[int]string{6: "1YNN", id: enc}, []int{6, id})
			if r := gppOptOut(gpp, []int8{int8(id)}, 0); r != "gpp_opt_out" {
				t.Errorf("%s %s opt-out: %q, want gpp_opt_out", lay.name, c.name, r)
			}
			if r := gppOptOut(gpp, []int8{6}, 0); r != "" {
				t.Errorf("%s %s opt-out, section not applicable: %q", lay.name, c.name, r)
			}
			f := requestFacts{gpp: gpp, gppSID: []int8{int8(id)}}
			if p := decidePrivacy(&f, 0); p.personalize {
				t.Errorf("%s %s opt-out: personalized", lay.name, c.name)
			}
		}
		if r := gppOptOut(gppString(map[int]string{id: usSection(id, lay.maxVersion+1, 2, 2, 2, -1)}, []int{id}), []int8{int8(id)}, 0); r != "gpp_unreadable" {
			t.Errorf("%s unknown version: %q, want gpp_unreadable", lay.name, r)
		}
	}
}

func TestGPPRules(t *testing.T) {
	full := tcf([]int{1, 2, 3, 4, 7}, []int{3, 77})
	none := tcf(nil, nil)
	for _, tc := range []struct {
		name string
		gpp  string
		sids []int8
		want string
	}{
		{"no applicable section", "DBABTA~1YYN", nil, ""},
		{"only sections not enforced apply", "garbage", []int8{5, 0, -1}, ""},
		{"uspv1 opt-out", "DBABTA~1YYN", []int8{6}, "us_privacy_opt_out"},
		{"uspv1 no opt-out", "DBABTA~1YNN", []int8{6}, ""},
		{"tcf with consent", gppString(map[int]string{2: full}, []int{2}), []int8{2}, ""},
		{"tcf without consent", gppString(map[int]string{2: none}, []int{2}), []int8{2}, "gdpr_no_consent"},
		{"tcf applicable but absent", "DBABTA~1YNN", []int8{2}, "gdpr_no_consent"},
		{"spec example tcf lacks purposes", knownGPP[1].gpp, []int8{2}, "gdpr_no_consent"},
		{"spec example usp only", knownGPP[1].gpp, []int8{6}, ""},
		{"usnat applicable but absent", "DBABTA~1YNN", []int8{7}, "gpp_unreadable"},
		{"unknown US section applies", gppString(map[int]string{23: "BVVq"}, []int{23}), []int8{23}, "gpp_unreadable"},
		{"unreadable string", "garbage~x", []int8{7}, "gpp_unreadable"},
		{"empty string", "", []int8{7}, "gpp_unreadable"},
		{"fewer sections than ids", "DBACNY~1YNN", []int8{6}, "gpp_unreadable"},
		{"more sections than ids", "DBABTA~1YNN~1YNN", []int8{6}, "gpp_unreadable"},
		{"not a header", "BBABTA~1YNN", []int8{6}, "gpp_unreadable"},
		{"gpc set", "DBABLA~BVVqAAEABCA.YA", []int8{7}, "gpp_opt_out"},
		{"known usnat fixture", "DBABLA~BVVqAAEABCA.QA", []int8{7}, ""},
		{"known range fixture", knownGPP[14].gpp, []int8{7, 8, 9, 10, 11, 12}, ""},
	} {
		if got := gppOptOut(tc.gpp, tc.sids, 0); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
	// GDPR applies, no user.consent: the GPP tcfeuv2 section is the consent.
	f := requestFacts{gdpr: true, gpp: gppString(map[int]string{2: full}, []int{2})}
	if p := decidePrivacy(&f, 0); !p.personalize {
		t.Errorf("gdpr=1 with consent in GPP tcfeuv2: %s", p.reason)
	}
}

func TestSextets(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []byte
		ok   bool
	}{
		{"", []byte{}, true},
		{"A", []byte{0}, true},
		{"_w", []byte{0xff, 0}, true},
		{"DBAB", []byte{0x0c, 0x10, 0x01}, true},
		{"QA==", []byte{0x40, 0x00}, true},
		{"Q=A", nil, false},
		{"a b", nil, false},
		{"+/", nil, false},
	} {
		got, err := sextets(tc.in)
		if (err == nil) != tc.ok || tc.ok && !slices.Equal(got, tc.want) {
			t.Errorf("sextets(%q) = %x, %v", tc.in, got, err)
		}
	}
}

// FuzzGPP: GPP strings and gpp_sid from the outside never panic, and a decision is one of the
// documented reasons; a string whose header parses has exactly one section per id.
func FuzzGPP(f *testing.F) {
	for _, k := range knownGPP {
		f.Add(k.gpp, int8(k.ids[0]), int8(k.ids[len(k.ids)-1]))
	}
	f.Add("DBABrGA~~~~~~", int8(8), int8(12))
	f.Fuzz(func(t *testing.T, gpp string, sid1, sid2 int8) {
		switch r := gppOptOut(gpp, []int8{sid1, sid2}, 77); r {
		case "", "gdpr_no_consent", "us_privacy_opt_out", "gpp_opt_out", "gpp_unreadable":
		default:
			t.Fatalf("undocumented reason %q", r)
		}
		if secs, err := parseGPP(gpp); err == nil {
			header, _, _ := strings.Cut(gpp, "~")
			ids, _ := gppHeaderIDs(header)
			if len(ids) != len(secs) || len(ids) > gppMaxSections {
				t.Fatalf("%d ids, %d sections", len(ids), len(secs))
			}
			for _, s := range secs {
				if usLayouts[s.id].name != "" {
					_, _ = parseUSSection(s.id, s.enc)
				}
			}
		}
		_ = gppTCF(gpp)
	})
}

// TestGPPOptOutBidsContextually: a request whose applicable GPP section records an opt-out
// gets no user-targeted bid (segments, featurestore, frequency caps) but still a contextual one.
func TestGPPOptOutBidsContextually(t *testing.T) {
	mv := NewMemoryViewers()
	mv.SetViewer("v1", []string{"sports-fans"}, 0.01, 0.9)
	seg := bannerCampaign("seg", 9_000_000)
	seg.Targeting.Segment = Set{In: []string{"sports-fans"}}
	capped := bannerCampaign("capped", 8_000_000)
	capped.FreqCap = &FreqCap{Max: 5, WindowHours: 24}
	ctx := bannerCampaign("ctx", 2_000_000)
	b := newTestBidder(t, testConfig(), Deps{Features: mv, Counters: mv}, seg, capped, ctx)
	optOut := gppString(map[int]string{8: usSection(8, 1, 1, 2, 0, -1)}, []int{8})
	noOptOut := gppString(map[int]string{8: usSection(8, 1, 2, 2, 0, -1)}, []int{8})
	for _, tc := range []struct {
		name, regs string
		want       string
	}{
		{"no signal", ``, "seg"},
		{"usca no opt-out", `,"regs":{"gpp":"` + noOptOut + `","gpp_sid":[8]}`, "seg"},
		{"usca sale opt-out", `,"regs":{"gpp":"` + optOut + `","gpp_sid":[8]}`, "ctx"},
		{"usca opt-out, section not applicable", `,"regs":{"gpp":"` + optOut + `","gpp_sid":[5]}`, "seg"},
		{"usnat gpc", `,"regs":{"gpp":"DBABLA~BVVqAAEABCA.YA","gpp_sid":[7]}`, "ctx"},
		{"unreadable gpp", `,"regs":{"gpp":"DBAB~~","gpp_sid":[7]}`, "ctx"},
	} {
		_, r, body := call(t, b, `{"id":"r","user":{"id":"v1"},"imp":[{"id":"1","banner":{"w":300,"h":250}}]`+tc.regs+`}`)
		bids := bidsOf(r)
		if len(bids) != 1 || bids[0].CID != tc.want {
			var got []string
			for _, bd := range bids {
				got = append(got, bd.CID)
			}
			t.Errorf("%s: bids from %v (%s), want %s", tc.name, got, body, tc.want)
		}
	}
}

// BenchmarkGPP: the per-request cost of the GPP rules for a string with six US sections, all
// applicable (the worst realistic case), and for the spec's TCF + uspv1 example.
func BenchmarkGPP(b *testing.B) {
	for _, bc := range []struct {
		name string
		gpp  string
		sids []int8
	}{
		{"us-6-sections", knownGPP[14].gpp, []int8{7, 8, 9, 10, 11, 12}},
		{"tcf-usp", knownGPP[1].gpp, []int8{2, 6}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				gppOptOut(bc.gpp, bc.sids, 0)
			}
		})
	}
}
