package player

import (
	"time"

	"github.com/cuepoint/cuepoint/analytics/producer"
)

// Option configures a Player (franz-go style: New(WithBandwidth(2e6), WithWatchTime(time.Minute))).
type Option func(*config)

type config struct {
	clock          func() Clock
	profile        []Step
	startBandwidth int64
	maxBuffer      time.Duration
	resumeBuffer   time.Duration
	watchTime      time.Duration
	startupOnly    bool
	abr            ABR
	pinVariant     int
	timeout        time.Duration
	connections    int
	emitter        producer.Emitter
	qoeInterval    time.Duration
	service        string
	device         string
	content        string
	beacons        bool
	trackingPoll   time.Duration
	maxErrors      int
	onSegment      func(SegmentInfo)
	userAgent      string
}

func defaults() config {
	return config{
		clock:          func() Clock { return WallClock{} },
		startBandwidth: 1_000_000,
		maxBuffer:      30 * time.Second,
		resumeBuffer:   2 * time.Second,
		abr:            DefaultABR,
		pinVariant:     -1,
		timeout:        5 * time.Second,
		connections:    64,
		qoeInterval:    10 * time.Second,
		service:        "player",
		device:         "headless",
		beacons:        true,
		trackingPoll:   4 * time.Second,
		maxErrors:      5,
		userAgent:      "cuepoint-player",
	}
}

// WithClock gives each session the clock newClock returns (called once per session). The
// default is the wall clock; NewVirtualClock makes a session run as fast as the server answers.
func WithClock(newClock func() Clock) Option { return func(c *config) { c.clock = newClock } }

// WithBandwidth caps the simulated network at bps bits per second: a segment of n bytes takes at
// least n×8/bps, whatever the real transfer took. 0 (the default) is no cap.
func WithBandwidth(bps int64) Option {
	return func(c *config) { c.profile = []Step{{Bandwidth: bps}} }
}

// Step is one stretch of a bandwidth profile: from At (session time) on, the network carries
// Bandwidth bits per second (0: uncapped).
type Step struct {
	At        time.Duration
	Bandwidth int64
}

// WithBandwidthProfile makes the simulated bandwidth change over the session: each step holds
// from its At until the next step's. Steps must be in order of At.
func WithBandwidthProfile(steps ...Step) Option {
	return func(c *config) { c.profile = append([]Step(nil), steps...) }
}

// WithStartBandwidth is the throughput estimate before the first segment (default 1 Mbit/s): it
// picks the first variant.
func WithStartBandwidth(bps int64) Option { return func(c *config) { c.startBandwidth = bps } }

// WithMaxBuffer is how much media ahead of the playhead the player keeps (default 30 s).
func WithMaxBuffer(d time.Duration) Option { return func(c *config) { c.maxBuffer = d } }

// WithResumeBuffer is how much media must be buffered ahead before playback resumes after a
// stall (default 2 s, or the rest of the stream when less is left).
func WithResumeBuffer(d time.Duration) Option { return func(c *config) { c.resumeBuffer = d } }

// WithWatchTime ends a session after d of playback (watch time, stalls excluded). 0 (default)
// plays a VOD to its end and a live stream until the context is done.
func WithWatchTime(d time.Duration) Option { return func(c *config) { c.watchTime = d } }

// WithStartupOnly ends a session as soon as its first media segment is downloaded: what a load
// test of session startup needs (see Startup).
func WithStartupOnly() Option { return func(c *config) { c.startupOnly = true } }

// WithABR sets the rate-adaptation parameters (default DefaultABR).
func WithABR(a ABR) Option { return func(c *config) { c.abr = a } }

// WithVariant pins the variant (index in the multivariant playlist); ABR is off.
func WithVariant(i int) Option { return func(c *config) { c.pinVariant = i } }

// WithTimeout bounds each HTTP request (default 5 s).
func WithTimeout(d time.Duration) Option { return func(c *config) { c.timeout = d } }

// WithConnections bounds the connections per host shared by every session (default 64).
func WithConnections(n int) Option { return func(c *config) { c.connections = n } }

// WithEmitter sends QoE reports (analytics/events.QoE, family playback) to e: an
// analytics/producer.Producer inside a service, a CollectorEmitter from outside.
func WithEmitter(e producer.Emitter) Option { return func(c *config) { c.emitter = e } }

// WithQoEInterval is the session time between QoE reports (default 10 s); a final report is
// always sent at the end.
func WithQoEInterval(d time.Duration) Option { return func(c *config) { c.qoeInterval = d } }

// WithService names the emitter of QoE events (default "player").
func WithService(name string) Option { return func(c *config) { c.service = name } }

// WithDevice is the QoE events' device (default "headless").
func WithDevice(d string) Option { return func(c *config) { c.device = d } }

// WithContent is the QoE events' content id when the session does not name one.
func WithContent(id string) Option { return func(c *config) { c.content = id } }

// WithoutBeacons stops the player from firing the tracking JSON's beacon URLs (client-side
// beaconing); it still reads the tracking JSON to know where the ads are.
func WithoutBeacons() Option { return func(c *config) { c.beacons = false } }

// WithTrackingPoll is how often the tracking JSON is read again (default 4 s; live avails
// appear as the stream goes on, VOD decisions may be made late).
func WithTrackingPoll(d time.Duration) Option { return func(c *config) { c.trackingPoll = d } }

// WithMaxErrors ends a session with an error after n consecutive failed requests (default 5).
func WithMaxErrors(n int) Option { return func(c *config) { c.maxErrors = n } }

// WithSegmentHook calls f after every media segment is downloaded (tests, verbose output).
func WithSegmentHook(f func(SegmentInfo)) Option { return func(c *config) { c.onSegment = f } }

// WithUserAgent sets the User-Agent of every request (default "cuepoint-player").
func WithUserAgent(ua string) Option { return func(c *config) { c.userAgent = ua } }
