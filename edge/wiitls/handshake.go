package wiitls

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/subtle"
	"crypto/x509"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"net"
	"slices"
)

// Handshake message types.
const (
	hsServerHello       = 2
	hsCertificate       = 11
	hsServerHelloDone   = 14
	hsClientKeyExchange = 16
	hsFinished          = 20
)

// SSLv2-format CLIENT-HELLO limits. The Wii's is 43 bytes: version 0x0301,
// six cipher specs, no session id, a 16-byte challenge.
const (
	sslv2Peek        = 5 // record header, message type, version
	sslv2HelloFixed  = 9 // type, version, three lengths
	minSSLv2Hello    = sslv2HelloFixed + 3 + 16
	maxSSLv2Hello    = 1024
	maxHandshakeSize = 1 << 14 // no message either side needs is larger
)

// checkSSLv2Start checks the first sslv2Peek bytes of a connection for an
// SSLv2-format CLIENT-HELLO asking for TLS 1.0 or later.
func checkSSLv2Start(b []byte) error {
	n := int(b[0]&0x7f)<<8 | int(b[1])
	switch {
	case b[0]&0x80 == 0:
		return errors.New("no SSLv2 2-byte record header")
	case n < minSSLv2Hello || n > maxSSLv2Hello:
		return fmt.Errorf("SSLv2 record of %d bytes, not a client hello", n)
	case b[2] != 1:
		return fmt.Errorf("SSLv2 message type %d, want CLIENT-HELLO (1)", b[2])
	case b[3] != 3 || b[4] < 1:
		return fmt.Errorf("SSLv2-format hello for version 0x%02x%02x, want TLS 1.0 (0x0301) or later", b[3], b[4])
	}
	return nil
}

// sslv2Hello is a parsed SSLv2-format CLIENT-HELLO.
type sslv2Hello struct {
	version   uint16
	suites    []uint16 // the TLS suites among the cipher specs (those 0x00XXYY)
	challenge []byte
	raw       []byte // the message without its 2-byte record header
}

// parseSSLv2Hello parses the body of an SSLv2-format CLIENT-HELLO record
// (RFC 2246 appendix E.2). Every length is checked against the message
// before use; msg is at most maxSSLv2Hello bytes when it comes off the
// wire, and nothing allocated is larger than msg.
func parseSSLv2Hello(msg []byte) (*sslv2Hello, error) {
	if len(msg) < sslv2HelloFixed {
		return nil, fmt.Errorf("client hello of %d bytes", len(msg))
	}
	if msg[0] != 1 {
		return nil, fmt.Errorf("SSLv2 message type %d, want CLIENT-HELLO (1)", msg[0])
	}
	h := &sslv2Hello{version: binary.BigEndian.Uint16(msg[1:3]), raw: msg}
	if h.version>>8 != 3 || h.version < versionTLS10 {
		return nil, fmt.Errorf("client version 0x%04x, want TLS 1.0 (0x0301) or later", h.version)
	}
	specLen := int(binary.BigEndian.Uint16(msg[3:5]))
	sidLen := int(binary.BigEndian.Uint16(msg[5:7]))
	chLen := int(binary.BigEndian.Uint16(msg[7:9]))
	switch {
	case specLen == 0 || specLen%3 != 0:
		return nil, fmt.Errorf("cipher spec length %d", specLen)
	case sidLen != 0 && sidLen != 16:
		return nil, fmt.Errorf("session id length %d", sidLen)
	case chLen < 16 || chLen > 32:
		return nil, fmt.Errorf("challenge length %d", chLen)
	case sslv2HelloFixed+specLen+sidLen+chLen != len(msg):
		return nil, fmt.Errorf("lengths %d+%d+%d do not add up to the %d bytes after the header", specLen, sidLen, chLen, len(msg)-sslv2HelloFixed)
	}
	specs := msg[sslv2HelloFixed : sslv2HelloFixed+specLen]
	h.suites = make([]uint16, 0, specLen/3)
	for i := 0; i < len(specs); i += 3 {
		if specs[i] == 0 { // SSLv2-only specs have a non-zero first byte
			h.suites = append(h.suites, binary.BigEndian.Uint16(specs[i+1:i+3]))
		}
	}
	h.challenge = msg[sslv2HelloFixed+specLen+sidLen:]
	return h, nil
}

