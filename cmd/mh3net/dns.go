package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"syscall"

	"github.com/mh3net/mh3net/dnsd"
)

// resolvConf is where the upstream resolver comes from when none is given.
var resolvConf = "/etc/resolv.conf"

// runDNS is 'mh3net dns': only the DNS server for the game's hostnames.
func runDNS(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("dns", flag.ContinueOnError)
	listen := fs.String("listen", "127.0.0.1:53", "address to answer DNS on, UDP and TCP (a Wii needs port 53 on an address it reaches: --listen 0.0.0.0:53)")
	advertise := fs.String("advertise", "", "IPv4 address the game's hostnames resolve to: the host running mh3net up or edge (required)")
	upstream := fs.String("upstream", "", "resolver for every other name, IP[:port] (default: the first nameserver of "+resolvConf+")")
	logLevel := fs.String("log-level", "info", "debug, info, warn or error (debug logs every query)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *advertise == "" {
		return fmt.Errorf("dns needs --advertise IP: the IPv4 address of the host the game should connect to")
	}
	o := options{logLevel: *logLevel}
	log, err := o.logger()
	if err != nil {
		return err
	}
	slog.SetDefault(log)
	srv, err := startDNS(ctx, *listen, *advertise, "--upstream", *upstream, log)
	if err != nil {
		return err
	}
	select {
	case <-ctx.Done():
	case err = <-srv.Err():
		log.Error("dns stopped", "err", err)
	}
	srv.Close()
	return err
}

// startDNS starts dnsd with the flags' values; an empty upstream is the
// system's first nameserver.
func startDNS(ctx context.Context, listen, advertise, upstreamFlag, upstream string, log *slog.Logger) (*dnsd.Server, error) {
	up, err := dnsUpstream(upstreamFlag, upstream)
	if err != nil {
		return nil, err
	}
	srv, err := dnsd.Start(ctx, dnsd.Config{Addr: listen, Advertise: advertise, Upstream: up, Logger: log})
	if errors.Is(err, syscall.EACCES) {
		return nil, fmt.Errorf("%w (ports below 1024 need root or CAP_NET_BIND_SERVICE, e.g. sudo setcap cap_net_bind_service=+ep mh3net, or AmbientCapabilities= in a systemd unit)", err)
	}
	if err != nil {
		return nil, err
	}
	return srv, nil
}

// dnsUpstream checks the upstream flag (named flagName), or finds the
// system resolver when it is empty.
func dnsUpstream(flagName, upstream string) (string, error) {
	if upstream != "" {
		up, err := dnsd.ParseUpstream(upstream)
		if err != nil {
			return "", fmt.Errorf("%s: %w", flagName, err)
		}
		return up, nil
	}
	up, err := dnsd.SystemUpstream(resolvConf)
	if err != nil {
		return "", fmt.Errorf("dns: no upstream resolver (%v): give one with %s IP[:port], e.g. %s 1.1.1.1", err, flagName, flagName)
	}
	return up, nil
}

// dns validates up's --dns and --dns-upstream for --check.
func (c *checker) dns(o *options) string {
	if _, _, err := net.SplitHostPort(o.dnsListen); err != nil {
		c.fail("--dns %q: want host:port (e.g. 0.0.0.0:53): %v", o.dnsListen, err)
	}
	if _, err := dnsd.ParseAdvertise(o.advertised()); err != nil {
		c.fail("--dns needs --advertise to be an IPv4 address: %v", err)
	}
	up, err := dnsUpstream("--dns-upstream", o.dnsUpstream)
	if err != nil {
		c.fail("%v", err)
	}
	return o.dnsListen + "->" + up
}
