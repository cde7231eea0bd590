package logging

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/cuepoint/cuepoint/internal/config"
)

// New returns a logger writing to w at level ("debug", "info", "warn", "error") in format
// ("text" or "json").
func New(w io.Writer, level, format string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("log level %q: want debug, info, warn or error", level)
	}
	opts := &slog.HandlerOptions{Level: lv, ReplaceAttr: redact}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	default:
		return nil, fmt.Errorf("log format %q: want text or json", format)
	}
}

// Flags declares --log-level and --log-format on fs, validates them at parse time, and returns
// a constructor for the logger to call after fs.Parse succeeded.
func Flags(fs *config.FlagSet) func() *slog.Logger {
	level := fs.String("log-level", "info", "log level: debug, info, warn or error")
	format := fs.String("log-format", "text", "log format: text or json")
	var log *slog.Logger
	fs.Check(func() error {
		l, err := New(os.Stderr, *level, *format)
		if err != nil {
			return &config.UsageError{Setting: "log-level/log-format", Err: err}
		}
		log = l
		return nil
	})
	return func() *slog.Logger {
		if log == nil {
			log, _ = New(os.Stderr, "info", "text")
		}
		return log
	}
}

// Discard is a logger that writes nothing, for tests and benchmarks.
var Discard = slog.New(slog.NewTextHandler(io.Discard, nil))

var secretWords = []string{"token", "secret", "password", "passwd", "authorization", "apikey", "api_key", "key"}

// IsSecretKey reports whether an attribute or setting named k holds a secret.
func IsSecretKey(k string) bool {
	k = strings.ToLower(k)
	for _, w := range secretWords {
		if strings.Contains(k, w) {
			return true
		}
	}
	return false
}

func redact(_ []string, a slog.Attr) slog.Attr {
	if IsSecretKey(a.Key) && a.Value.Kind() == slog.KindString && a.Value.String() != "" {
		return slog.String(a.Key, "REDACTED")
	}
	return a
}
