// Package vasttest validates VAST documents against the IAB VAST 4.2 XSD with xmllint, for
// the tests of every package that writes VAST.
//
//	vasttest.Validate(t, map[string][]byte{"pod": doc, "empty": empty})
//
// The schema is ../shared/standards/vast_4.2.xsd relative to the module root, or the file
// named by CUEPOINT_VAST_XSD. Without xmllint (Debian: libxml2-utils) the test is skipped, or
// fails when CI is "true": CI never passes by skipping.
package vasttest

import (
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// Schema returns the path of the VAST 4.2 XSD, skipping (or failing under CI) the test when
// it cannot be found.
func Schema(t testing.TB) string {
	t.Helper()
	if p := os.Getenv("CUEPOINT_VAST_XSD"); p != "" {
		return p
	}
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			p := filepath.Join(dir, "..", "shared", "standards", "vast_4.2.xsd")
			if _, err := os.Stat(p); err != nil {
				missing(t, "the VAST 4.2 XSD at "+p+" (or set CUEPOINT_VAST_XSD)")
			}
			return p
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			missing(t, "the module root (go.mod) above the test's directory")
			return ""
		}
		dir = parent
	}
}

// Validate writes each document to a temporary file and validates them all with one xmllint
// run, failing the test with xmllint's report naming each invalid document.
func Validate(t testing.TB, docs map[string][]byte) {
	t.Helper()
	xmllint, err := exec.LookPath("xmllint")
	if err != nil {
		missing(t, "xmllint (apt-get install libxml2-utils)")
		return
	}
	xsd := Schema(t)
	dir := t.TempDir()
	names := make([]string, 0, len(docs))
	for name := range docs {
		names = append(names, name)
	}
	sort.Strings(names)
	args := []string{"--noout", "--nonet", "--schema", xsd}
	for _, name := range names {
		p := filepath.Join(dir, sanitize(name)+".xml")
		if err := os.WriteFile(p, docs[name], 0o600); err != nil {
			t.Fatal(err)
		}
		args = append(args, p)
	}
	out, err := exec.Command(xmllint, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("VAST documents fail XSD validation: %v\n%s", err, out)
	}
}

func sanitize(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' {
			return r
		}
		return '_'
	}, s)
}

func missing(t testing.TB, what string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("missing %s", what)
	}
	t.Skipf("missing %s", what)
}
