package catalog

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
)

// MaxFileBytes bounds a catalogue file.
const MaxFileBytes = 256 << 20

// file is the catalogue's JSON document.
type file struct {
	Items []Item `json:"items"`
}

// Parse decodes and validates a catalogue document, {"items": [...]}. Unknown fields, a
// missing "items", trailing data and every rule of New are errors.
func Parse(data []byte) (*Catalog, error) {
	if len(data) > MaxFileBytes {
		return nil, fmt.Errorf("catalog: %d bytes, more than %d", len(data), MaxFileBytes)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var f struct {
		Items *[]Item `json:"items"`
	}
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("catalog: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("catalog: trailing data after the document")
	}
	if f.Items == nil {
		return nil, errors.New(`catalog: missing "items"`)
	}
	return New(*f.Items)
}

// Load reads and parses the catalogue file at path.
func Load(path string) (*Catalog, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	data, err := io.ReadAll(io.LimitReader(fh, MaxFileBytes+1))
	if err != nil {
		return nil, fmt.Errorf("catalog: read %s: %w", path, err)
	}
	c, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

// MarshalJSON encodes the catalogue as the document Parse reads.
func (c *Catalog) MarshalJSON() ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(file{Items: c.items}); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

// Save writes the catalogue to path (through a temporary file and a rename, so a reader never
// sees half a file).
func (c *Catalog) Save(path string) error {
	data, err := c.MarshalJSON()
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
