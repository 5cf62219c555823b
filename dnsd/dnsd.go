// Package dnsd is the DNS server a host points the game at. It answers the
// Capcom and Nintendo WFC hostnames Monster Hunter Tri looks up (the list
// in names.txt, see Names) with the server's advertised IPv4 address, and
// forwards every other question to an upstream resolver, over UDP and TCP
// on the same address.
//
// A captured name gets one A record (TTL 2119 s, as the community server
// gives) for A and ANY questions, and an empty NOERROR answer (NODATA) for
// every other type, so a client asking for AAAA falls back to A. Names are
// compared without regard to case; the answer repeats the question's
// spelling.
//
// The community server can optionally send cfh.wapp.wii.com (the Wii
// browser's update check) to the str2hax exploit hosts. mh3net does not:
// that name is forwarded like any other.
//
// Bounds: queries must be plain QUERY with exactly one question (others
// get FORMERR or NOTIMP; responses and garbage are dropped); at most
// MaxForwards forwards are in flight (more are REFUSED), each for at most
// Timeout (then SERVFAIL); at most MaxTCPConns TCP connections are open
// (more are closed at once), each with read and idle timeouts.
package dnsd

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/miekg/dns"
)

// TTL is the lifetime of the A records for the captured names (0x0847 s,
// the community server's value).
const TTL = 0x0847

// Defaults for the zero values of Config.
const (
	DefaultTimeout     = 2 * time.Second
	DefaultMaxForwards = 256
	DefaultMaxTCPConns = 256
)

// ednsSize is the UDP payload size this server advertises and the largest
// UDP query it reads.
const ednsSize = 1232

// Config is what Start needs.
type Config struct {
	// Addr is the host:port to listen on, UDP and TCP. Port 0 picks a
	// free port (the same for both); Addr reports it.
	Addr string
	// Advertise is the IPv4 address the captured names resolve to.
	Advertise string
	// Upstream is the resolver (IP or IP:port, port 53 by default) that
	// gets every other question.
	Upstream string
	// Timeout bounds one forward (DefaultTimeout).
	Timeout time.Duration
	// MaxForwards bounds the forwards in flight (DefaultMaxForwards).
	MaxForwards int
	// MaxTCPConns bounds the open TCP connections (DefaultMaxTCPConns).
	MaxTCPConns int
	// Logger gets the start, stop and failures (slog.Default if nil).
	Logger *slog.Logger
}

// Server is a running DNS server.
type Server struct {
	ip       net.IP
	upstream string
	timeout  time.Duration
	log      *slog.Logger
	ctx      context.Context
	cancel   context.CancelFunc
	sem      chan struct{}
	udp, tcp *dns.Server
	addr     string
	errc     chan error
	done     chan struct{}
	stopOnce sync.Once

	refused  atomic.Int64
	failed   atomic.Int64
	lastWarn atomic.Int64 // unix nanoseconds of the last upstream warning
}

// ParseUpstream checks a resolver address: an IP literal with an optional
// port (53 by default). A name is refused: resolving it would need DNS.
func ParseUpstream(s string) (string, error) {
	if ap, err := netip.ParseAddrPort(s); err == nil {
		if ap.Port() == 0 {
			return "", fmt.Errorf("upstream %q: port 0", s)
		}
		return ap.String(), nil
	}
	if a, err := netip.ParseAddr(s); err == nil {
		return netip.AddrPortFrom(a, 53).String(), nil
	}
	return "", fmt.Errorf("upstream %q: want an IP address with an optional port (e.g. 1.1.1.1:53)", s)
}

// SystemUpstream is the first nameserver of a resolv.conf file (with port
// 53), or an error when it has none.
func SystemUpstream(resolvConf string) (string, error) {
	cc, err := dns.ClientConfigFromFile(resolvConf)
	if err != nil {
		return "", fmt.Errorf("read %s: %w", resolvConf, err)
	}
	if len(cc.Servers) == 0 {
		return "", fmt.Errorf("%s names no nameserver", resolvConf)
	}
	return ParseUpstream(net.JoinHostPort(cc.Servers[0], cc.Port))
}

