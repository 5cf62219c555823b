// Command streams prints every JetStream stream of a NATS server with its
// messages and bytes (bench/idle.sh: where the NATS memory per idle
// hunter goes).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

func main() {
	url := flag.String("nats", "nats://127.0.0.1:4222", "NATS URL")
	flag.Parse()
	nc, err := nats.Connect(*url)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	l := js.ListStreams(ctx)
	var msgs, bytes uint64
	for info := range l.Info() {
		st := info.State
		fmt.Printf("  %-22s %-6s %8d msgs %10d bytes %6d subjects\n", info.Config.Name, info.Config.Storage, st.Msgs, st.Bytes, st.NumSubjects)
		msgs, bytes = msgs+st.Msgs, bytes+st.Bytes
	}
	if err := l.Err(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("  %-22s %-6s %8d msgs %10d bytes\n", "all", "", msgs, bytes)
}
