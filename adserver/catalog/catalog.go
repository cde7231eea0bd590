package catalog

import (
	"context"
	"log/slog"
	"path"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	vm "github.com/VictoriaMetrics/metrics"

	"github.com/cuepoint/cuepoint/adserver/condition"
	"github.com/cuepoint/cuepoint/adserver/vast"
	"github.com/cuepoint/cuepoint/internal/logging"
	"github.com/cuepoint/cuepoint/internal/metrics"
)

// Creative states as stored.
const (
	stateReady   = "ready"
	statePending = "pending"
	stateFailed  = "failed"
)

// Conditioner is what the catalog needs from package condition.
type Conditioner interface {
	Submit(condition.Job) bool
	Fingerprint() string
	Ladder() *condition.Ladder
	Jobs() []condition.Progress
}

// Options configure a Catalog.
type Options struct {
	// MediaURL is the public base URL of the media root (the media handler), e.g.
	// http://127.0.0.1:8082/media.
	MediaURL string
	// RetryAfter is how long a failed creative waits before an ad asking for it queues it
	// again (default 10 minutes).
	RetryAfter time.Duration
	// Refresh is how often the catalog reloads from the store (other instances' writes;
	// default 30 s; 0 disables).
	Refresh time.Duration
	Log     *slog.Logger
	Now     func() time.Time
}

// Catalog is the adserver's creative catalog: every creative an ad has named and every one an
// operator registered, with its conditioning state, and the line items. It serves the decision
// path from memory (Resolve, Media, LineItems: a read lock and map look-ups), queues what is
// not conditioned, writes through to its Store off the request path, and reloads from it.
type Catalog struct {
	store Store
	cond  Conditioner
	o     Options

	mu        sync.RWMutex
	creatives map[string]*Creative
	byUAID    map[string]string // registry\x00value → id
	byURL     map[string]string // mezzanine URL → id
	media     map[string]*Media // ready creatives, as the VAST writes them

	lineItems atomic.Pointer[[]*LineItem]
	writes    chan *Creative
	wg        sync.WaitGroup
	quit      chan struct{}
	closeOnce sync.Once

	queued, writeErrors *vm.Counter
}

