package adserver

import (
	"encoding/hex"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/cuepoint/cuepoint/adserver/auction"
	"github.com/cuepoint/cuepoint/adserver/beacon"
	"github.com/cuepoint/cuepoint/adserver/safehttp"
	"github.com/cuepoint/cuepoint/internal/config"
)

// Config is the adserver's settings. Start from DefaultConfig; Flags declares them all.
type Config struct {
	Addr string
	// PublicURL is the adserver's base URL as stitchers and players reach it: tracking
	// beacons and VMAP ad tags are built on it.
	PublicURL string

	Bidders  []auction.Endpoint
	Currency string
	// AuctionType: 1 first price, 2 second price (each winner pays what it needed to win).
	AuctionType int
	// AuctionTimeout is the time bidders get (sent as tmax); their answers are awaited no
	// longer.
	AuctionTimeout time.Duration
	// DecisionTimeout is the hard limit of a whole decision, from the request's arrival to
	// the VAST answer; wrappers not resolved by then leave their ads out.
	DecisionTimeout time.Duration
	// WrapperTimeout bounds the time spent following the winners' wrapper chains and
	// fetching nurl-served markup, all levels together.
	WrapperTimeout  time.Duration
	MaxWrapperDepth int

	FloorCPM     float64 // the lowest CPM any ad may clear at
	MinCPMPerSec float64 // the floor per second of ad (mincpmpersec)
	// IncrementMicros is added to the second price (0.01 of the currency by default).
	IncrementMicros int64
	Deals           []auction.Deal
	BlockedCats     []string
	BlockedDomains  []string
	Supply          auction.Supply
	SChain          *auction.SupplyNode

	MaxBreak  time.Duration // longest break accepted
	MaxPodAds int           // most ads in one break

	// Overload: a request that waited longer than MaxQueueTime before its handler ran, or that
	// finds MaxInFlight decisions running, is answered 503 at once (0: 256 × GOMAXPROCS).
	MaxQueueTime time.Duration
	MaxInFlight  int

	// FreqCap is how many ads of one advertiser (domain) a viewer sees per FreqWindow; 0 is
	// no cap.
	FreqCap    int
	FreqWindow time.Duration
	// FreqTimeout is how long after a request's arrival a decision waits for the viewer's
	// shared frequency counts (read in parallel with the auction, so waited for only when the
	// auction ends sooner); past it the local counts alone cap.
	FreqTimeout time.Duration
	// PodTimeout bounds the look-up of a pod already answered for the request's session and
	// break (Deps.Pods); past it the break is decided afresh.
	PodTimeout time.Duration

	// FetchAllow are networks outside fetches may reach although they are not public
	// (`cuepoint dev` allow-lists loopback).
	FetchAllow []netip.Prefix
	// BeaconKeys sign tracking beacons (the first) and verify them (all): secrets.
	BeaconKeys   [][]byte
	BeaconMaxAge time.Duration
}

// DefaultConfig returns the defaults documented in --help.
func DefaultConfig() Config {
	return Config{
		Addr:            ":8082",
		PublicURL:       "http://127.0.0.1:8082",
		Currency:        "USD",
		AuctionType:     2,
		AuctionTimeout:  60 * time.Millisecond,
		DecisionTimeout: 95 * time.Millisecond,
		WrapperTimeout:  25 * time.Millisecond,
		MaxWrapperDepth: 5,
		FloorCPM:        1,
		MinCPMPerSec:    0.05,
		IncrementMicros: 10_000,
		Supply:          auction.Supply{App: true, ID: "cuepoint-ctv", Name: "Cuepoint TV", Bundle: "tv.cuepoint.app", PublisherID: "cuepoint", Publisher: "Cuepoint"},
		MaxBreak:        10 * time.Minute,
		MaxQueueTime:    25 * time.Millisecond,
		MaxPodAds:       10,
		FreqCap:         6,
		FreqWindow:      time.Hour,
		FreqTimeout:     10 * time.Millisecond,
		PodTimeout:      10 * time.Millisecond,
		BeaconMaxAge:    beacon.DefaultMaxAge,
	}
}

