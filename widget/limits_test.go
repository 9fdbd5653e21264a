package widget

import (
	"net/http/httptest"
	"testing"
)

// A visitor on the Internet cannot choose the address their sessions
// count against: X-Forwarded-For is read only from a proxy's address
// (loopback or private), or from the header the operator names.
func TestClientAddress(t *testing.T) {
	for _, tc := range []struct {
		peer, header, forwarded, want string
	}{
		{"198.51.100.9:4321", "", "203.0.113.7", "198.51.100.9"},
		{"127.0.0.1:4321", "", "203.0.113.7", "203.0.113.7"},
		{"10.0.0.2:4321", "", "198.51.100.1, 203.0.113.7", "203.0.113.7"},
		{"127.0.0.1:4321", "", "", "127.0.0.1"},
		{"198.51.100.9:4321", "X-Forwarded-For", "203.0.113.7", "203.0.113.7"},
		{"[2001:db8:5:6:7::8]:4321", "", "203.0.113.7", "2001:db8:5:6::/64"},
		{"[::ffff:198.51.100.9]:4321", "", "", "198.51.100.9"},
	} {
		h := New(nil, Config{AddressHeader: tc.header})
		r := httptest.NewRequest("POST", "/widget/v1/sessions", nil)
		r.RemoteAddr = tc.peer
		if tc.forwarded != "" {
			r.Header.Set("X-Forwarded-For", tc.forwarded)
		}
		if got := h.clientAddress(r); got != tc.want {
			t.Errorf("from %s, header %q, X-Forwarded-For %q: %q, want %q", tc.peer, tc.header, tc.forwarded, got, tc.want)
		}
	}
}
