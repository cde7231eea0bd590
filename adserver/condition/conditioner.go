package condition

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"github.com/cuepoint/cuepoint/adserver/safehttp"
	"github.com/cuepoint/cuepoint/internal/logging"
)

// Job asks for one creative's media to be conditioned.
type Job struct {
	Key      string        // the catalog creative id: one job per key at a time
	URL      string        // the mezzanine to fetch
	Duration time.Duration // the ad's declared length; 0 takes the file's
}

// Output is a conditioned creative: paths are relative to the media root.
type Output struct {
	Key        string           `json:"key"`
	MediaHash  string           `json:"media_hash"` // SHA-256 of the mezzanine bytes
	Ladder     string           `json:"ladder"`     // the ladder's fingerprint
	Duration   time.Duration    `json:"duration"`
	Renditions []RenditionFiles `json:"renditions"`
	// Audio is the separate audio rendition, when the ladder has one.
	Audio      *AudioFiles `json:"audio,omitempty"`
	Master     string      `json:"master"`
	Source     string      `json:"source"` // the stored mezzanine
	SourceSize int64       `json:"source_size"`
	Width      int         `json:"width"` // of the mezzanine
	Height     int         `json:"height"`
	// Reused is set when another creative with the same media bytes was already conditioned
	// for this ladder, and its renditions were reused without transcoding.
	Reused bool `json:"-"`
}

// RenditionFiles is one conditioned rendition.
type RenditionFiles struct {
	Rendition
	Playlist string `json:"playlist"`
}

// AudioFiles is the conditioned separate audio rendition.
type AudioFiles struct {
	AudioRendition
	Playlist string `json:"playlist"`
}

// Progress is the state of a job, for the admin API.
type Progress struct {
	Key   string    `json:"key"`
	URL   string    `json:"url"`
	State string    `json:"state"` // queued, downloading, transcoding
	Done  float64   `json:"done"`  // share of the transcoding done, 0..1
	Since time.Time `json:"since"`
}

// Options configure a Conditioner.
type Options struct {
	Root   string // the media root; output goes to Root/ads/…
	Ladder Ladder
	Tools  Tools
	// Fetch downloads mezzanines (through the SSRF guard).
	Fetch   *safehttp.Client
	Workers int // concurrent jobs (default 1: ffmpeg uses every core)
	Queue   int // jobs waiting (default 256); beyond, Submit refuses
	// MaxBytes caps a mezzanine (default 2 GiB); Timeout bounds one job (default 10 min).
	MaxBytes int64
	Timeout  time.Duration
	// OnDone is called with each finished job's output, or its error.
	OnDone func(Job, Output, error)
	Log    *slog.Logger
}

// Conditioner downloads mezzanines and transcodes them to the ladder, a few at a time, in the
// background. Jobs are deduplicated by creative key while queued or running, and by the
// SHA-256 of the mezzanine's bytes across creatives: identical media is conditioned once per
// ladder and its renditions reused.
type Conditioner struct {
	o     Options
	fp    string
	q     chan Job
	mu    sync.Mutex
	jobs  map[string]*Progress
	locks map[string]*sync.Mutex // per media hash
	wg    sync.WaitGroup
	ctx   context.Context
	stop  context.CancelFunc
}

// New validates the options and starts the workers.
func New(o Options) (*Conditioner, error) {
	if err := o.Ladder.Validate(); err != nil {
		return nil, err
	}
	if o.Root == "" || o.Fetch == nil || o.Tools.FFmpeg == "" {
		return nil, errors.New("condition: root, fetch client and ffmpeg are required")
	}
	if o.Workers <= 0 {
		o.Workers = 1
	}
	if o.Queue <= 0 {
		o.Queue = 256
	}
	if o.MaxBytes <= 0 {
		o.MaxBytes = 2 << 30
	}
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Minute
	}
	if o.Log == nil {
		o.Log = logging.Discard
	}
	if err := os.MkdirAll(filepath.Join(o.Root, "ads", ".incoming"), 0o755); err != nil {
		return nil, fmt.Errorf("condition: %w", err)
	}
	ctx, stop := context.WithCancel(context.Background())
	c := &Conditioner{o: o, fp: o.Ladder.Fingerprint(), q: make(chan Job, o.Queue), jobs: map[string]*Progress{},
		locks: map[string]*sync.Mutex{}, ctx: ctx, stop: stop}
	for range o.Workers {
		c.wg.Add(1)
		go c.work()
	}
	return c, nil
}