// Flags declares the adserver's settings on fs (each also read from CUEPOINT_<NAME>) and
// returns the config, complete once fs.Parse succeeded. The beacon keys are secrets: flags or
// the environment only, never echoed in errors or logs.
func Flags(fs *config.FlagSet) *Config {
	c := DefaultConfig()
	fs.StringVar(&c.Addr, "addr", c.Addr, "listen address")
	fs.StringVar(&c.PublicURL, "public-url", c.PublicURL, "base URL of the adserver as stitchers and players reach it (beacons, ad tags)")
	bidders := fs.StringList("bidders", nil, "OpenRTB 2.6 bidders: name=URL[;gzip], comma-separated")
	fs.StringVar(&c.Currency, "currency", c.Currency, "auction currency (ISO 4217)")
	fs.IntVar(&c.AuctionType, "auction-type", c.AuctionType, "1 first price, 2 second price")
	fs.DurationVar(&c.AuctionTimeout, "auction-timeout", c.AuctionTimeout, "time bidders get (tmax)")
	fs.DurationVar(&c.DecisionTimeout, "decision-timeout", c.DecisionTimeout, "hard limit of one ad break decision")
	fs.DurationVar(&c.WrapperTimeout, "wrapper-timeout", c.WrapperTimeout, "time for the winners' VAST wrapper chains, all levels together")
	fs.IntVar(&c.MaxWrapperDepth, "max-wrapper-depth", c.MaxWrapperDepth, "most wrappers followed before an InLine ad")
	fs.Float64Var(&c.FloorCPM, "floor-cpm", c.FloorCPM, "lowest CPM an ad may clear at")
	fs.Float64Var(&c.MinCPMPerSec, "min-cpm-per-sec", c.MinCPMPerSec, "floor per second of ad (mincpmpersec)")
	deals := fs.StringList("deals", nil, "PMP deals offered: id=floorCPM[;seat|seat], comma-separated")
	blockedCats := fs.StringList("blocked-categories", nil, "advertiser categories never served (bcat)")
	blockedDomains := fs.StringList("blocked-adomains", nil, "advertiser domains never served (badv)")
	fs.StringVar(&c.Supply.Bundle, "app-bundle", c.Supply.Bundle, "app bundle sent in bid requests")
	fs.StringVar(&c.Supply.Name, "app-name", c.Supply.Name, "app name sent in bid requests")
	fs.StringVar(&c.Supply.PublisherID, "publisher-id", c.Supply.PublisherID, "publisher id sent in bid requests (and schain sid)")
	schain := fs.String("schain-asi", "", "our advertising system domain for source.schain (empty: no schain)")
	fs.DurationVar(&c.MaxBreak, "max-break", c.MaxBreak, "longest break accepted")
	fs.IntVar(&c.MaxPodAds, "max-pod-ads", c.MaxPodAds, "most ads in one break")
	fs.DurationVar(&c.MaxQueueTime, "max-queue-time", c.MaxQueueTime, "answer 503 to a break request that waited longer than this before being handled")
	fs.IntVar(&c.MaxInFlight, "max-in-flight", 0, "concurrent decisions before answering 503 (0: 256 × GOMAXPROCS)")
	fs.IntVar(&c.FreqCap, "freq-cap", c.FreqCap, "ads of one advertiser a viewer sees per --freq-window (0: no cap)")
	fs.DurationVar(&c.FreqWindow, "freq-window", c.FreqWindow, "frequency cap window")
	fs.DurationVar(&c.FreqTimeout, "freq-timeout", c.FreqTimeout, "longest wait, from a request's arrival, for the viewer's shared frequency counts (then local counts only)")
	fs.DurationVar(&c.PodTimeout, "pod-timeout", c.PodTimeout, "longest wait for the pod already answered for a request's session and break (then it is decided afresh)")
	allow := fs.StringList("fetch-allow", nil, "non-public networks outside fetches may reach (CIDR), e.g. 127.0.0.0/8 in development")
	keys := fs.String("beacon-key", "", "HMAC keys signing tracking beacons: hex, ≥ 32 bytes each, comma-separated, the first signs (secret)")
	fs.DurationVar(&c.BeaconMaxAge, "beacon-max-age", c.BeaconMaxAge, "how long a beacon stays valid after its ad was decided")
	fs.Check(config.Positive("auction-timeout", &c.AuctionTimeout))
	fs.Check(config.Positive("decision-timeout", &c.DecisionTimeout))
	fs.Check(config.Positive("wrapper-timeout", &c.WrapperTimeout))
	fs.Check(config.Positive("beacon-max-age", &c.BeaconMaxAge))
	fs.Check(func() error {
		var err error
		if c.Bidders, err = ParseBidders(*bidders); err != nil {
			return &config.UsageError{Setting: "bidders", Err: err}
		}
		if c.Deals, err = ParseDeals(*deals); err != nil {
			return &config.UsageError{Setting: "deals", Err: err}
		}
		if c.FetchAllow, err = safehttp.ParsePrefixes(*allow); err != nil {
			return &config.UsageError{Setting: "fetch-allow", Err: err}
		}
		if c.BeaconKeys, err = ParseKeys(*keys); err != nil {
			return &config.UsageError{Setting: "beacon-key", Err: err}
		}
		c.BlockedCats, c.BlockedDomains = *blockedCats, *blockedDomains
		if *schain != "" {
			c.SChain = &auction.SupplyNode{ASI: *schain, SID: c.Supply.PublisherID}
		}
		return c.Validate()
	})
	return &c
}

