package bidder

import (
	"errors"
	"fmt"
	"strconv"

	json "github.com/goccy/go-json"
	"github.com/prebid/openrtb/v20/openrtb2"
)

// errBadRequest wraps every reason a request is refused with 400; its text is the response body.
var errBadRequest = errors.New("invalid bid request")

func badRequest(format string, a ...any) error {
	return fmt.Errorf("%w: %s", errBadRequest, fmt.Sprintf(format, a...))
}

// requestFacts are the fields the bidder reads from a request wherever the 2.5 or 2.6 spec put
// them: regs.gdpr or regs.ext.gdpr, user.consent or user.ext.consent, regs.us_privacy or
// regs.ext.us_privacy, source.schain or source.ext.schain, user.eids or user.ext.eids.
type requestFacts struct {
	coppa     bool
	gdpr      bool
	consent   string
	usPrivacy string
	gpp       string
	gppSID    []int8
	schain    *openrtb2.SupplyChain
	eids      int // number of extended ids (the ids themselves are not used)
	viewerID  string
}

type regsExt25 struct {
	GDPR      *int8  `json:"gdpr"`
	USPrivacy string `json:"us_privacy"`
}

type userExt25 struct {
	Consent string         `json:"consent"`
	EIDs    []openrtb2.EID `json:"eids"`
}

type sourceExt25 struct {
	SChain *openrtb2.SupplyChain `json:"schain"`
}

// parseRequest decodes an OpenRTB 2.5/2.6 bid request into req (which must be zero) and
// validates what the bidder relies on. Every error wraps errBadRequest and names the field.
func parseRequest(body []byte, req *openrtb2.BidRequest, f *requestFacts) (err error) {
	// goccy/go-json v0.10.5 (the 2.5 extensions below) has panicked on some malformed input (a
	// fuzz finding of analytics/events): a decoder panic is malformed JSON, a 400, never a 500.
	defer func() {
		if p := recover(); p != nil {
			err = badRequest("malformed JSON (decoder: %v)", p)
		}
	}()
	if err := decodeRequest(body, req); err != nil {
		return badRequest("malformed JSON: %v", shortErr(err))
	}
	if req.ID == "" {
		return badRequest("id is required")
	}
	if len(req.Imp) == 0 {
		return badRequest("imp: at least one impression is required")
	}
	if len(req.Imp) > 64 {
		return badRequest("imp: %d impressions, at most 64 accepted", len(req.Imp))
	}
	if req.TMax < 0 {
		return badRequest("tmax %d must not be negative", req.TMax)
	}
	if req.AT < 0 || req.AT > 2 && req.AT <= 500 {
		return badRequest("at %d: want 1 (first price), 2 (second price) or an exchange-specific value above 500", req.AT)
	}
	if req.Site != nil && req.App != nil {
		return badRequest("site and app are mutually exclusive")
	}
	for i := range req.Imp {
		imp := &req.Imp[i]
		if imp.ID == "" {
			return badRequest("imp[%d].id is required", i)
		}
		for j := 0; j < i; j++ {
			if req.Imp[j].ID == imp.ID {
				return badRequest("imp[%d].id %q is not unique", i, imp.ID)
			}
		}
		if imp.Banner == nil && imp.Video == nil && imp.Audio == nil && imp.Native == nil {
			return badRequest("imp[%d]: one of banner, video, audio or native is required", i)
		}
		if imp.BidFloor < 0 {
			return badRequest("imp[%d].bidfloor %g must not be negative", i, imp.BidFloor)
		}
		if v := imp.Video; v != nil {
			if v.MinDuration < 0 || v.MaxDuration < 0 || (v.MaxDuration > 0 && v.MinDuration > v.MaxDuration) {
				return badRequest("imp[%d].video: minduration %d and maxduration %d are inconsistent", i, v.MinDuration, v.MaxDuration)
			}
			if v.PodDur < 0 || v.MaxSeq < 0 || v.MinCPMPerSec < 0 {
				return badRequest("imp[%d].video: poddur, maxseq and mincpmpersec must not be negative", i)
			}
			for _, d := range v.RqdDurs {
				if d <= 0 {
					return badRequest("imp[%d].video.rqddurs: durations must be positive", i)
				}
			}
		}
		if imp.PMP != nil {
			for j := range imp.PMP.Deals {
				d := &imp.PMP.Deals[j]
				if d.ID == "" {
					return badRequest("imp[%d].pmp.deals[%d].id is required", i, j)
				}
				if d.BidFloor < 0 {
					return badRequest("imp[%d].pmp.deals[%d].bidfloor must not be negative", i, j)
				}
			}
		}
	}
	return readFacts(req, f)
}

// readFacts fills f from the 2.6 fields, falling back to the 2.5 extension locations.
func readFacts(req *openrtb2.BidRequest, f *requestFacts) error {
	if r := req.Regs; r != nil {
		f.coppa = r.COPPA == 1
		f.usPrivacy, f.gpp, f.gppSID = r.USPrivacy, r.GPP, r.GPPSID
		if r.GDPR != nil {
			f.gdpr = *r.GDPR == 1
		}
		if len(r.Ext) > 0 && (r.GDPR == nil || r.USPrivacy == "") {
			var x regsExt25
			if err := json.Unmarshal(r.Ext, &x); err != nil {
				return badRequest("regs.ext: %v", shortErr(err))
			}
			if r.GDPR == nil && x.GDPR != nil {
				f.gdpr = *x.GDPR == 1
			}
			if f.usPrivacy == "" {
				f.usPrivacy = x.USPrivacy
			}
		}
	}
	if u := req.User; u != nil {
		f.consent, f.eids = u.Consent, len(u.EIDs)
		if len(u.Ext) > 0 && (u.Consent == "" || len(u.EIDs) == 0) {
			var x userExt25
			if err := json.Unmarshal(u.Ext, &x); err != nil {
				return badRequest("user.ext: %v", shortErr(err))
			}
			if f.consent == "" {
				f.consent = x.Consent
			}
			if f.eids == 0 {
				f.eids = len(x.EIDs)
			}
		}
		f.viewerID = u.ID
		if f.viewerID == "" {
			f.viewerID = u.BuyerUID
		}
	}
	if s := req.Source; s != nil {
		f.schain = s.SChain
		if f.schain == nil && len(s.Ext) > 0 {
			var x sourceExt25
			if err := json.Unmarshal(s.Ext, &x); err != nil {
				return badRequest("source.ext: %v", shortErr(err))
			}
			f.schain = x.SChain
		}
	}
	if f.viewerID == "" && req.Device != nil && req.Device.IFA != "" && (req.Device.Lmt == nil || *req.Device.Lmt == 0) {
		f.viewerID = "ifa:" + req.Device.IFA
	}
	return nil
}

// shortErr keeps decoder messages to one line of bounded size (they may quote input).
func shortErr(err error) string {
	s := err.Error()
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return strconv.Quote(s)[1 : len(strconv.Quote(s))-1]
}
