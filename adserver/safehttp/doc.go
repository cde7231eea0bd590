// Package safehttp is how the adserver fetches URLs that someone else chose: VAST wrapper tags,
// nurl-served markup, win, billing and loss notices, third-party tracking pixels, creative
// mezzanine files. Each of those URLs comes from a bid response or a VAST document, so each
// is a way for an outsider to make the adserver send requests: server-side request forgery
// (SSRF) is the threat this package exists for.
//
// A Guard refuses, at dial time, every address that is not on the public internet — loopback,
// private (RFC 1918, fc00::/7), link-local (169.254.0.0/16 incl. cloud metadata endpoints,
// fe80::/10), shared CGNAT space, unspecified, multicast, broadcast and reserved ranges,
// IPv4-mapped and NAT64/6to4-embedded forms of those — unless the network is on the allow
// list. The check runs on the resolved IP and the connection is made to that same IP, so a
// name that resolves to a public address at check time cannot be re-pointed (DNS rebinding)
// at a private one for the connection. Redirects are followed by hand, each hop dialled through
// the guard.
//
//	g := safehttp.NewGuard(safehttp.MustPrefixes("127.0.0.0/8", "::1/128")) // dev only
//	c := safehttp.NewClient(g, safehttp.Options{MaxBodyBytes: 256 << 10})
//	resp, err := c.Get(deadline, tagURL, nil, buf[:0])
//
// Production allow-lists nothing. `cuepoint dev` allow-lists loopback explicitly, because every
// service runs on 127.0.0.1 there.
//
// Budget: the guard adds a map-free prefix scan per new connection; pooled keep-alive
// connections are reused without a new check (the address they reach was checked when they
// were dialled).
package safehttp
