package handlers

import (
	"strings"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/micro"

	"github.com/mh3net/mh3net/bus"
)

// Local serves a request from an edge in this same process, without the
// bus: a one-box server's edge calls its own handlers directly. The packet
// gets the same handling as one over NATS (headers, deadline, request
// claim, answer), under the same concurrency bound and drain. It answers
// ok=false when this process does not take the packet now (stopping, or
// every slot busy) or has no answer for it: the edge then sends it over
// the bus, where any handler process may serve it.
func (s *Service) Local(server string, h nats.Header, frame []byte) ([]byte, nats.Header, bool) {
	c := s.local.of(server)
	if c == nil {
		return nil, nil, false
	}
	s.stopMu.Lock()
	if s.stopping {
		s.stopMu.Unlock()
		return nil, nil, false
	}
	s.wg.Add(1)
	s.stopMu.Unlock()
	defer s.wg.Done()
	select {
	case s.sem <- struct{}{}:
	default:
		return nil, nil, false
	}
	defer func() { <-s.sem }()
	start := time.Now()
	data, hdr := s.handle(s.ctx, server, h, frame, true)
	c.requests.Add(1)
	c.nanos.Add(int64(time.Since(start)))
	if hdr.Get(bus.HeaderError) != "" {
		c.errors.Add(1)
	}
	return data, hdr, hdr != nil
}

// LocalClosed takes the announcement of a connection an edge in this
// same process closed (what it would publish on bus.ClosedSubject) and
// cleans up after it as a handler taking it from the bus would. It
// answers false when this process does not take it now (stopping, or
// every slot busy): the edge then publishes it.
func (s *Service) LocalClosed(m *nats.Msg) bool {
	if !strings.HasPrefix(m.Subject, bus.ClosedPrefix) {
		return false
	}
	s.stopMu.Lock()
	if s.stopping {
		s.stopMu.Unlock()
		return false
	}
	s.wg.Add(1)
	s.stopMu.Unlock()
	select {
	case s.sem <- struct{}{}:
	default:
		s.wg.Done()
		return false
	}
	go func() {
		defer func() { <-s.sem; s.wg.Done() }()
		s.connClosed(s.ctx, m)
		s.localClosed.Add(1)
	}()
	return true
}

// LocalClosedCount is how many closes LocalClosed has cleaned up after.
func (s *Service) LocalClosedCount() uint64 { return s.localClosed.Load() }

// localCounts counts the requests Local served, per server (one entry
// for each of bus.Servers, made at start and only read after), for the
// micro stats every handler process answers (the status page adds them
// to the endpoint's own).
type localCounts map[string]*localCount

type localCount struct {
	requests, errors atomic.Uint64
	nanos            atomic.Int64
}

func newLocalCounts() localCounts {
	l := localCounts{}
	for _, server := range bus.Servers {
		l[server] = &localCount{}
	}
	return l
}

func (l localCounts) of(server string) *localCount { return l[server] }

// LocalStats is the data of a packet endpoint's micro stats: what was
// served in process, beside the bus requests micro counts itself.
type LocalStats struct {
	Requests       uint64        `json:"local_requests"`
	Errors         uint64        `json:"local_errors"`
	ProcessingTime time.Duration `json:"local_processing_time"`
}

func (l localCounts) stats(e *micro.Endpoint) any {
	c := l.of(e.Name)
	if c == nil {
		return nil
	}
	return LocalStats{Requests: c.requests.Load(), Errors: c.errors.Load(), ProcessingTime: time.Duration(c.nanos.Load())}
}
