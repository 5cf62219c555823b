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
	"io"
	"net"
	"time"
)

// Handshake message types.
const (
	hsServerHello       = 2
	hsCertificate       = 11
	hsServerHelloDone   = 14
	hsClientKeyExchange = 16
	hsFinished          = 20
)

// sslv2Hello is a parsed SSLv2-format CLIENT-HELLO.
type sslv2Hello struct {
	version   uint16
	suites    []uint16 // TLS suites among the cipher specs (0x00XXYY)
	challenge []byte
	raw       []byte // the message after the 2-byte record header
}

// maxSSLv2Hello bounds the hello a client may send (the Wii's is 43 bytes).
const maxSSLv2Hello = 1024

// parseSSLv2Hello parses the body of an SSLv2-format CLIENT-HELLO record
// (RFC 2246 appendix E.2). Every length is checked before use.
func parseSSLv2Hello(msg []byte) (*sslv2Hello, error) {
	if len(msg) < 9 {
		return nil, fmt.Errorf("client hello of %d bytes", len(msg))
	}
	if msg[0] != 1 {
		return nil, fmt.Errorf("SSLv2 message type %d, want CLIENT-HELLO", msg[0])
	}
	h := &sslv2Hello{version: binary.BigEndian.Uint16(msg[1:3]), raw: msg}
	if h.version < versionTLS10 || h.version>>8 != 3 {
		return nil, fmt.Errorf("client version 0x%04x, want TLS 1.0 or later", h.version)
	}
	specLen := int(binary.BigEndian.Uint16(msg[3:5]))
	sidLen := int(binary.BigEndian.Uint16(msg[5:7]))
	chLen := int(binary.BigEndian.Uint16(msg[7:9]))
	if specLen%3 != 0 || specLen == 0 {
		return nil, fmt.Errorf("cipher spec length %d", specLen)
	}
	if sidLen != 0 && sidLen != 16 {
		return nil, fmt.Errorf("session id length %d", sidLen)
	}
	if chLen < 16 || chLen > 32 {
		return nil, fmt.Errorf("challenge length %d", chLen)
	}
	if 9+specLen+sidLen+chLen != len(msg) {
		return nil, fmt.Errorf("lengths %d+%d+%d do not add up to %d bytes", specLen, sidLen, chLen, len(msg)-9)
	}
	specs := msg[9 : 9+specLen]
	for i := 0; i < len(specs); i += 3 {
		if specs[i] == 0 {
			h.suites = append(h.suites, binary.BigEndian.Uint16(specs[i+1:i+3]))
		}
	}
	h.challenge = msg[9+specLen+sidLen:]
	return h, nil
}

// clientRandom is the challenge right-aligned in 32 bytes.
func (h *sslv2Hello) clientRandom() []byte {
	r := make([]byte, 32)
	copy(r[32-len(h.challenge):], h.challenge)
	return r
}

// transcript is the running MD5 and SHA-1 of the handshake messages.
type transcript struct{ md5, sha1 hash.Hash }

func newTranscript() *transcript { return &transcript{md5.New(), sha1.New()} }

func (t *transcript) Write(b []byte) { t.md5.Write(b); t.sha1.Write(b) }

func (t *transcript) sum() []byte {
	return append(t.md5.Sum(nil), t.sha1.Sum(nil)...)
}

// pHash is TLS's P_hash expansion.
func pHash(out, secret, seed []byte, h func() hash.Hash) {
	mac := hmac.New(h, secret)
	mac.Write(seed)
	a := mac.Sum(nil)
	for j := 0; j < len(out); {
		mac.Reset()
		mac.Write(a)
		mac.Write(seed)
		b := mac.Sum(nil)
		j += copy(out[j:], b)
		mac.Reset()
		mac.Write(a)
		a = mac.Sum(nil)
	}
}

