package model

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
)

// Format is the file format version this package writes and reads.
const Format = 1

const (
	magic       = "CPRECSMD"
	headerLen   = len(magic) + 4 + 4
	maxMetaLen  = 1 << 20
	checksumLen = sha256.Size
)

// Section tags. Never reuse a tag: an older reader skips the ones it does not know.
const (
	tagItems   = 1
	tagItemEmb = 2
	tagGram    = 3
	tagPrior   = 4
	tagNbrOff  = 5
	tagNbrIdx  = 6
	tagNbrW    = 7
	tagWeights = 8
)

// Encode returns the model's file contents. It validates the model first.
func Encode(m *Model) ([]byte, error) {
	if err := m.Validate(); err != nil {
		return nil, err
	}
	meta, err := json.Marshal(m.Meta)
	if err != nil {
		return nil, fmt.Errorf("model: encode meta: %w", err)
	}
	size := headerLen + len(meta) + checksumLen + 8*12 +
		4*(len(m.ItemEmb)+len(m.Gram)+len(m.Prior)+len(m.NbrOff)+len(m.NbrIdx)+len(m.NbrW)+len(m.Weights))
	for _, id := range m.Items {
		size += 2 + len(id)
	}
	b := make([]byte, 0, size)
	b = append(b, magic...)
	b = binary.LittleEndian.AppendUint32(b, Format)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(meta)))
	b = append(b, meta...)

	b, at := beginSection(b, tagItems)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(m.Items)))
	for _, id := range m.Items {
		b = binary.LittleEndian.AppendUint16(b, uint16(len(id)))
		b = append(b, id...)
	}
	b = endSection(b, at)
	b = f32Section(b, tagItemEmb, m.ItemEmb)
	b = f32Section(b, tagGram, m.Gram)
	b = f32Section(b, tagPrior, m.Prior)
	b = u32Section(b, tagNbrOff, m.NbrOff)
	b = u32Section(b, tagNbrIdx, m.NbrIdx)
	b = f32Section(b, tagNbrW, m.NbrW)
	b = f32Section(b, tagWeights, m.Weights)

	sum := sha256.Sum256(b)
	return append(b, sum[:]...), nil
}

func beginSection(b []byte, tag uint32) ([]byte, int) {
	b = binary.LittleEndian.AppendUint32(b, tag)
	at := len(b)
	return binary.LittleEndian.AppendUint64(b, 0), at
}

func endSection(b []byte, at int) []byte {
	binary.LittleEndian.PutUint64(b[at:], uint64(len(b)-at-8))
	return b
}

func f32Section(b []byte, tag uint32, vs []float32) []byte {
	b, at := beginSection(b, tag)
	for _, v := range vs {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(v))
	}
	return endSection(b, at)
}

func u32Section(b []byte, tag uint32, vs []uint32) []byte {
	b, at := beginSection(b, tag)
	for _, v := range vs {
		b = binary.LittleEndian.AppendUint32(b, v)
	}
	return endSection(b, at)
}

// Decode reads a model file: it verifies the checksum, reads the sections and validates the
// result. The model shares no memory with data.
func Decode(data []byte) (*Model, error) {
	if len(data) < headerLen+checksumLen || string(data[:len(magic)]) != magic {
		return nil, errors.New("model: not a recs model file")
	}
	body, sum := data[:len(data)-checksumLen], data[len(data)-checksumLen:]
	if got := sha256.Sum256(body); !bytes.Equal(got[:], sum) {
		return nil, errors.New("model: checksum mismatch (truncated or corrupted file)")
	}
	if f := binary.LittleEndian.Uint32(body[8:]); f != Format {
		return nil, fmt.Errorf("model: file format %d, this server reads %d", f, Format)
	}
	metaLen := int(binary.LittleEndian.Uint32(body[12:]))
	if metaLen > maxMetaLen || headerLen+metaLen > len(body) {
		return nil, errors.New("model: metadata length out of range")
	}
	m := &Model{}
	if err := json.Unmarshal(body[headerLen:headerLen+metaLen], &m.Meta); err != nil {
		return nil, fmt.Errorf("model: metadata: %w", err)
	}
	seen := map[uint32]bool{}
	for rest := body[headerLen+metaLen:]; len(rest) > 0; {
		if len(rest) < 12 {
			return nil, errors.New("model: truncated section header")
		}
		tag, n := binary.LittleEndian.Uint32(rest), binary.LittleEndian.Uint64(rest[4:])
		rest = rest[12:]
		if n > uint64(len(rest)) {
			return nil, fmt.Errorf("model: section %d: %d bytes, only %d left", tag, n, len(rest))
		}
		p := rest[:n]
		rest = rest[n:]
		if seen[tag] {
			return nil, fmt.Errorf("model: section %d twice", tag)
		}
		seen[tag] = true
		var err error
		switch tag {
		case tagItems:
			m.Items, err = decodeIDs(p)
		case tagItemEmb:
			m.ItemEmb, err = decodeF32(p)
		case tagGram:
			m.Gram, err = decodeF32(p)
		case tagPrior:
			m.Prior, err = decodeF32(p)
		case tagNbrOff:
			m.NbrOff, err = decodeU32(p)
		case tagNbrIdx:
			m.NbrIdx, err = decodeU32(p)
		case tagNbrW:
			m.NbrW, err = decodeF32(p)
		case tagWeights:
			m.Weights, err = decodeF32(p)
		default: // a newer trainer's section: skip it
		}
		if err != nil {
			return nil, fmt.Errorf("model: section %d: %w", tag, err)
		}
	}
	for tag := uint32(tagItems); tag <= tagWeights; tag++ {
		if !seen[tag] {
			return nil, fmt.Errorf("model: section %d missing", tag)
		}
	}
	if err := m.Validate(); err != nil {
		return nil, err
	}
	return m, nil
}

func decodeIDs(p []byte) ([]string, error) {
	if len(p) < 4 {
		return nil, errors.New("truncated")
	}
	n := binary.LittleEndian.Uint32(p)
	p = p[4:]
	if uint64(n)*2 > uint64(len(p)) || n > MaxItems {
		return nil, fmt.Errorf("%d ids cannot fit in %d bytes", n, len(p))
	}
	ids := make([]string, n)
	for i := range ids {
		if len(p) < 2 {
			return nil, errors.New("truncated")
		}
		l := int(binary.LittleEndian.Uint16(p))
		if l > len(p)-2 {
			return nil, errors.New("truncated id")
		}
		ids[i] = string(p[2 : 2+l])
		p = p[2+l:]
	}
	if len(p) != 0 {
		return nil, fmt.Errorf("%d bytes after the ids", len(p))
	}
	return ids, nil
}

func decodeF32(p []byte) ([]float32, error) {
	if len(p)%4 != 0 {
		return nil, errors.New("length is not a multiple of 4")
	}
	vs := make([]float32, len(p)/4)
	for i := range vs {
		vs[i] = math.Float32frombits(binary.LittleEndian.Uint32(p[4*i:]))
	}
	return vs, nil
}

func decodeU32(p []byte) ([]uint32, error) {
	if len(p)%4 != 0 {
		return nil, errors.New("length is not a multiple of 4")
	}
	vs := make([]uint32, len(p)/4)
	for i := range vs {
		vs[i] = binary.LittleEndian.Uint32(p[4*i:])
	}
	return vs, nil
}
