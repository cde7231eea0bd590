package vast

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Limits applied to documents read from the outside.
const (
	// MaxDocumentBytes is the largest document Parse accepts.
	MaxDocumentBytes = 1 << 20
	// MaxAds is the most ads kept from one document.
	MaxAds = 32
	// MaxListLen is the most entries kept in any list (impressions, tracking events, media
	// files, creatives …) of one ad; the rest are dropped.
	MaxListLen = 64
	// MaxURLLen is the longest URL kept; longer ones are dropped.
	MaxURLLen = 8 << 10
	// maxDepth bounds element nesting.
	maxDepth = 256
)

// ErrTooLarge means the document exceeds MaxDocumentBytes.
var ErrTooLarge = errors.New("vast: document too large")

// ErrNotVAST means the document's root element is not <VAST>.
var ErrNotVAST = errors.New("vast: root element is not VAST")

// errSyntax wraps every malformed-XML error.
var errSyntax = errors.New("vast: XML syntax error")

// Parse reads a VAST document (any 2.0–4.x version). It fails with an error wrapping
// ErrTooLarge, ErrNotVAST or a syntax error; a caller reporting to the document's <Error>
// URLs uses ErrXMLParse for all of them. Fields that cannot be read (a malformed duration, a
// non-numeric width) are left zero rather than failing the whole document.
//
// Parse is a single pass over the bytes by a small XML scanner made for this model (parse.go):
// elements are matched by local name (any namespace, or none, reads the same, so VAST 2, 3
// and 4 documents all work), unknown elements are skipped, only the five predefined entities
// and character references are expanded (a document declaring entities is refused), and the
// only allocations are the strings and slices of the result. It reads what encoding/xml reads
// into the same model (FuzzParse holds the two to each other) at a fraction of the cost.
func Parse(data []byte) (*Document, error) {
	if len(data) > MaxDocumentBytes {
		return nil, fmt.Errorf("%w: %d bytes, limit %d", ErrTooLarge, len(data), MaxDocumentBytes)
	}
	p := &parser{src: data}
	p.prolog()
	if p.err != nil {
		return nil, p.err
	}
	if p.next() != tagStart {
		if p.err != nil {
			return nil, p.err
		}
		return nil, fmt.Errorf("%w: no root element", errSyntax)
	}
	if string(p.name) != "VAST" {
		return nil, ErrNotVAST
	}
	doc := &Document{Version: trimSpace(p.attr("version"))}
	var nAds, nErrs int // lists are cut at their limit before empty entries are dropped
	p.each(func(name string) {
		switch name {
		case "Ad":
			if nAds++; nAds > MaxAds {
				p.skip()
				return
			}
			if ad, ok := p.ad(); ok {
				doc.Ads = append(doc.Ads, ad)
			}
		case "Error":
			u := url(p.text())
			if nErrs++; nErrs <= MaxListLen && u != "" {
				doc.Errors = append(doc.Errors, u)
			}
		default:
			p.skip()
		}
	})
	if p.err != nil {
		return nil, p.err
	}
	return doc, nil
}

func (p *parser) ad() (Ad, bool) {
	ad := Ad{ID: trimSpace(p.attr("id")), Sequence: atoi(p.attr("sequence"))}
	var in inlineReader
	var w wrapperReader
	p.each(func(name string) {
		switch name {
		case "InLine":
			if in.v == nil {
				in.v = &InLine{}
			}
			p.inline(&in)
		case "Wrapper":
			if w.v == nil {
				w.v = &Wrapper{}
			}
			p.wrapper(&w)
		default:
			p.skip()
		}
	})
	switch { // repeated elements merge, as encoding/xml does; an InLine ad wins over a wrapper
	case in.v != nil:
		ad.InLine = in.v
	case w.v != nil:
		ad.Wrapper = w.v
	default:
		return ad, false
	}
	return ad, true
}

// counts keeps how many elements of each list were seen: lists are cut at MaxListLen elements
// before empty entries are dropped.
type counts struct{ errs, imps, creatives, cats int }