// New returns a catalog over store, conditioning with cond. Call Load before serving, and
// Close at the end.
func New(store Store, cond Conditioner, o Options) *Catalog {
	if o.RetryAfter <= 0 {
		o.RetryAfter = 10 * time.Minute
	}
	if o.Log == nil {
		o.Log = logging.Discard
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	o.MediaURL = strings.TrimRight(o.MediaURL, "/")
	c := &Catalog{
		store: store, cond: cond, o: o,
		creatives: map[string]*Creative{}, byUAID: map[string]string{}, byURL: map[string]string{}, media: map[string]*Media{},
		writes: make(chan *Creative, 1024), quit: make(chan struct{}),
		queued:      metrics.Counter(`cuepoint_adserver_creatives_queued_total`),
		writeErrors: metrics.Counter(`cuepoint_adserver_catalog_write_errors_total`),
	}
	c.lineItems.Store(&[]*LineItem{})
	for _, st := range []string{stateReady, statePending, stateFailed} {
		metrics.Gauge(`cuepoint_adserver_creatives{status="`+st+`"}`, func() float64 { return float64(c.count(st)) })
	}
	c.wg.Add(1)
	go c.writer()
	return c
}

// Load reads the store into memory, then keeps reloading it every Options.Refresh.
// Creatives that were pending when a process stopped are queued again.
func (c *Catalog) Load(ctx context.Context) error {
	if err := c.reload(ctx, true); err != nil {
		return err
	}
	if c.o.Refresh > 0 {
		c.wg.Add(1)
		go c.refreshLoop()
	}
	return nil
}

func (c *Catalog) reload(ctx context.Context, resume bool) error {
	cs, err := c.store.ListCreatives(ctx)
	if err != nil {
		return err
	}
	ls, err := c.store.ListLineItems(ctx)
	if err != nil {
		return err
	}
	c.mu.Lock()
	for _, cr := range cs {
		if cur := c.creatives[cr.ID]; cur != nil && cur.Updated.After(cr.Updated) {
			continue // ours is newer (a write not yet stored)
		}
		c.index(cr)
	}
	c.mu.Unlock()
	c.setLineItems(ls)
	if resume {
		for _, cr := range cs {
			if cr.Status == statePending || cr.Status == stateReady && cr.Ladder != c.cond.Fingerprint() {
				c.submit(cr)
			}
		}
	}
	return nil
}

func (c *Catalog) refreshLoop() {
	defer c.wg.Done()
	t := time.NewTicker(c.o.Refresh)
	defer t.Stop()
	for {
		select {
		case <-c.quit:
			return
		case <-t.C:
			ctx, cancel := context.WithTimeout(context.Background(), c.o.Refresh)
			if err := c.reload(ctx, false); err != nil {
				c.o.Log.Warn("catalog reload failed; serving what is in memory", "err", err)
			}
			cancel()
		}
	}
}

// index puts cr in the maps (write lock held).
func (c *Catalog) index(cr *Creative) {
	c.creatives[cr.ID] = cr
	if cr.UAIDValue != "" {
		c.byUAID[uaidKey(cr.UAIDRegistry, cr.UAIDValue)] = cr.ID
	}
	if cr.MezzanineURL != "" {
		c.byURL[cr.MezzanineURL] = cr.ID
	}
	delete(c.media, cr.ID)
	if cr.Status == stateReady && cr.Ladder == c.cond.Fingerprint() {
		c.media[cr.ID] = c.mediaOf(cr)
	}
}

// mediaOf builds the VAST media files of a ready creative.
func (c *Catalog) mediaOf(cr *Creative) *Media {
	u := func(p string) string { return c.o.MediaURL + "/" + path.Clean(strings.ReplaceAll(p, "\\", "/")) }
	m := &Media{ID: cr.ID, UniversalAdID: cr.UniversalAdID(), Duration: time.Duration(cr.ConditionedMS) * time.Millisecond}
	for _, r := range cr.Renditions {
		m.Renditions = append(m.Renditions, vast.MediaFile{
			ID: r.Name, Delivery: "streaming", Type: "application/x-mpegURL", Width: r.Width, Height: r.Height,
			Codec: r.Codecs(), Bitrate: r.VideoKbps + r.AudioKbps, MediaType: "2D", URL: u(r.Playlist),
		})
	}
	if a := cr.Audio; a != nil {
		m.Audio = vast.MediaFile{ID: a.Name, Delivery: "streaming", Type: "application/x-mpegURL", Codec: "mp4a.40.2",
			Bitrate: a.Kbps, URL: u(a.Playlist)}
	}
	if len(cr.Renditions) > 0 {
		top := cr.Renditions[0]
		m.Master = vast.MediaFile{ID: "master", Delivery: "streaming", Type: "application/x-mpegURL",
			Width: top.Width, Height: top.Height, MediaType: "2D", URL: u(cr.Master)}
	}
	if cr.SourceFile != "" {
		m.Mezzanine = vast.MediaFile{ID: "mezzanine", Delivery: "progressive", Type: "video/mp4", Width: cr.Width, Height: cr.Height,
			FileSize: cr.SourceSize, MediaType: "2D", URL: u(cr.SourceFile)}
	}
	return m
}

// Resolve finds the creative an ad names — by UniversalAdId, else by mezzanine URL — and
// returns its media when it is conditioned for the current ladder. A creative seen for the
// first time is recorded and queued; one that failed is queued again after RetryAfter.
func (c *Catalog) Resolve(ref Ref) (*Media, Status) {
	c.mu.RLock()
	id, ok := "", false
	if ref.UniversalAdID.Known() {
		id, ok = c.byUAID[uaidKey(ref.UniversalAdID.Registry, ref.UniversalAdID.Value)]
	}
	if !ok && ref.Mezzanine.URL != "" {
		id, ok = c.byURL[ref.Mezzanine.URL]
	}
	if ok {
		if m := c.media[id]; m != nil {
			c.mu.RUnlock()
			return m, StatusReady
		}
	}
	var cr *Creative
	if ok {
		cr = c.creatives[id]
	}
	c.mu.RUnlock()
	if cr != nil {
		return nil, c.revisit(cr)
	}
	if ref.Mezzanine.URL == "" {
		return nil, StatusNoMezzanine
	}
	now := c.o.Now().UTC()
	cr = &Creative{
		ID: IDFor(&ref), MezzanineURL: ref.Mezzanine.URL, DurationMS: ref.Duration.Milliseconds(),
		Title: clip(ref.Title, 256), Advertiser: clip(ref.Advertiser, 256), Source: ref.Source,
		Status: statePending, Width: ref.Mezzanine.Width, Height: ref.Mezzanine.Height, Created: now, Updated: now,
	}
	if ref.UniversalAdID.Known() {
		cr.UAIDRegistry, cr.UAIDValue = clip(ref.UniversalAdID.Registry, 256), clip(ref.UniversalAdID.Value, 256)
	}
	c.mu.Lock()
	if prev := c.creatives[cr.ID]; prev != nil { // another request got here first
		c.mu.Unlock()
		return nil, c.revisit(prev)
	}
	c.index(cr)
	c.mu.Unlock()
	c.submit(cr)
	c.persist(cr)
	return nil, StatusPending
}

// revisit returns the state of a known creative that is not ready, queueing it again when it
// is pending but not queued (a full queue, a restart), or failed long enough ago.
func (c *Catalog) revisit(cr *Creative) Status {
	c.mu.RLock()
	st, updated, ladder := cr.Status, cr.Updated, cr.Ladder
	c.mu.RUnlock()
	switch {
	case st == stateFailed && c.o.Now().Sub(updated) < c.o.RetryAfter:
		return StatusFailed
	case st == stateReady && ladder != c.cond.Fingerprint(), st == stateFailed, st == statePending:
		c.submit(cr)
	}
	return StatusPending
}

func (c *Catalog) submit(cr *Creative) {
	c.mu.RLock()
	j := condition.Job{Key: cr.ID, URL: cr.MezzanineURL, Duration: time.Duration(cr.DurationMS) * time.Millisecond}
	c.mu.RUnlock()
	if c.cond.Submit(j) {
		c.queued.Inc()
	}
}

// Done records the outcome of a conditioning job; wire it as condition.Options.OnDone.
func (c *Catalog) Done(j condition.Job, out condition.Output, err error) {
	c.mu.Lock()
	cur := c.creatives[j.Key]
	if cur == nil { // deleted meanwhile
		c.mu.Unlock()
		return
	}
	cr := *cur
	cr.Updated = c.o.Now().UTC()
	cr.Attempts++
	if err != nil {
		cr.Status, cr.Error = stateFailed, clip(err.Error(), 1024)
	} else {
		cr.Status, cr.Error = stateReady, ""
		cr.MediaHash, cr.Ladder, cr.Renditions, cr.Audio, cr.Master = out.MediaHash, out.Ladder, out.Renditions, out.Audio, out.Master
		cr.SourceFile, cr.SourceSize, cr.Width, cr.Height = out.Source, out.SourceSize, out.Width, out.Height
		cr.ConditionedMS = out.Duration.Milliseconds()
	}
	c.index(&cr)
	c.mu.Unlock()
	c.persist(&cr)
}

// persist queues a write to the store; a writer goroutine does it, off the request path.
func (c *Catalog) persist(cr *Creative) {
	cp := *cr
	select {
	case c.writes <- &cp:
	default:
		c.writeErrors.Inc()
		c.o.Log.Warn("catalog write queue full; the creative is kept in memory only", "creative", cr.ID)
	}
}

func (c *Catalog) writer() {
	defer c.wg.Done()
	for {
		select {
		case cr := <-c.writes:
			c.write(cr)
		case <-c.quit:
			for {
				select {
				case cr := <-c.writes:
					c.write(cr)
				default:
					return
				}
			}
		}
	}
}

func (c *Catalog) write(cr *Creative) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.store.PutCreative(ctx, cr); err != nil {
		c.writeErrors.Inc()
		c.o.Log.Warn("catalog write failed", "creative", cr.ID, "err", err)
	}
}

