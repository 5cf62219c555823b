package dnsd

import (
	"context"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/mh3net/mh3net/internal/testport"
)

const advertise = "10.20.30.40"

// upstream is a fake resolver: a miekg server on loopback, UDP and TCP on
// one port, that knows example.test. and records what it was asked.
type upstream struct {
	addr string
	mu   sync.Mutex
	seen []string // "udp example.test." ...
	hold chan struct{}
}

func startUpstream(t *testing.T, h func(u *upstream, w dns.ResponseWriter, r *dns.Msg)) *upstream {
	t.Helper()
	pc, ln, err := listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	u := &upstream{addr: pc.LocalAddr().String(), hold: make(chan struct{})}
	handler := dns.HandlerFunc(func(w dns.ResponseWriter, r *dns.Msg) {
		network := "udp"
		if _, ok := w.RemoteAddr().(*net.TCPAddr); ok {
			network = "tcp"
		}
		u.mu.Lock()
		u.seen = append(u.seen, network+" "+r.Question[0].Name)
		u.mu.Unlock()
		h(u, w, r)
	})
	for _, srv := range []*dns.Server{{PacketConn: pc, Handler: handler}, {Listener: ln, Handler: handler}} {
		started := make(chan struct{})
		srv.NotifyStartedFunc = func() { close(started) }
		go srv.ActivateAndServe()
		<-started
		t.Cleanup(func() { srv.Shutdown() })
	}
	return u
}

func (u *upstream) asked() []string {
	u.mu.Lock()
	defer u.mu.Unlock()
	return append([]string(nil), u.seen...)
}

// knows answers example.test. A with 192.0.2.7 and NXDOMAIN otherwise.
func knows(u *upstream, w dns.ResponseWriter, r *dns.Msg) {
	m := new(dns.Msg)
	m.SetReply(r)
	q := r.Question[0]
	if strings.EqualFold(q.Name, "example.test.") && q.Qtype == dns.TypeA {
		m.Answer = append(m.Answer, &dns.A{Hdr: dns.RR_Header{Name: q.Name, Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: 60}, A: net.IPv4(192, 0, 2, 7)})
	} else {
		m.Rcode = dns.RcodeNameError
	}
	w.WriteMsg(m)
}

