package safehttp

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"time"
)

// ErrRefused is wrapped by every error for an address the guard refuses.
var ErrRefused = errors.New("safehttp: address refused")

// RefusedError names the host and the address that was refused, and why.
type RefusedError struct {
	Host   string
	Addr   netip.Addr
	Reason string
}

func (e *RefusedError) Error() string {
	return fmt.Sprintf("safehttp: refusing to connect to %s (%s): %s address", e.Host, e.Addr, e.Reason)
}

func (e *RefusedError) Unwrap() error { return ErrRefused }

// special lists the non-public ranges netip's predicates do not already cover.
var special = []struct {
	p      netip.Prefix
	reason string
}{
	{netip.MustParsePrefix("0.0.0.0/8"), "this-network"},
	{netip.MustParsePrefix("100.64.0.0/10"), "shared (CGNAT)"},
	{netip.MustParsePrefix("192.0.0.0/24"), "IETF protocol assignment"},
	{netip.MustParsePrefix("198.18.0.0/15"), "benchmarking"},
	{netip.MustParsePrefix("240.0.0.0/4"), "reserved"},
	{netip.MustParsePrefix("fec0::/10"), "site-local"},
	{netip.MustParsePrefix("100::/64"), "discard-only"},
	{netip.MustParsePrefix("2001:db8::/32"), "documentation"},
}

var (
	nat64     = netip.MustParsePrefix("64:ff9b::/96") // IPv4 in the last 32 bits
	sixToFour = netip.MustParsePrefix("2002::/16")    // IPv4 in bits 16..47
)

// Guard decides which IP addresses outgoing connections may reach, and dials through that
// decision. The zero value refuses every non-public address; it is safe for concurrent use.
type Guard struct {
	allow    []netip.Prefix
	resolver *net.Resolver
	dialer   net.Dialer
}

// NewGuard returns a guard that also permits the networks in allow.
func NewGuard(allow []netip.Prefix) *Guard {
	return &Guard{allow: append([]netip.Prefix(nil), allow...), resolver: net.DefaultResolver}
}

// ParsePrefixes reads networks ("127.0.0.0/8", "::1/128") and single addresses ("10.0.0.7").
func ParsePrefixes(specs []string) ([]netip.Prefix, error) {
	out := make([]netip.Prefix, 0, len(specs))
	for _, s := range specs {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		if p, err := netip.ParsePrefix(s); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(s)
		if err != nil {
			return nil, fmt.Errorf("%q is neither an address nor a network (CIDR)", s)
		}
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

// MustPrefixes is ParsePrefixes for constant lists; it panics on a bad entry.
func MustPrefixes(specs ...string) []netip.Prefix {
	p, err := ParsePrefixes(specs)
	if err != nil {
		panic(err)
	}
	return p
}

// Check returns nil when a may be reached, and the reason it may not otherwise (a
// non-public address not on the allow list).
func (g *Guard) Check(a netip.Addr) (reason string) {
	a = a.Unmap()
	for _, p := range g.allow {
		if p.Contains(a) {
			return ""
		}
	}
	if reason := nonPublic(a); reason != "" {
		return reason
	}
	// Public IPv6 prefixes that embed an IPv4 address: judge the embedded one.
	if a.Is6() {
		b := a.As16()
		var v4 netip.Addr
		switch {
		case nat64.Contains(a):
			v4 = netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]})
		case sixToFour.Contains(a):
			v4 = netip.AddrFrom4([4]byte{b[2], b[3], b[4], b[5]})
		}
		if v4.IsValid() {
			if r := g.Check(v4); r != "" {
				return r + " (embedded in " + a.String() + ")"
			}
		}
	}
	return ""
}

func nonPublic(a netip.Addr) string {
	switch {
	case !a.IsValid():
		return "invalid"
	case a.IsLoopback():
		return "loopback"
	case a.IsPrivate():
		return "private"
	case a.IsLinkLocalUnicast():
		return "link-local"
	case a.IsUnspecified():
		return "unspecified"
	case a.IsMulticast() || a.IsLinkLocalMulticast() || a.IsInterfaceLocalMulticast():
		return "multicast"
	}
	for _, s := range special {
		if s.p.Contains(a) {
			return s.reason
		}
	}
	return ""
}

// Resolve returns the addresses of host that the guard permits, in resolver order, or an
// error wrapping ErrRefused when it permits none.
func (g *Guard) Resolve(ctx context.Context, host string) ([]netip.Addr, error) {
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	var addrs []netip.Addr
	if a, err := netip.ParseAddr(host); err == nil {
		addrs = []netip.Addr{a}
	} else {
		r := g.resolver
		if r == nil {
			r = net.DefaultResolver
		}
		addrs, err = r.LookupNetIP(ctx, "ip", host)
		if err != nil {
			return nil, fmt.Errorf("safehttp: resolve %s: %w", host, err)
		}
	}
	ok := addrs[:0:0]
	var refused *RefusedError
	for _, a := range addrs {
		if r := g.Check(a); r != "" {
			if refused == nil {
				refused = &RefusedError{Host: host, Addr: a.Unmap(), Reason: r}
			}
			continue
		}
		ok = append(ok, a.Unmap())
	}
	if len(ok) == 0 {
		if refused == nil {
			return nil, fmt.Errorf("safehttp: %s has no address", host)
		}
		return nil, refused
	}
	return ok, nil
}

// DialTimeout connects to addr ("host:port") within timeout, to the first address of host the
// guard permits that answers. Its signature is fasthttp's DialFuncWithTimeout.
func (g *Guard) DialTimeout(addr string, timeout time.Duration) (net.Conn, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("safehttp: %w", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	addrs, err := g.Resolve(ctx, host)
	if err != nil {
		return nil, err
	}
	var last error
	for _, a := range addrs {
		c, err := g.dialer.DialContext(ctx, "tcp", net.JoinHostPort(a.String(), port))
		if err == nil {
			return c, nil
		}
		last = err
		if ctx.Err() != nil {
			break
		}
	}
	return nil, fmt.Errorf("safehttp: dial %s: %w", addr, last)
}
