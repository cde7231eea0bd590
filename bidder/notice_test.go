package bidder

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/valyala/fasthttp"
)

func TestTokenRoundTripAndTamper(t *testing.T) {
	s := newSigner(bytes.Repeat([]byte{1}, 32))
	in := &noticeToken{Issued: 1764000000123, RequestID: "req", ImpID: "1", BidID: "b-1", CampaignID: "c", CreativeID: "cr",
		DealID: "d", ViewerID: "v", Currency: "USD", PriceMicros: 12_345_678, Reserved: 12346, AT: 1, ShadeBucket: 513, ShadeLevel: 6}
	tok, _ := s.appendToken(nil, in, nil)
	out, err := s.parseToken(string(tok))
	if err != nil || *out != *in {
		t.Fatalf("round trip: %v\n in %+v\nout %+v", err, in, out)
	}
	for i := range tok {
		bad := append([]byte(nil), tok...)
		bad[i] ^= 1
		if _, err := s.parseToken(string(bad)); err == nil && string(bad) != string(tok) {
			t.Fatalf("flipping byte %d still verified", i)
		}
	}
	other := newSigner(bytes.Repeat([]byte{2}, 32))
	if _, err := other.parseToken(string(tok)); err == nil {
		t.Fatal("a token verified under another key")
	}
	for _, junk := range []string{"", "x", "!!!", strings.Repeat("A", 200)} {
		if _, err := s.parseToken(junk); err == nil {
			t.Fatalf("junk %q verified", junk)
		}
	}
}

func TestPriceDecryption(t *testing.T) {
	enc, integ := bytes.Repeat([]byte{0xab}, 32), bytes.Repeat([]byte{0xcd}, 32)
	iv := []byte("0123456789abcdef")
	msg := encryptPrice(enc, integ, iv, 1_850_000)
	got, err := decryptPrice(enc, integ, strings.TrimRight(msg, "="))
	if err != nil || got != 1_850_000 {
		t.Fatalf("decrypt: %d, %v", got, err)
	}
	bad := []byte(msg)
	bad[30] ^= 2
	if _, err := decryptPrice(enc, integ, string(bad)); err == nil {
		t.Fatal("a tampered price decrypted")
	}
	if _, err := decryptPrice(enc, bytes.Repeat([]byte{0}, 32), msg); err == nil {
		t.Fatal("a price verified under the wrong integrity key")
	}
}

// notice calls HandleNotice for a URL the bidder issued, with the macros substituted.
func notice(b *Bidder, rawURL, price string) int {
	u := strings.ReplaceAll(rawURL, "${AUCTION_PRICE}", price)
	u = strings.ReplaceAll(u, "${AUCTION_ID}", "r")
	u = strings.TrimPrefix(u, b.cfg.PublicURL)
	var ctx fasthttp.RequestCtx
	ctx.Request.SetRequestURI(u)
	b.HandleNotice(&ctx)
	return ctx.Response.StatusCode()
}

func TestNoticesSettleOnceAndLearn(t *testing.T) {
	cfg := testConfig()
	cfg.PriceEncryptionKey, cfg.PriceIntegrityKey = bytes.Repeat([]byte{9}, 32), bytes.Repeat([]byte{8}, 32)
	now := time.Date(2026, 11, 22, 23, 0, 0, 0, time.UTC)
	clock := now
	mv := NewMemoryViewers()
	c := bannerCampaign("n", 4_000_000)
	c.FreqCap = &FreqCap{Max: 1, WindowHours: 24}
	b := newTestBidder(t, cfg, Deps{Now: func() time.Time { return clock }, Features: mv, Counters: mv}, c)
	req := `{"id":"r","at":1,"user":{"id":"viewer-1"},"site":{"publisher":{"id":"pub"}},"imp":[{"id":"1","banner":{"w":300,"h":250}}]}`
	_, r, _ := call(t, b, req)
	bd := bidsOf(r)[0]
	start := b.pacer.Committed("n")

	// The exchange's encrypted clearing price.
	price := encryptPrice(cfg.PriceEncryptionKey, cfg.PriceIntegrityKey, []byte("iv-iv-iv-iv-iv-!"), 1_000_000)
	if code := notice(b, bd.NURL, price); code != 200 {
		t.Fatalf("win with encrypted price: %d", code)
	}
	reserved := (int64(bd.Price*1e6+0.5) + 999) / 1000
	if got := b.pacer.Committed("n") - start; got != 1000-reserved {
		t.Errorf("committed moved %d, want %d", got, 1000-reserved)
	}
	// Bill and replays: no further spend.
	for _, u := range []string{bd.BURL, bd.NURL, bd.BURL} {
		if code := notice(b, u, price); code != 200 {
			t.Fatalf("replay: %d", code)
		}
	}
	if got := b.pacer.Committed("n") - start; got != 1000-reserved {
		t.Errorf("replays changed spend: %d", got)
	}
	// The win taught the shader and counted the viewer: the cap of 1 now holds.
	bucket, level := uint16(hashString("pub")^1%shadeBuckets), uint8(0)
	_ = bucket
	_ = level
	if code, _, _ := call(t, b, req); code != 204 {
		t.Errorf("after one impression with a cap of 1: %d, want 204", code)
	}
	// An unreadable price is a 400; an expired notice a 410; a bad signature a 403.
	if code := notice(b, bd.NURL, "abc"); code != 400 && code != 200 {
		t.Errorf("unreadable price: %d", code)
	}
	if code := notice(b, strings.Replace(bd.LURL, "t=", "t=x", 1), ""); code != 403 {
		t.Errorf("bad signature: %d, want 403", code)
	}
	clock = now.Add(cfg.NoticeTTL + time.Hour)
	if code := notice(b, bd.LURL, ""); code != 410 {
		t.Errorf("expired notice: %d, want 410", code)
	}
}