// Ladder returns the conditioning target.
func (c *Conditioner) Ladder() *Ladder { return &c.o.Ladder }

// Fingerprint is the ladder's fingerprint.
func (c *Conditioner) Fingerprint() string { return c.fp }

// Submit queues j unless a job for its key is queued or running; it reports whether j is (now
// or already) pending. It never blocks: with the queue full it returns false, and the
// creative is submitted again the next time an ad asks for it.
func (c *Conditioner) Submit(j Job) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.jobs[j.Key]; ok {
		return true
	}
	select {
	case c.q <- j:
		c.jobs[j.Key] = &Progress{Key: j.Key, URL: j.URL, State: "queued", Since: time.Now().UTC()}
		return true
	default:
		return false
	}
}

// Jobs lists the queued and running jobs, oldest first.
func (c *Conditioner) Jobs() []Progress {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]Progress, 0, len(c.jobs))
	for _, p := range c.jobs {
		out = append(out, *p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Since.Before(out[j].Since) })
	return out
}

func (c *Conditioner) set(key, state string, done float64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if p := c.jobs[key]; p != nil {
		p.State, p.Done = state, done
	}
}

func (c *Conditioner) work() {
	defer c.wg.Done()
	for {
		select {
		case <-c.ctx.Done():
			return
		case j := <-c.q:
			ctx, cancel := context.WithTimeout(c.ctx, c.o.Timeout)
			out, err := c.run(ctx, j)
			cancel()
			c.mu.Lock()
			delete(c.jobs, j.Key)
			c.mu.Unlock()
			if err != nil {
				c.o.Log.Warn("conditioning failed", "creative", j.Key, "err", err)
			} else {
				c.o.Log.Info("creative conditioned", "creative", j.Key, "hash", out.MediaHash[:12], "reused", out.Reused, "renditions", len(out.Renditions))
			}
			if c.o.OnDone != nil {
				c.o.OnDone(j, out, err)
			}
		}
	}
}

