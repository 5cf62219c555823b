// Package natsrv starts the NATS server mh3net embeds: JetStream on, file
// storage, and every write synced to disk before it is acknowledged (NATS
// syncs every two minutes by default, which can lose acknowledged writes
// on a crash).
package natsrv

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// Options configures the embedded server.
type Options struct {
	Host     string // bind address (default 127.0.0.1)
	Port     int    // client port; 0 = no listener (in-process connections only), -1 = random
	StoreDir string // JetStream directory (required)
	Name     string
	Logger   *slog.Logger
}

// Start runs a NATS server and waits until it accepts connections.
func Start(o Options) (*server.Server, error) {
	if o.StoreDir == "" {
		return nil, fmt.Errorf("natsrv: StoreDir is required")
	}
	if o.Host == "" {
		o.Host = "127.0.0.1"
	}
	dir, err := filepath.Abs(o.StoreDir)
	if err != nil {
		return nil, err
	}
	opts := &server.Options{
		ServerName: o.Name,
		Host:       o.Host,
		Port:       o.Port,
		DontListen: o.Port == 0,
		JetStream:  true,
		StoreDir:   filepath.Join(dir, "jetstream"),
		SyncAlways: true,
		NoSigs:     true,
		MaxPayload: 8 << 20,
	}
	if opts.ServerName == "" {
		opts.ServerName = "mh3net"
	}
	ns, err := server.NewServer(opts)
	if err != nil {
		return nil, fmt.Errorf("natsrv: %w", err)
	}
	if o.Logger != nil {
		ns.SetLoggerV2(&slogAdapter{o.Logger.With("component", "nats")}, false, false, false)
	}
	ns.Start()
	if !ns.ReadyForConnections(30 * time.Second) {
		ns.Shutdown()
		return nil, fmt.Errorf("natsrv: server not ready after 30s")
	}
	return ns, nil
}

type slogAdapter struct{ l *slog.Logger }

func (a *slogAdapter) Noticef(format string, v ...any) {
	a.l.Log(context.Background(), slog.LevelDebug, fmt.Sprintf(format, v...))
}
func (a *slogAdapter) Warnf(format string, v ...any)  { a.l.Warn(fmt.Sprintf(format, v...)) }
func (a *slogAdapter) Fatalf(format string, v ...any) { a.l.Error(fmt.Sprintf(format, v...)) }
func (a *slogAdapter) Errorf(format string, v ...any) { a.l.Error(fmt.Sprintf(format, v...)) }
func (a *slogAdapter) Debugf(format string, v ...any) {}
func (a *slogAdapter) Tracef(format string, v ...any) {}
