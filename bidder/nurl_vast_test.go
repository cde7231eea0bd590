package bidder

import (
	"bytes"
	"encoding/json"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/prebid/openrtb/v20/openrtb2"
	"github.com/valyala/fasthttp"

	"github.com/cuepoint/cuepoint/analytics/events"
)

// nurlFor substitutes the macros an exchange fills in a win URL.
func nurlFor(u, reqID, price string) string {
	u = strings.ReplaceAll(u, "${AUCTION_PRICE}", price)
	u = strings.ReplaceAll(u, "${AUCTION_ID}", reqID)
	return strings.ReplaceAll(u, "${AUCTION_CURRENCY}", "USD")
}

var (
	tokenRE     = regexp.MustCompile(`t=[A-Za-z0-9_-]+`)
	servingIDRE = regexp.MustCompile(`<AdServingId>[^<]*</AdServingId>`)
)

// sameVAST reduces a VAST document to what does not depend on the bid (token, bid id).
func sameVAST(doc string) string {
	return servingIDRE.ReplaceAllString(tokenRE.ReplaceAllString(doc, "t=T"), "<AdServingId/>")
}

// TestNURLServesVAST: with --video-markup nurl, video bids carry no adm and a signed nurl whose
// GET answers the VAST 4.2 the adm would have carried (valid against the XSD), counting the win
// once however often it is fetched; a tampered or unsigned nurl is a 403.
func TestNURLServesVAST(t *testing.T) {
	rec := &recorder{}
	cfg := testConfig()
	cfg.VideoMarkup = MarkupInNURL
	demo := DemoCampaigns("https://cdn.test/creatives")
	b := newTestBidder(t, cfg, Deps{Emitter: rec}, demo...)
	base := serve(t, b, "")
	// Notice URLs name the configured public URL; the test server is at base.
	local := func(u string) string { return strings.Replace(u, cfg.PublicURL, base, 1) }

	// The same book and request on a bidder that puts VAST in adm: the reference documents.
	ref := newTestBidder(t, testConfig(), Deps{}, DemoCampaigns("https://cdn.test/creatives")...)
	refBase := serve(t, ref, "")
	pod := readFixture(t, "ctv_pod.json")
	admOf := map[string]string{} // crid → adm
	for _, bd := range allBids(decodeResponse(t, post(t, refBase+"/openrtb2/bid", pod, false).body)) {
		admOf[bd.CrID] = bd.AdM
	}

	r := post(t, base+"/openrtb2/bid", pod, false)
	if r.code != 200 {
		t.Fatalf("pod request: %d %s", r.code, r.body)
	}
	resp := decodeResponse(t, r.body)
	bids := allBids(resp)
	if len(bids) < 3 {
		t.Fatalf("%d bids", len(bids))
	}
	for _, bd := range bids {
		if bd.AdM != "" {
			t.Errorf("bid %s carries adm in nurl mode", bd.ID)
		}
		u, err := url.Parse(bd.NURL)
		if err != nil || u.Path != "/v1/notice/vast" || !strings.Contains(bd.NURL, "p=${AUCTION_PRICE}") {
			t.Errorf("bid %s nurl %q: want /v1/notice/vast with ${AUCTION_PRICE}", bd.ID, bd.NURL)
		}
		if !strings.Contains(bd.BURL, "/v1/notice/bill?") || !strings.Contains(bd.LURL, "/v1/notice/loss?") {
			t.Errorf("bid %s: burl/lurl changed: %s %s", bd.ID, bd.BURL, bd.LURL)
		}
	}

	bd := bids[0]
	wins := func() int {
		return rec.count(func(e events.Event) bool { n, ok := e.(*events.Notice); return ok && n.Kind == events.NoticeWin })
	}
	okBefore, replayBefore := b.noticeCounter(kindWin, "ok").Get(), b.noticeCounter(kindWin, "replay").Get()
	committedBefore := b.pacer.Committed(bd.CID)
	code, doc := get(t, local(nurlFor(bd.NURL, resp.ID, "9.5")))
	if code != 200 {
		t.Fatalf("nurl GET: %d %s", code, doc)
	}
	validateVAST(t, doc)
	if !strings.Contains(doc, "<AdServingId>"+bd.ID+"</AdServingId>") || !strings.Contains(doc, "<Creative id='"+bd.CrID+"'") {
		t.Errorf("served VAST is not bid %s's creative %s:\n%s", bd.ID, bd.CrID, doc)
	}
	tok := url.Values{}
	if u, _ := url.Parse(bd.NURL); u != nil {
		tok = u.Query()
	}
	if !strings.Contains(doc, cfg.PublicURL+"/v1/notice/imp?t="+tok.Get("t")) {
		t.Errorf("served VAST's impression URL does not carry the bid's token")
	}
	if want, ok := admOf[bd.CrID]; !ok {
		t.Errorf("the reference bidder did not bid creative %s", bd.CrID)
	} else if sameVAST(doc) != sameVAST(want) {
		t.Errorf("nurl-served VAST differs from the adm VAST of the same creative:\nnurl %s\n adm %s", doc, want)
	}
	if got := b.noticeCounter(kindWin, "ok").Get() - okBefore; got != 1 {
		t.Errorf("wins counted: %d, want 1", got)
	}
	settled := b.pacer.Committed(bd.CID)
	if settled == committedBefore {
		t.Error("the win did not settle the reservation")
	}

	// Replays (the exchange retries, the player refetches) answer the same markup, count nothing.
	for i := 0; i < 3; i++ {
		code, again := get(t, local(nurlFor(bd.NURL, resp.ID, "9.5")))
		if code != 200 || again != doc {
			t.Fatalf("replay %d: %d, same document %v", i, code, again == doc)
		}
	}
	if code, _ := get(t, local(nurlFor(bd.BURL, resp.ID, "9.5"))); code != 200 {
		t.Fatalf("burl after the nurl: %d", code)
	}
	if got := b.noticeCounter(kindWin, "ok").Get() - okBefore; got != 1 {
		t.Errorf("wins counted after replays: %d, want 1", got)
	}
	if got := b.noticeCounter(kindWin, "replay").Get() - replayBefore; got != 3 {
		t.Errorf("replays counted: %d, want 3", got)
	}
	if b.pacer.Committed(bd.CID) != settled {
		t.Error("a replay or the billing notice changed spend again")
	}
	if wins() != 4 {
		t.Errorf("win events: %d, want 4 (every notice is emitted, the replays marked by the counter)", wins())
	}

	// Tampered, unsigned, re-signed elsewhere, or for another auction: 403 and no markup.
	u := local(nurlFor(bd.NURL, resp.ID, "9.5"))
	tampered := []byte(u)
	i := bytes.Index(tampered, []byte("t=")) + 10
	tampered[i] ^= 1
	if tampered[i] == '&' || tampered[i] == '=' {
		tampered[i] = 'A'
	}
	for name, bad := range map[string]string{
		"tampered token": string(tampered),
		"no token":       tokenRE.ReplaceAllString(u, "x=1"),
		"empty token":    tokenRE.ReplaceAllString(u, "t="),
		"other auction":  local(nurlFor(bd.NURL, "another-request", "9.5")),
	} {
		code, body := get(t, bad)
		if code != 403 || strings.Contains(body, "<VAST") {
			t.Errorf("%s: %d %q, want 403 without markup", name, code, body)
		}
	}
	other := newTestBidder(t, func() Config { c := testConfig(); c.NoticeKey = bytes.Repeat([]byte{9}, 32); return c }(), Deps{})
	otherTok, _ := other.signer.appendToken(nil, &noticeToken{Issued: time.Now().UnixMilli(), RequestID: resp.ID, BidID: bd.ID,
		CampaignID: bd.CID, CreativeID: bd.CrID, Currency: "USD", PriceMicros: 1}, nil)
	if code, _ := get(t, base+"/v1/notice/vast?t="+string(otherTok)); code != 403 {
		t.Errorf("token signed with another key: %d, want 403", code)
	}
	if got := b.noticeCounter(kindWin, "ok").Get() - okBefore; got != 1 {
		t.Errorf("refused notices counted wins: %d", got)
	}
}

