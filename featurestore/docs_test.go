package featurestore

import (
	"os"
	"strings"
	"testing"
)

// TestDocsListEveryFeature keeps docs/features.md in step with the Default catalogue.
func TestDocsListEveryFeature(t *testing.T) {
	raw, err := os.ReadFile("../docs/features.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(raw)
	for _, et := range Default.Entities() {
		if !strings.Contains(doc, "### "+et.Name+" ") {
			t.Errorf("docs/features.md has no section for entity type %q", et.Name)
		}
		for _, v := range et.Views {
			if !strings.Contains(doc, "| `"+v.Name+"` |") {
				t.Errorf("docs/features.md does not list view %s/%s", et.Name, v.Name)
			}
			for _, f := range v.Features {
				if !strings.Contains(doc, "`"+f.Name+"`") {
					t.Errorf("docs/features.md does not list feature %s/%s/%s", et.Name, v.Name, f.Name)
				}
			}
		}
	}
}