// ParseAdvertise checks the address the captured names resolve to: IPv4.
func ParseAdvertise(s string) (net.IP, error) {
	a, err := netip.ParseAddr(s)
	if err != nil || !a.Unmap().Is4() || a.IsUnspecified() {
		return nil, fmt.Errorf("advertise %q: want the IPv4 address the game should connect to", s)
	}
	return net.IP(a.Unmap().AsSlice()), nil
}

// Start listens on cfg.Addr (UDP and TCP) and serves until ctx ends or
// Close is called.
func Start(ctx context.Context, cfg Config) (*Server, error) {
	ip, err := ParseAdvertise(cfg.Advertise)
	if err != nil {
		return nil, err
	}
	if cfg.Upstream == "" {
		return nil, errors.New("no upstream resolver")
	}
	upstream, err := ParseUpstream(cfg.Upstream)
	if err != nil {
		return nil, err
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.MaxForwards <= 0 {
		cfg.MaxForwards = DefaultMaxForwards
	}
	if cfg.MaxTCPConns <= 0 {
		cfg.MaxTCPConns = DefaultMaxTCPConns
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if err := selfForward(cfg.Addr, upstream); err != nil {
		return nil, err
	}
	pc, ln, err := listen(cfg.Addr)
	if err != nil {
		return nil, err
	}
	sctx, cancel := context.WithCancel(ctx)
	s := &Server{
		ip:       ip,
		upstream: upstream,
		timeout:  cfg.Timeout,
		log:      cfg.Logger.With("component", "dns"),
		ctx:      sctx,
		cancel:   cancel,
		sem:      make(chan struct{}, cfg.MaxForwards),
		addr:     pc.LocalAddr().String(),
		errc:     make(chan error, 2),
		done:     make(chan struct{}),
	}
	started := make(chan struct{}, 2)
	notify := func() { started <- struct{}{} }
	s.udp = &dns.Server{
		PacketConn:        pc,
		Handler:           s,
		UDPSize:           ednsSize,
		ReadTimeout:       cfg.Timeout,
		MsgAcceptFunc:     accept,
		NotifyStartedFunc: notify,
	}
	s.tcp = &dns.Server{
		Listener:          &limitListener{Listener: ln, sem: make(chan struct{}, cfg.MaxTCPConns)},
		Handler:           s,
		ReadTimeout:       cfg.Timeout,
		WriteTimeout:      cfg.Timeout,
		IdleTimeout:       func() time.Duration { return 8 * time.Second },
		MaxTCPQueries:     128,
		MsgAcceptFunc:     accept,
		NotifyStartedFunc: notify,
	}
	var wg sync.WaitGroup
	for _, srv := range []*dns.Server{s.udp, s.tcp} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := srv.ActivateAndServe(); err != nil && sctx.Err() == nil {
				s.errc <- fmt.Errorf("dns: %w", err)
				cancel()
			}
		}()
	}
	for range 2 {
		select {
		case <-started:
		case err := <-s.errc:
			cancel()
			pc.Close()
			ln.Close()
			wg.Wait()
			return nil, err
		}
	}
	go func() {
		<-sctx.Done()
		s.shutdown()
		wg.Wait()
		close(s.done)
	}()
	s.log.Info("dns running", "addr", s.addr, "advertise", ip.String(), "upstream", upstream, "names", len(captured))
	return s, nil
}

// Addr is the address the server listens on (UDP and TCP).
func (s *Server) Addr() string { return s.addr }

// Err delivers an error if a listener fails while the server runs.
func (s *Server) Err() <-chan error { return s.errc }

// Close stops the server and waits for it.
func (s *Server) Close() error {
	s.cancel()
	<-s.done
	return nil
}