type inlineReader struct {
	v *InLine
	n counts
}

type wrapperReader struct {
	v *Wrapper
	n counts
}

// base reads an element the InLine and Wrapper ads share; it reports whether it was one.
func (p *parser) base(name string, n *counts, sys *AdSystem, errs *[]string, imps *[]Impression, pr **Pricing, creatives *[]Creative) bool {
	switch name {
	case "AdSystem":
		if v, ok := p.attrOK("version"); ok {
			sys.Version = trimSpace(v)
		}
		sys.Name = trimSpace(p.text())
	case "Error":
		u := url(p.text())
		if n.errs++; n.errs <= MaxListLen && u != "" {
			*errs = append(*errs, u)
		}
	case "Impression":
		id := trimSpace(p.attr("id"))
		u := url(p.text())
		if n.imps++; n.imps <= MaxListLen && u != "" {
			*imps = append(*imps, Impression{ID: id, URL: u})
		}
	case "Pricing":
		if *pr == nil {
			*pr = &Pricing{}
		}
		if v, ok := p.attrOK("model"); ok {
			(*pr).Model = trimSpace(v)
		}
		if v, ok := p.attrOK("currency"); ok {
			(*pr).Currency = trimSpace(v)
		}
		(*pr).Value = trimSpace(p.text())
	case "Creatives":
		p.each(func(name string) {
			if name == "Creative" {
				if n.creatives++; n.creatives <= MaxListLen {
					*creatives = append(*creatives, p.creative())
					return
				}
			}
			p.skip()
		})
	default:
		return false
	}
	return true
}

func (p *parser) inline(r *inlineReader) {
	in := r.v
	p.each(func(name string) {
		if p.base(name, &r.n, &in.AdSystem, &in.Errors, &in.Impressions, &in.Pricing, &in.Creatives) {
			return
		}
		switch name {
		case "AdServingId":
			in.AdServingID = trimSpace(p.text())
		case "AdTitle":
			in.AdTitle = trimSpace(p.text())
		case "Advertiser":
			in.Advertiser = trimSpace(p.text())
		case "Category":
			auth := trimSpace(p.attr("authority"))
			c := trimSpace(p.text())
			if r.n.cats++; r.n.cats <= MaxListLen && c != "" {
				in.Categories = append(in.Categories, Category{Authority: auth, Code: c})
			}
		default:
			p.skip()
		}
	})
}

func (p *parser) wrapper(r *wrapperReader) {
	w := r.v
	for _, a := range [...]struct {
		name string
		dst  **bool
	}{{"followAdditionalWrappers", &w.FollowAdditionalWrappers}, {"allowMultipleAds", &w.AllowMultipleAds}, {"fallbackOnNoAd", &w.FallbackOnNoAd}} {
		if v, ok := p.attrOK(a.name); ok {
			*a.dst = boolAttr(v)
		}
	}
	p.each(func(name string) {
		if p.base(name, &r.n, &w.AdSystem, &w.Errors, &w.Impressions, &w.Pricing, &w.Creatives) {
			return
		}
		if name == "VASTAdTagURI" {
			w.VASTAdTagURI = url(p.text())
			return
		}
		p.skip()
	})
}

func (p *parser) creative() Creative {
	c := Creative{ID: trimSpace(p.attr("id")), AdID: trimSpace(p.attr("adId")), Sequence: atoi(p.attr("sequence"))}
	var lc linearCounts
	p.each(func(name string) {
		switch name {
		case "UniversalAdId":
			reg := trimSpace(p.attr("idRegistry"))
			v := trimSpace(p.text())
			if len(c.UniversalAdIDs) < MaxListLen {
				c.UniversalAdIDs = append(c.UniversalAdIDs, UniversalAdID{Registry: reg, Value: v})
			}
		case "Linear":
			if c.Linear == nil {
				c.Linear = &Linear{}
			}
			p.linear(c.Linear, &lc)
		default:
			p.skip()
		}
	})
	return c
}

type linearCounts struct{ tracking, media, mezz, clicks int }