// clientRandom is ClientHello.random: the challenge right-aligned in 32
// bytes, zeros before it.
func (h *sslv2Hello) clientRandom() []byte {
	r := make([]byte, 32)
	copy(r[32-len(h.challenge):], h.challenge)
	return r
}

// chooseSuite is the server's most preferred suite the client offers.
func chooseSuite(offered []uint16) *suite {
	for _, id := range suitePreference {
		if slices.Contains(offered, id) {
			return suiteByID(id)
		}
	}
	return nil
}

// transcript is the running MD5 and SHA-1 of the handshake messages.
type transcript struct{ md5, sha1 hash.Hash }

func newTranscript() *transcript { return &transcript{md5.New(), sha1.New()} }

func (t *transcript) Write(b []byte) { t.md5.Write(b); t.sha1.Write(b) }

func (t *transcript) sum() []byte { return t.sha1.Sum(t.md5.Sum(nil)) }

// pHash is TLS's P_hash expansion (RFC 2246 section 5), XORed into out.
func pHash(out, secret, seed []byte, h func() hash.Hash) {
	mac := hmac.New(h, secret)
	mac.Write(seed)
	a := mac.Sum(nil)
	for j := 0; j < len(out); {
		mac.Reset()
		mac.Write(a)
		mac.Write(seed)
		b := mac.Sum(nil)
		for i := 0; i < len(b) && j < len(out); i, j = i+1, j+1 {
			out[j] ^= b[i]
		}
		mac.Reset()
		mac.Write(a)
		a = mac.Sum(a[:0])
	}
}

// prf10 is the TLS 1.0 PRF: P_MD5 over the first half of the secret XOR
// P_SHA1 over the second half (the halves share a byte if its length is
// odd).
func prf10(secret []byte, label string, seed []byte, n int) []byte {
	ls := append([]byte(label), seed...)
	half := (len(secret) + 1) / 2
	out := make([]byte, n)
	pHash(out, secret[:half], ls, md5.New)
	pHash(out, secret[len(secret)-half:], ls, sha1.New)
	return out
}

func masterSecret(premaster, clientRandom, serverRandom []byte) []byte {
	return prf10(premaster, "master secret", slices.Concat(clientRandom, serverRandom), 48)
}

// keys derives the cipher states of what the client writes and what the
// server writes; isServer says which one this side writes with.
func keys(s *suite, master, clientRandom, serverRandom []byte, isServer bool) (in, out *halfConn, err error) {
	n := 2*s.macLen + 2*s.keyLen + 2*s.ivLen
	kb := prf10(master, "key expansion", slices.Concat(serverRandom, clientRandom), n)
	take := func(k int) []byte { b := kb[:k]; kb = kb[k:]; return b }
	cMAC, sMAC := take(s.macLen), take(s.macLen)
	cKey, sKey := take(s.keyLen), take(s.keyLen)
	cIV, sIV := take(s.ivLen), take(s.ivLen)
	if !isServer {
		cMAC, sMAC, cKey, sKey, cIV, sIV = sMAC, cMAC, sKey, cKey, sIV, cIV
	}
	if in, err = newHalf(s, cMAC, cKey, cIV, false); err != nil {
		return nil, nil, err
	}
	out, err = newHalf(s, sMAC, sKey, sIV, true)
	return in, out, err
}

// handshakeMsg frames a handshake message.
func handshakeMsg(typ uint8, body []byte) []byte {
	m := []byte{typ, byte(len(body) >> 16), byte(len(body) >> 8), byte(len(body))}
	return append(m, body...)
}

// handshakeReader reassembles handshake messages from records.
type handshakeReader struct {
	c   *conn
	buf []byte
}

func (r *handshakeReader) next(want uint8) ([]byte, error) {
	for {
		if len(r.buf) >= 4 {
			n := int(r.buf[1])<<16 | int(r.buf[2])<<8 | int(r.buf[3])
			if r.buf[0] != want {
				r.c.sendAlert(alertUnexpectedMessage)
				return nil, fmt.Errorf("handshake message type %d, want %d", r.buf[0], want)
			}
			if n > maxHandshakeSize {
				r.c.sendAlert(alertDecodeError)
				return nil, fmt.Errorf("handshake message of %d bytes", n)
			}
			if len(r.buf) >= 4+n {
				msg := r.buf[: 4+n : 4+n]
				r.buf = r.buf[4+n:]
				return msg, nil
			}
		}
		typ, data, err := r.c.readRecord()
		if err != nil {
			return nil, err
		}
		switch typ {
		case recordHandshake:
			r.buf = append(r.buf, data...)
		case recordAlert:
			if len(data) == 2 {
				return nil, alertError(data[1])
			}
			return nil, errors.New("malformed alert")
		default:
			r.c.sendAlert(alertUnexpectedMessage)
			return nil, fmt.Errorf("record type %d, want a handshake message of type %d", typ, want)
		}
	}
}