func start(t *testing.T, cfg Config) *Server {
	t.Helper()
	if cfg.Addr == "" {
		cfg.Addr = "127.0.0.1:0"
	}
	if cfg.Advertise == "" {
		cfg.Advertise = advertise
	}
	cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	s, err := Start(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func ask(t *testing.T, network, addr, name string, qtype uint16) *dns.Msg {
	t.Helper()
	m := new(dns.Msg)
	m.SetQuestion(name, qtype)
	c := &dns.Client{Net: network, Timeout: 5 * time.Second}
	r, _, err := c.Exchange(m, addr)
	if err != nil {
		t.Fatalf("%s %s %s: %v", network, name, dns.TypeToString[qtype], err)
	}
	return r
}

func wantA(t *testing.T, r *dns.Msg, name, ip string) {
	t.Helper()
	if r.Rcode != dns.RcodeSuccess || len(r.Answer) != 1 {
		t.Fatalf("%s: rcode %s, %d answers, want one A:\n%v", name, dns.RcodeToString[r.Rcode], len(r.Answer), r)
	}
	a, ok := r.Answer[0].(*dns.A)
	if !ok || a.A.String() != ip || a.Hdr.Name != name {
		t.Fatalf("%s: answer %v, want %s A %s", name, r.Answer[0], name, ip)
	}
}

func TestDNSCapturedNamesGetTheAdvertisedAddress(t *testing.T) {
	up := startUpstream(t, knows)
	s := start(t, Config{Upstream: up.addr})
	for _, name := range Names() {
		r := ask(t, "udp", s.Addr(), name, dns.TypeA)
		wantA(t, r, name, advertise)
		if ttl := r.Answer[0].Header().Ttl; ttl != 2119 {
			t.Fatalf("%s: TTL %d, want 2119", name, ttl)
		}
		if !r.RecursionAvailable || r.Authoritative {
			t.Fatalf("%s: flags RA=%v AA=%v, want RA and no AA", name, r.RecursionAvailable, r.Authoritative)
		}
	}
	if got := up.asked(); len(got) != 0 {
		t.Fatalf("captured names went upstream: %v", got)
	}
}

func TestDNSNamesIgnoreCase(t *testing.T) {
	s := start(t, Config{Upstream: startUpstream(t, knows).addr})
	for _, name := range []string{"MH.CAPCOM.CO.JP.", "Gpcm.Gs.NintendoWiFi.Net.", "mh3USwii.MS1.gs.WIIMMFI.de."} {
		wantA(t, ask(t, "udp", s.Addr(), name, dns.TypeA), name, advertise)
	}
	if !Captured("NAS.nintendowifi.net") || Captured("nas.nintendowifi.net.example.") {
		t.Fatal("Captured: case or suffix handled wrong")
	}
}

func TestDNSOtherTypesOfCapturedNamesAreNoData(t *testing.T) {
	up := startUpstream(t, knows)
	s := start(t, Config{Upstream: up.addr})
	for _, qt := range []uint16{dns.TypeAAAA, dns.TypeMX, dns.TypeTXT, dns.TypeHTTPS} {
		r := ask(t, "udp", s.Addr(), "nas.nintendowifi.net.", qt)
		if r.Rcode != dns.RcodeSuccess || len(r.Answer) != 0 || len(r.Ns) != 0 {
			t.Fatalf("%s: %v, want NOERROR with no records", dns.TypeToString[qt], r)
		}
	}
	wantA(t, ask(t, "udp", s.Addr(), "nas.nintendowifi.net.", dns.TypeANY), "nas.nintendowifi.net.", advertise)
	if got := up.asked(); len(got) != 0 {
		t.Fatalf("captured names went upstream: %v", got)
	}
}

func TestDNSOtherNamesAreForwarded(t *testing.T) {
	up := startUpstream(t, knows)
	s := start(t, Config{Upstream: up.addr})
	for _, network := range []string{"udp", "tcp"} {
		wantA(t, ask(t, network, s.Addr(), "example.test.", dns.TypeA), "example.test.", "192.0.2.7")
		if r := ask(t, network, s.Addr(), "nowhere.test.", dns.TypeA); r.Rcode != dns.RcodeNameError {
			t.Fatalf("%s nowhere.test.: %s, want the upstream's NXDOMAIN", network, dns.RcodeToString[r.Rcode])
		}
	}
	// str2hax is not offered: the Wii browser's update host goes upstream.
	ask(t, "udp", s.Addr(), "cfh.wapp.wii.com.", dns.TypeA)
	want := []string{"udp example.test.", "udp nowhere.test.", "tcp example.test.", "tcp nowhere.test.", "udp cfh.wapp.wii.com."}
	if got := up.asked(); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("upstream was asked %v, want %v (each over the client's transport)", got, want)
	}
}

func TestDNSUpstreamDownIsServfail(t *testing.T) {
	dead := "127.0.0.1:" + strconv.Itoa(testport.Get(t)) // nobody listens there
	s := start(t, Config{Upstream: dead, Timeout: 500 * time.Millisecond})
	for _, network := range []string{"udp", "tcp"} {
		if r := ask(t, network, s.Addr(), "example.test.", dns.TypeA); r.Rcode != dns.RcodeServerFailure {
			t.Fatalf("%s: %s, want SERVFAIL", network, dns.RcodeToString[r.Rcode])
		}
	}
	// The captured names do not need the upstream.
	wantA(t, ask(t, "udp", s.Addr(), "mh.capcom.co.jp.", dns.TypeA), "mh.capcom.co.jp.", advertise)
}

func TestDNSSilentUpstreamTimesOut(t *testing.T) {
	up := startUpstream(t, func(u *upstream, w dns.ResponseWriter, r *dns.Msg) {}) // never answers
	s := start(t, Config{Upstream: up.addr, Timeout: 300 * time.Millisecond})
	begin := time.Now()
	if r := ask(t, "udp", s.Addr(), "example.test.", dns.TypeA); r.Rcode != dns.RcodeServerFailure {
		t.Fatalf("%s, want SERVFAIL", dns.RcodeToString[r.Rcode])
	}
	if d := time.Since(begin); d > 3*time.Second {
		t.Fatalf("SERVFAIL after %v, want about the 300 ms timeout", d)
	}
}

func TestDNSForwardsAreBounded(t *testing.T) {
	up := startUpstream(t, func(u *upstream, w dns.ResponseWriter, r *dns.Msg) {
		<-u.hold
		knows(u, w, r)
	})
	s := start(t, Config{Upstream: up.addr, MaxForwards: 1, Timeout: 5 * time.Second})
	first := make(chan *dns.Msg)
	go func() {
		m := new(dns.Msg)
		m.SetQuestion("example.test.", dns.TypeA)
		r, _, _ := (&dns.Client{Timeout: 10 * time.Second}).Exchange(m, s.Addr())
		first <- r
	}()
	deadline := time.Now().Add(5 * time.Second)
	for len(up.asked()) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the first forward never reached the upstream")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if r := ask(t, "udp", s.Addr(), "other.test.", dns.TypeA); r.Rcode != dns.RcodeRefused {
		t.Fatalf("second forward while the first is out: %s, want REFUSED", dns.RcodeToString[r.Rcode])
	}
	// Captured names are answered at once even then.
	wantA(t, ask(t, "udp", s.Addr(), "nas.wiimmfi.de.", dns.TypeA), "nas.wiimmfi.de.", advertise)
	close(up.hold)
	if r := <-first; r == nil {
		t.Fatal("the first forward got no answer")
	} else {
		wantA(t, r, "example.test.", "192.0.2.7")
	}
	wantA(t, ask(t, "udp", s.Addr(), "example.test.", dns.TypeA), "example.test.", "192.0.2.7")
}

