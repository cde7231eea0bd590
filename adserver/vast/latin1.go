package vast

import (
	"io"
	"unicode/utf8"
)

// latin1Reader converts ISO-8859-1 to UTF-8: every byte is the code point of the same value.
type latin1Reader struct {
	r    io.Reader
	in   [512]byte
	obuf []byte
	out  []byte
}

func (l *latin1Reader) Read(p []byte) (int, error) {
	for len(l.out) == 0 {
		n, err := l.r.Read(l.in[:])
		l.obuf = l.obuf[:0]
		for _, b := range l.in[:n] {
			l.obuf = utf8.AppendRune(l.obuf, rune(b))
		}
		l.out = l.obuf
		if n == 0 && err != nil {
			return 0, err
		}
	}
	n := copy(p, l.out)
	l.out = l.out[n:]
	return n, nil
}
