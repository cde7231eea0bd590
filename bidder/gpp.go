package bidder

import (
	"errors"
	"strings"
)

// IAB Global Privacy Platform (GPP) v1 strings, as OpenRTB 2.6 carries them in regs.gpp with
// the applicable section ids in regs.gpp_sid. This is a small decoder of what the bidder
// enforces, not a general GPP library:
//
//	gpp     = header "~" section { "~" section }
//	header  = base64url( Type:6 = 3 | Version:6 = 1 | SectionIds: Range(Fibonacci) )
//	Range(Fibonacci) = NumEntries:12, then per entry IsARange:1, and
//	                   IsARange=0: Id as a Fibonacci-coded offset from the previous id
//	                   IsARange=1: StartId (offset from the previous id), EndId (offset from
//	                               StartId), both Fibonacci-coded
//	Fibonacci code   = Zeckendorf bits from F(2)=1 upwards, ended by a second consecutive 1
//
// Every encoded part is base64url without padding, read as a plain stream of 6-bit
// characters (a GPP string need not fill whole bytes, so it is not decoded as base64 byte
// groups). The sections are in the order of the header's ids, one per id.
//
// Sections read (ids from the GPP section registry):
//
//	2        tcfeuv2   the TCF v2 core string: GDPR consent, as user.consent is read
//	6        uspv1     the CCPA string "1YNN": opt-out of sale in the third character
//	7        usnat     SaleOptOut, SharingOptOut, TargetedAdvertisingOptOut (versions 1 and 2)
//	8..22    usca, usva, usco, usut, usct, usfl, usmt, usor, ustx, usde, usia, usne, usnh,
//	         usnj, ustn: SaleOptOut, SharingOptOut (California) or TargetedAdvertisingOptOut
//	         (the others), version 1
//
// and, in any US section, the optional GPC sub-section (".", GpcSegmentType:2 = 1, Gpc:1).
// Each opt-out field is 0 (not applicable), 1 (opted out) or 2 (did not opt out).

// GPP section ids (the GPP section registry).
const (
	gppTCFEUv2 = 2
	gppUSPv1   = 6
	gppUSNat   = 7
	gppUSFirst = 8  // usca
	gppUSLast  = 22 // ustn
)

var (
	errGPPEncoding = errors.New("gpp: not base64url")
	errGPPShort    = errors.New("gpp: truncated")
	errGPPHeader   = errors.New("gpp: header is not a GPP v1 header")
	errGPPSections = errors.New("gpp: the header's section ids do not match the sections")
	errGPPVersion  = errors.New("gpp: unknown section version")
)

// gppMaxSections bounds the ids one header may list (the registry has fewer than 32).
const gppMaxSections = 64

// sextets decodes base64url characters into bytes, 6 bits per character, the last byte
// zero-padded: a bit stream, whatever the length.
func sextets(s string) ([]byte, error) {
	return appendSextets(make([]byte, 0, (len(s)*6+7)/8), s)
}

// appendSextets is sextets appending to out (a stack buffer on the per-request path).
func appendSextets(out []byte, s string) ([]byte, error) {
	var acc uint32
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		var v byte
		switch {
		case c >= 'A' && c <= 'Z':
			v = c - 'A'
		case c >= 'a' && c <= 'z':
			v = c - 'a' + 26
		case c >= '0' && c <= '9':
			v = c - '0' + 52
		case c == '-':
			v = 62
		case c == '_':
			v = 63
		case c == '=' && i > 0: // tolerated trailing padding
			if strings.Trim(s[i:], "=") != "" {
				return nil, errGPPEncoding
			}
			i = len(s)
			continue
		default:
			return nil, errGPPEncoding
		}
		acc = acc<<6 | uint32(v)
		n += 6
		if n >= 8 {
			n -= 8
			out = append(out, byte(acc>>uint(n)))
		}
	}
	if n > 0 {
		out = append(out, byte(acc<<uint(8-n)))
	}
	return out, nil
}

