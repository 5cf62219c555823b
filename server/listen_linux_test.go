package server

import (
	"context"
	"net"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// Game connections carry no TCP keep-alive (the edge's line checks find
// dead clients), so accepting one costs no keep-alive setsockopt calls.
func TestGameConnectionsHaveNoTCPKeepAlive(t *testing.T) {
	ln, err := listen(context.Background(), "lmp", "127.0.0.1", 0, false)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	a, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	raw, err := a.(*net.TCPConn).SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var on int
	var serr error
	if err := raw.Control(func(fd uintptr) { on, serr = unix.GetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_KEEPALIVE) }); err != nil || serr != nil {
		t.Fatal(err, serr)
	}
	if on != 0 {
		t.Fatalf("SO_KEEPALIVE is %d on an accepted game connection", on)
	}
}
