package adserver_test

import (
	"net"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/cuepoint/cuepoint/adserver/auction"
	"github.com/cuepoint/cuepoint/adserver/auction/auctiontest"
	"github.com/cuepoint/cuepoint/adserver/vast"
)

// tagServer serves VAST documents by path, like an SSP's or DSP's ad server, and records what
// it is asked.
type tagServer struct {
	base  string
	mu    sync.Mutex
	docs  map[string][]byte
	hits  map[string]int
	codes map[string]string // the last ?code= per path (error URLs)
	total atomic.Int64
	done  chan struct{}
}

func startTags(t *testing.T) *tagServer {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ts := &tagServer{base: "http://" + ln.Addr().String(), docs: map[string][]byte{}, hits: map[string]int{}, codes: map[string]string{}, done: make(chan struct{})}
	s := &fasthttp.Server{Handler: func(ctx *fasthttp.RequestCtx) {
		ts.total.Add(1)
		p := string(ctx.Path())
		ts.mu.Lock()
		ts.hits[p]++
		if c := ctx.QueryArgs().Peek("code"); c != nil {
			ts.codes[p] = string(c)
		}
		doc := ts.docs[p]
		ts.mu.Unlock()
		if p == "/slow" {
			<-ts.done
			return
		}
		if doc == nil {
			ctx.SetStatusCode(204) // an error pixel, or no ad
			return
		}
		ctx.SetContentType("application/xml")
		ctx.SetBody(doc)
	}}
	go func() { _ = s.Serve(ln) }()
	t.Cleanup(func() { close(ts.done); _ = s.Shutdown() })
	return ts
}

func (ts *tagServer) set(path string, doc []byte) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	ts.docs[path] = doc
}

func (ts *tagServer) count(path string) int {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return ts.hits[path]
}

// waitCount waits for n requests to path.
func (ts *tagServer) waitCount(path string, n int) int {
	end := time.Now().Add(5 * time.Second)
	for ts.count(path) < n && time.Now().Before(end) {
		time.Sleep(5 * time.Millisecond)
	}
	return ts.count(path)
}

// wrapper returns a wrapper document pointing at next, with trackers named after level.
func wrapper(base, level, next string) []byte {
	return vast.AppendDocument(nil, &vast.Document{Ads: []vast.Ad{{ID: level, Wrapper: &vast.Wrapper{
		AdSystem:    vast.AdSystem{Name: level},
		Errors:      []string{base + "/err/" + level + "?code=[ERRORCODE]"},
		Impressions: []vast.Impression{{URL: base + "/imp/" + level}},
		Creatives: []vast.Creative{{Linear: &vast.Linear{
			Tracking:      []vast.Tracking{{Event: "complete", URL: base + "/complete/" + level}},
			ClickTracking: []string{base + "/click/" + level},
		}}},
		VASTAdTagURI: next,
	}}}})
}

func TestWrapperChainsMergeTracking(t *testing.T) {
	ts := startTags(t)
	inlineBidder := auctiontest.Start(t, auctiontest.Config{}) // only renders the InLine markup
	inline := inlineBidder.VAST(offer("deep-30", "deep.example", 0, 30), "x")
	ts.set("/inline", inline)
	ts.set("/w2", wrapper(ts.base, "w2", ts.base+"/inline"))
	o := offer("deep-30", "deep.example", 20, 30)
	o.Adm = string(wrapper(ts.base, "w1", ts.base+"/w2"))
	b := auctiontest.Start(t, auctiontest.Config{Offers: []auctiontest.Offer{o}})
	e := start(t, testConfig(auction.Endpoint{Name: "b", URL: b.URL}))
	doc := e.vast(q("dur", "30"))
	if got := crids(doc); !slices.Equal(got, []string{"deep-30"}) {
		t.Fatalf("pod %v", got)
	}
	in := doc.Ads[0].InLine
	imps := strings.Join(impURLs(in), " ")
	for _, want := range []string{"/imp/w1", "/imp/w2", "/notice/imp"} {
		if !strings.Contains(imps, want) {
			t.Errorf("impressions %s lack %s", imps, want)
		}
	}
	var completes, clicks []string
	for _, tr := range in.Creatives[0].Linear.Tracking {
		if tr.Event == "complete" {
			completes = append(completes, tr.URL)
		}
	}
	clicks = in.Creatives[0].Linear.ClickTracking
	if len(completes) != 4 || len(clicks) != 4 { // ours, w1, w2, the InLine ad's
		t.Errorf("complete trackers %v, click trackers %v", completes, clicks)
	}
	if !strings.Contains(strings.Join(in.Errors, " "), "/err/w1") {
		t.Errorf("error URLs %v", in.Errors)
	}
}