// gppHeaderIDs decodes a GPP header's section ids, in order.
func gppHeaderIDs(header string) ([]int, error) {
	b, err := sextets(header)
	if err != nil {
		return nil, err
	}
	r := &bitReader{b: b}
	typ, ok1 := r.read(6)
	ver, ok2 := r.read(6)
	n, ok3 := r.read(12)
	if !ok1 || !ok2 || !ok3 {
		return nil, errGPPShort
	}
	if typ != 3 || ver != 1 {
		return nil, errGPPHeader
	}
	var ids []int
	last := uint64(0)
	for i := uint64(0); i < n; i++ {
		isRange, ok := r.read(1)
		if !ok {
			return nil, errGPPShort
		}
		off, ok := r.readFibonacci()
		if !ok {
			return nil, errGPPShort
		}
		start := last + off
		end := start
		if isRange == 1 {
			span, ok := r.readFibonacci()
			if !ok {
				return nil, errGPPShort
			}
			end = start + span
		}
		if end >= 1<<16 || len(ids)+int(end-start)+1 > gppMaxSections {
			return nil, errGPPHeader
		}
		for id := start; id <= end; id++ {
			ids = append(ids, int(id))
		}
		last = end
	}
	return ids, nil
}

// gppSection is one section of a GPP string.
type gppSection struct {
	id  int
	enc string // the encoded section, sub-sections included
}

// parseGPP splits a GPP string into its sections, checked against the header's ids.
func parseGPP(s string) ([]gppSection, error) {
	header, rest, _ := strings.Cut(s, "~")
	ids, err := gppHeaderIDs(header)
	if err != nil {
		return nil, err
	}
	secs := make([]gppSection, 0, len(ids))
	for _, id := range ids {
		if rest == "" && len(secs) == len(ids) {
			break
		}
		var enc string
		var more bool
		enc, rest, more = strings.Cut(rest, "~")
		secs = append(secs, gppSection{id: id, enc: enc})
		if !more {
			rest = ""
			if len(secs) != len(ids) {
				return nil, errGPPSections
			}
		}
	}
	if rest != "" || len(secs) != len(ids) {
		return nil, errGPPSections
	}
	return secs, nil
}

// usLayout is where a US section's opt-out fields are: bit offsets in the core segment of the
// versions known, -1 for a field the section does not have.
type usLayout struct {
	name                    string
	maxVersion              uint64
	sale, sharing, targeted int
}

// usLayouts: every US section starts Version:6 then 2-bit notices, then the opt-outs; the
// offsets follow from the number of notices (IAB GPP US section specifications).
var usLayouts = map[int]usLayout{
	7:  {"usnat", 2, 18, 20, 22}, // 6 notices
	8:  {"usca", 1, 12, 14, -1},  // 3 notices; "sharing" is cross-context behavioural advertising
	9:  {"usva", 1, 12, -1, 14},
	10: {"usco", 1, 12, -1, 14},
	11: {"usut", 1, 14, -1, 16}, // 4 notices
	12: {"usct", 1, 12, -1, 14},
	13: {"usfl", 1, 12, -1, 14},
	14: {"usmt", 1, 12, -1, 14},
	15: {"usor", 1, 12, -1, 14},
	16: {"ustx", 1, 12, -1, 14},
	17: {"usde", 1, 12, -1, 14},
	18: {"usia", 1, 14, -1, 16}, // 4 notices
	19: {"usne", 1, 12, -1, 14},
	20: {"usnh", 1, 12, -1, 14},
	21: {"usnj", 1, 12, -1, 14},
	22: {"ustn", 1, 12, -1, 14},
}

// usChoices is what a US section says about the viewer.
type usChoices struct {
	sale, sharing, targeted bool // opted out
	gpc                     bool // Global Privacy Control signal set
}

func (c usChoices) optedOut() bool { return c.sale || c.sharing || c.targeted || c.gpc }

