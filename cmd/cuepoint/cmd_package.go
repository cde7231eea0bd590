package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/cuepoint/cuepoint/internal/config"
	"github.com/cuepoint/cuepoint/origin/packager"
)

const packageSummary = "Package a mezzanine file (or generated demo content) into an HLS ladder with ffmpeg."

func init() {
	register(command{name: "package", summary: packageSummary, run: runPackage})
}

func runPackage(ctx context.Context, args []string) error {
	return packageMain(ctx, args, os.Stdout, os.Stderr, isTerminal(os.Stderr))
}

func packageMain(ctx context.Context, args []string, stdout, stderr io.Writer, tty bool) error {
	fs := config.NewFlagSet("package", packageSummary+`

Usage: cuepoint package [flags] IN OUT
       cuepoint package [flags] --demo 60s OUT

OUT is a directory: one directory per rendition and one for the audio, master.m3u8 and
asset.json. Every segment starts with a keyframe at the same time in every rendition; the
packaged duration is a whole number of segments. Put OUT under the origin's --media-root to
serve it at /vod/<name>/master.m3u8. See docs/origin.md.`)
	fs.AllowArgs()
	renditions := fs.StringList("renditions", nil, "subset of the default ladder to package (default all: 360p,540p,720p)")
	ladderFile := fs.String("ladder", "", "JSON file of the whole ladder (see origin/packager.Ladder); overrides --renditions")
	segment := fs.Duration("segment-duration", 0, "segment duration (default the ladder's, 2s)")
	container := fs.String("container", "", "ts or fmp4 (default the ladder's, ts)")
	preset := fs.String("preset", "veryfast", "x264 preset: ultrafast … veryslow")
	maxDuration := fs.Duration("max-duration", 0, "package at most this much of the input (0: all)")
	force := fs.Bool("force", false, "replace OUT if it exists (atomically, once the new asset is complete)")
	demo := fs.Duration("demo", 0, "package generated demo content of this length (test pattern, burned-in timecode, tone) instead of IN")
	demoSize := fs.String("demo-size", "1280x720", "size of the demo content")
	progress := fs.Bool("progress", true, "draw a progress bar on stderr")

	var (
		ladder packager.Ladder
		in     string
		out    string
		dw, dh int
	)
	fs.Check(func() error {
		ladder = packager.DefaultLadder()
		if *ladderFile != "" {
			b, err := os.ReadFile(*ladderFile)
			if err != nil {
				return &config.UsageError{Setting: "ladder", Err: err}
			}
			ladder = packager.Ladder{}
			if err := json.Unmarshal(b, &ladder); err != nil {
				return &config.UsageError{Setting: "ladder", Err: fmt.Errorf("%s: %w", *ladderFile, err)}
			}
		} else if len(*renditions) > 0 {
			l, err := ladder.Select(*renditions...)
			if err != nil {
				return &config.UsageError{Setting: "renditions", Err: err}
			}
			ladder = l
		}
		if *segment != 0 {
			ladder.SegmentDuration = packager.Duration(*segment)
		}
		if *container != "" {
			ladder.Container = packager.Container(*container)
		}
		if err := ladder.Validate(); err != nil {
			return &config.UsageError{Setting: "ladder", Err: err}
		}
		if _, err := fmt.Sscanf(*demoSize, "%dx%d", &dw, &dh); err != nil || dw < 16 || dh < 16 || dw%2 != 0 || dh%2 != 0 {
			return &config.UsageError{Setting: "demo-size", Err: fmt.Errorf("%q: want WIDTHxHEIGHT with even sides", *demoSize)}
		}
		switch rest := fs.Args(); {
		case *demo > 0 && len(rest) == 1:
			out = rest[0]
		case *demo == 0 && len(rest) == 2:
			in, out = rest[0], rest[1]
		case *demo < 0:
			return &config.UsageError{Setting: "demo", Err: fmt.Errorf("must be positive, got %s", *demo)}
		default:
			return &config.UsageError{Err: fmt.Errorf("want IN OUT, or --demo DURATION OUT; got %q (flags go before the arguments)", strings.Join(rest, " "))}
		}
		return nil
	})
	if err := fs.Parse(args); err != nil {
		return err
	}

	tools := packager.Tools{}
	if *demo > 0 {
		if err := os.MkdirAll(filepath.Dir(filepath.Clean(out)), 0o755); err != nil {
			return err
		}
		f, err := os.CreateTemp(filepath.Dir(filepath.Clean(out)), ".demo-*.mp4")
		if err != nil {
			return err
		}
		f.Close()
		in = f.Name()
		defer os.Remove(in)
		fmt.Fprintf(stderr, "generating %s of demo content at %dx%d\n", *demo, dw, dh)
		if err := packager.GenerateDemo(ctx, in, packager.Demo{Duration: *demo, Width: dw, Height: dh}, tools); err != nil {
			return err
		}
	}
	opts := packager.Options{Ladder: ladder, Preset: *preset, MaxDuration: *maxDuration, Force: *force, Tools: tools}
	if *progress {
		opts.Progress = packager.NewBar(stderr, tty, "package").Update
	}
	a, err := packager.Package(ctx, in, out, opts)
	if err != nil {
		return err
	}
	d := time.Duration(a.Duration)
	took := time.Duration(a.PackagingTime)
	fmt.Fprintf(stdout, "packaged %s: %d renditions + audio, %d segments of %s (%s) in %s (%.1fx real time)\n",
		out, len(a.Renditions), a.Segments, time.Duration(a.SegmentDuration), d, took.Round(100*time.Millisecond), d.Seconds()/took.Seconds())
	for _, r := range a.Renditions {
		fmt.Fprintf(stdout, "  %-6s %4dx%-4d %s  peak %5d kb/s  average %5d kb/s\n", r.Name, r.Width, r.Height, r.Codecs, r.Bandwidth/1000, r.AverageBandwidth/1000)
	}
	fmt.Fprintf(stdout, "  %-6s %s %d ch  peak %5d kb/s  average %5d kb/s\n  master: %s\n", a.Audio.Name, a.Audio.Codecs,
		a.Audio.Channels, a.Audio.Bandwidth/1000, a.Audio.AverageBandwidth/1000, filepath.Join(out, a.Master))
	return nil
}

// isTerminal reports whether f is a character device (a terminal, for the progress bar).
func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