// prf10 is the TLS 1.0 PRF: P_MD5 over the first half of the secret
// XOR P_SHA1 over the second half.
func prf10(secret []byte, label string, seed []byte, n int) []byte {
	ls := append([]byte(label), seed...)
	half := (len(secret) + 1) / 2
	out := make([]byte, n)
	tmp := make([]byte, n)
	pHash(out, secret[:half], ls, md5.New)
	pHash(tmp, secret[len(secret)-half:], ls, sha1.New)
	for i := range out {
		out[i] ^= tmp[i]
	}
	return out
}

// keys derives both directions' cipher states from the master secret.
func keys(s *suite, master, clientRandom, serverRandom []byte) (client, server *halfConn, err error) {
	n := 2*s.macLen + 2*s.keyLen + 2*s.ivLen
	kb := prf10(master, "key expansion", append(append([]byte(nil), serverRandom...), clientRandom...), n)
	take := func(k int) []byte { b := kb[:k]; kb = kb[k:]; return b }
	cMAC, sMAC := take(s.macLen), take(s.macLen)
	cKey, sKey := take(s.keyLen), take(s.keyLen)
	cIV, sIV := take(s.ivLen), take(s.ivLen)
	// client is what the client writes (the server reads with it).
	if client, err = newHalf(s, cMAC, cKey, cIV, false); err != nil {
		return
	}
	server, err = newHalf(s, sMAC, sKey, sIV, true)
	return
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
			if n > maxCiphertext {
				return nil, fmt.Errorf("handshake message of %d bytes", n)
			}
			if len(r.buf) >= 4+n {
				msg := r.buf[:4+n]
				r.buf = r.buf[4+n:]
				if msg[0] != want {
					return nil, fmt.Errorf("handshake message type %d, want %d", msg[0], want)
				}
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
			if len(data) >= 2 {
				return nil, fmt.Errorf("peer sent alert %d", data[1])
			}
			return nil, errors.New("peer sent a short alert")
		default:
			return nil, fmt.Errorf("record type %d during the handshake", typ)
		}
	}
}

// changeCipherSpec reads the peer's ChangeCipherSpec record.
func (r *handshakeReader) changeCipherSpec() error {
	if len(r.buf) > 0 {
		return errors.New("handshake data before ChangeCipherSpec")
	}
	typ, data, err := r.c.readRecord()
	if err != nil {
		return err
	}
	if typ != recordChangeCipherSpec || len(data) != 1 || data[0] != 1 {
		return fmt.Errorf("record type %d, want ChangeCipherSpec", typ)
	}
	return nil
}

func handshakeMsg(typ uint8, body []byte) []byte {
	m := []byte{typ, byte(len(body) >> 16), byte(len(body) >> 8), byte(len(body))}
	return append(m, body...)
}

