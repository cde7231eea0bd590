package bidder

import (
	"encoding/base64"
	"testing"
)

// bits builds a web-safe base64 string from bit fields.
type bitWriter struct {
	b []byte
	n int
}

func (w *bitWriter) put(v uint64, width int) {
	for i := width - 1; i >= 0; i-- {
		if w.n%8 == 0 {
			w.b = append(w.b, 0)
		}
		if v>>uint(i)&1 == 1 {
			w.b[len(w.b)-1] |= 1 << (7 - uint(w.n%8))
		}
		w.n++
	}
}

func (w *bitWriter) fib(v uint64) {
	fibs := []uint64{1, 2}
	for fibs[len(fibs)-1] <= v {
		fibs = append(fibs, fibs[len(fibs)-1]+fibs[len(fibs)-2])
	}
	bits := make([]uint64, len(fibs))
	for i := len(fibs) - 1; i >= 0; i-- {
		if fibs[i] <= v {
			bits[i], v = 1, v-fibs[i]
		}
	}
	last := 0
	for i := range bits {
		if bits[i] == 1 {
			last = i
		}
	}
	for i := 0; i <= last; i++ {
		w.put(bits[i], 1)
	}
	w.put(1, 1)
}

func (w *bitWriter) String() string { return base64.RawURLEncoding.EncodeToString(w.b) }

// tcf builds a TCF v2 core string with the purposes consented and vendor ids (bitfield).
func tcf(purposes []int, vendors []int) string {
	w := &bitWriter{}
	w.put(2, 6)
	w.put(0, 146) // created … special feature opt-ins
	var p uint64
	for _, x := range purposes {
		p |= 1 << uint(24-x)
	}
	w.put(p, 24)
	w.put(0, 24+1+12) // LI transparency, purpose one treatment, publisher CC
	maxV := 0
	for _, v := range vendors {
		maxV = max(maxV, v)
	}
	w.put(uint64(maxV), 16)
	w.put(0, 1) // bitfield
	for i := 1; i <= maxV; i++ {
		on := uint64(0)
		for _, v := range vendors {
			if v == i {
				on = 1
			}
		}
		w.put(on, 1)
	}
	return w.String()
}

func gppString(sections map[int]string, order []int) string {
	w := &bitWriter{}
	w.put(3, 6)
	w.put(1, 6)
	w.put(uint64(len(order)), 12)
	last := 0
	for _, id := range order {
		w.put(0, 1)
		w.fib(uint64(id - last))
		last = id
	}
	s := w.String()
	for _, id := range order {
		s += "~" + sections[id]
	}
	return s
}

func usnat(saleOptOut, targetedOptOut uint64) string {
	w := &bitWriter{}
	w.put(1, 6)
	w.put(0, 12)
	w.put(saleOptOut, 2)
	w.put(2, 2)
	w.put(targetedOptOut, 2)
	w.put(0, 40)
	return w.String()
}

func TestPrivacyDecisions(t *testing.T) {
	full := tcf([]int{1, 2, 3, 4, 7}, []int{3, 77})
	cases := []struct {
		name   string
		f      requestFacts
		vendor int
		want   bool
	}{
		{"nothing applies", requestFacts{}, 0, true},
		{"coppa", requestFacts{coppa: true}, 0, false},
		{"gdpr without consent", requestFacts{gdpr: true}, 0, false},
		{"gdpr with full consent", requestFacts{gdpr: true, consent: full}, 0, true},
		{"gdpr, our vendor consented", requestFacts{gdpr: true, consent: full}, 77, true},
		{"gdpr, our vendor not consented", requestFacts{gdpr: true, consent: full}, 78, false},
		{"gdpr, purpose 4 missing", requestFacts{gdpr: true, consent: tcf([]int{1, 3}, nil)}, 0, false},
		{"gdpr, garbage consent", requestFacts{gdpr: true, consent: "%%%"}, 0, false},
		{"us privacy opt-out", requestFacts{usPrivacy: "1YYN"}, 0, false},
		{"us privacy no opt-out", requestFacts{usPrivacy: "1YNN"}, 0, true},
		{"gpp usnat opt-out", requestFacts{gpp: gppString(map[int]string{7: usnat(1, 2)}, []int{7}), gppSID: []int8{7}}, 0, false},
		{"gpp usnat targeted-ads opt-out", requestFacts{gpp: gppString(map[int]string{7: usnat(2, 1)}, []int{7}), gppSID: []int8{7}}, 0, false},
		{"gpp usnat no opt-out", requestFacts{gpp: gppString(map[int]string{7: usnat(2, 2)}, []int{7}), gppSID: []int8{7}}, 0, true},
		{"gpp uspv1 opt-out", requestFacts{gpp: gppString(map[int]string{2: full, 6: "1YYN"}, []int{2, 6}), gppSID: []int8{6}}, 0, false},
		{"gpp tcf applicable, consent", requestFacts{gpp: gppString(map[int]string{2: full, 6: "1YNN"}, []int{2, 6}), gppSID: []int8{2}}, 0, true},
		{"gpp opt-out section not applicable", requestFacts{gpp: gppString(map[int]string{6: "1YYN"}, []int{6}), gppSID: []int8{5}}, 0, true},
		{"gpp tcf applicable but absent", requestFacts{gpp: gppString(map[int]string{6: "1YNN"}, []int{6}), gppSID: []int8{2}}, 0, false},
		{"gpp unreadable", requestFacts{gpp: "garbage~x", gppSID: []int8{7}}, 0, false},
	}
	for _, tc := range cases {
		if got := decidePrivacy(&tc.f, tc.vendor); got.personalize != tc.want {
			t.Errorf("%s: personalize=%v (%s), want %v", tc.name, got.personalize, got.reason, tc.want)
		}
	}
}

// TestPrivacyGatesFeatures: with COPPA or an opt-out, no featurestore look-up and no segments.
func TestPrivacyGatesFeatures(t *testing.T) {
	mv := NewMemoryViewers()
	mv.SetViewer("v1", []string{"sports-fans"}, 0.01, 0.9)
	c := bannerCampaign("seg", 3_000_000)
	c.Targeting.Segment = Set{In: []string{"sports-fans"}}
	b := newTestBidder(t, testConfig(), Deps{Features: mv, Counters: mv}, c)
	base := `{"id":"r","user":{"id":"v1"},"imp":[{"id":"1","banner":{"w":300,"h":250}}]`
	for _, tc := range []struct {
		regs string
		bid  bool
	}{
		{``, true},
		{`,"regs":{"coppa":1}`, false},
		{`,"regs":{"us_privacy":"1YYN"}`, false},
		{`,"regs":{"ext":{"us_privacy":"1YYY"}}`, false},
		{`,"regs":{"gdpr":1}`, false},
	} {
		code, _, _ := call(t, b, base+tc.regs+`}`)
		if (code == 200) != tc.bid {
			t.Errorf("regs %s: status %d, want bid=%v", tc.regs, code, tc.bid)
		}
	}
}
