package adserver

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/cuepoint/cuepoint/adserver/auction"
	"github.com/cuepoint/cuepoint/adserver/safehttp"
	"github.com/cuepoint/cuepoint/adserver/vast"
)

// Resolving a winning bid's ad: from its markup (adm, or the body of its nurl) through every
// VAST wrapper to the InLine ad, within the wrapper deadline. Each wrapper's impressions,
// error URLs, tracking events and click trackers are kept, outermost first, to be fired with
// the InLine ad's own: every party in the chain counts the ad it sold.
//
// The chain stops with a VAST error code: 100 when a level is not VAST, 301 when a tag URL
// cannot be fetched in time or is refused (SSRF guard), 302 when the chain is deeper than
// --max-wrapper-depth or comes back to a URL it already followed (a loop), 303 when a level
// has no ad, 201 when the InLine ad has no linear creative. The error URLs collected up to
// that point are called with the code.

// resolvedAd is a winning bid's ad, read from its markup and every wrapper in front of it.
type resolvedAd struct {
	inline   *vast.InLine
	creative *vast.Creative // the linear creative played
	duration time.Duration
	uaid     vast.UniversalAdID
	mezz     vast.MediaFile
	// Collected from every level, outermost wrapper first, the InLine ad's last.
	impressions []string
	errorURLs   []string
	tracking    []vast.Tracking
	clicks      []string
	depth       int  // wrappers followed
	nurlServed  bool // the markup came from the nurl: the win notice is already sent
}

// resolveError is why an ad could not be resolved, with the VAST error code for its error
// URLs.
type resolveError struct {
	code vast.ErrorCode
	err  error
}

func (e *resolveError) Error() string { return fmt.Sprintf("VAST error %d: %v", e.code, e.err) }

func resolveFail(code vast.ErrorCode, format string, a ...any) *resolveError {
	return &resolveError{code: code, err: fmt.Errorf(format, a...)}
}

// resolver follows wrappers through the guarded client.
type resolver struct {
	client   *safehttp.Client
	maxDepth int
}

// resolve reads the ad of bid b; m expands the macros of its markup and nurl. The returned
// ad is non-nil even on error, with the error URLs collected so far.
func (r *resolver) resolve(deadline time.Time, b *auction.Bid, m *auction.Macros, hdr []safehttp.Header) (*resolvedAd, *resolveError) {
	ra := &resolvedAd{}
	markup := m.Expand(b.Adm)
	visited := make(map[string]bool, 4)
	if markup == "" {
		u := m.Expand(b.NURL)
		visited[u] = true
		resp, err := r.client.Get(deadline, u, hdr, nil)
		ra.nurlServed = true
		if err != nil || resp.Status != 200 || len(resp.Body) == 0 {
			return ra, resolveFail(vast.ErrWrapperTimeout, "nurl-served markup: %v (status %d)", err, resp.Status)
		}
		markup = string(resp.Body)
	}
	noMoreWrappers := false
	for {
		doc, err := vast.Parse([]byte(markup))
		if err != nil {
			return ra, resolveFail(vast.ErrXMLParse, "level %d: %v", ra.depth, err)
		}
		ad := firstAd(doc)
		if ad == nil {
			if ra.depth > 0 {
				return ra, resolveFail(vast.ErrNoAdAfterWrapper, "no ad after %d wrapper(s)", ra.depth)
			}
			return ra, resolveFail(vast.ErrSchemaValidation, "the markup has no ad")
		}
		if w := ad.Wrapper; w != nil {
			ra.collect(w.Impressions, w.Errors, w.Creatives)
			if noMoreWrappers {
				return ra, resolveFail(vast.ErrWrapperLimit, "a wrapper with followAdditionalWrappers=false led to another wrapper")
			}
			if ra.depth >= r.maxDepth {
				return ra, resolveFail(vast.ErrWrapperLimit, "more than %d wrappers", r.maxDepth)
			}
			u := w.VASTAdTagURI
			if u == "" {
				return ra, resolveFail(vast.ErrWrapper, "wrapper without VASTAdTagURI")
			}
			if visited[u] {
				return ra, resolveFail(vast.ErrWrapperLimit, "wrapper loop back to %s", u)
			}
			visited[u] = true
			ra.depth++
			noMoreWrappers = w.FollowAdditionalWrappers != nil && !*w.FollowAdditionalWrappers
			if !time.Now().Before(deadline) {
				return ra, resolveFail(vast.ErrWrapperTimeout, "no time left for wrapper %d", ra.depth)
			}
			resp, err := r.client.Get(deadline, u, hdr, nil)
			switch {
			case err != nil:
				return ra, resolveFail(vast.ErrWrapperTimeout, "wrapper %d: %v", ra.depth, err)
			case resp.Status == 204 || resp.Status == 200 && len(resp.Body) == 0:
				return ra, resolveFail(vast.ErrNoAdAfterWrapper, "wrapper %d: empty answer", ra.depth)
			case resp.Status != 200:
				return ra, resolveFail(vast.ErrWrapperTimeout, "wrapper %d: status %d", ra.depth, resp.Status)
			}
			markup = string(resp.Body)
			continue
		}
		in := ad.InLine
		ra.inline = in
		for i := range in.Creatives {
			if c := &in.Creatives[i]; c.Linear != nil {
				ra.creative = c
				break
			}
		}
		ra.collect(in.Impressions, in.Errors, nil)
		if ra.creative == nil {
			return ra, resolveFail(vast.ErrLinearity, "the InLine ad has no linear creative")
		}
		lin := ra.creative.Linear
		ra.tracking = append(ra.tracking, lin.Tracking...)
		ra.clicks = append(ra.clicks, lin.ClickTracking...)
		ra.duration = lin.Duration
		for _, u := range ra.creative.UniversalAdIDs {
			if u.Known() {
				ra.uaid = u
				break
			}
		}
		ra.mezz = pickMezzanine(lin)
		if ra.duration <= 0 {
			return ra, resolveFail(vast.ErrDuration, "the linear creative has no duration")
		}
		return ra, nil
	}
}

