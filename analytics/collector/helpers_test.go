package collector

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"encoding/json"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/cuepoint/cuepoint/analytics/events"
	"github.com/cuepoint/cuepoint/analytics/events/eventstest"
	"github.com/cuepoint/cuepoint/analytics/producer"
	"github.com/cuepoint/cuepoint/internal/logging"
	"github.com/cuepoint/cuepoint/internal/server"
)

// patience bounds waits; it guards against hanging and asserts nothing about speed.
const patience = 30 * time.Second

var (
	playerSecret  = bytes.Repeat([]byte{0xa1}, 32)
	partnerSecret = bytes.Repeat([]byte{0xb2}, 32)
	oldSecret     = bytes.Repeat([]byte{0xc3}, 32)
)

func testSenders() []Sender {
	return []Sender{
		{ID: "web-player", Secrets: [][]byte{playerSecret}, Families: []events.Family{events.FamilyPlayback, events.FamilyAds}},
		{ID: "partner", Secrets: [][]byte{partnerSecret, oldSecret}, Families: []events.Family{events.FamilyPlayback, events.FamilyAds, events.FamilyRecs}},
	}
}

// stack is a collector on a real server, emitting through a real producer to a real Kafka.
type stack struct {
	base    string
	brokers []string
	c       *Collector
	p       *producer.Producer
	service string
}

func newStack(t *testing.T, opts ...Option) *stack {
	t.Helper()
	topics := make([]string, len(events.Families))
	for i, f := range events.Families {
		topics[i] = f.Topic()
	}
	k, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(2, topics...))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(k.Close)
	service := "collector-" + strings.NewReplacer("/", "-", " ", "-").Replace(t.Name())
	p, err := producer.New(k.ListenAddrs(), producer.WithService(service), producer.WithSpool(t.TempDir(), 0))
	if err != nil {
		t.Fatal(err)
	}
	c, err := New(p, append([]Option{WithSenders(testSenders()...)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	srv := server.New(service, "127.0.0.1:0")
	c.Mount(srv)
	srv.OnClose("events", p.Close)
	if err := srv.Listen(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- server.Run(ctx, logging.Discard, srv) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("server: %v", err)
		}
	})
	return &stack{base: "http://" + srv.Addr(), brokers: k.ListenAddrs(), c: c, p: p, service: service}
}

// batch builds a request body from elements, each an event or a raw JSON element.
func batch(t testing.TB, elems ...any) []byte {
	t.Helper()
	var b bytes.Buffer
	b.WriteString(`{"events":[`)
	for i, e := range elems {
		if i > 0 {
			b.WriteByte(',')
		}
		switch e := e.(type) {
		case events.Event:
			enc, err := e.Append(nil)
			if err != nil {
				t.Fatal(err)
			}
			b.WriteString(`{"family":"` + string(e.Family()) + `","event":`)
			b.Write(enc)
			b.WriteByte('}')
		case string:
			b.WriteString(e)
		}
	}
	b.WriteString(`]}`)
	return b.Bytes()
}

type answer struct {
	status int
	header http.Header
	resp   response
	err    string
}

// post sends body with the given headers (and query) and decodes the answer.
func (s *stack) post(t *testing.T, query string, body []byte, headers map[string]string) answer {
	t.Helper()
	req, err := http.NewRequest("POST", s.base+Path+query, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	a := answer{status: res.StatusCode, header: res.Header}
	var e struct {
		Error string `json:"error"`
	}
	if json.Unmarshal(raw, &e) == nil && e.Error != "" {
		a.err = e.Error
	} else if err := json.Unmarshal(raw, &a.resp); err != nil {
		t.Fatalf("answer %d %q is not JSON: %v", res.StatusCode, raw, err)
	}
	return a
}

// signed posts body signed by sender.
func (s *stack) signed(t *testing.T, sender string, secret, body []byte) answer {
	return s.post(t, "", body, map[string]string{HeaderSender: sender, HeaderSignature: Sign(sender, secret, body, time.Now())})
}

func gen(seed uint64) *eventstest.Gen { return eventstest.New(seed, time.Now().Add(-time.Minute)) }

// consumeIDs reads every family topic until it has seen want records, and returns how many
// times each event id was seen.
func consumeIDs(t *testing.T, brokers []string, want int) map[string]int {
	t.Helper()
	var topics []string
	for _, f := range events.Families {
		topics = append(topics, f.Topic())
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.ConsumeTopics(topics...), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), patience)
	defer cancel()
	ids := map[string]int{}
	n := 0
	for n < want {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("consumed %d records, want %d", n, want)
		}
		fs.EachRecord(func(r *kgo.Record) {
			ev, err := events.Decode(events.Family(strings.TrimPrefix(r.Topic, "cuepoint.")), r.Value)
			if err != nil {
				t.Errorf("record does not decode: %v", err)
				return
			}
			ids[ev.(events.Typed).EventHeader().ID]++
			n++
		})
	}
	// Anything more would be a duplicate: give it a moment to show up.
	extra, cancel2 := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel2()
	cl.PollFetches(extra).EachRecord(func(r *kgo.Record) {
		t.Errorf("unexpected extra record on %s: %s", r.Topic, r.Value)
	})
	return ids
}
