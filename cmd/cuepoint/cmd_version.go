package main

import (
	"context"
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/cuepoint/cuepoint/internal/config"
)

// version is set at build time with -ldflags "-X main.version=…"; otherwise the VCS stamp is used.
var version = ""

func init() {
	register(command{name: "version", summary: "Print the version and build information.", run: runVersion})
}

func runVersion(_ context.Context, args []string) error {
	fs := config.NewFlagSet("version", "Print the version and build information.")
	if err := fs.Parse(args); err != nil {
		return err
	}
	fmt.Println(versionString())
	return nil
}

func versionString() string {
	v, rev, dirty := version, "", ""
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				if s.Value == "true" {
					dirty = "+dirty"
				}
			}
		}
	}
	if v == "" {
		v = "dev"
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	return fmt.Sprintf("cuepoint %s (%s%s) %s %s/%s", v, rev, dirty, runtime.Version(), runtime.GOOS, runtime.GOARCH)
}