// parseUSSection decodes the opt-outs of US section id (usnat or a state).
func parseUSSection(id int, enc string) (usChoices, error) {
	lay, ok := usLayouts[id]
	if !ok {
		return usChoices{}, errGPPHeader
	}
	core, sub, hasSub := strings.Cut(enc, ".")
	var buf [64]byte
	b, err := appendSextets(buf[:0], core)
	if err != nil {
		return usChoices{}, err
	}
	r := &bitReader{b: b}
	v, ok := r.read(6)
	if !ok {
		return usChoices{}, errGPPShort
	}
	if v < 1 || v > lay.maxVersion {
		return usChoices{}, errGPPVersion
	}
	var c usChoices
	for _, f := range [...]struct {
		off int
		dst *bool
	}{{lay.sale, &c.sale}, {lay.sharing, &c.sharing}, {lay.targeted, &c.targeted}} {
		if f.off < 0 {
			continue
		}
		r.pos = f.off
		x, ok := r.read(2)
		if !ok {
			return usChoices{}, errGPPShort
		}
		*f.dst = x == 1
	}
	for hasSub {
		var seg string
		seg, sub, hasSub = strings.Cut(sub, ".")
		sb, err := appendSextets(buf[:0], seg)
		if err != nil {
			return usChoices{}, err
		}
		sr := &bitReader{b: sb}
		if typ, ok := sr.read(2); ok && typ == 1 {
			g, ok := sr.read(1)
			if !ok {
				return usChoices{}, errGPPShort
			}
			c.gpc = g == 1
		}
	}
	return c, nil
}

// gppOptOut returns why the applicable sections of a GPP string (those in sids) turn
// personalization off, or "" when they allow it:
//
//   - tcfeuv2 applicable, and its TCF string lacks consent (see tcfAllows): "gdpr_no_consent";
//   - uspv1 applicable with an opt-out of sale: "us_privacy_opt_out";
//   - usnat or a US state section applicable with an opt-out of sale, sharing or targeted
//     advertising, or the GPC signal: "gpp_opt_out";
//   - an applicable section that is missing from the string, unreadable, of an unknown
//     version, or a US section this decoder does not know (ids above 22): "gpp_unreadable" —
//     a signal that cannot be read is not a permission;
//   - an unreadable GPP string when some section applies: "gpp_unreadable".
//
// Applicable sections the bidder does not enforce (tcfcav1, id 5; the retired tcfeuv1, id 1;
// the "none" markers 0 and -1) are ignored, and so is the string when only they apply.
func gppOptOut(gpp string, sids []int8, tcfVendor int) string {
	enforced := false
	for _, sid := range sids {
		enforced = enforced || sid == gppTCFEUv2 || sid == gppUSPv1 || sid >= gppUSNat
	}
	if !enforced {
		return "" // no section applies that this bidder enforces (none, tcfcav1, …)
	}
	secs, err := parseGPP(gpp)
	if err != nil {
		return "gpp_unreadable"
	}
	for _, sid := range sids {
		id := int(sid)
		var sec *gppSection
		for i := range secs {
			if secs[i].id == id {
				sec = &secs[i]
				break
			}
		}
		switch {
		case id == gppTCFEUv2:
			if sec == nil || !tcfAllows(sec.enc, tcfVendor) {
				return "gdpr_no_consent"
			}
		case id == gppUSPv1:
			if sec == nil {
				return "gpp_unreadable"
			}
			if usPrivacyOptOut(sec.enc) {
				return "us_privacy_opt_out"
			}
		case id >= gppUSNat && id <= gppUSLast:
			if sec == nil {
				return "gpp_unreadable"
			}
			c, err := parseUSSection(id, sec.enc)
			if err != nil {
				return "gpp_unreadable"
			}
			if c.optedOut() {
				return "gpp_opt_out"
			}
		case id > gppUSLast:
			return "gpp_unreadable" // a newer US section: not readable here, so not a permission
		}
	}
	return ""
}

// gppTCF returns the tcfeuv2 section of a GPP string, or "".
func gppTCF(gpp string) string {
	secs, err := parseGPP(gpp)
	if err != nil {
		return ""
	}
	for _, s := range secs {
		if s.id == gppTCFEUv2 {
			return s.enc
		}
	}
	return ""
}
