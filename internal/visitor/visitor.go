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
	peer, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		peer = r.RemoteAddr
	}
	if ip, err := netip.ParseAddr(peer); header == "" && err == nil && (ip.IsLoopback() || ip.IsPrivate()) {
		header = "X-Forwarded-For"
	}
	addr := peer
	if header != "" {
		if last := lastAddress(r.Header.Values(header)); last != "" {
			addr = last
		}
	}
	if ip, err := netip.ParseAddr(addr); err == nil {
		return ip.Unmap().String()
	}
	return addr
}

// lastAddress is the last entry of a header that lists addresses, across
// all its lines: proxies append the address they saw.
func lastAddress(lines []string) string {
	if len(lines) == 0 {
		return ""
	}
	v := lines[len(lines)-1]
	return strings.TrimSpace(v[strings.LastIndexByte(v, ',')+1:])
}
