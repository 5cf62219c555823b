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
	rx, tx *pipeDir

	// Deadlines in Unix nanoseconds (0: none). When one changes while a
	// Read or Write waits (waiters), dlChanged is closed and replaced,
	// which wakes it to look again. The server sets a write deadline
	// around each flush, mostly with nobody waiting.
	rdl, wdl  atomic.Int64
	waiters   atomic.Int32
	dmu       sync.Mutex
	dlChanged chan struct{}

	closeOnce sync.Once
}

func bufferedPipe() (*pipeEnd, *pipeEnd) {
	a, b := newPipeDir(), newPipeDir()
	return &pipeEnd{rx: a, tx: b, dlChanged: make(chan struct{})},
		&pipeEnd{rx: b, tx: a, dlChanged: make(chan struct{})}
}

// expired reports whether the read or write deadline has passed.
func (e *pipeEnd) expired(read bool) bool {
	dl := e.wdl.Load()
	if read {
		dl = e.rdl.Load()
	}
	return dl != 0 && time.Now().UnixNano() >= dl
}

// wait blocks until c is signalled, the deadline passes or changes.
func (e *pipeEnd) wait(c chan struct{}, read bool) error {
	// Counted before the deadline is read: a setter that finds no waiter
	// stored its deadline before this reads it.
	e.waiters.Add(1)
	defer e.waiters.Add(-1)
	e.dmu.Lock()
	changed := e.dlChanged
	e.dmu.Unlock()
	dl := e.wdl.Load()
	if read {
		dl = e.rdl.Load()
	}
	if dl == 0 {
		select {
		case <-c:
		case <-changed:
		}
		return nil
	}
	d := time.Until(time.Unix(0, dl))
	if d <= 0 {
		return os.ErrDeadlineExceeded
	}
	t := time.NewTimer(d)
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
		if e.expired(true) {
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
		if err := e.wait(d.readable, true); err != nil {
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
		if e.expired(false) {
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
		if err := e.wait(d.writable, false); err != nil {
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

func (e *pipeEnd) setDeadline(read, write bool, t time.Time) error {
	var dl int64
	if !t.IsZero() {
		dl = t.UnixNano()
	}
	e.dmu.Lock()
	if read {
		e.rdl.Store(dl)
	}
	if write {
		e.wdl.Store(dl)
	}
	if e.waiters.Load() > 0 {
		close(e.dlChanged)
		e.dlChanged = make(chan struct{})
	}
	e.dmu.Unlock()
	return nil
}

func (e *pipeEnd) SetDeadline(t time.Time) error      { return e.setDeadline(true, true, t) }
func (e *pipeEnd) SetReadDeadline(t time.Time) error  { return e.setDeadline(true, false, t) }
func (e *pipeEnd) SetWriteDeadline(t time.Time) error { return e.setDeadline(false, true, t) }
