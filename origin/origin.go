package origin

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"github.com/cuepoint/cuepoint/internal/logging"
	"github.com/cuepoint/cuepoint/internal/server"
	"github.com/cuepoint/cuepoint/origin/live"
)

// Config is what the origin serves.
type Config struct {
	// MediaRoot holds packaged assets, one directory each: <MediaRoot>/<asset>/master.m3u8.
	MediaRoot string
	// PlayerDir holds the web player's build (index.html and its assets), served at /player.
	PlayerDir string
	// Player is what the web player's GET /player/config.json tells the page (nil: no
	// services, the page plays the origin's own playlists).
	Player *PlayerConfig
	// Channels are the simulated live channels. Their Asset is an asset name under MediaRoot.
	Channels []live.Config
	// Clock drives the live channels (default: the wall clock).
	Clock  live.Clock
	Logger *slog.Logger
}

// Origin is the HLS origin: packaged VOD assets, simulated live channels and the web player.
type Origin struct {
	cfg    Config
	log    *slog.Logger
	media  fileServer
	player fileServer
	slots  map[string]*slot
	names  []string
}

// slot is a configured channel. A channel whose asset is not packaged yet (cuepoint dev packages
// demo content in the background) answers 503 and is built on a request once the asset exists.
type slot struct {
	cfg     live.Config
	mu      sync.Mutex
	ch      *live.Channel
	err     error
	tried   time.Time
	retryIn time.Duration
}

// New opens the media root and builds the channels whose assets exist.
func New(cfg Config) (*Origin, error) {
	if cfg.Logger == nil {
		cfg.Logger = logging.Discard
	}
	if cfg.Clock == nil {
		cfg.Clock = live.SystemClock{}
	}
	if err := os.MkdirAll(cfg.MediaRoot, 0o755); err != nil {
		return nil, fmt.Errorf("media root: %w", err)
	}
	root, err := os.OpenRoot(cfg.MediaRoot)
	if err != nil {
		return nil, fmt.Errorf("media root: %w", err)
	}
	if cfg.Player != nil {
		if err := cfg.Player.Validate(); err != nil {
			return nil, err
		}
	}
	o := &Origin{cfg: cfg, log: cfg.Logger, media: fileServer{root: root, types: mediaTypes}, slots: map[string]*slot{}}
	if cfg.PlayerDir != "" {
		if pr, err := os.OpenRoot(cfg.PlayerDir); err == nil {
			o.player = fileServer{root: pr, types: playerTypes}
		}
	}
	for _, c := range cfg.Channels {
		if _, dup := o.slots[c.Name]; dup {
			return nil, fmt.Errorf("channel %q configured twice", c.Name)
		}
		if _, ok := cleanPath(c.Asset); !ok || filepath.Base(c.Asset) != c.Asset {
			return nil, fmt.Errorf("channel %s: asset %q: want the name of an asset directory under the media root", c.Name, c.Asset)
		}
		s := &slot{cfg: c}
		o.slots[c.Name] = s
		o.names = append(o.names, c.Name)
		if _, err := o.channel(s); err != nil && !errors.Is(err, errAssetMissing) {
			return nil, err
		}
	}
	sort.Strings(o.names)
	return o, nil
}

var errAssetMissing = errors.New("asset not packaged yet")

// channel returns the slot's channel, building it when its asset has appeared. Failures are
// retried at most every few seconds.
func (o *Origin) channel(s *slot) (*live.Channel, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ch != nil {
		return s.ch, nil
	}
	if !s.tried.IsZero() && time.Since(s.tried) < s.retryIn {
		return nil, s.err
	}
	s.tried, s.retryIn = time.Now(), 2*time.Second
	dir := filepath.Join(o.cfg.MediaRoot, s.cfg.Asset)
	if _, err := os.Stat(filepath.Join(dir, "master.m3u8")); err != nil {
		s.err = fmt.Errorf("channel %s: %w: no %s (package it with `cuepoint package`)", s.cfg.Name, errAssetMissing, filepath.Join(dir, "master.m3u8"))
		return nil, s.err
	}
	cfg := s.cfg
	cfg.Asset = dir
	ch, err := live.New(cfg, o.cfg.Clock)
	if err != nil {
		s.err = err
		return nil, err
	}
	s.ch, s.err = ch, nil
	o.log.Info("live channel ready", "channel", cfg.Name, "asset", s.cfg.Asset, "format", cfg.Format.String(),
		"window", cfg.Window, "target_duration", ch.TargetDuration())
	return ch, nil
}

// Mount adds the origin's routes to srv and its readiness check.
func (o *Origin) Mount(srv *server.Server) {
	for _, m := range []string{"GET", "HEAD"} {
		srv.Handle(m, "/v1/assets", o.handleAssets)
		srv.Handle(m, "/v1/channels", o.handleChannels)
		srv.Handle(m, "/vod/{path...}", o.handleVOD)
		srv.Handle(m, "/live/{channel}/{path...}", o.handleLive)
		srv.Handle(m, "/player", o.handlePlayerRoot)
		srv.Handle(m, "/player/", o.handlePlayerRoot)
		srv.Handle(m, "/player/{path...}", o.handlePlayer)
	}
	srv.Handle("OPTIONS", "/vod/{path...}", preflight)
	srv.Handle("OPTIONS", "/live/{channel}/{path...}", preflight)
	srv.Ready("media-root", o.Ready)
	srv.OnClose("media-root", func(context.Context) error { return o.Close() })
}

// Ready checks that the media root can be read.
func (o *Origin) Ready(context.Context) error {
	f, err := o.media.root.Open(".")
	if err != nil {
		return err
	}
	defer f.Close()
	if _, err = f.ReadDir(1); err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	return nil
}

// Close releases the roots.
func (o *Origin) Close() error {
	err := o.media.root.Close()
	if o.player.root != nil {
		err = errors.Join(err, o.player.root.Close())
	}
	return err
}