// changeCipherSpec reads the peer's ChangeCipherSpec record.
func (r *handshakeReader) changeCipherSpec() error {
	if len(r.buf) > 0 {
		r.c.sendAlert(alertUnexpectedMessage)
		return errors.New("handshake data before ChangeCipherSpec")
	}
	typ, data, err := r.c.readRecord()
	if err != nil {
		return err
	}
	if typ == recordAlert && len(data) == 2 {
		return alertError(data[1])
	}
	if typ != recordChangeCipherSpec || len(data) != 1 || data[0] != 1 {
		r.c.sendAlert(alertUnexpectedMessage)
		return fmt.Errorf("record type %d, want ChangeCipherSpec", typ)
	}
	return nil
}

// serverHandshake runs the TLS 1.0 server handshake for a client that
// opened with an SSLv2-format hello; checkSSLv2Start has passed.
func (c *conn) serverHandshake(cfg *Config) error {
	b := c.buffered()
	n := int(b[0]&0x7f)<<8 | int(b[1])
	if err := c.fill(2 + n); err != nil {
		return fmt.Errorf("reading the client hello: %w", err)
	}
	raw := slices.Clone(c.take(2 + n)[2:])
	hello, err := parseSSLv2Hello(raw)
	if err != nil {
		c.sendAlert(alertDecodeError)
		return err
	}
	s := chooseSuite(hello.suites)
	if s == nil {
		c.sendAlert(alertHandshakeFailure)
		return fmt.Errorf("no cipher suite in common: client offers %04x", hello.suites)
	}
	key, ok := cfg.Certificate.PrivateKey.(*rsa.PrivateKey)
	if !ok {
		c.sendAlert(alertInternalError)
		return fmt.Errorf("the certificate's key is %T, RSA key exchange needs *rsa.PrivateKey", cfg.Certificate.PrivateKey)
	}
	c.suite = s.id

	tr := newTranscript()
	tr.Write(hello.raw) // the hello counts without its 2-byte record header
	clientRandom := hello.clientRandom()
	serverRandom := make([]byte, 32)
	rand.Read(serverRandom)
	sessionID := make([]byte, 32) // like OpenSSL's; never resumed
	rand.Read(sessionID)

	sh := binary.BigEndian.AppendUint16(nil, versionTLS10)
	sh = append(sh, serverRandom...)
	sh = append(sh, byte(len(sessionID)))
	sh = append(sh, sessionID...)
	sh = binary.BigEndian.AppendUint16(sh, s.id)
	sh = append(sh, 0) // null compression; no extensions
	var chain []byte
	for _, der := range cfg.Certificate.Certificate {
		chain = append(chain, byte(len(der)>>16), byte(len(der)>>8), byte(len(der)))
		chain = append(chain, der...)
	}
	certMsg := append([]byte{byte(len(chain) >> 16), byte(len(chain) >> 8), byte(len(chain))}, chain...)
	var flight []byte
	for _, m := range [][]byte{handshakeMsg(hsServerHello, sh), handshakeMsg(hsCertificate, certMsg), handshakeMsg(hsServerHelloDone, nil)} {
		tr.Write(m)
		flight = append(flight, m...)
	}
	if _, err := c.writeRecord(recordHandshake, flight); err != nil {
		return fmt.Errorf("sending the server hello: %w", err)
	}

	hr := &handshakeReader{c: c}
	cke, err := hr.next(hsClientKeyExchange)
	if err != nil {
		return fmt.Errorf("reading the client key exchange: %w", err)
	}
	tr.Write(cke)
	ct := cke[4:]
	size := key.Size()
	// RFC 2246 encodes the encrypted premaster as a vector with a 2-byte
	// length (OpenSSL and crypto/tls insist on it for TLS 1.0); SSLv3-style
	// clients leave the length out. Either form is accepted: the lengths
	// tell them apart.
	if len(ct) == size+2 && int(binary.BigEndian.Uint16(ct)) == size {
		ct = ct[2:]
	}
	if len(ct) != size {
		c.sendAlert(alertDecodeError)
		return fmt.Errorf("encrypted premaster of %d bytes, the key is %d", len(ct), size)
	}
	// A wrong padding or version must show only at Finished: decrypt into
	// random bytes (left alone on bad padding), and on a version mismatch
	// go on with other random bytes.
	premaster := make([]byte, 48)
	rand.Read(premaster)
	if err := rsa.DecryptPKCS1v15SessionKey(nil, key, ct, premaster); err != nil {
		c.sendAlert(alertInternalError)
		return fmt.Errorf("decrypting the premaster: %w", err)
	}
	random := make([]byte, 48)
	rand.Read(random)
	versionOK := subtle.ConstantTimeByteEq(premaster[0], byte(hello.version>>8)) &
		subtle.ConstantTimeByteEq(premaster[1], byte(hello.version))
	subtle.ConstantTimeCopy(1-versionOK, premaster, random)

	master := masterSecret(premaster, clientRandom, serverRandom)
	in, out, err := keys(s, master, clientRandom, serverRandom, true)
	if err != nil {
		c.sendAlert(alertInternalError)
		return err
	}
	if err := hr.changeCipherSpec(); err != nil {
		return fmt.Errorf("reading the client's ChangeCipherSpec: %w", err)
	}
	c.in = in
	fin, err := hr.next(hsFinished)
	if err != nil {
		return fmt.Errorf("reading the client's Finished: %w", err)
	}
	want := prf10(master, "client finished", tr.sum(), 12)
	if len(fin) != 4+12 || subtle.ConstantTimeCompare(fin[4:], want) != 1 {
		c.sendAlert(alertDecryptError)
		return errors.New("the client's Finished does not verify (wrong premaster or transcript)")
	}
	if len(hr.buf) > 0 {
		c.sendAlert(alertUnexpectedMessage)
		return errors.New("handshake data after the client's Finished")
	}
	tr.Write(fin)
	if _, err := c.writeRecord(recordChangeCipherSpec, []byte{1}); err != nil {
		return fmt.Errorf("sending ChangeCipherSpec: %w", err)
	}
	c.wmu.Lock()
	c.out = out
	c.wmu.Unlock()
	if _, err := c.writeRecord(recordHandshake, handshakeMsg(hsFinished, prf10(master, "server finished", tr.sum(), 12))); err != nil {
		return fmt.Errorf("sending Finished: %w", err)
	}
	return nil
}

