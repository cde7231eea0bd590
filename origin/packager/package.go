package packager

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// Options tune a packaging run.
type Options struct {
	Ladder Ladder // zero value: DefaultLadder()
	// Preset is the x264 preset (ultrafast … veryslow); default "veryfast".
	Preset string
	// MaxDuration packages at most this much of the input; 0 means all of it.
	MaxDuration time.Duration
	// Force replaces an existing output directory (atomically, once the new one is complete).
	Force bool
	// Progress, when set, is called about twice a second while ffmpeg runs.
	Progress func(Progress)
	Tools    Tools
}

// Package turns the mezzanine file in into an HLS asset in the directory out: one directory per
// rendition of the ladder and one for the audio, master.m3u8 and asset.json.
//
// The packaged duration is a whole number of segments (a tail shorter than one segment is
// dropped), so every rendition, audio included, has the same number of segments of the same
// duration, which is what looping into a live channel and splicing ads at segment boundaries
// need. The output is built in a staging directory beside out and renamed into place when
// complete: a player never sees a half-packaged asset.
func Package(ctx context.Context, in, out string, o Options) (Asset, error) {
	began := time.Now()
	l := o.Ladder
	if len(l.Renditions) == 0 {
		l = DefaultLadder()
	}
	if err := l.Validate(); err != nil {
		return Asset{}, fmt.Errorf("ladder: %w", err)
	}
	if o.Preset == "" {
		o.Preset = "veryfast"
	}
	if err := o.Tools.Check(); err != nil {
		return Asset{}, err
	}
	media, err := o.Tools.Probe(ctx, in)
	if err != nil {
		return Asset{}, err
	}
	if !media.Video || !media.Audio {
		return Asset{}, fmt.Errorf("%s: need a video and an audio stream (video=%v audio=%v)", in, media.Video, media.Audio)
	}
	seg := time.Duration(l.SegmentDuration)
	d := media.Duration
	if o.MaxDuration > 0 {
		d = min(d, o.MaxDuration)
	}
	d = d / seg * seg
	if d <= 0 {
		return Asset{}, fmt.Errorf("%s: %s is shorter than one %s segment", in, media.Duration, seg)
	}
	if _, err := os.Stat(out); err == nil && !o.Force {
		return Asset{}, fmt.Errorf("%s already exists (use --force to replace it)", out)
	}

	parent := filepath.Dir(out)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return Asset{}, err
	}
	stage, err := os.MkdirTemp(parent, "."+filepath.Base(out)+".packaging-")
	if err != nil {
		return Asset{}, err
	}
	defer os.RemoveAll(stage) // a no-op once renamed into place
	if err := os.Chmod(stage, 0o755); err != nil {
		return Asset{}, err
	}
	for _, name := range append(renditionNames(l), l.Audio.Name) {
		if err := os.Mkdir(filepath.Join(stage, name), 0o755); err != nil {
			return Asset{}, err
		}
	}

	j := job{in: in, dir: stage, ladder: l, duration: d, preset: o.Preset}
	if err := o.Tools.run(ctx, j.args(), d, o.Progress); err != nil {
		return Asset{}, err
	}
	a, err := describe(stage, l, d)
	if err != nil {
		return Asset{}, err
	}
	if m, err := o.Tools.Probe(ctx, filepath.Join(stage, l.Renditions[0].Name, playlistName)); err == nil {
		a.StartPTS = uint64(m.Start * 90_000 / time.Second)
	}
	a.Source = filepath.Base(in)
	a.PackagedAt = time.Now().UTC().Truncate(time.Second)
	a.PackagingTime = Duration(time.Since(began).Round(time.Millisecond))
	if err := writeMaster(filepath.Join(stage, masterName), a); err != nil {
		return Asset{}, err
	}
	if err := writeJSON(filepath.Join(stage, assetName), a); err != nil {
		return Asset{}, err
	}
	return a, replaceDir(stage, out)
}

func renditionNames(l Ladder) []string {
	names := make([]string, len(l.Renditions))
	for i, r := range l.Renditions {
		names[i] = r.Name
	}
	return names
}

// describe measures what ffmpeg wrote and checks the invariants the origin relies on.
func describe(dir string, l Ladder, d time.Duration) (Asset, error) {
	a := Asset{Version: AssetVersion, Duration: Duration(d), SegmentDuration: l.SegmentDuration,
		Container: l.Container, Master: masterName, Ladder: l}
	fmp4 := l.Container == ContainerFMP4
	for _, r := range l.Renditions {
		m, err := measure(filepath.Join(dir, r.Name))
		if err != nil {
			return Asset{}, err
		}
		codecFile := m.firstSegment
		if fmp4 {
			codecFile = filepath.Join(dir, r.Name, initName)
		}
		codec, err := avcCodec(codecFile, fmp4)
		if err != nil {
			return Asset{}, err
		}
		if a.Segments == 0 {
			a.Segments = m.segments
		}
		if m.segments != a.Segments {
			return Asset{}, fmt.Errorf("rendition %s has %d segments, %s has %d", r.Name, m.segments, l.Renditions[0].Name, a.Segments)
		}
		a.Renditions = append(a.Renditions, RenditionInfo{Name: r.Name, Playlist: r.Name + "/" + playlistName,
			Width: r.Width, Height: r.Height, FPS: r.FPS, Codecs: codec, Bandwidth: m.peak, AverageBandwidth: m.mean})
	}
	am, err := measure(filepath.Join(dir, l.Audio.Name))
	if err != nil {
		return Asset{}, err
	}
	if am.segments != a.Segments {
		return Asset{}, fmt.Errorf("audio has %d segments, video %d", am.segments, a.Segments)
	}
	a.Audio = AudioInfo{Name: l.Audio.Name, Playlist: l.Audio.Name + "/" + playlistName, Codecs: "mp4a.40.2",
		Language: l.Audio.Language, Label: l.Audio.Label, Channels: l.Audio.Channels,
		Bandwidth: am.peak, AverageBandwidth: am.mean}
	return a, nil
}

// replaceDir moves the complete staging directory to out, replacing what was there.
func replaceDir(stage, out string) error {
	old := ""
	if _, err := os.Stat(out); err == nil {
		old = stage + ".old"
		if err := os.Rename(out, old); err != nil {
			return err
		}
	}
	if err := os.Rename(stage, out); err != nil {
		if old != "" {
			err = errors.Join(err, os.Rename(old, out))
		}
		return err
	}
	if old != "" {
		return os.RemoveAll(old)
	}
	return nil
}
