package live

import (
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/cuepoint/cuepoint/origin/hls"
	"github.com/cuepoint/cuepoint/origin/packager"
)

// source is a packaged asset read once into segment tables: what a channel loops.
type source struct {
	dir        string
	master     []byte
	renditions map[string]*rendition
	names      []string   // renditions in master order: video variants, then audio
	reference  *rendition // the first video rendition: its durations define the timeline
	startPTS   uint64
	segments   int // per rendition
}

// rendition is one rendition's segment table.
type rendition struct {
	name        string
	playlist    string // file name of its media playlist in the master ("index.m3u8")
	version     int
	independent bool
	files       []string        // segment file names, in order
	durations   []time.Duration // EXTINF durations
	starts      []time.Duration // starts[i] = sum(durations[:i]); starts[n] = the loop length
	initFile    string          // fMP4 initialization segment ("init.mp4"), "" for TS
	ext         string          // segment extension in live URLs: ".ts" or ".m4s"
}

// loadSource reads dir/master.m3u8 and every media playlist it names.
func loadSource(dir string) (*source, error) {
	masterText, err := os.ReadFile(filepath.Join(dir, "master.m3u8"))
	if err != nil {
		return nil, err
	}
	m, err := hls.ParseMaster(masterText)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, "master.m3u8"), err)
	}
	s := &source{dir: dir, master: masterText, renditions: map[string]*rendition{}}
	var uris []string
	for _, v := range m.Variants {
		uris = append(uris, v.URI)
	}
	for _, r := range m.Renditions {
		if u := r.URI(); u != "" {
			uris = append(uris, u)
		}
	}
	if len(m.Variants) == 0 {
		return nil, errors.New("the master playlist has no variant")
	}
	for _, u := range uris {
		name, file, ok := strings.Cut(u, "/")
		if !ok || strings.Contains(file, "/") || !channelName.MatchString(name) || !strings.HasSuffix(file, ".m3u8") {
			return nil, fmt.Errorf("playlist URI %q: a channel loops assets laid out as <rendition>/<playlist>.m3u8", u)
		}
		if _, dup := s.renditions[name]; dup {
			continue
		}
		r, err := loadRendition(filepath.Join(dir, name), name, file)
		if err != nil {
			return nil, err
		}
		s.renditions[name] = r
		s.names = append(s.names, name)
	}
	s.reference = s.renditions[s.names[0]]
	s.segments = len(s.reference.files)
	for _, name := range s.names {
		r := s.renditions[name]
		if len(r.files) != s.segments {
			return nil, fmt.Errorf("rendition %s has %d segments and %s has %d: a channel needs renditions aligned segment for segment",
				name, len(r.files), s.reference.name, s.segments)
		}
	}
	if a, err := packager.ReadAsset(dir); err == nil {
		s.startPTS = a.StartPTS
	}
	return s, nil
}

func loadRendition(dir, name, file string) (*rendition, error) {
	b, err := os.ReadFile(filepath.Join(dir, file))
	if err != nil {
		return nil, err
	}
	p, err := hls.ParseMedia(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, file), err)
	}
	if len(p.Segments) == 0 {
		return nil, fmt.Errorf("%s: no segment", filepath.Join(dir, file))
	}
	r := &rendition{name: name, playlist: file, version: max(p.Version, 3), independent: p.IndependentSegments,
		starts: make([]time.Duration, 1, len(p.Segments)+1)}
	for i, seg := range p.Segments {
		if !plainFile(seg.URI) {
			return nil, fmt.Errorf("%s: segment URI %q: want a file name beside the playlist", filepath.Join(dir, file), seg.URI)
		}
		if seg.Duration <= 0 {
			return nil, fmt.Errorf("%s: segment %d has no duration", filepath.Join(dir, file), i)
		}
		for _, t := range seg.Tags {
			switch t.Kind {
			case hls.TagByteRange, hls.TagKey:
				return nil, fmt.Errorf("%s: %s is not supported in looped assets", filepath.Join(dir, file), t.Name())
			case hls.TagMap:
				u, _ := t.Attrs().Get("URI")
				if _, br := t.Attrs().Raw("BYTERANGE"); br || !plainFile(u) || (r.initFile != "" && u != r.initFile) {
					return nil, fmt.Errorf("%s: EXT-X-MAP %q: want one initialization file beside the playlist", filepath.Join(dir, file), t.Value())
				}
				r.initFile = u
			}
		}
		r.files = append(r.files, seg.URI)
		r.durations = append(r.durations, seg.Duration)
		r.starts = append(r.starts, r.starts[i]+seg.Duration)
	}
	r.ext = path.Ext(r.files[0])
	if r.ext != ".ts" && r.ext != ".m4s" && r.ext != ".mp4" && r.ext != ".aac" {
		return nil, fmt.Errorf("%s: segment %q: want .ts, .m4s, .mp4 or .aac segments", filepath.Join(dir, file), r.files[0])
	}
	if r.initFile != "" {
		r.version = max(r.version, 6)
	}
	return r, nil
}

func plainFile(u string) bool {
	return u != "" && u != "." && u != ".." && !strings.ContainsAny(u, "/\\?#:")
}
