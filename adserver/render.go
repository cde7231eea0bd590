package adserver

import (
	"github.com/cuepoint/cuepoint/adserver/beacon"
	"github.com/cuepoint/cuepoint/adserver/vast"
)

// Rendering a decision as VAST 4.2: one InLine ad per placed ad, in pod order, each with its
// own AdServingId, its UniversalAdId, the adserver's signed beacons for the impression, the
// error URL, the tracking events and clicks, one streaming MediaFile per conditioned HLS
// rendition (and the master playlist), the mezzanine MP4 as a progressive MediaFile and as the
// VAST 4 <Mezzanine>.
//
// Third-party trackers — the impressions, error URLs, tracking events and click trackers of
// the winning ad and of every wrapper in front of it — go into the VAST next to the beacons,
// for the player or stitcher to fire; or, when the stitcher asked for server-side tracking
// (sst=1), into the matching beacon (signed), for the adserver to fire when that beacon lands,
// with the viewer's X-Device-IP and X-Device-User-Agent. The winning bid's burl is always in
// the impression beacon: billing is the adserver's to notify, on the impression.

// beaconEvents are the tracking events each ad carries, in VAST order. "skip" is added for
// skippable ads only (never in stitched breaks).
var beaconEvents = []string{
	vast.EventStart, vast.EventFirstQuartile, vast.EventMidpoint, vast.EventThirdQuartile,
	vast.EventComplete, vast.EventPause, vast.EventResume, vast.EventMute, vast.EventUnmute,
}

// Beacon event names outside VAST's tracking events.
const (
	eventImpression = "impression"
	eventClick      = "click"
	eventError      = "error"
)

const categoryAuthority = "https://iabtechlab.com/standards/content-taxonomy/"

// Document builds the VAST document of d. An empty decision is the empty response.
func (a *AdServer) Document(d *Decision) *vast.Document {
	doc := &vast.Document{Version: vast.Version}
	if len(d.Ads) == 0 {
		return doc
	}
	doc.Ads = make([]vast.Ad, len(d.Ads))
	var buf []byte
	for i := range d.Ads {
		ad := &d.Ads[i]
		sst := d.Break.ServerSideTracking
		ra := ad.resolved
		if ra == nil {
			ra = &resolvedAd{}
		}
		b := beacon.Beacon{
			AdServingID: ad.ServingID, Creative: ad.CreativeID, Campaign: ad.CampaignID,
			Session: d.Break.Session, Break: d.Break.ID, Viewer: d.Break.Viewer, ADomain: ad.ADomain,
			Position: ad.Sequence, PriceMicros: ad.PriceMicros, Currency: a.cfg.Currency, Issued: d.Issued,
		}
		if ad.Bid != nil {
			b.Bidder = ad.Bid.Bidder
		}
		sign := func(event string, third []string, bill string) string {
			bb := b
			bb.Event = event
			if sst {
				bb.ThirdParty = third
			}
			bb.BillingURL = bill
			buf = a.signer.AppendURL(buf[:0], a.cfg.PublicURL, &bb)
			return string(buf)
		}
		bill := ad.billURL
		in := &vast.InLine{
			AdSystem:    vast.AdSystem{Name: "Cuepoint", Version: "1"},
			Errors:      []string{sign(eventError, ra.errorURLs, "")},
			Impressions: []vast.Impression{{ID: "cuepoint", URL: sign(eventImpression, ra.impressions, bill)}},
			AdServingID: ad.ServingID,
			AdTitle:     ad.Title,
			Advertiser:  ad.Advertiser,
		}
		for _, c := range ad.Categories {
			in.Categories = append(in.Categories, vast.Category{Authority: categoryAuthority, Code: c})
		}
		lin := &vast.Linear{Duration: ad.Duration, ClickThrough: ad.Click}
		for _, ev := range beaconEvents {
			lin.Tracking = append(lin.Tracking, vast.Tracking{Event: ev, URL: sign(ev, trackersFor(ra.tracking, ev), "")})
		}
		lin.ClickTracking = []string{sign(eventClick, ra.clicks, "")}
		if !sst {
			in.Errors = append(in.Errors, ra.errorURLs...)
			for _, u := range ra.impressions {
				in.Impressions = append(in.Impressions, vast.Impression{URL: u})
			}
			for _, t := range ra.tracking {
				if vast.IsTrackingEvent(t.Event) {
					lin.Tracking = append(lin.Tracking, t)
				}
			}
			lin.ClickTracking = append(lin.ClickTracking, ra.clicks...)
		}
		cr := vast.Creative{ID: ad.CreativeID, AdID: ad.CampaignID, Sequence: 1, Linear: lin}
		if m := ad.Media; m != nil {
			lin.MediaFiles = append(lin.MediaFiles, m.Renditions...)
			if m.Audio.URL != "" {
				lin.MediaFiles = append(lin.MediaFiles, m.Audio)
			}
			if m.Master.URL != "" {
				lin.MediaFiles = append(lin.MediaFiles, m.Master)
			}
			if m.Mezzanine.URL != "" {
				mz := m.Mezzanine
				mz.Delivery = "progressive"
				lin.MediaFiles = append(lin.MediaFiles, mz)
				lin.Mezzanines = append(lin.Mezzanines, mz)
			}
			if m.UniversalAdID.Known() {
				cr.UniversalAdIDs = []vast.UniversalAdID{m.UniversalAdID}
			}
		}
		if len(cr.UniversalAdIDs) == 0 && ra.uaid.Known() {
			cr.UniversalAdIDs = []vast.UniversalAdID{ra.uaid}
		}
		in.Creatives = []vast.Creative{cr}
		doc.Ads[i] = vast.Ad{ID: ad.CreativeID, Sequence: ad.Sequence, InLine: in}
	}
	return doc
}

// trackersFor returns the URLs of the trackers for event.
func trackersFor(ts []vast.Tracking, event string) []string {
	var out []string
	for _, t := range ts {
		if t.Event == event {
			out = append(out, t.URL)
		}
	}
	return out
}