// Validate reports the first setting out of range, as a *config.UsageError.
func (c *Config) Validate() error {
	bad := func(s string, f string, a ...any) error {
		return &config.UsageError{Setting: s, Err: fmt.Errorf(f, a...)}
	}
	switch {
	case c.AuctionType != 1 && c.AuctionType != 2:
		return bad("auction-type", "want 1 or 2, got %d", c.AuctionType)
	case len(c.Currency) != 3:
		return bad("currency", "want a 3-letter ISO 4217 code, got %q", c.Currency)
	case c.AuctionTimeout >= c.DecisionTimeout:
		return bad("auction-timeout", "%s leaves no time within --decision-timeout %s", c.AuctionTimeout, c.DecisionTimeout)
	case c.MaxWrapperDepth < 0 || c.MaxWrapperDepth > 10:
		return bad("max-wrapper-depth", "want 0..10, got %d", c.MaxWrapperDepth)
	case c.FloorCPM < 0 || c.MinCPMPerSec < 0:
		return bad("floor-cpm", "floors must not be negative")
	case c.MaxPodAds < 1 || c.MaxPodAds > 32:
		return bad("max-pod-ads", "want 1..32, got %d", c.MaxPodAds)
	case c.MaxBreak < time.Second || c.MaxBreak > time.Hour:
		return bad("max-break", "want 1s..1h, got %s", c.MaxBreak)
	case c.MaxQueueTime <= 0 || c.MaxInFlight < 0:
		return bad("max-queue-time", "want a positive --max-queue-time and a --max-in-flight ≥ 0")
	case c.FreqCap < 0 || (c.FreqCap > 0 && c.FreqWindow <= 0):
		return bad("freq-cap", "want ≥ 0 with a positive --freq-window")
	case c.PodTimeout <= 0 || c.PodTimeout >= c.DecisionTimeout:
		return bad("pod-timeout", "want a positive duration below --decision-timeout %s, got %s", c.DecisionTimeout, c.PodTimeout)
	case c.FreqTimeout <= 0 || c.FreqTimeout >= c.DecisionTimeout:
		return bad("freq-timeout", "want a positive duration below --decision-timeout %s, got %s", c.DecisionTimeout, c.FreqTimeout)
	case !strings.HasPrefix(c.PublicURL, "http://") && !strings.HasPrefix(c.PublicURL, "https://"):
		return bad("public-url", "%q is not an http(s) URL", c.PublicURL)
	}
	c.PublicURL = strings.TrimRight(c.PublicURL, "/")
	return nil
}

// ParseBidders reads "name=URL[;gzip]" entries.
func ParseBidders(specs []string) ([]auction.Endpoint, error) {
	var out []auction.Endpoint
	for _, s := range specs {
		name, rest, ok := strings.Cut(s, "=")
		if !ok || name == "" || rest == "" {
			return nil, fmt.Errorf("%q: want name=URL[;gzip]", s)
		}
		ep := auction.Endpoint{Name: strings.TrimSpace(name)}
		parts := strings.Split(rest, ";")
		ep.URL = strings.TrimSpace(parts[0])
		for _, opt := range parts[1:] {
			switch strings.TrimSpace(opt) {
			case "gzip":
				ep.GzipRequest = true
			default:
				return nil, fmt.Errorf("%q: unknown option %q (want gzip)", s, opt)
			}
		}
		out = append(out, ep)
	}
	if _, err := auction.NewClient(out); err != nil { // the same checks the client makes
		return nil, err
	}
	return out, nil
}

// ParseDeals reads "id=floorCPM[;seat|seat]" entries.
func ParseDeals(specs []string) ([]auction.Deal, error) {
	var out []auction.Deal
	for _, s := range specs {
		id, rest, ok := strings.Cut(s, "=")
		parts := strings.Split(rest, ";")
		floor, err := strconv.ParseFloat(parts[0], 64)
		if !ok || id == "" || err != nil || floor < 0 {
			return nil, fmt.Errorf("%q: want id=floorCPM[;seat|seat]", s)
		}
		d := auction.Deal{ID: id, FloorCPM: floor}
		if len(parts) > 1 && parts[1] != "" {
			d.Seats = strings.Split(parts[1], "|")
		}
		out = append(out, d)
	}
	return out, nil
}

// ParseKeys reads comma-separated hex keys. Errors never include the key material.
func ParseKeys(s string) ([][]byte, error) {
	var out [][]byte
	for i, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		k, err := hex.DecodeString(part)
		if err != nil || len(k) < beacon.MinKeyBytes {
			return nil, fmt.Errorf("key %d: want at least %d bytes in hex", i+1, beacon.MinKeyBytes)
		}
		out = append(out, k)
	}
	return out, nil
}