func TestDNSTCPConnectionsAreBounded(t *testing.T) {
	s := start(t, Config{Upstream: startUpstream(t, knows).addr, MaxTCPConns: 1})
	held, err := net.Dial("tcp", s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	// Make sure the server accepted it before the second one comes.
	co := &dns.Conn{Conn: held}
	m := new(dns.Msg)
	m.SetQuestion("mh.capcom.co.jp.", dns.TypeA)
	if err := co.WriteMsg(m); err != nil {
		t.Fatal(err)
	}
	if r, err := co.ReadMsg(); err != nil {
		t.Fatal(err)
	} else {
		wantA(t, r, "mh.capcom.co.jp.", advertise)
	}
	extra, err := net.Dial("tcp", s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer extra.Close()
	extra.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := extra.Read(make([]byte, 1)); err != io.EOF {
		t.Fatalf("connection over the bound: read gave %v, want EOF (closed at once)", err)
	}
	held.Close()
	deadline := time.Now().Add(5 * time.Second)
	for {
		m := new(dns.Msg)
		m.SetQuestion("mh.capcom.co.jp.", dns.TypeA)
		r, _, err := (&dns.Client{Net: "tcp", Timeout: time.Second}).Exchange(m, s.Addr())
		if err == nil {
			wantA(t, r, "mh.capcom.co.jp.", advertise)
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("TCP never served again after the held connection closed: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestDNSOverTCP(t *testing.T) {
	s := start(t, Config{Upstream: startUpstream(t, knows).addr})
	for _, name := range []string{"mh.capcom.co.jp.", "monhunter3wii.ms16.gs.nintendowifi.net."} {
		wantA(t, ask(t, "tcp", s.Addr(), name, dns.TypeA), name, advertise)
	}
}

// rawUDP sends b and returns the reply, or nil if none came within d.
func rawUDP(t *testing.T, addr string, b []byte, d time.Duration) []byte {
	t.Helper()
	c, err := net.Dial("udp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Write(b); err != nil {
		t.Fatal(err)
	}
	c.SetReadDeadline(time.Now().Add(d))
	buf := make([]byte, 65535)
	n, err := c.Read(buf)
	if err != nil {
		return nil
	}
	return buf[:n]
}

func TestDNSMalformedQueries(t *testing.T) {
	up := startUpstream(t, knows)
	s := start(t, Config{Upstream: up.addr})
	pack := func(m *dns.Msg) []byte {
		b, err := m.Pack()
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	two := new(dns.Msg)
	two.SetQuestion("mh.capcom.co.jp.", dns.TypeA)
	two.Question = append(two.Question, dns.Question{Name: "nas.wiimmfi.de.", Qtype: dns.TypeA, Qclass: dns.ClassINET})
	none := new(dns.Msg)
	none.Id = 7
	withAnswer := new(dns.Msg)
	withAnswer.SetQuestion("mh.capcom.co.jp.", dns.TypeA)
	withAnswer.Answer = []dns.RR{&dns.A{Hdr: dns.RR_Header{Name: "x.", Rrtype: dns.TypeA, Class: dns.ClassINET}, A: net.IPv4(1, 2, 3, 4)}}
	for name, b := range map[string][]byte{"qdcount 2": pack(two), "qdcount 0": pack(none), "an answer in a query": pack(withAnswer)} {
		r := rawUDP(t, s.Addr(), b, 5*time.Second)
		if r == nil {
			t.Fatalf("%s: no reply, want FORMERR", name)
		}
		m := new(dns.Msg)
		if err := m.Unpack(r); err != nil {
			t.Fatalf("%s: reply %x: %v", name, r, err)
		}
		if m.Rcode != dns.RcodeFormatError || len(m.Answer) != 0 {
			t.Fatalf("%s: %v, want FORMERR and no answer", name, m)
		}
	}

	notify := new(dns.Msg)
	notify.SetNotify("mh.capcom.co.jp.")
	if r := rawUDP(t, s.Addr(), pack(notify), 5*time.Second); r == nil {
		t.Fatal("NOTIFY: no reply, want NOTIMP")
	} else if m := new(dns.Msg); m.Unpack(r) != nil || m.Rcode != dns.RcodeNotImplemented {
		t.Fatalf("NOTIFY: %v, want NOTIMP", m)
	}

	// Garbage, truncated questions, a response, a name pointing at
	// itself: none kills the server; responses are not answered.
	q := pack(func() *dns.Msg { m := new(dns.Msg); m.SetQuestion("mh.capcom.co.jp.", dns.TypeA); return m }())
	resp := append([]byte(nil), q...)
	resp[2] |= 0x80
	loop := append(append([]byte(nil), q[:12]...), 0xc0, 12, 0, 1, 0, 1)
	for _, b := range [][]byte{{}, {1}, make([]byte, 11), q[:len(q)-3], q[:14], loop, make([]byte, 4000), []byte(strings.Repeat("\xff", 600))} {
		rawUDP(t, s.Addr(), b, 100*time.Millisecond)
	}
	if r := rawUDP(t, s.Addr(), resp, 300*time.Millisecond); r != nil {
		t.Fatalf("a response was answered: %x", r)
	}
	// Garbage over TCP too: a length prefix promising more than comes.
	if c, err := net.Dial("tcp", s.Addr()); err == nil {
		c.Write([]byte{0xff, 0xff, 1, 2, 3})
		c.Close()
	}
	wantA(t, ask(t, "udp", s.Addr(), "mh.capcom.co.jp.", dns.TypeA), "mh.capcom.co.jp.", advertise)
	wantA(t, ask(t, "tcp", s.Addr(), "mh.capcom.co.jp.", dns.TypeA), "mh.capcom.co.jp.", advertise)
	if got := up.asked(); len(got) != 0 {
		t.Fatalf("malformed queries went upstream: %v", got)
	}
}

func TestDNSEDNS(t *testing.T) {
	s := start(t, Config{Upstream: startUpstream(t, knows).addr})
	m := new(dns.Msg)
	m.SetQuestion("gpcm.gs.wiimmfi.de.", dns.TypeA)
	m.SetEdns0(4096, false)
	r, _, err := (&dns.Client{Timeout: 5 * time.Second}).Exchange(m, s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	wantA(t, r, "gpcm.gs.wiimmfi.de.", advertise)
	if r.IsEdns0() == nil {
		t.Fatal("no OPT in the answer to an EDNS query")
	}
	m.IsEdns0().SetVersion(1)
	if r, _, err = (&dns.Client{Timeout: 5 * time.Second}).Exchange(m, s.Addr()); err != nil {
		t.Fatal(err)
	} else if r.Rcode != dns.RcodeBadVers {
		t.Fatalf("EDNS version 1: %s, want BADVERS", dns.RcodeToString[r.Rcode])
	}
}

func TestDNSStopsWithItsContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	s, err := Start(ctx, Config{Addr: "127.0.0.1:0", Advertise: advertise, Upstream: "192.0.2.1", Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	select {
	case <-s.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("the server did not stop when its context ended")
	}
	if _, _, err := (&dns.Client{Net: "tcp", Timeout: time.Second}).Exchange(new(dns.Msg).SetQuestion("mh.capcom.co.jp.", dns.TypeA), s.Addr()); err == nil {
		t.Fatal("still answering after stopping")
	}
	s.Close() // after the context: no block, no panic
}

func TestDNSConfigIsValidated(t *testing.T) {
	port := testport.Get(t)
	addr := "127.0.0.1:" + strconv.Itoa(port)
	for name, cfg := range map[string]Config{
		"IPv6 advertise":     {Addr: addr, Advertise: "::1", Upstream: "192.0.2.1"},
		"name advertise":     {Addr: addr, Advertise: "mh.example", Upstream: "192.0.2.1"},
		"0.0.0.0 advertise":  {Addr: addr, Advertise: "0.0.0.0", Upstream: "192.0.2.1"},
		"no upstream":        {Addr: addr, Advertise: advertise},
		"name upstream":      {Addr: addr, Advertise: advertise, Upstream: "dns.example:53"},
		"upstream is itself": {Addr: addr, Advertise: advertise, Upstream: addr},
		"wildcard loops":     {Addr: "0.0.0.0:" + strconv.Itoa(port), Advertise: advertise, Upstream: addr},
		"bad listen":         {Addr: "127.0.0.1", Advertise: advertise, Upstream: "192.0.2.1"},
	} {
		s, err := Start(context.Background(), cfg)
		if err == nil {
			s.Close()
			t.Errorf("%s: started, want an error", name)
			continue
		}
		t.Logf("%s: %v", name, err)
	}
	for in, want := range map[string]string{"1.1.1.1": "1.1.1.1:53", "1.1.1.1:5353": "1.1.1.1:5353", "[2606:4700::1111]:53": "[2606:4700::1111]:53", "::1": "[::1]:53"} {
		if got, err := ParseUpstream(in); err != nil || got != want {
			t.Errorf("ParseUpstream(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

func TestDNSSystemUpstream(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good")
	os.WriteFile(good, []byte("# comment\nsearch lan\nnameserver 192.0.2.53\nnameserver 192.0.2.54\n"), 0o644)
	if got, err := SystemUpstream(good); err != nil || got != "192.0.2.53:53" {
		t.Fatalf("SystemUpstream = %q, %v; want the first nameserver, 192.0.2.53:53", got, err)
	}
	empty := filepath.Join(dir, "empty")
	os.WriteFile(empty, []byte("search lan\n"), 0o644)
	if _, err := SystemUpstream(empty); err == nil {
		t.Fatal("a resolv.conf without nameserver gave an upstream")
	}
	if _, err := SystemUpstream(filepath.Join(dir, "missing")); err == nil {
		t.Fatal("a missing resolv.conf gave an upstream")
	}
}

func TestDNSNamesList(t *testing.T) {
	names := Names()
	if len(names) != 57 {
		t.Errorf("%d names, want 57 (5 Capcom, 10 WFC and 16 GameSpy names on each of 2 domains)", len(names))
	}
	for _, want := range []string{
		"mh.capcom.co.jp.", "mmh-t1-opn04.mmh-service.capcom.co.jp.",
		"naswii.nintendowifi.net.", "naswii.wiimmfi.de.", "wiinat.natneg3.gs.wiimmfi.de.",
		"monhunter3wii.ms16.gs.nintendowifi.net.", "mh3uswii.ms1.gs.wiimmfi.de.",
	} {
		if !Captured(want) {
			t.Errorf("%s is not captured", want)
		}
	}
	if Captured("cfh.wapp.wii.com.") || Captured("conntest.nintendowifi.net.") {
		t.Error("a name outside the list is captured")
	}
	for _, bad := range []string{"", "# only a comment\n", "a.example\na.example\n", "*.wiimmfi.de\n", "bad name.example\n"} {
		if _, err := parseNames(bad); err == nil {
			t.Errorf("parseNames(%q) accepted it", bad)
		}
	}
}