func TestWrapperDepthLoopsAndTimeouts(t *testing.T) {
	ts := startTags(t)
	// Six wrappers before the InLine ad: one more than allowed.
	for i := 6; i >= 2; i-- {
		ts.set("/d"+string(rune('0'+i)), wrapper(ts.base, "d"+string(rune('0'+i)), ts.base+"/d"+string(rune('0'+i+1))))
	}
	deep := offer("deep-15", "deep.example", 30, 15)
	deep.Adm = string(wrapper(ts.base, "d1", ts.base+"/d2"))
	loop := offer("loop-15", "loop.example", 29, 15)
	ts.set("/a", wrapper(ts.base, "la", ts.base+"/b"))
	ts.set("/b", wrapper(ts.base, "lb", ts.base+"/a"))
	loop.Adm = string(wrapper(ts.base, "l0", ts.base+"/a"))
	slow := offer("slow-15", "slow.example", 28, 15)
	slow.Adm = string(wrapper(ts.base, "s0", ts.base+"/slow"))
	empty := offer("empty-15", "empty.example", 27, 15)
	empty.Adm = string(wrapper(ts.base, "e0", ts.base+"/nothing"))
	good := offer("good-15", "good.example", 5, 15)
	b := auctiontest.Start(t, auctiontest.Config{Offers: []auctiontest.Offer{deep, loop, slow, empty, good}})
	cfg := testConfig(auction.Endpoint{Name: "b", URL: b.URL})
	cfg.WrapperTimeout = 500 * time.Millisecond
	e := start(t, cfg)
	doc := e.vast(q("dur", "15"))
	// Every wrapped ad fails; the plain one fills the break.
	if got := crids(doc); !slices.Equal(got, []string{"good-15"}) {
		t.Fatalf("pod %v", got)
	}
	for path, code := range map[string]string{"/err/d1": "302", "/err/d6": "302", "/err/l0": "302", "/err/lb": "302", "/err/s0": "301", "/err/e0": "303"} {
		if ts.waitCount(path, 1) != 1 {
			t.Errorf("%s not called", path)
			continue
		}
		ts.mu.Lock()
		got := ts.codes[path]
		ts.mu.Unlock()
		if got != code {
			t.Errorf("%s called with code %s, want %s", path, got, code)
		}
	}
	if n := ts.count("/d7"); n != 0 {
		t.Errorf("followed a wrapper beyond the depth limit (%d requests)", n)
	}
	if ts.count("/a") != 1 || ts.count("/b") != 1 {
		t.Errorf("loop: /a %d, /b %d requests", ts.count("/a"), ts.count("/b"))
	}
}

// TestWrapperSSRF: without an allow list, wrappers pointing at loopback, private or
// link-local addresses are refused before any connection, and the ad is left out.
func TestWrapperSSRF(t *testing.T) {
	ts := startTags(t)
	inlineBidder := auctiontest.Start(t, auctiontest.Config{})
	ts.set("/inline", inlineBidder.VAST(offer("x-15", "x.example", 0, 15), "x"))
	var offers []auctiontest.Offer
	for i, target := range []string{ts.base + "/inline", "http://169.254.169.254/latest/meta-data/", "http://10.0.0.1/vast", "http://[::1]:1/vast", "http://localhost" + ts.base[strings.LastIndexByte(ts.base, ':'):] + "/inline"} {
		o := offer("ssrf-"+string(rune('a'+i)), "ssrf"+string(rune('a'+i))+".example", 30, 15)
		o.Adm = string(wrapper("http://203.0.113.1", "w", target))
		offers = append(offers, o)
	}
	b := auctiontest.Start(t, auctiontest.Config{Offers: offers})
	cfg := testConfig(auction.Endpoint{Name: "b", URL: b.URL})
	cfg.FetchAllow = nil
	cfg.WrapperTimeout = time.Second
	e := start(t, cfg)
	doc := e.vast(q("dur", "15"))
	if len(doc.Ads) != 0 {
		t.Fatalf("pod %v: an ad behind a refused wrapper was served", crids(doc))
	}
	time.Sleep(50 * time.Millisecond)
	if n := ts.total.Load(); n != 0 {
		t.Fatalf("the loopback tag server was reached %d times", n)
	}
}

// TestNurlServedMarkup: a bid without adm is served by calling its nurl, which is then not
// fired a second time.
func TestNurlServedMarkup(t *testing.T) {
	o := offer("nurl-30", "n.example", 20, 30)
	o.NURLServesAdm = true
	b := auctiontest.Start(t, auctiontest.Config{Offers: []auctiontest.Offer{o}})
	e := start(t, testConfig(auction.Endpoint{Name: "b", URL: b.URL}))
	doc := e.vast(q("dur", "30"))
	if got := crids(doc); !slices.Equal(got, []string{"nurl-30"}) {
		t.Fatalf("pod %v", got)
	}
	time.Sleep(100 * time.Millisecond)
	if wins := b.WaitNotices("win", 1, time.Second); len(wins) != 1 {
		t.Fatalf("%d win notices, want exactly 1 (the one that served the markup)", len(wins))
	}
}
