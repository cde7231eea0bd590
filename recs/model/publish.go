package model

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

const (
	// CurrentFile names, inside a model directory, the file holding the name of the model to
	// serve.
	CurrentFile = "CURRENT"
	// Ext is the extension of model files.
	Ext = ".recsmodel"
	// MaxFileBytes bounds a model file.
	MaxFileBytes = 4 << 30
)

// Publish writes m to dir as <version>.recsmodel and makes it the current model, each file
// written to a temporary name, synced and renamed, so that a reader sees the old model or the
// new one, never a mix. It then removes all but the keep newest model files (keep < 1 keeps
// all). It returns the path of the model file.
func Publish(dir string, m *Model, keep int) (string, error) {
	if err := checkVersion(m.Meta.Version); err != nil {
		return "", err
	}
	data, err := Encode(m)
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	name := m.Meta.Version + Ext
	path := filepath.Join(dir, name)
	if err := writeAtomic(path, data); err != nil {
		return "", err
	}
	if err := writeAtomic(filepath.Join(dir, CurrentFile), []byte(name+"\n")); err != nil {
		return "", err
	}
	if keep > 0 {
		prune(dir, name, keep)
	}
	return path, nil
}

// checkVersion keeps versions usable as file names.
func checkVersion(v string) error {
	if v == "" || len(v) > 100 {
		return fmt.Errorf("model: version %q: want 1..100 bytes", v)
	}
	for i := 0; i < len(v); i++ {
		if c := v[i]; !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') || (i == 0 && c == '.') {
			return fmt.Errorf("model: version %q: want letters, digits, '-', '_' and '.'", v)
		}
	}
	return nil
}

func writeAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-"+filepath.Base(path)+"-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // after a successful rename, a no-op
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	if d, err := os.Open(filepath.Dir(path)); err == nil { // make the rename durable
		_ = d.Sync()
		d.Close()
	}
	return nil
}

// prune removes model files other than current, oldest first, until keep remain.
func prune(dir, current string, keep int) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	type file struct {
		name string
		mod  int64
	}
	var files []file
	for _, e := range entries {
		if e.Type().IsRegular() && strings.HasSuffix(e.Name(), Ext) && e.Name() != current {
			if info, err := e.Info(); err == nil {
				files = append(files, file{e.Name(), info.ModTime().UnixNano()})
			}
		}
	}
	slices.SortFunc(files, func(a, b file) int { return cmp.Compare(b.mod, a.mod) })
	for _, f := range files[min(len(files), keep-1):] {
		_ = os.Remove(filepath.Join(dir, f.name))
	}
}

// ErrNoModel means the directory has no current model yet.
var ErrNoModel = errors.New("model: no current model (nothing published yet)")

// Current returns the path of dir's current model file, as named by dir/CURRENT.
func Current(dir string) (string, error) {
	b, err := os.ReadFile(filepath.Join(dir, CurrentFile))
	if errors.Is(err, os.ErrNotExist) {
		return "", ErrNoModel
	}
	if err != nil {
		return "", err
	}
	name := strings.TrimSpace(string(b))
	if name == "" || strings.ContainsAny(name, `/\`) || !strings.HasSuffix(name, Ext) || name[0] == '.' {
		return "", fmt.Errorf("model: %s names %q, not a model file in the directory", filepath.Join(dir, CurrentFile), name)
	}
	return filepath.Join(dir, name), nil
}

// ReadFile reads and decodes the model file at path.
func ReadFile(path string) (*Model, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxFileBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxFileBytes {
		return nil, fmt.Errorf("model: %s is larger than %d bytes", path, MaxFileBytes)
	}
	m, err := Decode(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}

// Load reads dir's current model.
func Load(dir string) (*Model, error) {
	path, err := Current(dir)
	if err != nil {
		return nil, err
	}
	return ReadFile(path)
}