// TestVideoMarkupPerCampaign: a campaign's video_markup overrides the bidder's default, and
// settings outside adm/nurl are refused.
func TestVideoMarkupPerCampaign(t *testing.T) {
	inNURL := videoCampaign("in-nurl", 9_000_000, 30)
	inNURL.VideoMarkup = MarkupInNURL
	inAdm := videoCampaign("in-adm", 8_000_000, 30)
	b := newTestBidder(t, testConfig(), Deps{}, inNURL, inAdm)
	got := map[string]bool{}
	for _, badv := range []string{`"none.example"`, `"in-nurl.example"`} {
		req := `{"id":"r","badv":[` + badv + `],"imp":[{"id":"1","video":{"mimes":["video/mp4"],"maxduration":30}}]}`
		_, r, body := call(t, b, req)
		if r == nil {
			t.Fatalf("no bid: %s", body)
		}
		for _, bd := range bidsOf(r) {
			got[bd.CID] = true
			switch bd.CID {
			case "in-nurl":
				if bd.AdM != "" || !strings.Contains(bd.NURL, "/v1/notice/vast?") {
					t.Errorf("in-nurl: adm %d bytes, nurl %s", len(bd.AdM), bd.NURL)
				}
				if code := notice(b, bd.NURL, "1"); code != 200 {
					t.Errorf("in-nurl GET: %d", code)
				}
			case "in-adm":
				if !strings.HasPrefix(bd.AdM, "<VAST") || !strings.Contains(bd.NURL, "/v1/notice/win?") {
					t.Errorf("in-adm: adm %q, nurl %s", bd.AdM, bd.NURL)
				}
			}
		}
	}
	if !got["in-nurl"] || !got["in-adm"] {
		t.Fatalf("want a bid from each campaign, got %v", got)
	}
	bad := videoCampaign("bad", 1_000_000, 30)
	bad.VideoMarkup = "inline"
	if err := bad.Validate(); err == nil || !strings.Contains(err.Error(), "video_markup") {
		t.Errorf("video_markup inline: %v", err)
	}
	cfg := testConfig()
	cfg.VideoMarkup = "inline"
	if _, err := New(cfg, Deps{}); err == nil {
		t.Error("New accepted video markup inline")
	}
}

