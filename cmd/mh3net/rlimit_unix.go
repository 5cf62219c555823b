//go:build unix

package main

import (
	"log/slog"
	"syscall"
)

// raiseFileLimit raises the soft open-file limit to the hard one: every
// game connection is a descriptor, and a soft limit of 1024 would let a
// thousand idle sockets lock every player out. (Go's runtime already
// raises it to one below the hard limit at start on Linux; this makes it
// explicit and logs what the process may hold.) It returns the limit in
// force afterwards.
func raiseFileLimit(log *slog.Logger) uint64 {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		log.Warn("read the open-file limit", "err", err)
		return 0
	}
	old := lim.Cur // after the runtime's own raise: usually hard-1
	if lim.Cur < lim.Max {
		lim.Cur = lim.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
			log.Warn("raise the open-file limit", "soft", old, "hard", lim.Max, "err", err)
			return old
		}
	}
	log.Info("open-file limit", "soft_before", old, "soft", lim.Cur, "hard", lim.Max)
	return lim.Cur
}
