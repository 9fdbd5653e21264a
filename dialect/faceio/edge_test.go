package faceio_test

import (
	"bufio"
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

// A key sent in a header is checked before the body is read: an unknown
// one is refused at once, however slowly its body comes.
func TestHeaderKeyCheckedBeforeBody(t *testing.T) {
	f := newFixture(t)
	host := strings.TrimPrefix(strings.TrimSuffix(f.base, "/faceio"), "http://")
	conn, err := net.Dial("tcp", host)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// A body too large for net/http to drain before answering (256 KB), so
	// that only the handler's own reading could hold the answer back.
	io.WriteString(conn, "POST /faceio/checkfacialid HTTP/1.1\r\nHost: v\r\nAuthorization: Bearer vsk_notakeyatallnotakeyatall\r\n"+
		"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 300000\r\n\r\nfid=")
	go func() {
		for range 100 {
			if _, err := io.WriteString(conn, "a"); err != nil {
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
	}()
	conn.SetReadDeadline(time.Now().Add(2 * time.Second))
	status, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil || !strings.HasPrefix(status, "HTTP/1.1 401") {
		t.Fatalf("unknown key with a slow body: %q %v, want 401 before the body is read", status, err)
	}
}