// Done is closed once the server has stopped.
func (s *Server) Done() <-chan struct{} { return s.done }

func (s *Server) shutdown() {
	s.stopOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		for _, srv := range []*dns.Server{s.udp, s.tcp} {
			if err := srv.ShutdownContext(ctx); err != nil {
				s.log.Warn("dns shutdown", "err", err)
			}
		}
		s.log.Info("dns stopped", "refused", s.refused.Load(), "upstream_failures", s.failed.Load())
	})
}

// listen binds UDP and TCP on the same address; for port 0, on the same
// free port.
func listen(addr string) (net.PacketConn, net.Listener, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, nil, fmt.Errorf("listen %q: %w", addr, err)
	}
	for try := 0; ; try++ {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			return nil, nil, fmt.Errorf("dns: %w", err)
		}
		p := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
		pc, err := net.ListenPacket("udp", net.JoinHostPort(host, p))
		if err == nil {
			return pc, ln, nil
		}
		ln.Close()
		if port != "0" || try == 10 {
			return nil, nil, fmt.Errorf("dns: %w", err)
		}
	}
}

// selfForward refuses an upstream that is this server's own address: every
// forwarded question would come back to it.
func selfForward(listen, upstream string) error {
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return fmt.Errorf("listen %q: %w", listen, err)
	}
	up := netip.MustParseAddrPort(upstream)
	if port != strconv.Itoa(int(up.Port())) {
		return nil
	}
	l, err := netip.ParseAddr(host)
	if host == "" || (err == nil && l.IsUnspecified()) {
		if up.Addr().IsLoopback() || up.Addr().IsUnspecified() {
			return fmt.Errorf("upstream %s is this server itself (listening on %s)", upstream, listen)
		}
		return nil
	}
	if err == nil && l.Unmap() == up.Addr().Unmap() {
		return fmt.Errorf("upstream %s is this server itself", upstream)
	}
	return nil
}

// accept lets through only what ServeDNS answers: a QUERY with one
// question and no records but an OPT and maybe a TSIG. Responses are
// dropped (answering them could be used to loop two servers); other
// opcodes get NOTIMP, other shapes FORMERR.
func accept(dh dns.Header) dns.MsgAcceptAction {
	const qr = 1 << 15
	if dh.Bits&qr != 0 {
		return dns.MsgIgnore
	}
	if opcode := int(dh.Bits>>11) & 0xF; opcode != dns.OpcodeQuery {
		return dns.MsgRejectNotImplemented
	}
	if dh.Qdcount != 1 || dh.Ancount != 0 || dh.Nscount != 0 || dh.Arcount > 2 {
		return dns.MsgReject
	}
	return dns.MsgAccept
}

// ServeDNS answers one query.
func (s *Server) ServeDNS(w dns.ResponseWriter, r *dns.Msg) {
	if len(r.Question) != 1 {
		s.write(w, r, reply(r, dns.RcodeFormatError))
		return
	}
	q := r.Question[0]
	if q.Qclass == dns.ClassINET && Captured(q.Name) {
		s.log.Debug("dns answer", "name", q.Name, "type", dns.Type(q.Qtype).String(), "remote", w.RemoteAddr().String())
		s.write(w, r, s.answer(r))
		return
	}
	s.log.Debug("dns forward", "name", q.Name, "type", dns.Type(q.Qtype).String(), "remote", w.RemoteAddr().String())
	s.forward(w, r)
}

// answer is the reply for a captured name.
func (s *Server) answer(r *dns.Msg) *dns.Msg {
	m := reply(r, dns.RcodeSuccess)
	if opt := r.IsEdns0(); opt != nil && opt.Version() != 0 {
		m.Rcode = dns.RcodeBadVers
		return m
	}
	q := r.Question[0]
	if q.Qtype == dns.TypeA || q.Qtype == dns.TypeANY {
		m.Answer = []dns.RR{&dns.A{
			Hdr: dns.RR_Header{Name: q.Name, Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: TTL},
			A:   s.ip,
		}}
	}
	return m
}