// WiiSuites are the cipher specs a real Wii offers, in its order:
// AES256-SHA, AES128-SHA, DES-CBC3-SHA, DES-CBC-SHA, RC4-SHA, RC4-MD5.
var WiiSuites = []uint16{suiteAES256SHA, suiteAES128SHA, 0x000A, 0x0009, suiteRC4SHA, suiteRC4MD5}

// Client runs the client side of a TLS 1.0 handshake that opens with an
// SSLv2-format hello, byte for byte as a real Wii sends it, offering suites
// (WiiSuites when nil; the server must pick AES128-SHA, AES256-SHA,
// RC4-SHA or RC4-MD5). It does not verify the server's certificate. It
// exists for tests, load tools and anyone checking a server with
// console-style hellos. Deadlines work as for Server.
func Client(nc net.Conn, suites []uint16) (net.Conn, error) {
	c, err := clientHandshake(nc, clientOptions{suites: suites})
	if err != nil {
		return nil, fmt.Errorf("wiitls: client handshake: %w", err)
	}
	return c, nil
}

// clientOptions vary the client for tests.
type clientOptions struct {
	suites         []uint16
	noLengthPrefix bool   // send the encrypted premaster SSLv3-style
	premasterVer   uint16 // version in the premaster (default: the hello's)
	badFinished    bool   // send a Finished that does not verify

	// Fixed values instead of random ones, to replay recorded sessions.
	challenge          []byte // 16 bytes
	premaster          []byte // 48 bytes, version included
	encryptedPremaster []byte
	keyLog             func(encryptedPremaster []byte)
}

