// Package visitor names the address a request comes from, the same way
// for every part of the server that counts or records it.
package visitor

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// Address is the address r comes from. It is the last address of the
// header named by header, the one the operator's proxy wrote. Without
// that setting, a request from a loopback or private address is taken to
// come through a reverse proxy (a TLS proxy on the same host, say), whose
// X-Forwarded-For then names the visitor, and any other request comes
// from the connection's address: a visitor on the Internet cannot choose
// what counts against them.
func Address(r *http.Request, header string) string {
	peer := peer(r)
	if header == "" && Proxied(r, header) {
		header = "X-Forwarded-For"
	}
	addr := peer
	if header != "" {
		if last := Last(r.Header.Values(header)); last != "" {
			addr = last
		}
	}
	if ip, err := netip.ParseAddr(addr); err == nil {
		return ip.Unmap().String()
	}
	return addr
}

// Proxied says whether r came through a proxy the operator trusts, whose
// X-Forwarded-* headers then count: the operator named an address header,
// or the connection comes from a loopback or private address.
func Proxied(r *http.Request, header string) bool {
	if header != "" {
		return true
	}
	ip, err := netip.ParseAddr(peer(r))
	return err == nil && (ip.IsLoopback() || ip.IsPrivate())
}

// peer is the address of r's connection.
func peer(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// Last is the last entry of a header that lists values, across all its
// lines: proxies append what they saw.
func Last(lines []string) string {
	if len(lines) == 0 {
		return ""
	}
	v := lines[len(lines)-1]
	return strings.TrimSpace(v[strings.LastIndexByte(v, ',')+1:])
}

// Group is the key an address counts under in per-visitor limits: an
// IPv6 address by its /64, which one subscriber usually holds whole, any
// other address as it is.
func Group(addr string) string {
	ip, err := netip.ParseAddr(addr)
	if err != nil {
		return addr
	}
	if ip = ip.Unmap(); ip.Is6() {
		p, _ := ip.Prefix(64)
		return p.String()
	}
	return ip.String()
}
