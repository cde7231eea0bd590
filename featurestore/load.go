package featurestore

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	json "github.com/goccy/go-json"
)

// Load formats.
const (
	FormatJSONL = "jsonl"
	FormatCSV   = "csv"
)

// LoadOptions tune Load.
type LoadOptions struct {
	Format      string // FormatJSONL or FormatCSV
	Concurrency int    // writes in flight (default 16)
	// Progress, when set, is called about every ProgressEvery and once at the end.
	Progress      func(LoadProgress)
	ProgressEvery time.Duration // default 200 ms
}

// LoadProgress is how far a Load got.
type LoadProgress struct {
	Bytes    int64 // input bytes read
	Rows     int64 // rows parsed (header excluded)
	Written  int64
	Rejected int64
	Done     bool
}

// LoadReport is the outcome of a Load.
type LoadReport struct {
	LoadProgress
	// Rejections are the first maxRejections rejected rows with their reasons.
	Rejections []Rejection
}

// Rejection is a row Load did not write, and why.
type Rejection struct {
	Line   int
	Reason string
}

const (
	maxRejections   = 20
	maxLoadLine     = 4 << 20
	loadWriteTries  = 4
	loadRetryPause  = 200 * time.Millisecond
	defaultLoadConc = 16
)

// loadRow is one parsed, validated row.
type loadRow struct {
	line  int
	view  *View
	id    string
	event time.Time
	value []byte
}

// Load writes the rows of a JSONL or CSV file (docs/features.md has both formats) to the
// Store: each row is one view of one entity. Rows that do not parse or validate are rejected
// with their line number and reason; the others are written Concurrency at a time, each
// retried while Cassandra is unavailable. Writes are idempotent and the latest event time
// wins, so loading a file twice, or after newer stream updates, changes nothing. The error is
// non-nil when reading the input failed or ctx ended; the report counts what was done.
func Load(ctx context.Context, s *Store, r io.Reader, opts LoadOptions) (LoadReport, error) {
	if opts.Concurrency <= 0 {
		opts.Concurrency = defaultLoadConc
	}
	if opts.ProgressEvery <= 0 {
		opts.ProgressEvery = 200 * time.Millisecond
	}
	var (
		rep      LoadReport
		mu       sync.Mutex // guards rep.Rejections
		bytesIn  atomic.Int64
		rows     atomic.Int64
		written  atomic.Int64
		rejected atomic.Int64
	)
	reject := func(line int, reason string) {
		rejected.Add(1)
		mu.Lock()
		if len(rep.Rejections) < maxRejections {
			rep.Rejections = append(rep.Rejections, Rejection{Line: line, Reason: reason})
		}
		mu.Unlock()
	}
	snapshot := func(done bool) LoadProgress {
		return LoadProgress{Bytes: bytesIn.Load(), Rows: rows.Load(), Written: written.Load(), Rejected: rejected.Load(), Done: done}
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	work := make(chan loadRow, opts.Concurrency*2)
	var wg sync.WaitGroup
	for range opts.Concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for row := range work {
				if err := writeWithRetry(ctx, s, row); err != nil {
					reject(row.line, err.Error())
					continue
				}
				written.Add(1)
			}
		}()
	}
	stopProgress := make(chan struct{})
	progressDone := make(chan struct{})
	go func() {
		defer close(progressDone)
		if opts.Progress == nil {
			return
		}
		t := time.NewTicker(opts.ProgressEvery)
		defer t.Stop()
		for {
			select {
			case <-stopProgress:
				return
			case <-t.C:
				opts.Progress(snapshot(false))
			}
		}
	}()

	in := &countingReader{r: r, n: &bytesIn}
	emit := func(row loadRow, err error) bool {
		rows.Add(1)
		if err != nil {
			reject(row.line, err.Error())
			return true
		}
		select {
		case work <- row:
			return true
		case <-ctx.Done():
			return false
		}
	}
	var readErr error
	switch opts.Format {
	case FormatJSONL:
		readErr = scanJSONL(in, s.reg, emit)
	case FormatCSV:
		readErr = scanCSV(in, s.reg, emit)
	default:
		readErr = fmt.Errorf("load format %q: want %s or %s", opts.Format, FormatJSONL, FormatCSV)
	}
	close(work)
	wg.Wait()
	close(stopProgress)
	<-progressDone
	rep.LoadProgress = snapshot(true)
	if opts.Progress != nil {
		opts.Progress(rep.LoadProgress)
	}
	if readErr == nil {
		readErr = ctx.Err()
	}
	return rep, readErr
}