// TestNURLVASTForDeletedCampaign: the win counts even if the campaign is gone; the exchange
// is told the markup is no longer available (404), never a 5xx.
func TestNURLVASTForDeletedCampaign(t *testing.T) {
	c := videoCampaign("gone", 9_000_000, 30)
	c.VideoMarkup = MarkupInNURL
	store := NewMemoryStore()
	b := newTestBidder(t, testConfig(), Deps{Store: store}, c)
	_, r, body := call(t, b, `{"id":"r","imp":[{"id":"1","video":{"mimes":["video/mp4"]}}]}`)
	if r == nil {
		t.Fatalf("no bid: %s", body)
	}
	bd := bidsOf(r)[0]
	// Paused: still served from the store.
	c.Paused = true
	_ = store.Put(t.Context(), c)
	_ = b.Reload(t.Context())
	if code := notice(b, bd.NURL, "1"); code != 200 {
		t.Errorf("paused campaign's nurl: %d, want 200", code)
	}
	_ = store.Delete(t.Context(), c.ID)
	_ = b.Reload(t.Context())
	if code := notice(b, bd.NURL, "1"); code != 404 {
		t.Errorf("deleted campaign's nurl: %d, want 404", code)
	}
}

// FuzzHandleNotice: whatever the notice path and query (a signed token or not, macros
// substituted or not), the notice handler never panics and answers only its documented
// statuses; a 200 from /v1/notice/vast is a VAST document. Seeds: real nurl, burl, lurl and
// vast URLs the bidder issued.
func FuzzHandleNotice(f *testing.F) {
	cfg := testConfig()
	cfg.VideoMarkup = MarkupInNURL
	b := newTestBidder(f, cfg, Deps{}, DemoCampaigns("https://cdn.test")...)
	var ctx fasthttp.RequestCtx
	ctx.Request.Header.SetMethod("POST")
	ctx.Request.SetRequestURI("/openrtb2/bid")
	ctx.Request.SetBody(readFixture(f, "ctv_pod.json"))
	b.HandleBid(&ctx)
	var resp openrtb2.BidResponse
	if err := json.Unmarshal(ctx.Response.Body(), &resp); err != nil {
		f.Fatal(err)
	}
	for _, bd := range allBids(&resp) {
		for _, u := range []string{bd.NURL, bd.BURL, bd.LURL} {
			f.Add(strings.TrimPrefix(nurlFor(u, resp.ID, "1.25"), cfg.PublicURL))
			f.Add(strings.TrimPrefix(u, cfg.PublicURL))
		}
	}
	f.Add("/v1/notice/event?t=AAAA&e=start")
	f.Add("/v1/notice/vast?t=&p=-1&a=%00")
	f.Fuzz(func(t *testing.T, uri string) {
		var ctx fasthttp.RequestCtx
		ctx.Request.Header.SetMethod("GET")
		ctx.Request.SetRequestURI(uri)
		b.HandleNotice(&ctx)
		switch code := ctx.Response.StatusCode(); code {
		case 200:
			if bytes.HasSuffix(ctx.Path(), []byte("/vast")) && !bytes.HasPrefix(ctx.Response.Body(), []byte("<VAST")) {
				t.Fatalf("200 from %q without VAST: %q", uri, ctx.Response.Body())
			}
		case 400, 403, 404, 410:
		default:
			t.Fatalf("status %d for %q", code, uri)
		}
	})
}