func clientHandshake(nc net.Conn, o clientOptions) (*conn, error) {
	if o.suites == nil {
		o.suites = WiiSuites
	}
	challenge := o.challenge
	if challenge == nil {
		challenge = make([]byte, 16)
		rand.Read(challenge)
	}
	msg := []byte{1, 3, 1}
	msg = binary.BigEndian.AppendUint16(msg, uint16(3*len(o.suites)))
	msg = binary.BigEndian.AppendUint16(msg, 0) // no session id
	msg = binary.BigEndian.AppendUint16(msg, uint16(len(challenge)))
	for _, s := range o.suites {
		msg = append(msg, 0, byte(s>>8), byte(s))
	}
	msg = append(msg, challenge...)
	hello, err := parseSSLv2Hello(msg)
	if err != nil {
		return nil, err
	}
	c := newConn(nc)
	if _, err := nc.Write(append([]byte{0x80 | byte(len(msg)>>8), byte(len(msg))}, msg...)); err != nil {
		return nil, err
	}
	tr := newTranscript()
	tr.Write(msg)
	hr := &handshakeReader{c: c}

	sh, err := hr.next(hsServerHello)
	if err != nil {
		return nil, err
	}
	tr.Write(sh)
	body := sh[4:]
	if len(body) < 2+32+1 {
		return nil, errors.New("short ServerHello")
	}
	if v := binary.BigEndian.Uint16(body); v != versionTLS10 {
		return nil, fmt.Errorf("server chose version 0x%04x", v)
	}
	serverRandom := body[2:34]
	sidLen := int(body[34])
	if sidLen > 32 || len(body) < 35+sidLen+3 {
		return nil, errors.New("malformed ServerHello")
	}
	id := binary.BigEndian.Uint16(body[35+sidLen:])
	s := suiteByID(id)
	if s == nil || !slices.Contains(o.suites, id) {
		return nil, fmt.Errorf("server chose suite %04x", id)
	}
	c.suite = id

	cm, err := hr.next(hsCertificate)
	if err != nil {
		return nil, err
	}
	tr.Write(cm)
	if len(cm) < 4+3+3 {
		return nil, errors.New("short Certificate")
	}
	first := cm[7:]
	certLen := int(first[0])<<16 | int(first[1])<<8 | int(first[2])
	if len(first) < 3+certLen {
		return nil, errors.New("short Certificate")
	}
	cert, err := x509.ParseCertificate(first[3 : 3+certLen])
	if err != nil {
		return nil, err
	}
	pub, ok := cert.PublicKey.(*rsa.PublicKey)
	if !ok {
		return nil, errors.New("server key is not RSA")
	}
	done, err := hr.next(hsServerHelloDone)
	if err != nil {
		return nil, err
	}
	tr.Write(done)

	premaster := o.premaster
	if premaster == nil {
		premaster = make([]byte, 48)
		rand.Read(premaster)
		binary.BigEndian.PutUint16(premaster, hello.version)
		if o.premasterVer != 0 {
			binary.BigEndian.PutUint16(premaster, o.premasterVer)
		}
	}
	ct := o.encryptedPremaster
	if ct == nil {
		if ct, err = rsa.EncryptPKCS1v15(rand.Reader, pub, premaster); err != nil {
			return nil, err
		}
	}
	if o.keyLog != nil {
		o.keyLog(ct)
	}
	if !o.noLengthPrefix {
		ct = append(binary.BigEndian.AppendUint16(nil, uint16(len(ct))), ct...)
	}
	cke := handshakeMsg(hsClientKeyExchange, ct)
	tr.Write(cke)
	if _, err := c.writeRecord(recordHandshake, cke); err != nil {
		return nil, err
	}
	clientRandom := hello.clientRandom()
	master := masterSecret(premaster, clientRandom, serverRandom)
	in, out, err := keys(s, master, clientRandom, serverRandom, false)
	if err != nil {
		return nil, err
	}
	if _, err := c.writeRecord(recordChangeCipherSpec, []byte{1}); err != nil {
		return nil, err
	}
	c.wmu.Lock()
	c.out = out
	c.wmu.Unlock()
	fin := handshakeMsg(hsFinished, prf10(master, "client finished", tr.sum(), 12))
	if o.badFinished {
		fin[4] ^= 1
	}
	tr.Write(fin)
	if _, err := c.writeRecord(recordHandshake, fin); err != nil {
		return nil, err
	}
	if err := hr.changeCipherSpec(); err != nil {
		return nil, err
	}
	c.in = in
	sf, err := hr.next(hsFinished)
	if err != nil {
		return nil, err
	}
	if want := prf10(master, "server finished", tr.sum(), 12); len(sf) != 4+12 || !hmac.Equal(sf[4:], want) {
		return nil, errors.New("server Finished does not verify")
	}
	return c, nil
}
