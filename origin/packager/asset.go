package packager

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/cuepoint/cuepoint/origin/hls"
)

// AssetVersion is the version of asset.json this package writes.
const AssetVersion = 1

// Asset describes a packaged asset; the packager writes it as asset.json beside master.m3u8 and
// the origin lists it in GET /v1/assets.
type Asset struct {
	Version         int       `json:"version"`
	Source          string    `json:"source"` // input file name
	Duration        Duration  `json:"duration"`
	SegmentDuration Duration  `json:"segment_duration"`
	Segments        int       `json:"segments"` // per rendition (all have the same count)
	Container       Container `json:"container"`
	Master          string    `json:"master"` // "master.m3u8"
	// StartPTS is the presentation timestamp (90 kHz) at which the first video segment starts:
	// a live channel looping the asset puts it in the SCTE-35 cues' pts_time.
	StartPTS      uint64          `json:"start_pts"`
	Renditions    []RenditionInfo `json:"renditions"`
	Audio         AudioInfo       `json:"audio"`
	Ladder        Ladder          `json:"ladder"`
	PackagedAt    time.Time       `json:"packaged_at"`
	PackagingTime Duration        `json:"packaging_time"`
}

// RenditionInfo is a packaged video rendition with its measured bitrates.
type RenditionInfo struct {
	Name     string `json:"name"`
	Playlist string `json:"playlist"` // "360p/index.m3u8"
	Width    int    `json:"width"`
	Height   int    `json:"height"`
	FPS      int    `json:"fps"`
	Codecs   string `json:"codecs"` // RFC 6381, read from the stream: "avc1.4d401e"
	// Bandwidth is the peak segment bitrate and AverageBandwidth the mean, in bits per second,
	// of the video alone (the master playlist adds the audio).
	Bandwidth        int64 `json:"bandwidth"`
	AverageBandwidth int64 `json:"average_bandwidth"`
}

// AudioInfo is the packaged audio rendition.
type AudioInfo struct {
	Name             string `json:"name"`
	Playlist         string `json:"playlist"`
	Codecs           string `json:"codecs"` // "mp4a.40.2"
	Language         string `json:"language"`
	Label            string `json:"label"`
	Channels         int    `json:"channels"`
	Bandwidth        int64  `json:"bandwidth"`
	AverageBandwidth int64  `json:"average_bandwidth"`
}

// ReadAsset reads dir/asset.json.
func ReadAsset(dir string) (Asset, error) {
	b, err := os.ReadFile(filepath.Join(dir, assetName))
	if err != nil {
		return Asset{}, err
	}
	var a Asset
	if err := json.Unmarshal(b, &a); err != nil {
		return Asset{}, fmt.Errorf("%s: %w", filepath.Join(dir, assetName), err)
	}
	if a.Version != AssetVersion {
		return Asset{}, fmt.Errorf("%s: version %d, want %d", filepath.Join(dir, assetName), a.Version, AssetVersion)
	}
	return a, nil
}

func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

// rates measures a rendition: its segments, duration, and peak and mean bitrates from the
// segment file sizes (what a player actually downloads, container overhead included).
type rates struct {
	segments     int
	duration     time.Duration
	peak, mean   int64
	firstSegment string
}

func measure(dir string) (rates, error) {
	b, err := os.ReadFile(filepath.Join(dir, playlistName))
	if err != nil {
		return rates{}, err
	}
	p, err := hls.ParseMedia(b)
	if err != nil {
		return rates{}, fmt.Errorf("%s: %w", filepath.Join(dir, playlistName), err)
	}
	if len(p.Segments) == 0 {
		return rates{}, fmt.Errorf("%s: no segment", filepath.Join(dir, playlistName))
	}
	r := rates{segments: len(p.Segments), firstSegment: filepath.Join(dir, p.Segments[0].URI)}
	var bytesTotal int64
	for _, s := range p.Segments {
		fi, err := os.Stat(filepath.Join(dir, s.URI))
		if err != nil {
			return rates{}, err
		}
		bytesTotal += fi.Size()
		r.duration += s.Duration
		if s.Duration > 0 {
			r.peak = max(r.peak, fi.Size()*8*int64(time.Second)/int64(s.Duration))
		}
	}
	if r.duration > 0 {
		r.mean = bytesTotal * 8 * int64(time.Second) / int64(r.duration)
	}
	return r, nil
}

// avcCodec reads the RFC 6381 codec string ("avc1.PPCCLL") from the stream itself: the avcC box
// of an fMP4 init segment, or the first sequence parameter set of a TS segment.
func avcCodec(path string, fmp4 bool) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	head := make([]byte, 64<<10)
	n, _ := f.Read(head)
	head = head[:n]
	var p []byte
	if fmp4 {
		if i := bytes.Index(head, []byte("avcC")); i >= 0 && i+8 <= len(head) {
			p = head[i+5 : i+8] // configurationVersion, then profile, compatibility, level
		}
	} else {
		for i := 0; i+6 <= len(head); i++ {
			if head[i] == 0 && head[i+1] == 0 && head[i+2] == 1 && head[i+3]&0x1f == 7 {
				p = head[i+4 : i+7]
				break
			}
		}
	}
	if p == nil {
		return "", fmt.Errorf("%s: no H.264 sequence parameter set found", path)
	}
	return fmt.Sprintf("avc1.%02x%02x%02x", p[0], p[1], p[2]), nil
}

// writeMaster writes the multivariant playlist: one audio group (EXT-X-MEDIA TYPE=AUDIO) shared
// by every video variant, and per variant the measured BANDWIDTH (peak) and AVERAGE-BANDWIDTH
// of video plus audio, CODECS, RESOLUTION and FRAME-RATE.
func writeMaster(path string, a Asset) error {
	const group = "aud"
	m := hls.MasterPlaylist{Version: 3, IndependentSegments: true}
	if a.Container == ContainerFMP4 {
		m.Version = 6
	}
	au := hls.AttrList("").Set("TYPE", "AUDIO").SetQuoted("GROUP-ID", group).SetQuoted("NAME", a.Audio.Label).
		SetQuoted("LANGUAGE", a.Audio.Language).Set("DEFAULT", "YES").Set("AUTOSELECT", "YES").
		SetQuoted("CHANNELS", strconv.Itoa(a.Audio.Channels)).SetQuoted("URI", a.Audio.Playlist)
	m.Renditions = append(m.Renditions, hls.Rendition{Attrs: au})
	for _, r := range a.Renditions {
		v := hls.AttrList("").SetInt("BANDWIDTH", r.Bandwidth+a.Audio.Bandwidth).
			SetInt("AVERAGE-BANDWIDTH", r.AverageBandwidth+a.Audio.AverageBandwidth).
			SetQuoted("CODECS", r.Codecs+","+a.Audio.Codecs).
			Set("RESOLUTION", strconv.Itoa(r.Width)+"x"+strconv.Itoa(r.Height)).
			Set("FRAME-RATE", strconv.Itoa(r.FPS)+".000").
			SetQuoted("AUDIO", group)
		m.Variants = append(m.Variants, hls.Variant{Attrs: v, URI: r.Playlist})
	}
	if len(m.Variants) == 0 {
		return errors.New("no variant to write")
	}
	return os.WriteFile(path, m.AppendTo(nil), 0o644)
}
