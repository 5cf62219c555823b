// Package ops is the operator's HTTP side of any mh3net process (--http):
// the live status page (embedded HTML/CSS/JS fed by server-sent events),
// the admin API behind a bearer token, and the Prometheus metrics. The
// page and the API ask the handlers over NATS (bus.OpsStatus,
// bus.OpsAdminPrefix), so every role serves the same view of the whole
// deployment; the metrics are this process's own.
package ops

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"golang.org/x/net/netutil"
)

// MaxConns bounds the operator HTTP server's open connections.
const MaxConns = 256

// Config configures the HTTP server.
type Config struct {
	// Addr is where it listens (host:port; port 0 picks one).
	Addr string
	// Token guards the admin API. Empty: on a loopback address one is
	// made and written to TokenFile; elsewhere Start refuses.
	Token     string
	TokenFile string
	// Role names this process's roles (up, edge, handlers), shown on the
	// page and in the metrics.
	Role string
	// NC reaches the handlers.
	NC *nats.Conn
	// Metrics serves /metrics (nil: 404).
	Metrics http.Handler
	Logger  *slog.Logger
}

// Server is a running operator HTTP server.
type Server struct {
	cfg  Config
	log  *slog.Logger
	ln   net.Listener
	http *http.Server
	mux  *http.ServeMux
	done chan struct{}
}

// Start listens on cfg.Addr and serves until ctx ends or Close.
func Start(ctx context.Context, cfg Config) (*Server, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.NC == nil {
		return nil, errors.New("ops: no NATS connection")
	}
	host, _, err := net.SplitHostPort(cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("--http %q: %w", cfg.Addr, err)
	}
	if cfg.Token == "" {
		if !Loopback(host) {
			return nil, fmt.Errorf("refusing to serve the admin API on %s without a token: give --admin-token (or MH3NET_ADMIN_TOKEN), or bind --http to 127.0.0.1", cfg.Addr)
		}
		if cfg.Token, err = makeToken(cfg.TokenFile); err != nil {
			return nil, err
		}
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("--http: %w", err)
	}
	// A flood of connections to the operator port must not take the
	// descriptors the game needs (this may be the process that serves it):
	// past MaxConns, new ones wait in the kernel's backlog.
	ln = netutil.LimitListener(ln, MaxConns)
	s := &Server{cfg: cfg, log: cfg.Logger.With("component", "ops"), ln: ln, mux: http.NewServeMux(), done: make(chan struct{})}
	s.routes()
	s.http = &http.Server{
		Handler:           s.mux,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		IdleTimeout:       60 * time.Second,
		MaxHeaderBytes:    16 << 10,
		BaseContext:       func(net.Listener) context.Context { return ctx },
	}
	go func() {
		defer close(s.done)
		if err := s.http.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("operator http server stopped", "err", err)
		}
	}()
	context.AfterFunc(ctx, func() { s.Close() })
	s.log.Info("operator http listening", "addr", ln.Addr().String(), "token_file", cfg.TokenFile)
	return s, nil
}

// Addr is the address the server listens on.
func (s *Server) Addr() net.Addr { return s.ln.Addr() }

// Close stops the server, ending open event streams.
func (s *Server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	err := s.http.Shutdown(ctx)
	if err != nil {
		err = s.http.Close()
	}
	<-s.done
	return err
}

func (s *Server) routes() {
	if s.cfg.Metrics != nil {
		s.mux.Handle("GET /metrics", s.cfg.Metrics)
	}
	s.statusRoutes()
	s.adminRoutes()
	s.mux.HandleFunc("POST /api/admin/reload", s.requireToken(s.requireAdminRole(s.handleReload)))
}

// authorized checks the request's bearer token (constant time).
func (s *Server) authorized(r *http.Request) bool {
	got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	return ok && subtle.ConstantTimeCompare([]byte(got), []byte(s.cfg.Token)) == 1
}

// requireToken wraps an admin handler: 401 without the token.
func (s *Server) requireToken(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !s.authorized(r) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="mh3net admin"`)
			httpError(w, http.StatusUnauthorized, "missing or wrong admin token (Authorization: Bearer …)")
			return
		}
		h(w, r)
	}
}

// Loopback reports whether host (a name or an IP, from --http) only
// reaches this machine.
func Loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// makeToken makes a random token and, with a file, writes it there
// (mode 0600) for `mh3net admin` to read; an existing file's token is
// kept, so the CLI's copy stays valid across restarts.
func makeToken(file string) (string, error) {
	if file != "" {
		if b, err := os.ReadFile(file); err == nil {
			if t := strings.TrimSpace(string(b)); len(t) >= 32 {
				return t, nil
			}
		}
	}
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	token := hex.EncodeToString(b)
	if file != "" {
		if err := os.MkdirAll(filepath.Dir(file), 0o700); err != nil {
			return "", fmt.Errorf("admin token file: %w", err)
		}
		if err := os.WriteFile(file, []byte(token+"\n"), 0o600); err != nil {
			return "", fmt.Errorf("admin token file: %w", err)
		}
	}
	return token, nil
}

func httpError(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(code)
	fmt.Fprintf(w, "{\"error\":%q}\n", msg)
}
