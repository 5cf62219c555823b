// Package testnats starts a real NATS server (JetStream on, files in the
// test's temporary directory) for a test and connects to it.
package testnats

import (
	"testing"

	natsserver "github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"

	"github.com/mh3net/mh3net/natsrv"
)

// Start runs a NATS server on a free loopback port until the test ends
// and returns it with a connection to it.
func Start(t testing.TB) (*natsserver.Server, *nats.Conn) {
	t.Helper()
	ns, err := natsrv.Start(natsrv.Options{Port: -1, StoreDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ns.Shutdown(); ns.WaitForShutdown() })
	nc, err := nats.Connect(ns.ClientURL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	return ns, nc
}
