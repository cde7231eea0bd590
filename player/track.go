package player

import (
	"context"
	"net/url"
	"time"

	"github.com/cuepoint/cuepoint/origin/hls"
)

// track is one media playlist being played: the variant's (video, muxed or not) or its audio
// rendition's. It knows the next segment to fetch by media sequence number, so a variant switch
// or a live reload continues where the previous playlist left off.
type track struct {
	name      string // "video" or "audio"
	variant   int    // variant index (video track)
	bandwidth int64
	url       *url.URL
	pl        *hls.MediaPlaylist

	positioned bool
	nextSeq    uint64        // next media sequence number to download
	end        time.Duration // media time buffered: the end of the last segment downloaded
	mapURI     string        // the EXT-X-MAP downloaded last
	lastSeq    uint64        // last segment's sequence number at the previous load
	nextReload time.Time
	complete   bool // ENDLIST and every segment downloaded
}

// load fetches and parses the playlist, and schedules the next reload of a live one (RFC 8216
// §6.3.4: a target duration after a reload that changed it, half of one after one that did not).
func (t *track) load(ctx context.Context, f *fetcher, now time.Time) error {
	body, err := f.document(ctx, "GET", t.url.String(), "", nil)
	if err != nil {
		return err
	}
	pl, err := hls.ParseMediaString(string(body)) // a copy: the fetcher reuses body
	if err != nil {
		return err
	}
	changed := t.pl == nil
	var last uint64
	if n := len(pl.Segments); n > 0 {
		last = pl.MediaSequence + uint64(n) - 1
		changed = changed || last > t.lastSeq
	}
	t.pl, t.lastSeq = pl, last
	target := targetDuration(pl)
	if changed {
		t.nextReload = now.Add(target)
	} else {
		t.nextReload = now.Add(target / 2)
	}
	return nil
}

// live reports whether the playlist may still grow.
func (t *track) live() bool { return t.pl != nil && !t.pl.EndList && t.pl.Type != hls.PlaylistVOD }

// position picks where a new session starts: the first segment of a VOD, or the segment at least
// three target durations from the end of a live playlist (RFC 8216 §6.3.3).
func (t *track) position() {
	t.positioned = true
	t.nextSeq = t.pl.MediaSequence
	if !t.live() {
		return
	}
	need := 3 * targetDuration(t.pl)
	var sum time.Duration
	for i := len(t.pl.Segments) - 1; i >= 0; i-- {
		sum += t.pl.Segments[i].Duration
		if sum >= need {
			t.nextSeq = t.pl.MediaSequence + uint64(i)
			return
		}
	}
}

// next returns the index of the next segment in the playlist, -1 when it is not published yet,
// and whether the player fell behind the window (the segment slid out; it jumps to the first).
func (t *track) next() (idx int, jumped bool) {
	if t.nextSeq < t.pl.MediaSequence {
		t.nextSeq = t.pl.MediaSequence
		jumped = true
	}
	i := t.nextSeq - t.pl.MediaSequence
	if i >= uint64(len(t.pl.Segments)) {
		return -1, jumped
	}
	return int(i), jumped
}

// initURI returns the EXT-X-MAP URI in effect for segment i, resolved ("" for none).
func (t *track) initURI(i int) string {
	tag, ok := t.pl.InEffect(hls.TagMap, i)
	if !ok {
		return ""
	}
	ref, ok := tag.Attrs().Get("URI")
	if !ok {
		return ""
	}
	u, err := resolve(t.url, ref)
	if err != nil {
		return ""
	}
	return u.String()
}

// targetDuration is the playlist's EXT-X-TARGETDURATION, within [1 s, 1 h] whatever the
// playlist says (a server's 0 or 10^12 must not make the player spin or overflow).
func targetDuration(pl *hls.MediaPlaylist) time.Duration {
	return time.Duration(min(max(pl.TargetDuration, 1), 3600)) * time.Second
}