// serverSSLv2Hello runs the TLS 1.0 server handshake for a client that
// opened with an SSLv2-format hello.
func serverSSLv2Hello(nc net.Conn, cfg *Config) (net.Conn, error) {
	var hdr [2]byte
	if _, err := io.ReadFull(nc, hdr[:]); err != nil {
		return nil, err
	}
	n := int(hdr[0]&0x7f)<<8 | int(hdr[1])
	if n > maxSSLv2Hello {
		return nil, fmt.Errorf("SSLv2 record of %d bytes", n)
	}
	msg := make([]byte, n)
	if _, err := io.ReadFull(nc, msg); err != nil {
		return nil, err
	}
	hello, err := parseSSLv2Hello(msg)
	if err != nil {
		return nil, err
	}
	var s *suite
	for _, pref := range suitePreference {
		for _, id := range hello.suites {
			if id == pref && s == nil {
				s = suiteByID(id)
			}
		}
	}
	c := &conn{Conn: nc}
	if s == nil {
		c.sendAlert(alertHandshakeFailure)
		return nil, fmt.Errorf("no shared cipher suite in %04x", hello.suites)
	}
	key, ok := cfg.Certificate.PrivateKey.(*rsa.PrivateKey)
	if !ok || len(cfg.Certificate.Certificate) == 0 {
		return nil, errors.New("the certificate needs an RSA key")
	}
	tr := newTranscript()
	tr.Write(hello.raw) // the hello counts without its 2-byte record header

	clientRandom := hello.clientRandom()
	serverRandom := make([]byte, 32)
	binary.BigEndian.PutUint32(serverRandom, uint32(time.Now().Unix()))
	rand.Read(serverRandom[4:])
	sh := []byte{3, 1}
	sh = append(sh, serverRandom...)
	sh = append(sh, 0) // no session id: nothing is resumed
	sh = binary.BigEndian.AppendUint16(sh, s.id)
	sh = append(sh, 0) // no compression
	var certs []byte
	for _, der := range cfg.Certificate.Certificate {
		certs = append(certs, byte(len(der)>>16), byte(len(der)>>8), byte(len(der)))
		certs = append(certs, der...)
	}
	certMsg := append([]byte{byte(len(certs) >> 16), byte(len(certs) >> 8), byte(len(certs))}, certs...)
	var flight []byte
	for _, m := range [][]byte{handshakeMsg(hsServerHello, sh), handshakeMsg(hsCertificate, certMsg), handshakeMsg(hsServerHelloDone, nil)} {
		tr.Write(m)
		flight = append(flight, m...)
	}
	if err := c.writeRecord(recordHandshake, flight); err != nil {
		return nil, err
	}

	hr := &handshakeReader{c: c}
	cke, err := hr.next(hsClientKeyExchange)
	if err != nil {
		return nil, err
	}
	tr.Write(cke)
	ct := cke[4:]
	size := key.Size()
	if len(ct) == size+2 && int(binary.BigEndian.Uint16(ct)) == size {
		ct = ct[2:] // TLS 1.0 length prefix
	}
	if len(ct) != size {
		c.sendAlert(alertDecodeError)
		return nil, fmt.Errorf("encrypted premaster of %d bytes, key is %d", len(ct), size)
	}
	// A wrong padding or version must not be observable before Finished:
	// decrypt into random bytes and carry on with them if anything is off.
	premaster := make([]byte, 48)
	rand.Read(premaster)
	if err := rsa.DecryptPKCS1v15SessionKey(nil, key, ct, premaster); err != nil {
		return nil, err
	}
	random := make([]byte, 48)
	rand.Read(random)
	okVersion := subtle.ConstantTimeByteEq(premaster[0], byte(hello.version>>8)) & subtle.ConstantTimeByteEq(premaster[1], byte(hello.version))
	subtle.ConstantTimeCopy(1-okVersion, premaster, random)

	master := prf10(premaster, "master secret", append(append([]byte(nil), clientRandom...), serverRandom...), 48)
	in, out, err := keys(s, master, clientRandom, serverRandom)
	if err != nil {
		return nil, err
	}
	if err := hr.changeCipherSpec(); err != nil {
		return nil, err
	}
	c.in = in
	fin, err := hr.next(hsFinished)
	if err != nil {
		return nil, err
	}
	want := prf10(master, "client finished", tr.sum(), 12)
	if len(fin) != 16 || subtle.ConstantTimeCompare(fin[4:], want) != 1 {
		c.sendAlert(alertDecryptError)
		return nil, errors.New("client Finished does not verify")
	}
	tr.Write(fin)
	if err := c.writeRecord(recordChangeCipherSpec, []byte{1}); err != nil {
		return nil, err
	}
	c.out = out
	if err := c.writeRecord(recordHandshake, handshakeMsg(hsFinished, prf10(master, "server finished", tr.sum(), 12))); err != nil {
		return nil, err
	}
	return c, nil
}

// WiiSuites are the cipher specs a real Wii offers, in its order.
var WiiSuites = []uint16{suiteAES256SHA, suiteAES128SHA, 0x000A, 0x0009, suiteRC4SHA, suiteRC4MD5}