// Close stops the workers; a running ffmpeg is killed.
func (c *Conditioner) Close(ctx context.Context) error {
	c.stop()
	done := make(chan struct{})
	go func() { c.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// run does one job: download and hash, then reuse or transcode.
func (c *Conditioner) run(ctx context.Context, j Job) (Output, error) {
	out := Output{Key: j.Key, Ladder: c.fp}
	c.set(j.Key, "downloading", 0)
	src, hash, size, err := c.download(ctx, j.URL)
	if err != nil {
		return out, err
	}
	out.MediaHash, out.SourceSize = hash, size
	hdir := filepath.Join("ads", hash[:32])
	out.Source = filepath.Join(hdir, "source.mp4")
	abs := func(p string) string { return filepath.Join(c.o.Root, p) }
	lock := c.hashLock(hash)
	lock.Lock()
	defer lock.Unlock()
	if err := os.MkdirAll(abs(hdir), 0o755); err != nil {
		return out, err
	}
	if _, err := os.Stat(abs(out.Source)); err == nil {
		_ = os.Remove(src) // these bytes are stored already
	} else if err := os.Rename(src, abs(out.Source)); err != nil {
		return out, err
	}
	outDir := filepath.Join(hdir, c.fp)
	if prev, err := readOutput(abs(filepath.Join(outDir, "output.json"))); err == nil {
		prev.Key, prev.Reused = j.Key, true
		return prev, nil
	}
	probe, err := c.o.Tools.Probe(ctx, abs(out.Source))
	if err != nil {
		return out, err
	}
	out.Width, out.Height = probe.Width, probe.Height
	dur := j.Duration
	if dur <= 0 {
		dur = probe.Duration.Round(time.Millisecond)
	}
	if dur <= 0 {
		return out, fmt.Errorf("%s: unknown duration", j.URL)
	}
	if d := probe.Duration - dur; d > 2*time.Second || d < -2*time.Second {
		c.o.Log.Warn("mezzanine length differs from the ad's", "creative", j.Key, "file", probe.Duration, "ad", dur)
	}
	c.set(j.Key, "transcoding", 0)
	tmp := filepath.Join(hdir, "."+c.fp+".tmp-"+randHex(4))
	defer os.RemoveAll(abs(tmp))
	err = c.o.Tools.Transcode(ctx, abs(out.Source), abs(tmp), &c.o.Ladder, dur, probe.HasAudio, func(f float64) { c.set(j.Key, "transcoding", f) })
	if err != nil {
		return out, err
	}
	if err := os.WriteFile(abs(filepath.Join(tmp, "master.m3u8")), MasterPlaylist(&c.o.Ladder), 0o644); err != nil {
		return out, err
	}
	out.Duration = dur
	for _, r := range c.o.Ladder.Renditions {
		pl := filepath.Join(tmp, r.Name, "index.m3u8")
		got, complete, err := PlaylistDuration(abs(pl))
		if err != nil {
			return out, err
		}
		if d := got - dur; !complete || d > 100*time.Millisecond || d < -100*time.Millisecond {
			return out, fmt.Errorf("rendition %s: %s long (complete %v), want %s", r.Name, got, complete, dur)
		}
		out.Renditions = append(out.Renditions, RenditionFiles{Rendition: r, Playlist: filepath.Join(outDir, r.Name, "index.m3u8")})
	}
	if a := c.o.Ladder.Audio; a != nil {
		pl := filepath.Join(tmp, a.Name, "index.m3u8")
		got, complete, err := PlaylistDuration(abs(pl))
		if err != nil {
			return out, err
		}
		if d := got - dur; !complete || d > 100*time.Millisecond || d < -100*time.Millisecond {
			return out, fmt.Errorf("audio rendition: %s long (complete %v), want %s", got, complete, dur)
		}
		out.Audio = &AudioFiles{AudioRendition: *a, Playlist: filepath.Join(outDir, a.Name, "index.m3u8")}
	}
	out.Master = filepath.Join(outDir, "master.m3u8")
	b, _ := json.Marshal(out)
	if err := os.WriteFile(abs(filepath.Join(tmp, "output.json")), b, 0o644); err != nil {
		return out, err
	}
	_ = os.RemoveAll(abs(outDir)) // a partial directory from a crash
	if err := os.Rename(abs(tmp), abs(outDir)); err != nil {
		return out, err
	}
	return out, nil
}

func (c *Conditioner) hashLock(hash string) *sync.Mutex {
	c.mu.Lock()
	defer c.mu.Unlock()
	l := c.locks[hash]
	if l == nil {
		l = &sync.Mutex{}
		c.locks[hash] = l
	}
	return l
}

// download fetches url into the incoming directory, hashing it on the way.
func (c *Conditioner) download(ctx context.Context, url string) (path, hash string, size int64, err error) {
	f, err := os.CreateTemp(filepath.Join(c.o.Root, "ads", ".incoming"), "mezz-*.part")
	if err != nil {
		return "", "", 0, err
	}
	defer func() {
		if err != nil {
			_ = os.Remove(f.Name())
		}
	}()
	h := sha256.New()
	deadline, _ := ctx.Deadline()
	size, err = c.o.Fetch.Download(deadline, url, io.MultiWriter(f, h), c.o.MaxBytes)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", "", 0, fmt.Errorf("download %s: %w", url, err)
	}
	if size == 0 {
		return "", "", 0, fmt.Errorf("download %s: empty", url)
	}
	return f.Name(), hex.EncodeToString(h.Sum(nil)), size, nil
}

// ReadOutput reads the record of a conditioned directory (dir/output.json).
func readOutput(path string) (Output, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Output{}, err
	}
	var o Output
	err = json.Unmarshal(b, &o)
	return o, err
}

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