func (p *parser) linear(l *Linear, n *linearCounts) {
	if v, ok := p.attrOK("skipoffset"); ok {
		l.SkipOffset = trimSpace(v)
	}
	p.each(func(name string) {
		switch name {
		case "Duration":
			l.Duration, _ = ParseDuration(p.text())
		case "TrackingEvents":
			p.each(func(name string) {
				if name != "Tracking" {
					p.skip()
					return
				}
				ev, off := trimSpace(p.attr("event")), trimSpace(p.attr("offset"))
				u := url(p.text())
				if n.tracking++; n.tracking <= MaxListLen && u != "" {
					l.Tracking = append(l.Tracking, Tracking{Event: ev, Offset: off, URL: u})
				}
			})
		case "MediaFiles":
			p.each(func(name string) {
				var dst *[]MediaFile
				var cnt *int
				switch name {
				case "MediaFile":
					dst, cnt = &l.MediaFiles, &n.media
				case "Mezzanine":
					dst, cnt = &l.Mezzanines, &n.mezz
				default:
					p.skip()
					return
				}
				m := MediaFile{ID: trimSpace(p.attr("id")), Delivery: trimSpace(p.attr("delivery")), Type: trimSpace(p.attr("type")),
					Width: atoi(p.attr("width")), Height: atoi(p.attr("height")), Codec: trimSpace(p.attr("codec")),
					Bitrate: atoi(p.attr("bitrate")), MediaType: trimSpace(p.attr("mediaType"))}
				if size, err := strconv.ParseInt(trimSpace(p.attr("fileSize")), 10, 64); err == nil && size > 0 {
					m.FileSize = size
				}
				m.URL = url(p.text())
				if *cnt++; *cnt <= MaxListLen && m.URL != "" {
					*dst = append(*dst, m)
				}
			})
		case "VideoClicks":
			p.each(func(name string) {
				switch name {
				case "ClickThrough":
					l.ClickThrough = url(p.text())
				case "ClickTracking":
					u := url(p.text())
					if n.clicks++; n.clicks <= MaxListLen && u != "" {
						l.ClickTracking = append(l.ClickTracking, u)
					}
				default:
					p.skip()
				}
			})
		default:
			p.skip()
		}
	})
}

// The scanner.

const (
	tagStart = iota + 1
	tagEnd
	tagEOF
)

type attr struct {
	name  []byte // local name
	value []byte // raw, entities not yet expanded
}

// parser reads src one tag at a time. After next returns tagStart, name, attrs and empty
// describe the tag; the element's content must then be consumed by text, each or skip.
type parser struct {
	src   []byte
	pos   int
	err   error
	name  []byte // local name of the last tag
	attrs []attr
	empty bool     // the last start tag was self-closing
	stack [][]byte // open elements' full names
	buf   []byte   // scratch: text being collected
	save  bool     // collect character data into buf
}

func (p *parser) fail(format string, a ...any) {
	if p.err == nil {
		p.err = fmt.Errorf("%w at byte %d: %s", errSyntax, p.pos, fmt.Sprintf(format, a...))
	}
}

// prolog handles a byte order mark and the XML declaration's encoding.
func (p *parser) prolog() {
	p.src = bytes.TrimPrefix(p.src, []byte("\xef\xbb\xbf"))
	rest := p.src
	for len(rest) > 0 && isSpace(rest[0]) {
		rest = rest[1:]
	}
	if !bytes.HasPrefix(rest, []byte("<?xml")) {
		return
	}
	end := bytes.Index(rest, []byte("?>"))
	if end < 0 {
		p.fail("unterminated XML declaration")
		return
	}
	decl := string(rest[:end])
	i := strings.Index(decl, "encoding")
	if i < 0 {
		return
	}
	enc := decl[i+len("encoding"):]
	enc = strings.TrimLeft(enc, " \t\r\n=")
	if len(enc) == 0 || (enc[0] != '"' && enc[0] != '\'') {
		return
	}
	q := enc[0]
	enc = enc[1:]
	if j := strings.IndexByte(enc, q); j >= 0 {
		enc = enc[:j]
	}
	switch strings.ToLower(enc) {
	case "utf-8", "utf8", "us-ascii", "ascii":
	case "iso-8859-1", "latin1", "latin-1":
		out := make([]byte, 0, len(p.src)+len(p.src)/8)
		for _, c := range p.src {
			out = utf8.AppendRune(out, rune(c))
		}
		p.src = out
	default:
		p.err = fmt.Errorf("vast: unsupported charset %q", enc)
	}
}