// Close stops the reload loop and flushes pending writes. It may be called more than once.
func (c *Catalog) Close(ctx context.Context) error {
	c.closeOnce.Do(func() { close(c.quit) })
	done := make(chan struct{})
	go func() { c.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Media returns a creative's media by catalog id, when it is ready.
func (c *Catalog) Media(id string) (*Media, Status) {
	c.mu.RLock()
	m, cr := c.media[id], c.creatives[id]
	c.mu.RUnlock()
	switch {
	case m != nil:
		return m, StatusReady
	case cr == nil:
		return nil, StatusNoMezzanine
	}
	return nil, c.revisit(cr)
}

// LineItems returns the line items (a shared snapshot: do not modify).
func (c *Catalog) LineItems() []*LineItem { return *c.lineItems.Load() }

func (c *Catalog) setLineItems(ls []*LineItem) {
	sort.Slice(ls, func(i, j int) bool { return ls[i].ID < ls[j].ID })
	c.lineItems.Store(&ls)
}

// Creatives lists the catalog, by id.
func (c *Catalog) Creatives() []Creative {
	c.mu.RLock()
	defer c.mu.RUnlock()
	out := make([]Creative, 0, len(c.creatives))
	for _, cr := range c.creatives {
		out = append(out, *cr)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// Creative returns one creative.
func (c *Catalog) Creative(id string) (Creative, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	cr := c.creatives[id]
	if cr == nil {
		return Creative{}, false
	}
	return *cr, true
}

// PutCreative registers or replaces a creative (admin API, demo seeding) and queues its
// conditioning; the store write is synchronous, so the answer means it is durable.
func (c *Catalog) PutCreative(ctx context.Context, cr Creative) (Creative, error) {
	if err := cr.Validate(); err != nil {
		return cr, err
	}
	now := c.o.Now().UTC()
	c.mu.Lock()
	if prev := c.creatives[cr.ID]; prev != nil {
		cr.Created = prev.Created
		if prev.MezzanineURL == cr.MezzanineURL && prev.DurationMS == cr.DurationMS && prev.Status != stateFailed {
			// Same media: keep the conditioning.
			cr.Status, cr.MediaHash, cr.Ladder, cr.Renditions, cr.Audio, cr.Master = prev.Status, prev.MediaHash, prev.Ladder, prev.Renditions, prev.Audio, prev.Master
			cr.SourceFile, cr.SourceSize, cr.Width, cr.Height, cr.ConditionedMS = prev.SourceFile, prev.SourceSize, prev.Width, prev.Height, prev.ConditionedMS
		}
	} else {
		cr.Created = now
	}
	if cr.Status == "" || cr.Status == stateFailed {
		cr.Status = statePending
	}
	if cr.Source == "" {
		cr.Source = "admin"
	}
	cr.Updated = now
	c.mu.Unlock()
	if err := c.store.PutCreative(ctx, &cr); err != nil {
		return cr, err
	}
	c.mu.Lock()
	if prev := c.creatives[cr.ID]; prev != nil && prev.MezzanineURL != cr.MezzanineURL {
		delete(c.byURL, prev.MezzanineURL)
	}
	c.index(&cr)
	c.mu.Unlock()
	if cr.Status != stateReady || cr.Ladder != c.cond.Fingerprint() {
		c.submit(&cr)
	}
	return cr, nil
}

// Recondition queues a creative again (after a failure, or to redo it).
func (c *Catalog) Recondition(id string) error {
	c.mu.Lock()
	cr := c.creatives[id]
	if cr == nil {
		c.mu.Unlock()
		return ErrNotFound
	}
	cp := *cr
	cp.Status, cp.Ladder, cp.Updated = statePending, "", c.o.Now().UTC()
	c.index(&cp)
	c.mu.Unlock()
	c.submit(&cp)
	c.persist(&cp)
	return nil
}

// DeleteCreative removes a creative from the catalog (its conditioned files stay: another
// creative may share them).
func (c *Catalog) DeleteCreative(ctx context.Context, id string) error {
	c.mu.RLock()
	_, ok := c.creatives[id]
	c.mu.RUnlock()
	if !ok {
		return ErrNotFound
	}
	if err := c.store.DeleteCreative(ctx, id); err != nil && err != ErrNotFound {
		return err
	}
	c.mu.Lock()
	if cr := c.creatives[id]; cr != nil {
		delete(c.byURL, cr.MezzanineURL)
		delete(c.byUAID, uaidKey(cr.UAIDRegistry, cr.UAIDValue))
	}
	delete(c.creatives, id)
	delete(c.media, id)
	c.mu.Unlock()
	return nil
}

// PutLineItem stores a line item.
func (c *Catalog) PutLineItem(ctx context.Context, l LineItem) error {
	if err := l.Validate(); err != nil {
		return err
	}
	if err := c.store.PutLineItem(ctx, &l); err != nil {
		return err
	}
	ls := append([]*LineItem(nil), c.LineItems()...)
	ls = deleteLineItem(ls, l.ID)
	c.setLineItems(append(ls, &l))
	return nil
}

// DeleteLineItem removes a line item.
func (c *Catalog) DeleteLineItem(ctx context.Context, id string) error {
	ls := c.LineItems()
	found := false
	for _, l := range ls {
		found = found || l.ID == id
	}
	if !found {
		return ErrNotFound
	}
	if err := c.store.DeleteLineItem(ctx, id); err != nil && err != ErrNotFound {
		return err
	}
	c.setLineItems(deleteLineItem(append([]*LineItem(nil), ls...), id))
	return nil
}

func deleteLineItem(ls []*LineItem, id string) []*LineItem {
	out := ls[:0]
	for _, l := range ls {
		if l.ID != id {
			out = append(out, l)
		}
	}
	return out
}

func (c *Catalog) count(status string) int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	n := 0
	for _, cr := range c.creatives {
		if cr.Status == status {
			n++
		}
	}
	return n
}

// Ladder is the conditioning target.
func (c *Catalog) Ladder() *condition.Ladder { return c.cond.Ladder() }

// Jobs lists the conditioning jobs queued and running.
func (c *Catalog) Jobs() []condition.Progress { return c.cond.Jobs() }

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
