package bidder

import (
	"encoding/hex"
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/cuepoint/cuepoint/internal/config"
)

// Config is the bidder's settings. Flags declares them; the zero value is not usable, start
// from DefaultConfig.
type Config struct {
	Addr      string // listen address of `cuepoint bidder`
	Seat      string // our seat id: bid responses' seatbid.seat, checked against wseat/bseat
	PublicURL string // base URL the exchange reaches for notices, e.g. https://bid.example.com

	MaxBodyBytes     int           // request body cap, after gzip inflation
	DefaultTmax      time.Duration // when the request has no tmax
	MaxTmax          time.Duration // tmax above this is clamped
	NetworkAllowance time.Duration // subtracted from tmax for the way back to the exchange
	MinWork          time.Duration // with less time than this left, answer 204 at once
	MaxQueueTime     time.Duration // scheduler latency p99 above which admission tightens (see admission.go)
	MaxInFlight      int           // most concurrent bid requests admitted (0: 128 × GOMAXPROCS)

	NoticeKey          []byte        // HMAC-SHA256 key of notice URLs (secret)
	NoticeTTL          time.Duration // notices older than this are refused; replays are remembered this long
	DedupeTimeout      time.Duration // deadline of the shared notice dedupe, per notice (then per-instance)
	ReservationWindow  time.Duration // a bid's budget reservation is released if no notice settles it by then
	PriceEncryptionKey []byte        // exchange price encryption key (secret), optional
	PriceIntegrityKey  []byte        // exchange price integrity key (secret), optional

	// VideoMarkup is where video bids carry their VAST 4.2 unless the campaign says otherwise:
	// MarkupInAdm (the default) or MarkupInNURL (no adm; the signed nurl serves it).
	VideoMarkup string

	FX            map[string]float64 // USD value of one unit of each other currency
	TCFVendorID   int                // our IAB TCF vendor id; 0 checks purposes only
	ShadingFloor  float64            // lowest shading factor tried in first-price auctions
	LeaseFraction float64            // share of a daily budget leased from the ledger at a time

	CampaignRefresh time.Duration // how often stored campaigns are reloaded
	Keyspace        string        // Cassandra keyspace of campaigns and budget leases
}

// DefaultConfig returns the defaults documented in --help.
func DefaultConfig() Config {
	return Config{
		Addr:              ":8081",
		Seat:              "cuepoint",
		PublicURL:         "http://127.0.0.1:8081",
		MaxBodyBytes:      256 << 10,
		DefaultTmax:       100 * time.Millisecond,
		MaxTmax:           1000 * time.Millisecond,
		NetworkAllowance:  15 * time.Millisecond,
		MinWork:           2 * time.Millisecond,
		MaxQueueTime:      5 * time.Millisecond,
		NoticeTTL:         24 * time.Hour,
		DedupeTimeout:     100 * time.Millisecond,
		ReservationWindow: 2 * time.Minute,
		FX:                map[string]float64{"USD": 1},
		VideoMarkup:       MarkupInAdm,
		ShadingFloor:      0.5,
		LeaseFraction:     0.02,
		CampaignRefresh:   5 * time.Second,
		Keyspace:          DefaultKeyspace,
	}
}

func (c *Config) maxInFlight() int {
	if c.MaxInFlight > 0 {
		return c.MaxInFlight
	}
	return 128 * runtime.GOMAXPROCS(0)
}