// next advances to the next start or end tag, collecting character data on the way when
// p.save is set. It checks that end tags match their start tags.
func (p *parser) next() int {
	for p.err == nil {
		if p.pos >= len(p.src) {
			if len(p.stack) > 0 {
				p.fail("unexpected end of document inside <%s>", p.stack[len(p.stack)-1])
			}
			return tagEOF
		}
		rest := p.src[p.pos:]
		if rest[0] != '<' {
			j := bytes.IndexByte(rest, '<')
			if j < 0 {
				j = len(rest)
			}
			if p.save {
				p.buf = p.unescape(p.buf, rest[:j])
			}
			p.pos += j
			continue
		}
		switch {
		case bytes.HasPrefix(rest, []byte("<!--")):
			end := bytes.Index(rest[4:], []byte("-->"))
			if end < 0 {
				p.fail("unterminated comment")
				return tagEOF
			}
			p.pos += 4 + end + 3
		case bytes.HasPrefix(rest, []byte("<![CDATA[")):
			end := bytes.Index(rest[9:], []byte("]]>"))
			if end < 0 {
				p.fail("unterminated CDATA section")
				return tagEOF
			}
			if len(p.stack) == 0 {
				p.fail("CDATA outside the root element")
				return tagEOF
			}
			if p.save {
				p.buf = appendNewlines(p.buf, rest[9:9+end])
			}
			p.pos += 9 + end + 3
		case bytes.HasPrefix(rest, []byte("<?")):
			end := bytes.Index(rest, []byte("?>"))
			if end < 0 {
				p.fail("unterminated processing instruction")
				return tagEOF
			}
			p.pos += end + 2
		case bytes.HasPrefix(rest, []byte("<!")):
			p.doctype(rest)
		case bytes.HasPrefix(rest, []byte("</")):
			return p.endTag(rest)
		default:
			return p.startTag(rest)
		}
	}
	return tagEOF
}

// doctype skips a directive (<!DOCTYPE …>, <!ELEMENT …>: encoding/xml skips them too); a
// DOCTYPE with an internal subset, which may declare entities, is refused: entities are never
// expanded.
func (p *parser) doctype(rest []byte) {
	depth, quote := 0, byte(0)
	for i := 0; i < len(rest); i++ {
		c := rest[i]
		switch {
		case i == 2 && c != '>': // the directive's first byte is never a quote (as in encoding/xml)
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '<':
			depth++
		case c == '>':
			if depth--; depth == 0 {
				if bytes.HasPrefix(rest, []byte("<!DOCTYPE")) && bytes.IndexByte(rest[:i], '[') >= 0 {
					p.fail("DOCTYPE with an internal subset (entity declarations are not supported)")
					return
				}
				p.pos += i + 1
				return
			}
		}
	}
	p.fail("unterminated <! directive")
}

func (p *parser) endTag(rest []byte) int {
	i := 2
	for i < len(rest) && isNameByte(rest[i]) {
		i++
	}
	full := rest[2:i]
	for i < len(rest) && isSpace(rest[i]) {
		i++
	}
	if i >= len(rest) || rest[i] != '>' || len(full) == 0 {
		p.fail("malformed end tag")
		return tagEOF
	}
	if len(p.stack) == 0 || !bytes.Equal(p.stack[len(p.stack)-1], full) {
		p.fail("end tag </%s> does not match", full)
		return tagEOF
	}
	p.stack = p.stack[:len(p.stack)-1]
	p.name = local(full)
	p.pos += i + 1
	return tagEnd
}

