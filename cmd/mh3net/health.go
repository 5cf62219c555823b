package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/mh3net/mh3net/handlers"
)

// runHealth is `mh3net health`, a check for container healthchecks in an
// image with no shell: --tcp dials addresses (NATS, an edge's listener);
// --handlers asks the bus whether the handlers service answers, logged in
// as this process's own NATS flags and MH3NET_* environment say. Exit 0
// when healthy.
func runHealth(ctx context.Context, args []string) error {
	var o options
	fs := flag.NewFlagSet("health", flag.ContinueOnError)
	tcp := fs.String("tcp", "", "comma list of host:port to dial")
	pingHandlers := fs.Bool("handlers", false, "ping the handlers service through --nats")
	timeout := fs.Duration("timeout", 3*time.Second, "how long to wait for each check")
	fs.StringVar(&o.natsURL, "nats", "", "NATS URL (comma list) for --handlers")
	o.natsClientFlags(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	if *tcp == "" && !*pingHandlers {
		return fmt.Errorf("health needs --tcp ADDR or --handlers")
	}
	for _, addr := range splitList(*tcp) {
		c, err := net.DialTimeout("tcp", addr, *timeout)
		if err != nil {
			return fmt.Errorf("health: %w", err)
		}
		c.Close()
	}
	if *pingHandlers {
		if o.natsURL == "" {
			return fmt.Errorf("health --handlers needs --nats URL")
		}
		opts, err := o.natsClient().Options()
		if err != nil {
			return err
		}
		nc, err := nats.Connect(o.natsURL, append(opts, nats.Name("mh3net health"), nats.Timeout(*timeout))...)
		if err != nil {
			return fmt.Errorf("health: nats: %w", err)
		}
		defer nc.Close()
		ctx, cancel := context.WithTimeout(ctx, *timeout)
		defer cancel()
		if _, err := nc.RequestWithContext(ctx, "$SRV.PING."+handlers.ServiceName, nil); err != nil {
			return fmt.Errorf("health: the handlers service did not answer: %w", err)
		}
	}
	return nil
}
