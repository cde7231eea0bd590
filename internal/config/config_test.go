package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func newSet() (*FlagSet, *string, *time.Duration, *int, *StringList) {
	fs := NewFlagSet("svc", "A test service.")
	addr := fs.String("addr", ":8081", "listen address")
	tmax := fs.Duration("max-tmax", 100*time.Millisecond, "upper bound")
	n := fs.Int("workers", 4, "workers")
	brokers := fs.StringList("kafka-brokers", []string{"127.0.0.1:9092"}, "brokers")
	fs.SetEnv(env(nil))
	return fs, addr, tmax, n, brokers
}

func TestPrecedenceFlagEnvFileDefault(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "c.yaml")
	os.WriteFile(file, []byte("addr: \":9000\"\nworkers: 9\nmax-tmax: 50ms\nkafka-brokers: [a:1, b:2]\n"), 0o644)

	fs, addr, tmax, n, brokers := newSet()
	fs.SetEnv(env(map[string]string{"CUEPOINT_WORKERS": "7", "CUEPOINT_MAX_TMAX": "80ms"}))
	if err := fs.Parse([]string{"--config", file, "--max-tmax", "60ms"}); err != nil {
		t.Fatal(err)
	}
	if *addr != ":9000" { // file
		t.Errorf("addr %q: the file should set what nothing else does", *addr)
	}
	if *n != 7 { // env beats file
		t.Errorf("workers %d: env should beat the file", *n)
	}
	if *tmax != 60*time.Millisecond { // flag beats env
		t.Errorf("max-tmax %s: the flag should beat env", *tmax)
	}
	if got := brokers.String(); got != "a:1,b:2" {
		t.Errorf("brokers %q from a YAML list", got)
	}
}

func TestErrorsNameTheSetting(t *testing.T) {
	cases := []struct {
		name string
		env  map[string]string
		args []string
		file string
		want []string
	}{
		{"bad env", map[string]string{"CUEPOINT_WORKERS": "many"}, nil, "", []string{"workers", "CUEPOINT_WORKERS", "many"}},
		{"bad flag", nil, []string{"--workers=x"}, "", []string{"workers"}},
		{"unknown flag", nil, []string{"--wrokers=1"}, "", []string{"wrokers"}},
		{"unknown key in file", nil, nil, "wrokers: 1\n", []string{"unknown setting", "wrokers"}},
		{"bad value in file", nil, nil, "max-tmax: soon\n", []string{"max-tmax", "soon"}},
		{"stray argument", nil, []string{"extra"}, "", []string{"extra"}},
		{"check", nil, []string{"--max-tmax=-1s"}, "", []string{"max-tmax", "positive"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fs, _, tmax, _, _ := newSet()
			fs.Check(Positive("max-tmax", tmax))
			fs.SetEnv(env(c.env))
			args := c.args
			if c.file != "" {
				f := filepath.Join(t.TempDir(), "c.yaml")
				os.WriteFile(f, []byte(c.file), 0o644)
				args = append([]string{"--config", f}, args...)
			}
			err := fs.Parse(args)
			if err == nil || !IsUsage(err) {
				t.Fatalf("Parse = %v, want a usage error", err)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

func TestCheckErrorBecomesUsage(t *testing.T) {
	fs, _, _, _, _ := newSet()
	fs.Check(func() error { return fmt.Errorf("plain") })
	err := fs.Parse(nil)
	var ue *UsageError
	if !errors.As(err, &ue) {
		t.Fatalf("%v is not a *UsageError", err)
	}
}

func TestEnvName(t *testing.T) {
	if got := EnvName("clickhouse-native-addr"); got != "CUEPOINT_CLICKHOUSE_NATIVE_ADDR" {
		t.Fatal(got)
	}
}

func TestAllowArgs(t *testing.T) {
	fs, _, _, _, _ := newSet()
	fs.AllowArgs()
	if err := fs.Parse([]string{"--workers=2", "up"}); err != nil || fs.Arg(0) != "up" {
		t.Fatalf("%v %q", err, fs.Arg(0))
	}
}
