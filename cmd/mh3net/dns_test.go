package main

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/mh3net/mh3net/dnsd"
)

// fakeResolver is an upstream for the tests: a miekg server on a testport
// port (UDP and TCP) that answers example.test. A with 192.0.2.7.
func fakeResolver(t *testing.T) string {
	t.Helper()
	addr := "127.0.0.1:" + strconv.Itoa(freePort(t))
	pc, err := net.ListenPacket("udp", addr)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		pc.Close()
		t.Fatal(err)
	}
	h := dns.HandlerFunc(func(w dns.ResponseWriter, r *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(r)
		if q := r.Question[0]; strings.EqualFold(q.Name, "example.test.") && q.Qtype == dns.TypeA {
			m.Answer = []dns.RR{&dns.A{Hdr: dns.RR_Header{Name: q.Name, Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: 60}, A: net.IPv4(192, 0, 2, 7)}}
		} else {
			m.Rcode = dns.RcodeNameError
		}
		w.WriteMsg(m)
	})
	for _, srv := range []*dns.Server{{PacketConn: pc, Handler: h}, {Listener: ln, Handler: h}} {
		started := make(chan struct{})
		srv.NotifyStartedFunc = func() { close(started) }
		go srv.ActivateAndServe()
		<-started
		t.Cleanup(func() { srv.Shutdown() })
	}
	return addr
}

// digPath is the real dig, or a failure telling how to get it.
func digPath(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("dig")
	if err != nil {
		t.Fatal("dig (Debian package bind9-dnsutils) is not installed: run `go tool task deps`, which installs it (the test task runs deps first)")
	}
	return p
}

func dig(t *testing.T, digBin string, port int, args ...string) string {
	t.Helper()
	args = append([]string{"@127.0.0.1", "-p", strconv.Itoa(port), "+time=3", "+tries=2"}, args...)
	out, err := exec.Command(digBin, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("dig %v: %v\n%s", args, err, out)
	}
	return strings.TrimSpace(string(out))
}

// TestDNSDig asks the real dig client: every listed name resolves to the
// advertised address over UDP, in any case and over TCP, AAAA gives no
// record, and other names come from the upstream resolver.
func TestDNSDig(t *testing.T) {
	digBin := digPath(t)
	c := &cluster{t: t, bin: buildBinary(t)}
	port := freePort(t)
	upstream := fakeResolver(t)
	p := c.start("dns", "dns", "--listen", "127.0.0.1:"+strconv.Itoa(port), "--advertise", "10.9.8.7", "--upstream", upstream)
	p.waitFor(t, "dns running")

	for _, name := range dnsd.Names() {
		if got := dig(t, digBin, port, name, "A", "+short"); got != "10.9.8.7" {
			t.Errorf("dig %s A +short = %q, want 10.9.8.7", name, got)
		}
	}
	if got := dig(t, digBin, port, "MMH-T1-OPN02.mmh-service.CAPCOM.co.jp", "A", "+short", "+tcp"); got != "10.9.8.7" {
		t.Errorf("dig +tcp (upper case) = %q, want 10.9.8.7", got)
	}
	if got := dig(t, digBin, port, "gpcm.gs.nintendowifi.net", "AAAA", "+short"); got != "" {
		t.Errorf("dig AAAA +short = %q, want nothing", got)
	}
	if got := dig(t, digBin, port, "gpcm.gs.nintendowifi.net", "AAAA", "+noall", "+comments"); !strings.Contains(got, "status: NOERROR") {
		t.Errorf("dig AAAA: %q, want status NOERROR", got)
	}
	for _, tcp := range []string{"+notcp", "+tcp"} {
		if got := dig(t, digBin, port, "example.test.", "A", "+short", tcp); got != "192.0.2.7" {
			t.Errorf("dig example.test. A %s = %q, want the upstream's 192.0.2.7", tcp, got)
		}
	}
	if got := dig(t, digBin, port, "nowhere.test.", "A", "+noall", "+comments"); !strings.Contains(got, "status: NXDOMAIN") {
		t.Errorf("dig nowhere.test.: %q, want the upstream's NXDOMAIN", got)
	}
}

