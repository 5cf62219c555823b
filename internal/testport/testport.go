// Package testport hands out loopback TCP ports for tests that start
// processes which must be told their port in advance.
//
// Asking the kernel for a free port (listen on :0, close, return it) is
// racy: the kernel may hand the same port to the next caller at once, and
// another test process may take it before the child binds it (CI once saw
// `up` given the same port for OPN and FMP). Ports here come from below the
// kernel's ephemeral range, so nothing else is given them by accident, and
// each is claimed with a lock file held until the test process exits, so
// test binaries running in parallel never hand out the same port.
package testport

import (
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
)

// The range sits under Linux's default ephemeral range (32768–60999) and
// above the ports that well-known services use.
const (
	lo = 20000
	hi = 32000
)

var (
	mu    sync.Mutex
	taken = map[int]*os.File{} // lock files held for the life of the process
)

// Get returns a port on 127.0.0.1 that nobody listens on and that no other
// test (in this process or another) has been given.
func Get(t testing.TB) int {
	t.Helper()
	p, err := Claim()
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// Claim is Get without a testing.TB.
func Claim() (int, error) {
	dir := filepath.Join(os.TempDir(), "mh3net-testports")
	if err := os.MkdirAll(dir, 0o777); err != nil {
		return 0, fmt.Errorf("testport: %w", err)
	}
	mu.Lock()
	defer mu.Unlock()
	for range 1000 {
		p := lo + rand.IntN(hi-lo)
		if _, ok := taken[p]; ok {
			continue
		}
		f, err := os.OpenFile(filepath.Join(dir, fmt.Sprint(p)), os.O_CREATE|os.O_RDWR, 0o666)
		if err != nil {
			continue
		}
		if syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) != nil {
			f.Close() // another test process holds it
			continue
		}
		l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", p))
		if err != nil {
			f.Close() // in use by something that is not a test
			continue
		}
		l.Close()
		taken[p] = f
		return p, nil
	}
	return 0, fmt.Errorf("testport: no free port in %d-%d", lo, hi)
}
