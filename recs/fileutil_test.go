package recs

import (
	"os"

	"github.com/cuepoint/cuepoint/recs/model"
)

func writeFile(path string, data []byte) error { return os.WriteFile(path, data, 0o644) }

func publish(dir string, f *fixture) (string, error) { return model.Publish(dir, f.res.Model, 0) }
