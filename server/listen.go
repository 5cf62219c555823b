package server

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"syscall"
)

// listen opens a game listener. With reusePort the socket sets
// SO_REUSEPORT before it binds, so several edge processes on one host
// listen on the same ports and the kernel spreads new connections
// between them (Linux; elsewhere it is an error).
//
// Accepted connections get no TCP keep-alive: the edge's line checks
// and deadlines find a silent or half-open client, and the four
// setsockopt calls Go makes per connection to turn keep-alive on were
// a measurable part of a login's system time.
func listen(ctx context.Context, server, host string, port int, reusePort bool) (net.Listener, error) {
	lc := net.ListenConfig{KeepAlive: -1}
	if reusePort {
		if err := ReusePortSupported(); err != nil {
			return nil, err
		}
		lc.Control = setReusePort
	}
	ln, err := lc.Listen(ctx, "tcp", net.JoinHostPort(host, strconv.Itoa(port)))
	if err == nil {
		return ln, nil
	}
	if errors.Is(err, syscall.EADDRINUSE) {
		hint := "another process holds it"
		if reusePort {
			hint += " without SO_REUSEPORT (or as another user): every process sharing the port needs --reuse-port"
		} else {
			hint += "; to run several edges on the same ports, give each --reuse-port"
		}
		return nil, fmt.Errorf("listen %s on port %d (%s): address already in use: %s", server, port, host, hint)
	}
	return nil, fmt.Errorf("listen %s on port %d (%s): %w", server, port, host, err)
}