func (p *parser) startTag(rest []byte) int {
	i := 1
	for i < len(rest) && isNameByte(rest[i]) {
		i++
	}
	full := rest[1:i]
	if len(full) == 0 || !isNameStart(full[0]) {
		p.fail("malformed start tag")
		return tagEOF
	}
	p.attrs = p.attrs[:0]
	for {
		for i < len(rest) && isSpace(rest[i]) {
			i++
		}
		if i >= len(rest) {
			p.fail("unterminated start tag <%s>", full)
			return tagEOF
		}
		if rest[i] == '>' || rest[i] == '/' && i+1 < len(rest) && rest[i+1] == '>' {
			p.empty = rest[i] == '/'
			if p.empty {
				i++
			}
			i++
			break
		}
		ns := i
		for i < len(rest) && isNameByte(rest[i]) {
			i++
		}
		name := rest[ns:i]
		for i < len(rest) && isSpace(rest[i]) {
			i++
		}
		if len(name) == 0 || i >= len(rest) || rest[i] != '=' {
			p.fail("malformed attribute in <%s>", full)
			return tagEOF
		}
		i++
		for i < len(rest) && isSpace(rest[i]) {
			i++
		}
		if i >= len(rest) || (rest[i] != '"' && rest[i] != '\'') {
			p.fail("unquoted attribute value in <%s>", full)
			return tagEOF
		}
		q := rest[i]
		end := bytes.IndexByte(rest[i+1:], q)
		if end < 0 {
			p.fail("unterminated attribute value in <%s>", full)
			return tagEOF
		}
		val := rest[i+1 : i+1+end]
		if bytes.IndexByte(val, '<') >= 0 {
			p.fail("'<' in an attribute value of <%s>", full)
			return tagEOF
		}
		p.attrs = append(p.attrs, attr{name: name, value: val})
		i += end + 2
	}
	p.pos += i
	p.name = local(full)
	if !p.empty {
		if len(p.stack) >= maxDepth {
			p.fail("elements nested deeper than %d", maxDepth)
			return tagEOF
		}
		p.stack = append(p.stack, full)
	}
	return tagStart
}

// attr returns the expanded value of the current start tag's attribute with local name n.
func (p *parser) attr(n string) string {
	v, _ := p.attrOK(n)
	return v
}

// attrOK is attr, and whether the attribute is present. A repeated attribute's last value
// counts (as with encoding/xml).
func (p *parser) attrOK(n string) (string, bool) {
	for i := len(p.attrs) - 1; i >= 0; i-- {
		a := p.attrs[i]
		if string(local(a.name)) == n && !bytes.HasPrefix(a.name, []byte("xmlns")) {
			if bytes.IndexByte(a.value, '&') < 0 && bytes.IndexByte(a.value, '\r') < 0 {
				return clean(string(a.value)), true
			}
			return clean(string(p.unescape(nil, a.value))), true
		}
	}
	return "", false
}

// text consumes the current element and returns its own character data (that of nested
// elements excluded), entities expanded.
func (p *parser) text() string {
	if p.empty {
		return ""
	}
	p.buf, p.save = p.buf[:0], true
	depth := len(p.stack)
	for {
		switch p.next() {
		case tagStart:
			if !p.empty {
				keep := len(p.buf)
				p.skipOpen()
				p.buf, p.save = p.buf[:keep], true
			}
		case tagEnd:
			if len(p.stack) < depth {
				p.save = false
				return clean(string(p.buf))
			}
		default:
			p.save = false
			return ""
		}
	}
}

// each consumes the current element, calling f with the local name of each child element
// after its start tag; f must consume the child (text, each or skip).
func (p *parser) each(f func(name string)) {
	if p.empty {
		return
	}
	depth := len(p.stack)
	for p.err == nil {
		switch p.next() {
		case tagStart:
			empty := p.empty
			f(string(p.name))
			if p.err == nil && !empty && len(p.stack) > depth {
				p.fail("child element not consumed") // a bug in the model walker, not in the input
			}
		case tagEnd:
			if len(p.stack) < depth {
				return
			}
		default:
			return
		}
	}
}