func TestLossReleasesReservation(t *testing.T) {
	at := time.Date(2026, 11, 22, 23, 0, 0, 0, time.UTC)
	b := newTestBidder(t, testConfig(), Deps{Now: func() time.Time { return at }}, bannerCampaign("l", 4_000_000))
	_, r, _ := call(t, b, bannerReq(""))
	if b.pacer.Committed("l") == 0 {
		t.Fatal("the bid reserved nothing")
	}
	if code := notice(b, bidsOf(r)[0].LURL, ""); code != 200 {
		t.Fatalf("loss: %d", code)
	}
	if got := b.pacer.Committed("l"); got != 0 {
		t.Errorf("after the loss committed %d, want 0", got)
	}
	// A win arriving after the loss does not resurrect the reservation.
	notice(b, bidsOf(r)[0].NURL, "1")
	if got := b.pacer.Committed("l"); got != 0 {
		t.Errorf("win after loss committed %d", got)
	}
}

func TestShaderLearnsFromWins(t *testing.T) {
	s := NewShader(0.5)
	key := uint64(42)
	// A market where any bid at or above 0.6 of value wins: the shader should settle low.
	for i := 0; i < 20000; i++ {
		bk, lv, f := s.Choose(key)
		s.Bid(bk, lv)
		if f >= 0.6 {
			s.Win(bk, lv)
		}
	}
	f := modeFactor(s, key+shadeBuckets*7) // same bucket
	if f < 0.6 || f > 0.72 {
		t.Errorf("converged factor %.3f, want just above the 0.6 win threshold", f)
	}
	// A market where only full value wins: the shader bids (close to) full value.
	s2 := NewShader(0.5)
	for i := 0; i < 20000; i++ {
		bk, lv, f := s2.Choose(key)
		s2.Bid(bk, lv)
		if f > 0.99 {
			s2.Win(bk, lv)
		}
	}
	if f := modeFactor(s2, key); f < 0.9 {
		t.Errorf("factor %.3f in a market that only takes full value", f)
	}
}

// modeFactor is the factor the shader picks most often (exploration aside).
func modeFactor(s *Shader, key uint64) float64 {
	n := map[float64]int{}
	best := 0.0
	for i := 0; i < 2*exploreEvery; i++ {
		_, _, f := s.Choose(key)
		n[f]++
		if n[f] > n[best] {
			best = f
		}
	}
	return best
}

// TestShaderLearnsFromMinToWin: losses that disclose the winning price teach every level, so
// the shader finds the cheapest winning level without having to lose there first.
func TestShaderLearnsFromMinToWin(t *testing.T) {
	s := NewShader(0.5)
	key := uint64(99)
	const value = 10_000_000
	for i := 0; i < 3000; i++ {
		bk, lv, f := s.Choose(key)
		s.Bid(bk, lv)
		bid := int64(f * value)
		if mtw := int64(0.8 * value); bid >= mtw {
			s.Win(bk, lv)
		} else {
			s.Lost(bk, lv, bid, mtw)
		}
	}
	if f := modeFactor(s, key); f < 0.8 || f > 0.9 {
		t.Errorf("factor %.3f, want the first level at or above the 0.8 that wins", f)
	}
}
