package natsrv

import (
	"errors"
	"io"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"
	_ "unsafe" // go:linkname

	"github.com/nats-io/nats-server/v2/server"
)

// The embedded server's own in-process connection (server.InProcessConn)
// is a net.Pipe: every write waits until the other side has read it, so
// each write is two goroutine hand-offs (there and back), and on an idle
// machine each hand-off wakes a processor. InProcess gives a connection
// whose writes are buffered instead: a write returns at once, and the
// reader takes whatever has piled up in one read.

// createClientInProcess is the server's own start of an in-process client
// on a connection (what InProcessConn does with its net.Pipe). The server
// offers no other way to hand it a connection.
//
//go:linkname createClientInProcess github.com/nats-io/nats-server/v2/server.(*Server).createClientInProcess
func createClientInProcess(s *server.Server, conn net.Conn) uintptr

// InProcess is an in-process connection provider for nats.InProcessServer
// with buffered connections.
type InProcess struct{ *server.Server }

// InProcessConn starts a client of the server on one end of a buffered
// pipe and returns the other end.
func (p InProcess) InProcessConn() (net.Conn, error) {
	if !p.Running() {
		return nil, errors.New("nats server not running")
	}
	client, srv := bufferedPipe()
	go createClientInProcess(p.Server, srv)
	return client, nil
}

// pipeLimit is how many bytes one direction holds before writes wait for
// the reader (what a slow reader can make the writer keep).
const pipeLimit = 8 << 20

// pipeKeep is the largest buffer an emptied direction keeps.
const pipeKeep = 64 << 10

// pipeDir is one direction of a buffered pipe.
type pipeDir struct {
	mu         sync.Mutex
	data       []byte
	off        int
	readerGone bool // the reading end closed
	writerGone bool // the writing end closed
	readable   chan struct{}
	writable   chan struct{}
}

func newPipeDir() *pipeDir {
	return &pipeDir{readable: make(chan struct{}, 1), writable: make(chan struct{}, 1)}
}

func signal(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

// pipeEnd is one end of a buffered pipe.
type pipeEnd struct {
	rx, tx   *pipeDir
	rdl, wdl deadline

	closeOnce sync.Once
}

func bufferedPipe() (*pipeEnd, *pipeEnd) {
	a, b := newPipeDir(), newPipeDir()
	return &pipeEnd{rx: a, tx: b}, &pipeEnd{rx: b, tx: a}
}

// deadline is the read or the write deadline of an end. nats.go sets a
// write deadline around every write and the server around every flush,
// mostly with nobody waiting; only a change while a Read (or Write)
// waits wakes it, to look again.
type deadline struct {
	at      atomic.Int64 // Unix nanoseconds; 0: none
	waiters atomic.Int32
	mu      sync.Mutex
	changed chan struct{} // closed and replaced on a change with waiters
}

func (d *deadline) set(t time.Time) {
	var at int64
	if !t.IsZero() {
		at = t.UnixNano()
	}
	d.mu.Lock()
	d.at.Store(at)
	if d.waiters.Load() > 0 && d.changed != nil {
		close(d.changed)
		d.changed = nil
	}
	d.mu.Unlock()
}

// expired reports whether the deadline has passed.
func (d *deadline) expired() bool {
	at := d.at.Load()
	return at != 0 && time.Now().UnixNano() >= at
}

// wait blocks until c is signalled, or the deadline passes or changes.
func (d *deadline) wait(c chan struct{}) error {
	// Counted before the deadline is read: a setter that finds no waiter
	// stored its deadline before this reads it.
	d.waiters.Add(1)
	defer d.waiters.Add(-1)
	d.mu.Lock()
	if d.changed == nil {
		d.changed = make(chan struct{})
	}
	changed := d.changed
	d.mu.Unlock()
	at := d.at.Load()
	if at == 0 {
		select {
		case <-c:
		case <-changed:
		}
		return nil
	}
	wait := time.Until(time.Unix(0, at))
	if wait <= 0 {
		return os.ErrDeadlineExceeded
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-c:
	case <-changed:
	case <-t.C:
		return os.ErrDeadlineExceeded
	}
	return nil
}

func (e *pipeEnd) Read(b []byte) (int, error) {
	d := e.rx
	for {
		d.mu.Lock()
		if d.readerGone {
			d.mu.Unlock()
			return 0, io.ErrClosedPipe
		}
		if e.rdl.expired() {
			d.mu.Unlock()
			return 0, os.ErrDeadlineExceeded
		}
		if n := len(d.data) - d.off; n > 0 {
			full := n >= pipeLimit
			n = copy(b, d.data[d.off:])
			d.off += n
			if d.off == len(d.data) {
				// Empty: start again at the front, and give back a
				// buffer a burst grew.
				d.data, d.off = d.data[:0], 0
				if cap(d.data) > pipeKeep {
					d.data = nil
				}
			}
			d.mu.Unlock()
			if full {
				signal(d.writable)
			}
			return n, nil
		}
		if d.writerGone {
			d.mu.Unlock()
			return 0, io.EOF
		}
		d.mu.Unlock()
		if len(b) == 0 {
			return 0, nil
		}
		if err := e.rdl.wait(d.readable); err != nil {
			return 0, err
		}
	}
}

func (e *pipeEnd) Write(b []byte) (int, error) {
	d := e.tx
	for {
		d.mu.Lock()
		if d.writerGone {
			d.mu.Unlock()
			return 0, io.ErrClosedPipe
		}
		if d.readerGone {
			d.mu.Unlock()
			return 0, io.ErrClosedPipe
		}
		if e.wdl.expired() {
			d.mu.Unlock()
			return 0, os.ErrDeadlineExceeded
		}
		if len(d.data)-d.off < pipeLimit {
			if d.off > 0 && len(d.data)+len(b) > cap(d.data) {
				// Move what is left to the front before growing.
				n := copy(d.data, d.data[d.off:])
				d.data, d.off = d.data[:n], 0
			}
			d.data = append(d.data, b...)
			d.mu.Unlock()
			signal(d.readable)
			return len(b), nil
		}
		d.mu.Unlock()
		if err := e.wdl.wait(d.writable); err != nil {
			return 0, err
		}
	}
}

func (e *pipeEnd) Close() error {
	e.closeOnce.Do(func() {
		e.rx.mu.Lock()
		e.rx.readerGone = true
		e.rx.mu.Unlock()
		signal(e.rx.writable)
		signal(e.rx.readable)
		e.tx.mu.Lock()
		e.tx.writerGone = true
		e.tx.mu.Unlock()
		signal(e.tx.readable)
		signal(e.tx.writable)
	})
	return nil
}

type pipeAddr struct{}

func (pipeAddr) Network() string { return "pipe" }
func (pipeAddr) String() string  { return "pipe" }

func (e *pipeEnd) LocalAddr() net.Addr  { return pipeAddr{} }
func (e *pipeEnd) RemoteAddr() net.Addr { return pipeAddr{} }

func (e *pipeEnd) SetDeadline(t time.Time) error {
	e.rdl.set(t)
	e.wdl.set(t)
	return nil
}

func (e *pipeEnd) SetReadDeadline(t time.Time) error  { e.rdl.set(t); return nil }
func (e *pipeEnd) SetWriteDeadline(t time.Time) error { e.wdl.set(t); return nil }