// writeWithRetry writes one row, retrying while Cassandra is unavailable.
func writeWithRetry(ctx context.Context, s *Store, row loadRow) error {
	var err error
	for try := 0; try < loadWriteTries; try++ {
		if try > 0 {
			select {
			case <-time.After(loadRetryPause << (try - 1)):
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		if err = s.PutEncoded(ctx, row.view, row.id, row.value, row.event); err == nil || !IsUnavailable(err) {
			return err
		}
	}
	return err
}

type countingReader struct {
	r io.Reader
	n *atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// scanJSONL parses one row per line; blank lines are skipped.
func scanJSONL(r io.Reader, reg *Registry, emit func(loadRow, error) bool) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), maxLoadLine)
	line := 0
	for sc.Scan() {
		line++
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 {
			continue
		}
		row, err := parseJSONLRow(reg, b)
		row.line = line
		if !emit(row, err) {
			return nil
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("line %d: %w", line+1, err)
	}
	return nil
}

// jsonlRow is one line of a JSONL load file.
type jsonlRow struct {
	EntityType string          `json:"entity_type"`
	EntityID   string          `json:"entity_id"`
	View       string          `json:"view"`
	EventTime  json.RawMessage `json:"event_time"`
	Features   json.RawMessage `json:"features"`
}

// parseJSONLRow parses and validates one JSONL row:
//
//	{"entity_type":"user","entity_id":"viewer-1","view":"profile","event_time":"2026-05-01T00:00:00Z","features":{…}}
//
// event_time (RFC 3339 or Unix ms) is optional: the time of the write.
func parseJSONLRow(reg *Registry, b []byte) (loadRow, error) {
	var jr jsonlRow
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&jr); err != nil {
		return loadRow{}, badRequest("invalid JSON row: %v", err)
	}
	if dec.More() {
		return loadRow{}, badRequest("invalid JSON row: data after the object")
	}
	var event time.Time
	if raw := bytes.TrimSpace(jr.EventTime); len(raw) > 0 && !bytes.Equal(raw, []byte("null")) {
		s := string(raw)
		if raw[0] == '"' {
			if err := json.Unmarshal(raw, &s); err != nil {
				return loadRow{}, badRequest("event_time: %v", err)
			}
		}
		var err error
		if event, err = parseEventTime(s); err != nil {
			return loadRow{}, err
		}
	}
	v, err := reg.View(jr.EntityType, jr.View)
	if err != nil {
		return loadRow{}, err
	}
	if err := CheckID(jr.EntityID); err != nil {
		return loadRow{}, err
	}
	if len(jr.Features) == 0 {
		return loadRow{}, badRequest(`row needs "features"`)
	}
	fields, err := v.ParseFields(jr.Features)
	if err != nil {
		return loadRow{}, err
	}
	value, err := v.Encode(fields, nil)
	if err != nil {
		return loadRow{}, err
	}
	return loadRow{view: v, id: jr.EntityID, event: event, value: value}, nil
}

// scanCSV parses a CSV file whose header names the columns: entity_type, entity_id and view
// (required), event_time (optional), then feature names. Each row sets the features of its
// view; cells of features that are not its view's must be empty.
func scanCSV(r io.Reader, reg *Registry, emit func(loadRow, error) bool) error {
	cr := csv.NewReader(r)
	cr.ReuseRecord = true
	head, err := cr.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil
		}
		return fmt.Errorf("csv header: %w", err)
	}
	h, err := parseCSVHeader(head)
	if err != nil {
		return err
	}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			var pe *csv.ParseError
			if !errors.As(err, &pe) {
				return err // reading failed
			}
			// A malformed row (wrong field count, stray quote) is rejected; the reader goes on
			// with the next line.
			reason := badRequest("%v", pe.Err)
			if errors.Is(pe.Err, csv.ErrFieldCount) {
				reason = badRequest("%d fields, the header has %d", len(rec), len(h.cols))
			}
			if !emit(loadRow{line: pe.Line}, reason) {
				return nil
			}
			continue
		}
		line, _ := cr.FieldPos(0)
		row, err := h.parseRecord(reg, rec)
		row.line = line
		if !emit(row, err) {
			return nil
		}
	}
}

// csvHeader is the meaning of a CSV file's columns.
type csvHeader struct {
	cols                 []string
	typ, id, view, event int // column indexes; event -1 when absent
}

func parseCSVHeader(head []string) (csvHeader, error) {
	h := csvHeader{cols: append([]string(nil), head...), typ: -1, id: -1, view: -1, event: -1}
	seen := map[string]bool{}
	for i, c := range h.cols {
		c = strings.TrimSpace(strings.TrimPrefix(c, "\ufeff"))
		h.cols[i] = c
		if seen[c] {
			return h, fmt.Errorf("csv header: column %q twice", c)
		}
		seen[c] = true
		switch c {
		case "entity_type":
			h.typ = i
		case "entity_id":
			h.id = i
		case "view":
			h.view = i
		case "event_time":
			h.event = i
		}
	}
	if h.typ < 0 || h.id < 0 || h.view < 0 {
		return h, fmt.Errorf("csv header needs entity_type, entity_id and view columns, got %q", strings.Join(h.cols, ","))
	}
	return h, nil
}

// parseRecord parses and validates one CSV record.
func (h csvHeader) parseRecord(reg *Registry, rec []string) (loadRow, error) {
	v, err := reg.View(rec[h.typ], rec[h.view])
	if err != nil {
		return loadRow{}, err
	}
	id := rec[h.id]
	if err := CheckID(id); err != nil {
		return loadRow{}, err
	}
	var event time.Time
	if h.event >= 0 {
		if event, err = parseEventTime(rec[h.event]); err != nil {
			return loadRow{}, err
		}
	}
	fields := Fields{}
	for i, cell := range rec {
		if i == h.typ || i == h.id || i == h.view || i == h.event || cell == "" {
			continue
		}
		f := v.Feature(h.cols[i])
		if f == nil {
			return loadRow{}, badRequest("column %q is not a feature of view %s/%s, but the cell is set", h.cols[i], v.Entity, v.Name)
		}
		val, err := f.parseCell(cell)
		if err != nil {
			return loadRow{}, badRequest("column %q wants %s: %v", f.Name, f.describe(), err)
		}
		fields[f.Name] = val
	}
	value, err := v.Encode(fields, nil)
	if err != nil {
		return loadRow{}, err
	}
	return loadRow{view: v, id: id, event: event, value: value}, nil
}

// parseCell reads a CSV cell: numbers and strings plain, vectors and lists as JSON arrays.
func (f *Feature) parseCell(cell string) (any, error) {
	switch f.Kind {
	case Float:
		return strconv.ParseFloat(strings.TrimSpace(cell), 64)
	case Int:
		return strconv.ParseInt(strings.TrimSpace(cell), 10, 64)
	case String:
		return cell, nil
	default:
		return f.parseJSON(json.RawMessage(cell))
	}
}
