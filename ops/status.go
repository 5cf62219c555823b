package ops

import (
	"bytes"
	"context"
	"embed"
	"io/fs"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/mh3net/mh3net/bus"
)

// The live status page: static files (web/, embedded, no build step)
// served at /, the handlers' snapshot at /api/status, and the same
// snapshot streamed as server-sent events at /api/events. One poller per
// process asks the handlers every PollInterval while any page is open
// and sends a snapshot to every open page only when it changed.

//go:embed web
var webFS embed.FS

// Status page tuning (variables: tests shorten them).
var (
	// PollInterval is how often the poller asks the handlers.
	PollInterval = 500 * time.Millisecond
	// Heartbeat is how often an idle event stream gets a comment line
	// (proxies and browsers then keep it open).
	Heartbeat = 15 * time.Second
	// MaxEventClients bounds the open event streams; beyond, 503.
	MaxEventClients = 64
)

// csp is the pages' Content-Security-Policy: only this origin's files,
// no inline script or style, no framing.
const csp = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

func (s *Server) statusRoutes() {
	f := newFeed(s)
	web, err := fs.Sub(webFS, "web")
	if err != nil {
		panic(err)
	}
	files := http.FileServerFS(web)
	s.mux.HandleFunc("GET /api/status", s.handleStatus)
	s.mux.HandleFunc("GET /api/events", f.handleEvents)
	s.mux.Handle("GET /", secured(files))
}

// secured adds the pages' security headers.
func secured(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", csp)
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Referrer-Policy", "no-referrer")
		w.Header().Set("Cache-Control", "no-cache")
		h.ServeHTTP(w, r)
	})
}

// ask asks the handlers for a snapshot.
func (s *Server) ask(ctx context.Context) ([]byte, error) {
	msg, err := s.cfg.NC.RequestWithContext(ctx, bus.OpsStatus, nil)
	if err != nil {
		return nil, err
	}
	return msg.Data, nil
}

// handleStatus answers the handlers' status snapshot as it is.
func (s *Server) handleStatus(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
	defer cancel()
	b, err := s.ask(ctx)
	if err != nil {
		httpError(w, http.StatusServiceUnavailable, "the handlers did not answer: "+err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Write(b)
}

// handleEvents streams snapshots (event "status", data = the JSON) and
// the poller's failures (event "unavailable") until the client leaves.
func (f *feed) handleEvents(w http.ResponseWriter, r *http.Request) {
	flusher, ok := w.(http.Flusher)
	if !ok {
		httpError(w, http.StatusInternalServerError, "streaming unsupported")
		return
	}
	c, last, ok := f.join()
	if !ok {
		w.Header().Set("Retry-After", "10")
		httpError(w, http.StatusServiceUnavailable, "too many open status pages (at most "+strconv.Itoa(MaxEventClients)+")")
		return
	}
	defer f.leave(c)
	// The stream outlives the server's read and write timeouts.
	rc := http.NewResponseController(w)
	rc.SetReadDeadline(time.Time{})
	rc.SetWriteDeadline(time.Time{})
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	w.Write([]byte("retry: 2000\n\n"))
	if last != nil {
		w.Write(last)
	}
	flusher.Flush()
	beat := time.NewTicker(Heartbeat)
	defer beat.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-f.quit:
			return
		case ev, ok := <-c:
			if !ok {
				return // too slow: dropped
			}
			rc.SetWriteDeadline(time.Now().Add(10 * time.Second))
			if _, err := w.Write(ev); err != nil {
				return
			}
			flusher.Flush()
			rc.SetWriteDeadline(time.Time{})
		case <-beat.C:
			if _, err := w.Write([]byte(": keep-alive\n\n")); err != nil {
				return
			}
			flusher.Flush()
		}
	}
}

// feed is the one poller of a process and the event streams it feeds.
type feed struct {
	s       *Server
	mu      sync.Mutex
	clients map[chan []byte]bool
	last    []byte // the last event sent (a new client starts with it)
	lastRaw []byte // the snapshot it carried
	running bool
	// quit closes when the HTTP server shuts down: streams end then (a
	// graceful shutdown waits for every open one otherwise).
	quit     chan struct{}
	quitOnce sync.Once
	hookOnce sync.Once
}

func newFeed(s *Server) *feed {
	return &feed{s: s, clients: map[chan []byte]bool{}, quit: make(chan struct{})}
}

// join adds a client; it gets the last event at once, and the poller
// starts if it was idle.
func (f *feed) join() (chan []byte, []byte, bool) {
	f.hookOnce.Do(func() {
		f.s.http.RegisterOnShutdown(func() { f.quitOnce.Do(func() { close(f.quit) }) })
	})
	f.mu.Lock()
	defer f.mu.Unlock()
	select {
	case <-f.quit:
		return nil, nil, false
	default:
	}
	if len(f.clients) >= MaxEventClients {
		return nil, nil, false
	}
	c := make(chan []byte, 4)
	f.clients[c] = true
	if !f.running {
		f.running = true
		go f.poll()
	}
	return c, f.last, true
}

func (f *feed) leave(c chan []byte) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.clients[c] {
		delete(f.clients, c)
	}
}

// poll asks the handlers every PollInterval while any client is open.
func (f *feed) poll() {
	t := time.NewTicker(PollInterval)
	defer t.Stop()
	var failing string
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		b, err := f.s.ask(ctx)
		cancel()
		if err != nil {
			if msg := err.Error(); msg != failing {
				failing = msg
				f.send(event("unavailable", []byte(strconv.Quote("the handlers did not answer: "+msg))), nil)
			}
		} else {
			failing = ""
			f.send(nil, b)
		}
		select {
		case <-f.quit:
			f.mu.Lock()
			f.running = false
			f.mu.Unlock()
			return
		case <-t.C:
		}
		f.mu.Lock()
		if len(f.clients) == 0 {
			f.running = false
			f.last, f.lastRaw = nil, nil
			f.mu.Unlock()
			return
		}
		f.mu.Unlock()
	}
}

// send sends ev, or a status event for snapshot raw when it differs from
// the last one sent, to every client; a client that has fallen four
// events behind is dropped (its page reconnects).
func (f *feed) send(ev, raw []byte) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if raw != nil {
		if bytes.Equal(sansTime(raw), sansTime(f.lastRaw)) {
			return
		}
		f.lastRaw = raw
		ev = event("status", raw)
		f.last = ev
	}
	for c := range f.clients {
		select {
		case c <- ev:
		default:
			delete(f.clients, c)
			close(c)
		}
	}
}

// sansTime is a snapshot without its leading "time" field, which changes
// on every poll: a snapshot is new when anything else changed.
func sansTime(b []byte) []byte {
	const prefix = `{"time":"`
	if !bytes.HasPrefix(b, []byte(prefix)) {
		return b
	}
	rest := b[len(prefix):]
	i := bytes.IndexByte(rest, '"')
	if i < 0 {
		return b
	}
	return rest[i+1:]
}

// event formats one server-sent event (data is one line of JSON).
func event(name string, data []byte) []byte {
	var b bytes.Buffer
	b.Grow(len(data) + len(name) + 16)
	b.WriteString("event: ")
	b.WriteString(name)
	b.WriteString("\ndata: ")
	b.Write(bytes.ReplaceAll(data, []byte("\n"), []byte("\ndata: ")))
	b.WriteString("\n\n")
	return b.Bytes()
}