// reply is an empty answer to r with rcode, with an OPT record when r had
// one.
func reply(r *dns.Msg, rcode int) *dns.Msg {
	m := new(dns.Msg)
	m.SetRcode(r, rcode)
	m.RecursionAvailable = true
	if r.IsEdns0() != nil {
		m.SetEdns0(ednsSize, false)
	}
	return m
}

// forward asks the upstream resolver and relays its answer.
func (s *Server) forward(w dns.ResponseWriter, r *dns.Msg) {
	select {
	case s.sem <- struct{}{}:
	default:
		s.refused.Add(1)
		s.write(w, r, reply(r, dns.RcodeRefused))
		return
	}
	network := "udp"
	if _, ok := w.RemoteAddr().(*net.TCPAddr); ok {
		network = "tcp"
	}
	q := r.Copy()
	q.Id = dns.Id() // the client's id is not ours to reuse upstream
	ctx, cancel := context.WithTimeout(s.ctx, s.timeout)
	defer cancel()
	c := &dns.Client{Net: network, Timeout: s.timeout}
	resp, _, err := c.ExchangeContext(ctx, q, s.upstream)
	// The forward is over once the upstream answered: the slot is free
	// before the client has the answer, so a client that asks again at
	// once is not refused for its own finished question.
	<-s.sem
	if err == nil && (len(resp.Question) != 1 || !sameQuestion(resp.Question[0], r.Question[0])) {
		err = errors.New("upstream answered another question")
	}
	if err != nil {
		s.failed.Add(1)
		s.warnUpstream(r.Question[0], err)
		s.write(w, r, reply(r, dns.RcodeServerFailure))
		return
	}
	resp.Id = r.Id
	s.write(w, r, resp)
}

func sameQuestion(a, b dns.Question) bool {
	return a.Qtype == b.Qtype && a.Qclass == b.Qclass && dns.CanonicalName(a.Name) == dns.CanonicalName(b.Name)
}

// warnUpstream logs an upstream failure, at most every 10 s at warn level
// (a dead upstream under load would otherwise flood the log).
func (s *Server) warnUpstream(q dns.Question, err error) {
	now := time.Now().UnixNano()
	last := s.lastWarn.Load()
	if now-last >= int64(10*time.Second) && s.lastWarn.CompareAndSwap(last, now) {
		s.log.Warn("upstream resolver failed; answering SERVFAIL", "upstream", s.upstream, "name", q.Name, "err", err, "failures", s.failed.Load())
		return
	}
	s.log.Debug("upstream resolver failed", "name", q.Name, "err", err)
}

// write sends m, cut to what the client can take over UDP.
func (s *Server) write(w dns.ResponseWriter, r, m *dns.Msg) {
	if _, ok := w.RemoteAddr().(*net.TCPAddr); !ok {
		size := dns.MinMsgSize
		if opt := r.IsEdns0(); opt != nil && int(opt.UDPSize()) > size {
			size = min(int(opt.UDPSize()), dns.MaxMsgSize)
		}
		m.Truncate(size)
	}
	if err := w.WriteMsg(m); err != nil {
		s.log.Debug("dns write", "remote", w.RemoteAddr().String(), "err", err)
	}
}

// limitListener closes connections beyond its bound at once, so a client
// opening many cannot exhaust descriptors or goroutines.
type limitListener struct {
	net.Listener
	sem chan struct{}
}

func (l *limitListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		select {
		case l.sem <- struct{}{}:
			return &limitConn{Conn: c, release: sync.OnceFunc(func() { <-l.sem })}, nil
		default:
			c.Close()
		}
	}
}

type limitConn struct {
	net.Conn
	release func()
}

func (c *limitConn) Close() error {
	c.release()
	return c.Conn.Close()
}
