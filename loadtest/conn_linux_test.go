//go:build linux

package loadtest

import (
	"bytes"
	"errors"
	"io"
	"net"
	"os"
	"runtime"
	"testing"
	"time"
)

// quietPair dials a quietConn to a fresh loopback listener and returns both ends.
func quietPair(t *testing.T) (*quietConn, net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, _ := ln.Accept()
		accepted <- c
	}()
	c, err := dialQuiet(ln.Addr().String(), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	q, ok := c.(*quietConn)
	if !ok {
		t.Fatalf("dialQuiet returned a %T", c)
	}
	peer := <-accepted
	if peer == nil {
		t.Fatal("accept failed")
	}
	t.Cleanup(func() { q.Close(); peer.Close() })
	return q, peer
}

// A quietConn carries bytes both ways intact, including writes far larger than the socket
// buffers (the write waits for the peer to read, through the netpoller).
func TestQuietConnRoundTrip(t *testing.T) {
	q, peer := quietPair(t)
	big := make([]byte, 8<<20)
	for i := range big {
		big[i] = byte(i * 7)
	}
	got := make(chan []byte, 1)
	go func() {
		b, _ := io.ReadAll(io.LimitReader(peer, int64(len(big))))
		got <- b
		_, _ = peer.Write([]byte("answer"))
	}()
	if n, err := q.Write(big); err != nil || n != len(big) {
		t.Fatalf("Write = %d, %v; want %d, nil", n, err, len(big))
	}
	if b := <-got; !bytes.Equal(b, big) {
		t.Fatalf("the peer read %d bytes, not what was written", len(b))
	}
	buf := make([]byte, 64)
	n, err := io.ReadAtLeast(q, buf, len("answer"))
	if err != nil || string(buf[:n]) != "answer" {
		t.Fatalf("Read = %q, %v", buf[:n], err)
	}
}

// Deadlines set on the connection bound a read that has nothing to read, as a timeout error;
// a peer that closes gives io.EOF; a peer that resets gives an error that is not a timeout.
func TestQuietConnDeadlineEOFReset(t *testing.T) {
	q, peer := quietPair(t)
	buf := make([]byte, 16)
	if err := q.SetReadDeadline(time.Now().Add(20 * time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	_, err := q.Read(buf)
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() || !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("Read past the deadline = %v; want a timeout", err)
	}
	if _, o := classify(err); o != outcomeTimeout {
		t.Errorf("classify(%v) = %v; want a timeout", err, o)
	}
	_ = q.SetReadDeadline(time.Time{})
	peer.Close()
	if _, err := q.Read(buf); err != io.EOF {
		t.Fatalf("Read after the peer closed = %v; want io.EOF", err)
	}

	q2, peer2 := quietPair(t)
	_ = peer2.(*net.TCPConn).SetLinger(0) // close sends a RST
	peer2.Close()
	time.Sleep(10 * time.Millisecond)
	_, werr := q2.Write([]byte("x"))
	_, rerr := q2.Read(buf)
	if werr == nil && rerr == nil {
		t.Fatal("a reset connection read and wrote without an error")
	}
	for _, err := range []error{werr, rerr} {
		if err != nil && err != io.EOF {
			if _, o := classify(err); o != outcomeTransport {
				t.Errorf("classify(%v) = %v; want a transport error", err, o)
			}
		}
	}
}

// Reads and writes allocate nothing.
func TestQuietConnNoAlloc(t *testing.T) {
	q, peer := quietPair(t)
	go func() { _, _ = io.Copy(peer, peer) }() // echo
	msg := []byte("ping-pong")
	buf := make([]byte, len(msg))
	if n := testing.AllocsPerRun(200, func() {
		if _, err := q.Write(msg); err != nil {
			t.Fatal(err)
		}
		if _, err := io.ReadFull(q, buf); err != nil {
			t.Fatal(err)
		}
	}); n != 0 {
		t.Errorf("a write and read allocate %.1f times", n)
	}
}

// The pacer never loses a wake-up, with several Ps polling the network while it arms its timer
// (arming before the netpoller reset the fd's readiness once hung a run here).
func TestPacerManyShortSleeps(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(max(2, runtime.GOMAXPROCS(0))))
	p := newPacer()
	defer p.close()
	stop := make(chan struct{})
	defer close(stop)
	for range 2 { // keep the other Ps busy and polling
		go func() {
			for {
				select {
				case <-stop:
					return
				default:
					time.Sleep(time.Microsecond)
				}
			}
		}()
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 5000 {
			p.sleep(time.Duration(1+i%40) * time.Microsecond)
		}
	}()
	select {
	case <-done:
	case <-time.After(time.Minute): // 5000 sleeps of ≤ 40 µs take well under a second
		t.Fatal("the pacer did not wake up")
	}
}
