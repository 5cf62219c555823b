//go:build !linux

package server

import (
	"errors"
	"syscall"
)

// ReusePortSupported reports whether listeners can share ports with
// SO_REUSEPORT here: only Linux spreads connections over the processes
// that share a port, so other systems refuse --reuse-port.
func ReusePortSupported() error {
	return errors.New("SO_REUSEPORT is not supported on this OS")
}

func setReusePort(_, _ string, _ syscall.RawConn) error { return ReusePortSupported() }