// Flags declares the bidder's settings on fs (each also read from CUEPOINT_<NAME>) and returns
// the config, filled in when fs.Parse succeeded. Secrets (notice key, price keys) come from
// flags or the environment only and are never logged.
func Flags(fs *config.FlagSet) *Config {
	c := DefaultConfig()
	fs.StringVar(&c.Addr, "addr", c.Addr, "listen address")
	fs.StringVar(&c.Seat, "seat", c.Seat, "our seat id in bid responses (checked against wseat/bseat)")
	fs.StringVar(&c.PublicURL, "public-url", c.PublicURL, "base URL of this bidder as exchanges reach it (notice URLs)")
	fs.IntVar(&c.MaxBodyBytes, "max-body-bytes", c.MaxBodyBytes, "largest bid request accepted, after gzip inflation")
	fs.DurationVar(&c.DefaultTmax, "default-tmax", c.DefaultTmax, "time limit when a request has no tmax")
	fs.DurationVar(&c.MaxTmax, "max-tmax", c.MaxTmax, "upper bound applied to tmax")
	fs.DurationVar(&c.NetworkAllowance, "network-allowance", c.NetworkAllowance, "time reserved from tmax for the network back to the exchange")
	fs.DurationVar(&c.MinWork, "min-work", c.MinWork, "answer 204 at once when less than this is left before the deadline")
	fs.DurationVar(&c.MaxQueueTime, "max-queue-time", c.MaxQueueTime, "Go scheduler latency p99 above which the in-flight limit shrinks (load shedding)")
	fs.IntVar(&c.MaxInFlight, "max-in-flight", 0, "most concurrent bid requests admitted; the adaptive limit stays below it (0: 128 × GOMAXPROCS)")
	noticeKey := fs.String("notice-key", "", "HMAC key (hex, ≥ 32 bytes) signing notice URLs; empty generates one per process (dev only)")
	encKey := fs.String("price-encryption-key", "", "exchange price encryption key (hex), enables decrypting ${AUCTION_PRICE}")
	intKey := fs.String("price-integrity-key", "", "exchange price integrity key (hex)")
	fx := fs.String("fx", "USD=1,EUR=1.08,GBP=1.27", "USD value of one unit of each accepted currency")
	fs.StringVar(&c.VideoMarkup, "video-markup", c.VideoMarkup, "where video bids carry their VAST unless the campaign sets video_markup: adm (in the bid) or nurl (no adm; the signed win URL serves it and counts the win)")
	fs.IntVar(&c.TCFVendorID, "tcf-vendor-id", 0, "our IAB TCF v2 vendor id; 0 checks purposes 1, 3 and 4 only")
	fs.DurationVar(&c.NoticeTTL, "notice-ttl", c.NoticeTTL, "notices older than this are refused")
	fs.DurationVar(&c.DedupeTimeout, "notice-dedupe-timeout", c.DedupeTimeout, "deadline of the Cassandra record that deduplicates notices across instances, per notice; past it the notice is deduplicated on this instance only")
	fs.DurationVar(&c.ReservationWindow, "reservation-window", c.ReservationWindow, "budget held for a bid until a notice settles it")
	fs.Float64Var(&c.ShadingFloor, "shading-floor", c.ShadingFloor, "lowest first-price shading factor (bid / value)")
	fs.Float64Var(&c.LeaseFraction, "lease-fraction", c.LeaseFraction, "share of a daily budget leased from the spend ledger at a time")
	fs.DurationVar(&c.CampaignRefresh, "campaign-refresh", c.CampaignRefresh, "how often stored campaigns are reloaded")
	fs.StringVar(&c.Keyspace, "bidder-keyspace", c.Keyspace, "Cassandra keyspace of campaigns and budget leases (created when missing)")
	fs.Check(config.Positive("default-tmax", &c.DefaultTmax))
	fs.Check(config.Positive("notice-ttl", &c.NoticeTTL))
	fs.Check(config.Positive("notice-dedupe-timeout", &c.DedupeTimeout))
	fs.Check(config.Positive("reservation-window", &c.ReservationWindow))
	fs.Check(func() error {
		var err error
		if c.NoticeKey, err = hexKey("notice-key", *noticeKey, 32); err != nil {
			return err
		}
		if c.PriceEncryptionKey, err = hexKey("price-encryption-key", *encKey, 16); err != nil {
			return err
		}
		if c.PriceIntegrityKey, err = hexKey("price-integrity-key", *intKey, 16); err != nil {
			return err
		}
		if (c.PriceEncryptionKey == nil) != (c.PriceIntegrityKey == nil) {
			return &config.UsageError{Setting: "price-encryption-key", Err: fmt.Errorf("set both price keys or neither")}
		}
		if c.FX, err = parseFX(*fx); err != nil {
			return &config.UsageError{Setting: "fx", Err: err}
		}
		if c.ShadingFloor <= 0 || c.ShadingFloor > 1 {
			return &config.UsageError{Setting: "shading-floor", Err: fmt.Errorf("want (0, 1], got %g", c.ShadingFloor)}
		}
		if c.LeaseFraction <= 0 || c.LeaseFraction > 1 {
			return &config.UsageError{Setting: "lease-fraction", Err: fmt.Errorf("want (0, 1], got %g", c.LeaseFraction)}
		}
		if c.VideoMarkup != MarkupInAdm && c.VideoMarkup != MarkupInNURL {
			return &config.UsageError{Setting: "video-markup", Err: fmt.Errorf("%q: want adm or nurl", c.VideoMarkup)}
		}
		if !keyspaceRE.MatchString(c.Keyspace) {
			return &config.UsageError{Setting: "bidder-keyspace", Err: fmt.Errorf("%q: want letters, digits and underscores", c.Keyspace)}
		}
		return nil
	})
	return &c
}

func hexKey(name, s string, minLen int) ([]byte, error) {
	if s == "" {
		return nil, nil
	}
	k, err := hex.DecodeString(strings.TrimSpace(s))
	if err != nil || len(k) < minLen {
		// The value itself is a secret: never echo it.
		return nil, &config.UsageError{Setting: name, Err: fmt.Errorf("want at least %d bytes in hex", minLen)}
	}
	return k, nil
}

func parseFX(s string) (map[string]float64, error) {
	m := map[string]float64{"USD": 1}
	for _, kv := range strings.Split(s, ",") {
		if kv = strings.TrimSpace(kv); kv == "" {
			continue
		}
		k, v, ok := strings.Cut(kv, "=")
		r, err := strconv.ParseFloat(v, 64)
		if !ok || len(k) != 3 || err != nil || r <= 0 {
			return nil, fmt.Errorf("%q: want CUR=rate with a positive rate", kv)
		}
		m[strings.ToUpper(k)] = r
	}
	return m, nil
}
