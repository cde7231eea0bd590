package safehttp

import (
	"context"
	"log/slog"
	"sync"
	"time"

	vm "github.com/VictoriaMetrics/metrics"

	"github.com/cuepoint/cuepoint/internal/logging"
	"github.com/cuepoint/cuepoint/internal/metrics"
)

// Kind says what a ping is, for metrics and retry policy.
type Kind uint8

// The kinds of pings the adserver fires.
const (
	KindWin     Kind = iota // OpenRTB nurl
	KindLoss                // OpenRTB lurl
	KindBill                // OpenRTB burl: retried, money depends on it
	KindTracker             // a third-party VAST tracking URL fired server-side
	KindError               // a VAST <Error> URL
	numKinds
)

var kindNames = [numKinds]string{"win", "loss", "bill", "tracker", "error"}

func (k Kind) String() string { return kindNames[k] }

// PingerOptions tune a Pinger.
type PingerOptions struct {
	Workers int           // concurrent requests (default 32)
	Queue   int           // pings waiting (default 4096); beyond, Fire drops
	Timeout time.Duration // per attempt (default 2 s)
	// BillRetries is how many times a failed billing notice is retried, with doubling
	// back-off from 200 ms (default 3).
	BillRetries int
	Log         *slog.Logger
}

type ping struct {
	kind    Kind
	url     string
	headers []Header
}

// Pinger fires URLs in the background through a Client: win, loss and billing notices,
// third-party pixels, error URLs. Fire never blocks the caller: with the queue full, the ping
// is dropped and counted (cuepoint_adserver_pings_total{kind,result="dropped"}).
type Pinger struct {
	c    *Client
	o    PingerOptions
	q    chan ping
	wg   sync.WaitGroup
	quit chan struct{}
	once sync.Once

	sent, failed, dropped [numKinds]*vm.Counter
}

// NewPinger starts the workers; Close stops them.
func NewPinger(c *Client, o PingerOptions) *Pinger {
	if o.Workers <= 0 {
		o.Workers = 32
	}
	if o.Queue <= 0 {
		o.Queue = 4096
	}
	if o.Timeout <= 0 {
		o.Timeout = 2 * time.Second
	}
	if o.BillRetries < 0 {
		o.BillRetries = 0
	} else if o.BillRetries == 0 {
		o.BillRetries = 3
	}
	if o.Log == nil {
		o.Log = logging.Discard
	}
	p := &Pinger{c: c, o: o, q: make(chan ping, o.Queue), quit: make(chan struct{})}
	for k := range numKinds {
		l := `{kind="` + k.String() + `",result="`
		p.sent[k] = metrics.Counter(`cuepoint_adserver_pings_total` + l + `sent"}`)
		p.failed[k] = metrics.Counter(`cuepoint_adserver_pings_total` + l + `failed"}`)
		p.dropped[k] = metrics.Counter(`cuepoint_adserver_pings_total` + l + `dropped"}`)
	}
	for range o.Workers {
		p.wg.Add(1)
		go p.work()
	}
	return p
}

// Fire queues a GET of url with the headers; it reports false when the ping was dropped.
func (p *Pinger) Fire(kind Kind, url string, headers []Header) bool {
	if url == "" {
		return true
	}
	select {
	case p.q <- ping{kind: kind, url: url, headers: headers}:
		return true
	default:
		p.dropped[kind].Inc()
		return false
	}
}

func (p *Pinger) work() {
	defer p.wg.Done()
	for {
		select {
		case pg := <-p.q:
			p.do(pg)
		case <-p.quit:
			for { // drain what is queued, then stop
				select {
				case pg := <-p.q:
					p.do(pg)
				default:
					return
				}
			}
		}
	}
}

func (p *Pinger) do(pg ping) {
	attempts := 1
	if pg.kind == KindBill {
		attempts += p.o.BillRetries
	}
	backoff := 200 * time.Millisecond
	for a := 1; ; a++ {
		err := p.c.Fire(time.Now().Add(p.o.Timeout), pg.url, pg.headers)
		if err == nil {
			p.sent[pg.kind].Inc()
			return
		}
		if a >= attempts {
			p.failed[pg.kind].Inc()
			p.o.Log.Debug("ping failed", "kind", pg.kind.String(), "err", err)
			return
		}
		select {
		case <-time.After(backoff):
			backoff *= 2
		case <-p.quit:
			p.failed[pg.kind].Inc()
			return
		}
	}
}

// Close stops accepting work, fires what is queued, and returns when the workers are done or
// ctx ends.
func (p *Pinger) Close(ctx context.Context) error {
	p.once.Do(func() { close(p.quit) })
	done := make(chan struct{})
	go func() { p.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