// collect adds a wrapper's (or the InLine ad's) trackers.
func (ra *resolvedAd) collect(imps []vast.Impression, errs []string, creatives []vast.Creative) {
	for _, i := range imps {
		ra.impressions = append(ra.impressions, i.URL)
	}
	ra.errorURLs = append(ra.errorURLs, errs...)
	for i := range creatives {
		if l := creatives[i].Linear; l != nil {
			ra.tracking = append(ra.tracking, l.Tracking...)
			ra.clicks = append(ra.clicks, l.ClickTracking...)
		}
	}
}

// firstAd picks the ad to play from a document: the first of a pod (sequence 1), else the
// first stand-alone ad.
func firstAd(doc *vast.Document) *vast.Ad {
	var first *vast.Ad
	for i := range doc.Ads {
		a := &doc.Ads[i]
		if a.Sequence == 1 {
			return a
		}
		if first == nil {
			first = a
		}
	}
	return first
}

// pickMezzanine returns the file to condition: the largest VAST 4 <Mezzanine>, else the
// largest progressive MP4 (or QuickTime) media file.
func pickMezzanine(l *vast.Linear) vast.MediaFile {
	best := -1
	for i := range l.Mezzanines {
		if best < 0 || area(&l.Mezzanines[i]) > area(&l.Mezzanines[best]) {
			best = i
		}
	}
	if best >= 0 {
		return l.Mezzanines[best]
	}
	for i := range l.MediaFiles {
		m := &l.MediaFiles[i]
		if m.Delivery == "streaming" || !(strings.HasPrefix(m.Type, "video/mp4") || m.Type == "video/quicktime") {
			continue
		}
		if best < 0 || area(m) > area(&l.MediaFiles[best]) {
			best = i
		}
	}
	if best >= 0 {
		return l.MediaFiles[best]
	}
	return vast.MediaFile{}
}

func area(m *vast.MediaFile) int { return m.Width * m.Height }

// errorURL substitutes the VAST error code for the [ERRORCODE] macro, bracketed or encoded.
func errorURL(u string, code vast.ErrorCode) string {
	c := strconv.Itoa(int(code))
	u = strings.ReplaceAll(u, "[ERRORCODE]", c)
	return strings.ReplaceAll(u, "%5BERRORCODE%5D", c)
}
