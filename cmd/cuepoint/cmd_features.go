package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/cuepoint/cuepoint/featurestore"
	"github.com/cuepoint/cuepoint/internal/config"
	"github.com/cuepoint/cuepoint/internal/logging"
)

const featuresSummary = "Feature tools: load a JSONL or CSV file into the featurestore; seed the demo features."

const featuresUsage = `Usage:
  cuepoint features load [flags] FILE   write the rows of FILE (.jsonl or .csv; - reads JSONL from stdin)
  cuepoint features seed [flags]        write the demo features

Run 'cuepoint features load --help' for the flags. Formats: docs/features.md.`

func init() {
	register(command{name: "features", summary: featuresSummary, run: runFeatures})
}

func runFeatures(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return &config.UsageError{Err: errors.New("want a subcommand\n\n" + featuresUsage)}
	}
	switch args[0] {
	case "load":
		return runFeaturesLoad(ctx, args[1:])
	case "seed":
		return runFeaturesSeed(ctx, args[1:])
	case "-h", "--help", "help":
		fmt.Println(featuresSummary + "\n\n" + featuresUsage)
		return &config.UsageError{Err: config.ErrHelp}
	}
	return &config.UsageError{Err: fmt.Errorf("unknown subcommand %q\n\n%s", args[0], featuresUsage)}
}

// openFeatureStore declares the platform and featurestore flags, parses args and opens the
// store; extra declares the subcommand's own flags.
func openFeatureStore(ctx context.Context, name, summary string, args []string, allowArgs bool, extra func(*config.FlagSet)) (*featurestore.Store, *config.FlagSet, error) {
	fs := config.NewFlagSet(name, summary)
	var p platformFlags
	p.register(fs)
	cfg := featurestore.Flags(fs)
	newLog := logging.Flags(fs)
	if extra != nil {
		extra(fs)
	}
	if allowArgs {
		fs.AllowArgs()
	}
	if err := fs.Parse(args); err != nil {
		return nil, nil, err
	}
	store, err := featurestore.Open(ctx, storeConfig(&p, *cfg, p.cassandra()), newLog(), false)
	if err != nil {
		return nil, nil, err
	}
	return store, fs, nil
}

func runFeaturesSeed(ctx context.Context, args []string) error {
	store, _, err := openFeatureStore(ctx, "features seed", "Write the demo features (viewers, items, devices, campaigns) to the featurestore.", args, false, nil)
	if err != nil {
		return err
	}
	defer store.Close()
	n, err := featurestore.Seed(ctx, store, featurestore.DemoSeed())
	if err != nil {
		return err
	}
	fmt.Printf("seeded %d feature values\n", n)
	return nil
}

func runFeaturesLoad(ctx context.Context, args []string) error {
	var format *string
	var concurrency *int
	store, fs, err := openFeatureStore(ctx, "features load",
		"Load feature rows from FILE (JSONL or CSV, see docs/features.md) into the featurestore.\n\nUsage: cuepoint features load [flags] FILE",
		args, true, func(fs *config.FlagSet) {
			format = fs.String("format", "", "jsonl or csv (default: from the file extension; stdin is jsonl)")
			concurrency = fs.Int("concurrency", 16, "writes in flight")
			fs.Check(func() error {
				if *concurrency < 1 || *concurrency > 1024 {
					return &config.UsageError{Setting: "concurrency", Err: fmt.Errorf("%d: want 1..1024", *concurrency)}
				}
				if fs.NArg() != 1 {
					return &config.UsageError{Err: errors.New("want exactly one FILE (or - for stdin)")}
				}
				return nil
			})
		})
	if err != nil {
		return err
	}
	defer store.Close()
	path := fs.Arg(0)
	f, size, err := openLoadFile(path)
	if err != nil {
		return err
	}
	defer f.Close()
	fmtName := *format
	if fmtName == "" {
		fmtName = formatFromName(path)
	}
	if fmtName != featurestore.FormatJSONL && fmtName != featurestore.FormatCSV {
		return &config.UsageError{Setting: "format", Err: fmt.Errorf("%q: want jsonl or csv", fmtName)}
	}

	began := time.Now()
	bar := newProgressBar(os.Stderr, size, began)
	rep, err := featurestore.Load(ctx, store, f, featurestore.LoadOptions{
		Format: fmtName, Concurrency: *concurrency, Progress: bar.update,
	})
	printLoadReport(os.Stdout, path, rep, time.Since(began))
	if err != nil {
		return err
	}
	if rep.Rejected > 0 {
		return &exitError{code: 3, err: fmt.Errorf("%d of %d rows rejected", rep.Rejected, rep.Rows)}
	}
	return nil
}

func openLoadFile(path string) (io.ReadCloser, int64, error) {
	if path == "-" {
		return io.NopCloser(os.Stdin), 0, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, err
	}
	return f, st.Size(), nil
}

func formatFromName(path string) string {
	switch strings.ToLower(filepath.Ext(strings.TrimSuffix(path, ".gz"))) {
	case ".csv":
		return featurestore.FormatCSV
	default: // .jsonl, .ndjson, .json, stdin
		return featurestore.FormatJSONL
	}
}

func printLoadReport(w io.Writer, path string, rep featurestore.LoadReport, took time.Duration) {
	rate := float64(rep.Rows) / max(took.Seconds(), 1e-9)
	fmt.Fprintf(w, "%s: %d rows, %d written, %d rejected in %s (%.0f rows/s)\n",
		path, rep.Rows, rep.Written, rep.Rejected, took.Round(time.Millisecond), rate)
	for _, r := range rep.Rejections {
		fmt.Fprintf(w, "  line %d: %s\n", r.Line, r.Reason)
	}
	if n := rep.Rejected - int64(len(rep.Rejections)); n > 0 {
		fmt.Fprintf(w, "  … and %d more rejected rows\n", n)
	}
}

// progressBar draws one self-overwriting line on a terminal and nothing elsewhere (logs and
// CI output stay clean; the final report says it all).
type progressBar struct {
	w     io.Writer
	size  int64
	began time.Time
	tty   bool
}

func newProgressBar(f *os.File, size int64, began time.Time) *progressBar {
	st, err := f.Stat()
	return &progressBar{w: f, size: size, began: began, tty: err == nil && st.Mode()&os.ModeCharDevice != 0}
}

func (p *progressBar) update(pr featurestore.LoadProgress) {
	if !p.tty {
		return
	}
	const width = 30
	secs := max(time.Since(p.began).Seconds(), 1e-9)
	line := fmt.Sprintf("%d rows  %d written  %d rejected  %.0f rows/s", pr.Rows, pr.Written, pr.Rejected, float64(pr.Rows)/secs)
	if p.size > 0 {
		frac := min(float64(pr.Bytes)/float64(p.size), 1)
		filled := int(frac * width)
		line = fmt.Sprintf("[%s%s] %3.0f%%  %s", strings.Repeat("#", filled), strings.Repeat(".", width-filled), frac*100, line)
	}
	end := ""
	if pr.Done {
		end = "\n"
	}
	fmt.Fprintf(p.w, "\r\033[K%s%s", line, end)
}
