// Package browsertest finds what Cuepoint's browser tests need — the repository root, node,
// Debian's Chromium and the npm packages the test's script imports — for the tests that drive a
// real Chromium with playwright-core (the dashboard's, the web player's). The scripts' shared
// JavaScript side — launching Chromium, watching the page for errors, the JSON report — is
// web/test/browser.mjs.
//
// A missing piece skips the test with what to install; with CI=true it fails it, so CI never
// passes by skipping:
//
//	root := browsertest.RepoRoot(t)
//	node, chromium := browsertest.Need(t, root, "playwright-core", "esbuild", "hls.js")
//	cmd := exec.Command(node, filepath.Join(root, "web", "player", "test", "browser.mjs"), ...)
//	cmd.Env = append(os.Environ(), "CUEPOINT_CHROMIUM="+chromium)
package browsertest

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// RepoRoot returns the directory holding go.mod, above the test's working directory.
func RepoRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the working directory")
		}
		dir = parent
	}
}

// Need returns node and Chromium (CUEPOINT_CHROMIUM, default /usr/bin/chromium), after
// checking that each of packages is installed under root's node_modules.
func Need(t testing.TB, root string, packages ...string) (node, chromium string) {
	t.Helper()
	missing := func(what string) {
		t.Helper()
		msg := what + " is missing: run `make deps` (Debian chromium, node, npm ci)"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		missing("node")
	}
	chromium = os.Getenv("CUEPOINT_CHROMIUM")
	if chromium == "" {
		chromium = "/usr/bin/chromium"
	}
	if _, err := os.Stat(chromium); err != nil {
		missing(chromium)
	}
	for _, pkg := range packages {
		if _, err := os.Stat(filepath.Join(root, "node_modules", pkg, "package.json")); err != nil {
			missing("node_modules/" + pkg)
		}
	}
	return node, chromium
}