// Client runs the client side of a handshake that opens with an
// SSLv2-format hello, as a real Wii does, offering suites (WiiSuites when
// nil). It does not verify the server's certificate. It exists for tests,
// the load tool and anyone checking a server with console-style hellos.
func Client(nc net.Conn, suites []uint16) (net.Conn, error) {
	if suites == nil {
		suites = WiiSuites
	}
	challenge := make([]byte, 16)
	rand.Read(challenge)
	msg := []byte{1, 3, 1}
	msg = binary.BigEndian.AppendUint16(msg, uint16(3*len(suites)))
	msg = binary.BigEndian.AppendUint16(msg, 0)
	msg = binary.BigEndian.AppendUint16(msg, uint16(len(challenge)))
	for _, s := range suites {
		msg = append(msg, 0, byte(s>>8), byte(s))
	}
	msg = append(msg, challenge...)
	rec := append([]byte{0x80 | byte(len(msg)>>8), byte(len(msg))}, msg...)
	if _, err := nc.Write(rec); err != nil {
		return nil, err
	}
	hello, err := parseSSLv2Hello(msg)
	if err != nil {
		return nil, err
	}
	tr := newTranscript()
	tr.Write(msg)
	c := &conn{Conn: nc}
	hr := &handshakeReader{c: c}
	sh, err := hr.next(hsServerHello)
	if err != nil {
		return nil, err
	}
	tr.Write(sh)
	if len(sh) < 4+2+32+1 {
		return nil, errors.New("short ServerHello")
	}
	body := sh[4:]
	if binary.BigEndian.Uint16(body) != versionTLS10 {
		return nil, fmt.Errorf("server chose version 0x%04x", binary.BigEndian.Uint16(body))
	}
	serverRandom := body[2:34]
	sidLen := int(body[34])
	if len(body) < 35+sidLen+3 {
		return nil, errors.New("short ServerHello")
	}
	s := suiteByID(binary.BigEndian.Uint16(body[35+sidLen:]))
	if s == nil {
		return nil, errors.New("server chose a suite this client cannot run")
	}
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
	premaster := make([]byte, 48)
	rand.Read(premaster)
	premaster[0], premaster[1] = 3, 1
	ct, err := rsa.EncryptPKCS1v15(rand.Reader, pub, premaster)
	if err != nil {
		return nil, err
	}
	cke := handshakeMsg(hsClientKeyExchange, append(binary.BigEndian.AppendUint16(nil, uint16(len(ct))), ct...))
	tr.Write(cke)
	if err := c.writeRecord(recordHandshake, cke); err != nil {
		return nil, err
	}
	clientRandom := hello.clientRandom()
	master := prf10(premaster, "master secret", append(append([]byte(nil), clientRandom...), serverRandom...), 48)
	// From the client's side the roles of the two halves swap.
	n := 2*s.macLen + 2*s.keyLen + 2*s.ivLen
	kb := prf10(master, "key expansion", append(append([]byte(nil), serverRandom...), clientRandom...), n)
	take := func(k int) []byte { b := kb[:k]; kb = kb[k:]; return b }
	cMAC, sMAC := take(s.macLen), take(s.macLen)
	cKey, sKey := take(s.keyLen), take(s.keyLen)
	cIV, sIV := take(s.ivLen), take(s.ivLen)
	out, err := newHalf(s, cMAC, cKey, cIV, true)
	if err != nil {
		return nil, err
	}
	in, err := newHalf(s, sMAC, sKey, sIV, false)
	if err != nil {
		return nil, err
	}
	if err := c.writeRecord(recordChangeCipherSpec, []byte{1}); err != nil {
		return nil, err
	}
	c.out = out
	fin := handshakeMsg(hsFinished, prf10(master, "client finished", tr.sum(), 12))
	tr.Write(fin)
	if err := c.writeRecord(recordHandshake, fin); err != nil {
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
	if want := prf10(master, "server finished", tr.sum(), 12); len(sf) != 16 || !hmac.Equal(sf[4:], want) {
		return nil, errors.New("server Finished does not verify")
	}
	return c, nil
}
