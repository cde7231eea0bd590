package player

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cuepoint/cuepoint/internal/logging"
	"github.com/cuepoint/cuepoint/internal/server"
	"github.com/cuepoint/cuepoint/origin/packager/packagertest"
)

func TestMain(m *testing.M) { packagertest.Main(m) }

// serve runs srv over a real listener until the test ends and returns its base URL.
func serve(t testing.TB, srv *server.Server) string {
	t.Helper()
	if err := srv.Listen(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- server.Run(ctx, logging.Discard, srv) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	})
	return "http://" + srv.Addr()
}

// ladderServer is an HLS server with a synthetic ladder: variant i's segments are exactly
// BANDWIDTH × duration / 8 bytes, so a bandwidth-limited player sees the ladder's real cost.
// segRate, when set, throttles each segment response to that many bits per second, decided
// from the number of segments served so far (not the clock), so tests are repeatable.
type ladderServer struct {
	bandwidths []int64
	segments   int
	segDur     time.Duration
	segRate    func(served int) int64
	served     atomic.Int64
	mu         sync.Mutex
	hits       map[string]int
}

func (l *ladderServer) start(t *testing.T) string {
	l.hits = map[string]int{}
	srv := httptest.NewServer(http.HandlerFunc(l.handle))
	t.Cleanup(srv.Close)
	return srv.URL
}

func (l *ladderServer) handle(w http.ResponseWriter, r *http.Request) {
	l.mu.Lock()
	l.hits[r.URL.Path]++
	l.mu.Unlock()
	p := strings.TrimPrefix(r.URL.Path, "/")
	if p == "master.m3u8" {
		w.Header().Set("Content-Type", "application/vnd.apple.mpegurl")
		var b strings.Builder
		b.WriteString("#EXTM3U\n#EXT-X-VERSION:3\n")
		for i, bw := range l.bandwidths {
			fmt.Fprintf(&b, "#EXT-X-STREAM-INF:BANDWIDTH=%d,RESOLUTION=%dx%d\nv%d/index.m3u8\n", bw, 160*(i+1), 90*(i+1), i)
		}
		w.Write([]byte(b.String()))
		return
	}
	var v, n int
	if _, err := fmt.Sscanf(p, "v%d/index.m3u8", &v); err == nil && v < len(l.bandwidths) {
		var b strings.Builder
		fmt.Fprintf(&b, "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:%d\n#EXT-X-PLAYLIST-TYPE:VOD\n", int((l.segDur+time.Second-1)/time.Second))
		for k := 0; k < l.segments; k++ {
			fmt.Fprintf(&b, "#EXTINF:%.3f,\nseg%d.ts\n", l.segDur.Seconds(), k)
		}
		b.WriteString("#EXT-X-ENDLIST\n")
		w.Write([]byte(b.String()))
		return
	}
	if _, err := fmt.Sscanf(p, "v%d/seg%d.ts", &v, &n); err == nil && v < len(l.bandwidths) && n < l.segments {
		size := int(float64(l.bandwidths[v]) * l.segDur.Seconds() / 8)
		served := int(l.served.Add(1)) - 1
		w.Header().Set("Content-Type", "video/mp2t")
		w.Header().Set("Content-Length", strconv.Itoa(size))
		chunk := make([]byte, 2048)
		var rate int64
		if l.segRate != nil {
			rate = l.segRate(served)
		}
		start := time.Now()
		for sent := 0; sent < size; {
			k := min(len(chunk), size-sent)
			if _, err := w.Write(chunk[:k]); err != nil {
				return
			}
			sent += k
			if rate > 0 {
				if d := time.Duration(float64(sent*8) / float64(rate) * float64(time.Second)); d > time.Since(start) {
					w.(http.Flusher).Flush()
					time.Sleep(d - time.Since(start))
				}
			}
		}
		return
	}
	http.NotFound(w, r)
}

// virtual returns a WithClock option giving each session a virtual clock at a fixed start.
func virtual() Option {
	return WithClock(func() Clock { return NewVirtualClock(time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)) })
}

// segmentLog collects SegmentInfo from WithSegmentHook.
type segmentLog struct {
	mu   sync.Mutex
	segs []SegmentInfo
}

func (l *segmentLog) hook(s SegmentInfo) { l.mu.Lock(); l.segs = append(l.segs, s); l.mu.Unlock() }

func (l *segmentLog) track(name string) []SegmentInfo {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []SegmentInfo
	for _, s := range l.segs {
		if s.Track == name {
			out = append(out, s)
		}
	}
	return out
}