// TestDNSInsideUp runs 'mh3net up --dns': the DNS server answers with up's
// --advertise and stops with the process.
func TestDNSInsideUp(t *testing.T) {
	c := &cluster{t: t, bin: buildBinary(t)}
	port := freePort(t)
	addr := "127.0.0.1:" + strconv.Itoa(port)
	up := c.start("up", "up", "--host", "127.0.0.1", "--advertise", "127.0.0.1", "--data", t.TempDir(),
		"--opn-port", strconv.Itoa(freePort(t)), "--lmp-port", strconv.Itoa(freePort(t)),
		"--fmp-port", strconv.Itoa(freePort(t)), "--rfp-port", strconv.Itoa(freePort(t)),
		"--dns", addr, "--dns-upstream", fakeResolver(t))
	up.waitFor(t, "mh3net running")
	for _, network := range []string{"udp", "tcp"} {
		m := new(dns.Msg)
		m.SetQuestion("mh.capcom.co.jp.", dns.TypeA)
		r, _, err := (&dns.Client{Net: network, Timeout: 5 * time.Second}).Exchange(m, addr)
		if err != nil {
			t.Fatalf("%s: %v", network, err)
		}
		if len(r.Answer) != 1 || r.Answer[0].(*dns.A).A.String() != "127.0.0.1" {
			t.Fatalf("%s: %v, want mh.capcom.co.jp. A 127.0.0.1", network, r)
		}
	}
	up.cmd.Process.Signal(os.Interrupt)
	done := make(chan error, 1)
	go func() { done <- up.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("up exited with %v after SIGINT", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("up did not stop after SIGINT")
	}
	if _, _, err := (&dns.Client{Net: "tcp", Timeout: time.Second}).Exchange(new(dns.Msg).SetQuestion("mh.capcom.co.jp.", dns.TypeA), addr); err == nil {
		t.Fatal("DNS still answers after up stopped")
	}
}

// TestDNSCommandRefusesBadSetups: no --advertise, an address that is not
// IPv4, no upstream anywhere.
func TestDNSCommandRefusesBadSetups(t *testing.T) {
	listen := "127.0.0.1:" + strconv.Itoa(freePort(t))
	empty := filepath.Join(t.TempDir(), "resolv.conf")
	if err := os.WriteFile(empty, []byte("search lan\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	old := resolvConf
	resolvConf = empty
	defer func() { resolvConf = old }()
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"dns", "--listen", listen, "--upstream", "192.0.2.1"}, "--advertise"},
		{[]string{"dns", "--listen", listen, "--advertise", "::1", "--upstream", "192.0.2.1"}, "IPv4"},
		{[]string{"dns", "--listen", listen, "--advertise", "10.0.0.1", "--upstream", "resolver.example"}, "--upstream"},
		{[]string{"dns", "--listen", listen, "--advertise", "10.0.0.1"}, "give one with --upstream"},
		{[]string{"dns", "--listen", listen, "--advertise", "10.0.0.1", "--upstream", listen}, "itself"},
	} {
		err := run(c.args)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("mh3net %v: %v, want an error about %q", c.args, err, c.want)
		} else {
			t.Logf("%v: %v", c.args, err)
		}
	}
}

// TestDNSCheck: up --check validates --dns and shows where it forwards.
func TestDNSCheck(t *testing.T) {
	line, err := check(t, "up", "--dns", "0.0.0.0:53", "--advertise", "203.0.113.7", "--dns-upstream", "1.1.1.1")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(line, "dns=0.0.0.0:53->1.1.1.1:53") {
		t.Fatalf("summary %q lacks dns=0.0.0.0:53->1.1.1.1:53", line)
	}
	if _, err := check(t, "up", "--dns", "0.0.0.0:53", "--advertise", "mh.example", "--dns-upstream", "1.1.1.1"); err == nil || !strings.Contains(err.Error(), "IPv4") {
		t.Fatalf("--dns with a name as --advertise: %v, want an IPv4 error", err)
	}
	if _, err := check(t, "up", "--dns", "53", "--dns-upstream", "1.1.1.1"); err == nil {
		t.Fatal("--dns 53 (no host) passed the check")
	}
}
