//go:build linux

package server

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// ReusePortSupported reports whether listeners can share ports with
// SO_REUSEPORT here (nil on Linux).
func ReusePortSupported() error { return nil }

func setReusePort(_, _ string, c syscall.RawConn) error {
	var serr error
	if err := c.Control(func(fd uintptr) {
		serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_REUSEPORT, 1)
	}); err != nil {
		return err
	}
	return serr
}
