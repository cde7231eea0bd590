package bidder

import "strings"

// Privacy decides, per request, what the bidder may use about the viewer:
//
//   - COPPA (regs.coppa=1): a child-directed request. No viewer features, no viewer id, no
//     frequency counting; contextual bidding only.
//   - GDPR applies (regs.gdpr=1, or 2.5's regs.ext.gdpr, or GPP section tcfeuv2 applicable) and
//     the TCF v2 consent string is missing, unreadable, or lacks consent for purposes 1 (store
//     and access), 3 and 4 (personalised ads profile and selection), or for our vendor id when
//     one is configured: no personalization.
//   - US privacy string (regs.us_privacy, regs.ext.us_privacy, or GPP uspv1) with opt-out of
//     sale ("1-Y-"), or an applicable GPP usnat or US state section with a sale, sharing or
//     targeted-advertising opt-out or the GPC signal, or an applicable GPP section that cannot
//     be read: no personalization (gpp.go decodes GPP and lists the rules).
//
// "No personalization" means: no featurestore look-up, no user.data segments, no frequency
// counters (capped campaigns sit out), no viewer id in events. The request is still bid on
// with its context (site/app, content, device type, geo at the precision sent).
type privacy struct {
	coppa       bool
	personalize bool
	reason      string // why personalization is off, for events and metrics
}

func decidePrivacy(f *requestFacts, tcfVendor int) privacy {
	p := privacy{personalize: true}
	switch {
	case f.coppa:
		return privacy{coppa: true, reason: "coppa"}
	case f.gdpr && !tcfAllows(gdprConsent(f), tcfVendor):
		p = privacy{reason: "gdpr_no_consent"}
	case usPrivacyOptOut(f.usPrivacy):
		p = privacy{reason: "us_privacy_opt_out"}
	case len(f.gppSID) > 0:
		if reason := gppOptOut(f.gpp, f.gppSID, tcfVendor); reason != "" {
			p = privacy{reason: reason}
		}
	}
	return p
}

// gdprConsent is the TCF string of the request: user.consent, else the GPP string's tcfeuv2
// section.
func gdprConsent(f *requestFacts) string {
	if f.consent != "" || f.gpp == "" {
		return f.consent
	}
	return gppTCF(f.gpp)
}

// usPrivacyOptOut reads the CCPA string "1YNN": version 1, notice, opt-out of sale, LSPA.
func usPrivacyOptOut(s string) bool {
	return len(s) == 4 && s[0] == '1' && (s[2] == 'Y' || s[2] == 'y')
}

// bitReader reads big-endian bit fields from decoded base64url data.
type bitReader struct {
	b   []byte
	pos int
}

func (r *bitReader) read(n int) (uint64, bool) {
	var v uint64
	for i := 0; i < n; i++ {
		byteI := (r.pos + i) >> 3
		if byteI >= len(r.b) {
			return 0, false
		}
		v = v<<1 | uint64(r.b[byteI]>>(7-uint((r.pos+i)&7))&1)
	}
	r.pos += n
	return v, true
}

func decodeWebSafe(s string) ([]byte, bool) {
	b, err := sextets(s)
	return b, err == nil
}

// tcfAllows reads a TCF v2 core string: consent to purposes 1, 3 and 4, and to vendor when > 0.
func tcfAllows(consent string, vendor int) bool {
	core, _, _ := strings.Cut(consent, ".")
	b, ok := decodeWebSafe(core)
	if !ok {
		return false
	}
	r := &bitReader{b: b}
	if v, ok := r.read(6); !ok || v != 2 {
		return false
	}
	r.pos = 152 // PurposesConsent: 24 bits, purpose 1 first
	purposes, ok := r.read(24)
	if !ok {
		return false
	}
	for _, p := range []uint{1, 3, 4} {
		if purposes&(1<<(24-p)) == 0 {
			return false
		}
	}
	if vendor <= 0 {
		return true
	}
	r.pos = 213 // vendor consent section
	maxID, ok1 := r.read(16)
	isRange, ok2 := r.read(1)
	if !ok1 || !ok2 || uint64(vendor) > maxID {
		return false
	}
	if isRange == 0 {
		r.pos += vendor - 1
		v, ok := r.read(1)
		return ok && v == 1
	}
	n, ok := r.read(12)
	if !ok {
		return false
	}
	for i := uint64(0); i < n; i++ {
		isR, ok1 := r.read(1)
		start, ok2 := r.read(16)
		end := start
		ok3 := true
		if isR == 1 {
			end, ok3 = r.read(16)
		}
		if !ok1 || !ok2 || !ok3 {
			return false
		}
		if uint64(vendor) >= start && uint64(vendor) <= end {
			return true
		}
	}
	return false
}

// readFibonacci reads one Fibonacci-coded integer (Zeckendorf bits from F(2)=1, ended by "11").
func (r *bitReader) readFibonacci() (uint64, bool) {
	var v uint64
	a, b := uint64(1), uint64(2)
	prev := uint64(0)
	for i := 0; i < 64; i++ {
		bit, ok := r.read(1)
		if !ok {
			return 0, false
		}
		if bit == 1 && prev == 1 {
			return v, true
		}
		if bit == 1 {
			v += a
		}
		prev = bit
		a, b = b, a+b
	}
	return 0, false
}
