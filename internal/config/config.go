package config

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// EnvPrefix is the prefix of every environment override.
const EnvPrefix = "CUEPOINT_"

// UsageError is a bad flag, environment variable, config file or setting value. Commands exit
// with code 2 on it, before anything has started.
type UsageError struct {
	Setting string // the flag name, when one is to blame
	Err     error
}

func (e *UsageError) Error() string {
	if e.Setting == "" {
		return e.Err.Error()
	}
	return fmt.Sprintf("setting %s: %v", e.Setting, e.Err)
}

func (e *UsageError) Unwrap() error { return e.Err }

// IsUsage reports whether err is (or wraps) a *UsageError or flag.ErrHelp.
func IsUsage(err error) bool {
	var ue *UsageError
	return errors.As(err, &ue)
}

// FlagSet is a flag.FlagSet that also reads CUEPOINT_* variables and a YAML file, and runs
// validation checks after parsing.
type FlagSet struct {
	*flag.FlagSet
	summary    string
	configFile *string
	checks     []func() error
	allowArgs  bool
	// Lookup of the environment; tests replace it.
	getenv func(string) (string, bool)
}

// NewFlagSet returns a FlagSet for the command name. summary is the first line of --help.
func NewFlagSet(name, summary string) *FlagSet {
	fs := &FlagSet{
		FlagSet: flag.NewFlagSet(name, flag.ContinueOnError),
		summary: summary,
		getenv:  os.LookupEnv,
	}
	fs.configFile = fs.String("config", "", "optional YAML file of settings (keys are flag names)")
	fs.FlagSet.Usage = fs.usage
	fs.FlagSet.SetOutput(io.Discard)
	return fs
}

// SetEnv replaces the environment lookup (for tests).
func (fs *FlagSet) SetEnv(getenv func(string) (string, bool)) { fs.getenv = getenv }

// Check registers a validation that runs after all settings are read. A non-nil error becomes a
// *UsageError; return a *UsageError yourself to name the setting.
func (fs *FlagSet) Check(f func() error) { fs.checks = append(fs.checks, f) }

// EnvName returns the environment variable that overrides the flag name.
func EnvName(flagName string) string {
	return EnvPrefix + strings.ToUpper(strings.NewReplacer("-", "_", ".", "_").Replace(flagName))
}

// Parse reads args, then the environment, then the YAML file, then runs the checks.
// It returns flag.ErrHelp (wrapped in a *UsageError) when --help was asked for, after printing
// the usage to stdout.
func (fs *FlagSet) Parse(args []string) error {
	if err := fs.FlagSet.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.FlagSet.SetOutput(os.Stdout)
			fs.usage()
			return &UsageError{Err: flag.ErrHelp}
		}
		return &UsageError{Err: err}
	}
	set := map[string]bool{}
	fs.FlagSet.Visit(func(f *flag.Flag) { set[f.Name] = true })

	var errs []error
	fs.FlagSet.VisitAll(func(f *flag.Flag) {
		if set[f.Name] {
			return
		}
		env := EnvName(f.Name)
		if v, ok := fs.getenv(env); ok {
			if err := f.Value.Set(v); err != nil {
				errs = append(errs, &UsageError{Setting: f.Name, Err: fmt.Errorf("environment %s=%q: %v", env, v, err)})
			}
			set[f.Name] = true
		}
	})
	if len(errs) > 0 {
		return errs[0]
	}
	if *fs.configFile != "" {
		if err := fs.readYAML(*fs.configFile, set); err != nil {
			return err
		}
	}
	if fs.NArg() > 0 && !fs.allowArgs {
		return &UsageError{Err: fmt.Errorf("unexpected argument %q (see --help)", fs.Arg(0))}
	}
	for _, check := range fs.checks {
		if err := check(); err != nil {
			var ue *UsageError
			if errors.As(err, &ue) {
				return err
			}
			return &UsageError{Err: err}
		}
	}
	return nil
}

func (fs *FlagSet) readYAML(path string, set map[string]bool) error {
	raw, err := os.ReadFile(path)
	if err != nil {
		return &UsageError{Setting: "config", Err: err}
	}
	var doc map[string]any
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		return &UsageError{Setting: "config", Err: fmt.Errorf("%s: %v", path, err)}
	}
	keys := make([]string, 0, len(doc))
	for k := range doc {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		f := fs.FlagSet.Lookup(k)
		if f == nil || k == "config" {
			return &UsageError{Setting: "config", Err: fmt.Errorf("%s: unknown setting %q", path, k)}
		}
		if set[k] {
			continue // a flag or the environment wins over the file
		}
		v := doc[k]
		var s string
		switch t := v.(type) {
		case []any:
			parts := make([]string, len(t))
			for i, p := range t {
				parts[i] = fmt.Sprint(p)
			}
			s = strings.Join(parts, ",")
		default:
			s = fmt.Sprint(t)
		}
		if err := f.Value.Set(s); err != nil {
			return &UsageError{Setting: k, Err: fmt.Errorf("%s: %q: %v", path, s, err)}
		}
	}
	return nil
}

// AllowArgs lets the command take positional arguments (read them with fs.Args()).
func (fs *FlagSet) AllowArgs() { fs.allowArgs = true }

func (fs *FlagSet) usage() {
	w := fs.FlagSet.Output()
	fmt.Fprintf(w, "%s\n\nUsage: cuepoint %s [flags]\n\nFlags (each also read from the environment variable shown):\n", fs.summary, fs.Name())
	fs.FlagSet.VisitAll(func(f *flag.Flag) {
		def := ""
		if f.DefValue != "" {
			def = fmt.Sprintf(" (default %s)", f.DefValue)
		}
		fmt.Fprintf(w, "  --%s\n        %s%s [%s]\n", f.Name, f.Usage, def, EnvName(f.Name))
	})
}

// StringList is a comma-separated list flag value.
type StringList []string

func (l *StringList) String() string { return strings.Join(*l, ",") }

// Set replaces the list with the comma-separated values of s (empty items dropped).
func (l *StringList) Set(s string) error {
	*l = (*l)[:0]
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			*l = append(*l, p)
		}
	}
	return nil
}

// StringList declares a comma-separated list flag.
func (fs *FlagSet) StringList(name string, def []string, usage string) *StringList {
	l := StringList(append([]string(nil), def...))
	fs.Var(&l, name, usage)
	return &l
}

// Positive returns a check that d is > 0, naming the flag.
func Positive(name string, d *time.Duration) func() error {
	return func() error {
		if *d <= 0 {
			return &UsageError{Setting: name, Err: fmt.Errorf("must be positive, got %s", *d)}
		}
		return nil
	}
}

// ErrHelp is returned (wrapped in a *UsageError) by Parse when --help was asked for.
var ErrHelp = flag.ErrHelp
