package collector

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"os"

	"encoding/json"

	"github.com/cuepoint/cuepoint/analytics/events"
)

// LoadSenders reads the senders file, JSON of this shape (secrets in hex, first one current):
//
//	{"senders": [
//	  {"id": "ssai-eu1",   "secrets": ["9f86d0…"], "families": ["ads", "playback"]},
//	  {"id": "web-player", "secrets": ["2c26b4…", "fcde2b…"], "families": ["playback", "ads"]}
//	]}
//
// The file holds secrets: keep it readable by the service's user only.
func LoadSenders(path string) ([]Sender, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("collector: senders file: %w", err)
	}
	senders, err := ParseSenders(raw)
	if err != nil {
		return nil, fmt.Errorf("collector: senders file %s: %w", path, err)
	}
	return senders, nil
}

// ParseSenders parses the contents of a senders file (see LoadSenders) and validates them.
func ParseSenders(raw []byte) ([]Sender, error) {
	var doc struct {
		Senders []struct {
			ID       string   `json:"id"`
			Secrets  []string `json:"secrets"`
			Families []string `json:"families"`
		} `json:"senders"`
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		return nil, err
	}
	out := make([]Sender, 0, len(doc.Senders))
	for _, d := range doc.Senders {
		s := Sender{ID: d.ID}
		for i, h := range d.Secrets {
			k, err := hex.DecodeString(h)
			if err != nil {
				return nil, fmt.Errorf("sender %s: secret %d is not hex", d.ID, i)
			}
			s.Secrets = append(s.Secrets, k)
		}
		for _, f := range d.Families {
			s.Families = append(s.Families, events.Family(f))
		}
		if err := s.validate(); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}