// skip consumes the current element.
func (p *parser) skip() {
	if !p.empty {
		p.skipOpen()
	}
}

// skipOpen consumes the content and end tag of the element just opened.
func (p *parser) skipOpen() {
	p.save = false
	depth := len(p.stack)
	for p.err == nil && len(p.stack) >= depth {
		if p.next() == tagEOF {
			return
		}
	}
}

// appendNewlines appends s with line ends normalized as XML requires: "\r\n" and a lone "\r"
// become "\n".
func appendNewlines(dst, s []byte) []byte {
	for {
		i := bytes.IndexByte(s, '\r')
		if i < 0 {
			return append(dst, s...)
		}
		dst = append(dst, s[:i]...)
		dst = append(dst, '\n')
		s = s[i+1:]
		if len(s) > 0 && s[0] == '\n' {
			s = s[1:]
		}
	}
}

// unescape appends s to dst with line ends normalized and the predefined entities and
// character references expanded.
func (p *parser) unescape(dst, s []byte) []byte {
	for {
		i := bytes.IndexByte(s, '&')
		if i < 0 {
			return appendNewlines(dst, s)
		}
		dst = appendNewlines(dst, s[:i])
		s = s[i:]
		end := bytes.IndexByte(s, ';')
		if end < 0 || end > 12 {
			p.fail("unterminated entity reference")
			return dst
		}
		ent := s[1:end]
		switch string(ent) {
		case "lt":
			dst = append(dst, '<')
		case "gt":
			dst = append(dst, '>')
		case "amp":
			dst = append(dst, '&')
		case "apos":
			dst = append(dst, '\'')
		case "quot":
			dst = append(dst, '"')
		default:
			r, ok := charRef(ent)
			if !ok {
				p.fail("unknown entity &%s;", ent)
				return dst
			}
			dst = utf8.AppendRune(dst, r)
		}
		s = s[end+1:]
	}
}

func charRef(ent []byte) (rune, bool) {
	if len(ent) < 2 || ent[0] != '#' {
		return 0, false
	}
	var n uint64
	var err error
	if ent[1] == 'x' {
		n, err = strconv.ParseUint(string(ent[2:]), 16, 32)
	} else {
		n, err = strconv.ParseUint(string(ent[1:]), 10, 32)
	}
	r := rune(n)
	if err != nil || !isXMLChar(r) {
		return 0, false
	}
	return r, true
}

func isXMLChar(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D || r >= 0x20 && r <= 0xD7FF || r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF
}

// clean drops what XML may not carry — invalid UTF-8, C0 controls other than tab, newline and
// carriage return, U+FFFE and U+FFFF — as the writer does, so that what is read and written
// back reads the same.
func clean(s string) string {
	ok := true
	for i := 0; i < len(s) && ok; i++ {
		c := s[i]
		ok = c >= 0x20 && c < 0x80 || c == '\t' || c == '\n' || c == '\r'
	}
	if ok {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if !(r == utf8.RuneError && size == 1) && isXMLChar(r) {
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return string(b)
}

// local strips a namespace prefix.
func local(name []byte) []byte {
	if i := bytes.IndexByte(name, ':'); i >= 0 {
		return name[i+1:]
	}
	return name
}

func isNameStart(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == ':' || c >= 0x80
}

func isNameByte(c byte) bool {
	return isNameStart(c) || c >= '0' && c <= '9' || c == '-' || c == '.'
}

// url trims a URL and drops one that is too long or has control characters inside.
func url(s string) string {
	s = trimSpace(s)
	if len(s) > MaxURLLen {
		return ""
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] == 0x7f {
			return ""
		}
	}
	return s
}

func atoi(s string) int {
	n, err := strconv.Atoi(trimSpace(s))
	if err != nil || n < 0 || n > 1<<30 {
		return 0
	}
	return n
}

func boolAttr(s string) *bool {
	switch trimSpace(s) {
	case "true", "1":
		t := true
		return &t
	case "false", "0":
		f := false
		return &f
	}
	return nil
}
