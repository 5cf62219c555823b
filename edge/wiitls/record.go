package wiitls

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/md5"
	"crypto/rc4"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"io"
	"net"
	"sync"
	"time"
)

// Record content types.
const (
	recordChangeCipherSpec = 20
	recordAlert            = 21
	recordHandshake        = 22
	recordApplicationData  = 23
)

const (
	versionTLS10  = 0x0301
	maxPlaintext  = 1 << 14
	maxCiphertext = maxPlaintext + 2048
	recordHeader  = 5
)

// Cipher suites of the SSLv2-hello path.
const (
	suiteAES128SHA = 0x002F
	suiteAES256SHA = 0x0035
	suiteRC4SHA    = 0x0005
	suiteRC4MD5    = 0x0004
)

// suitePreference is the server's order: AES-128 first, as the reference
// server (OpenSSL) picks it from the Wii's list.
var suitePreference = []uint16{suiteAES128SHA, suiteAES256SHA, suiteRC4SHA, suiteRC4MD5}

type suite struct {
	id     uint16
	keyLen int
	ivLen  int // 0 for RC4
	macLen int
	newMAC func() hash.Hash
}

func suiteByID(id uint16) *suite {
	switch id {
	case suiteAES128SHA:
		return &suite{id, 16, 16, 20, sha1.New}
	case suiteAES256SHA:
		return &suite{id, 32, 16, 20, sha1.New}
	case suiteRC4SHA:
		return &suite{id, 16, 0, 20, sha1.New}
	case suiteRC4MD5:
		return &suite{id, 16, 0, 16, md5.New}
	}
	return nil
}

// halfConn is one direction's cipher state.
type halfConn struct {
	seq    uint64
	mac    hash.Hash
	block  cipher.BlockMode // AES-CBC; it chains the IV across records as TLS 1.0 does
	stream cipher.Stream    // RC4
}

func newHalf(s *suite, macKey, key, iv []byte, encrypt bool) (*halfConn, error) {
	h := &halfConn{mac: hmac.New(s.newMAC, macKey)}
	if s.ivLen > 0 {
		b, err := aes.NewCipher(key)
		if err != nil {
			return nil, err
		}
		if encrypt {
			h.block = cipher.NewCBCEncrypter(b, iv)
		} else {
			h.block = cipher.NewCBCDecrypter(b, iv)
		}
		return h, nil
	}
	c, err := rc4.NewCipher(key)
	if err != nil {
		return nil, err
	}
	h.stream = c
	return h, nil
}

// computeMAC is TLS 1.0's HMAC(seq || type || version || length || data).
func (h *halfConn) computeMAC(dst []byte, typ uint8, data []byte) []byte {
	var hdr [13]byte
	binary.BigEndian.PutUint64(hdr[:8], h.seq)
	hdr[8] = typ
	binary.BigEndian.PutUint16(hdr[9:], versionTLS10)
	binary.BigEndian.PutUint16(hdr[11:], uint16(len(data)))
	h.mac.Reset()
	h.mac.Write(hdr[:])
	h.mac.Write(data)
	return h.mac.Sum(dst)
}

// seal appends the record for payload (at most maxPlaintext bytes) to dst.
func (h *halfConn) seal(dst []byte, typ uint8, payload []byte) []byte {
	start := len(dst)
	dst = append(dst, typ, versionTLS10>>8, versionTLS10&0xff, 0, 0)
	body := len(dst)
	dst = append(dst, payload...)
	if h != nil {
		dst = h.computeMAC(dst, typ, payload)
		h.seq++
		if h.block != nil {
			bs := h.block.BlockSize()
			pad := bs - 1 - (len(dst)-body)%bs
			for i := 0; i <= pad; i++ {
				dst = append(dst, byte(pad))
			}
			h.block.CryptBlocks(dst[body:], dst[body:])
		} else {
			h.stream.XORKeyStream(dst[body:], dst[body:])
		}
	}
	binary.BigEndian.PutUint16(dst[start+3:], uint16(len(dst)-body))
	return dst
}

var errBadRecordMAC = errors.New("bad record MAC")

// open checks and decrypts a record body in place and returns the
// plaintext. Every failure is the same error, bad_record_mac.
func (h *halfConn) open(typ uint8, body []byte) ([]byte, error) {
	if h == nil {
		return body, nil
	}
	macLen := h.mac.Size()
	var payload []byte
	good := 1
	if h.block != nil {
		bs := h.block.BlockSize()
		// The length is public: these checks may branch.
		if len(body)%bs != 0 || len(body) < (macLen+bs)/bs*bs {
			return nil, errBadRecordMAC
		}
		h.block.CryptBlocks(body, body)
		strip, padGood := checkPadding(body)
		// The padding length may be garbage: bound it so that a MAC
		// still fits, without a branch on it.
		n := len(body) - macLen - strip
		negative := int(uint(n) >> (intSize - 1))
		n = subtle.ConstantTimeSelect(negative, 0, n)
		good = padGood & (1 - negative)
		payload = body[:n+macLen]
	} else {
		if len(body) < macLen {
			return nil, errBadRecordMAC
		}
		h.stream.XORKeyStream(body, body)
		payload = body
	}
	data, mac := payload[:len(payload)-macLen], payload[len(payload)-macLen:]
	var sum [20]byte
	want := h.computeMAC(sum[:0], typ, data)
	h.seq++
	if subtle.ConstantTimeCompare(mac, want)&good != 1 {
		return nil, errBadRecordMAC
	}
	return data, nil
}

const intSize = 32 << (^uint(0) >> 63)

// checkPadding reads the TLS 1.0 CBC padding at the end of b (non-empty):
// it returns how many bytes to strip (padding plus its length byte) and 1
// if every padding byte equals the length, looking at the last 256 bytes
// (or all of b) whatever the padding length.
func checkPadding(b []byte) (strip, good int) {
	padLen := int(b[len(b)-1])
	// good while padLen+1 <= len(b)
	good = subtle.ConstantTimeLessOrEq(padLen+1, len(b))
	for i := 1; i <= min(256, len(b)); i++ {
		inPad := subtle.ConstantTimeLessOrEq(i, padLen+1) // byte len(b)-i is padding
		same := subtle.ConstantTimeByteEq(b[len(b)-i], byte(padLen))
		good &= same | (1 - inPad)
	}
	strip = subtle.ConstantTimeSelect(good, padLen+1, 0)
	return strip, good
}

// alertError is a fatal alert the peer sent.
type alertError uint8

func (e alertError) Error() string { return fmt.Sprintf("peer sent fatal alert %d", uint8(e)) }

const (
	alertCloseNotify       = 0
	alertUnexpectedMessage = 10
	alertBadRecordMAC      = 20
	alertRecordOverflow    = 22
	alertHandshakeFailure  = 40
	alertDecodeError       = 50
	alertDecryptError      = 51
	alertInternalError     = 80
	alertNoRenegotiation   = 100
)

// conn is a TLS 1.0 connection: during the handshake of either side, then
// carrying application data.
type conn struct {
	net.Conn

	rmu     sync.Mutex
	in      *halfConn
	rbuf    []byte // input read from Conn; rbuf[rpos:] not used yet
	rpos    int
	pending []byte // decrypted application data not yet returned
	rerr    error  // sticky: the input can no longer be trusted

	wmu  sync.Mutex
	out  *halfConn
	werr error // sticky: a record may be half written, or the cipher state moved on
	wbuf []byte

	suite uint16
}

func newConn(nc net.Conn) *conn { return &conn{Conn: nc} }

// buffered is what has been read from the socket and not used yet.
func (c *conn) buffered() []byte { return c.rbuf[c.rpos:] }

// fill reads until at least n bytes are buffered, n at most
// recordHeader+maxCiphertext. Bytes read before an error stay buffered, so
// a read that times out can be retried.
func (c *conn) fill(n int) error {
	for len(c.rbuf)-c.rpos < n {
		if c.rpos+n > cap(c.rbuf) {
			// Move what is left to the front, into a larger buffer if
			// need be (the largest holds one record).
			nb := c.rbuf[:cap(c.rbuf)]
			if cap(c.rbuf) < n {
				size := max(4096, cap(c.rbuf))
				for size < n {
					size *= 2
				}
				nb = make([]byte, min(size, recordHeader+maxCiphertext))
			}
			m := copy(nb, c.rbuf[c.rpos:])
			c.rbuf, c.rpos = nb[:m], 0
		}
		m, err := c.Conn.Read(c.rbuf[len(c.rbuf):cap(c.rbuf)])
		c.rbuf = c.rbuf[:len(c.rbuf)+m]
		if len(c.rbuf)-c.rpos >= n {
			return nil
		}
		if err != nil {
			if err == io.EOF && len(c.rbuf) > c.rpos {
				err = io.ErrUnexpectedEOF
			}
			return err
		}
	}
	return nil
}

// take consumes n buffered bytes and returns them (valid until the next
// fill).
func (c *conn) take(n int) []byte {
	b := c.rbuf[c.rpos : c.rpos+n]
	c.rpos += n
	if c.rpos == len(c.rbuf) {
		c.rbuf, c.rpos = c.rbuf[:0], 0
	}
	return b
}

// readRecord reads one record and returns its type and plaintext (valid
// until the next read). A fatal problem sends the matching alert.
func (c *conn) readRecord() (uint8, []byte, error) {
	if err := c.fill(recordHeader); err != nil {
		return 0, nil, err
	}
	hdr := c.buffered()[:recordHeader]
	typ := hdr[0]
	if typ < recordChangeCipherSpec || typ > recordApplicationData || hdr[1] != 3 {
		c.sendAlert(alertUnexpectedMessage)
		return 0, nil, fmt.Errorf("not a TLS record: % x", hdr)
	}
	n := int(binary.BigEndian.Uint16(hdr[3:]))
	if n > maxCiphertext {
		c.sendAlert(alertRecordOverflow)
		return 0, nil, fmt.Errorf("record of %d bytes, over the limit", n)
	}
	if err := c.fill(recordHeader + n); err != nil {
		return 0, nil, err
	}
	body := c.take(recordHeader + n)[recordHeader:]
	data, err := c.in.open(typ, body)
	if err != nil {
		c.sendAlert(alertBadRecordMAC)
		return 0, nil, err
	}
	if len(data) > maxPlaintext {
		c.sendAlert(alertRecordOverflow)
		return 0, nil, fmt.Errorf("record of %d plaintext bytes, over the limit", len(data))
	}
	return typ, data, nil
}

// writeRecord sends payload as records of typ, 16 KiB at most each, in
// one write to the socket.
func (c *conn) writeRecord(typ uint8, payload []byte) (int, error) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.werr != nil {
		return 0, c.werr
	}
	written := 0
	for first := true; first || len(payload) > 0; first = false {
		n := min(len(payload), maxPlaintext)
		c.wbuf = c.out.seal(c.wbuf[:0], typ, payload[:n])
		if _, err := c.Conn.Write(c.wbuf); err != nil {
			c.werr = err
			return written, err
		}
		written += n
		payload = payload[n:]
	}
	if cap(c.wbuf) > 2*4096 {
		c.wbuf = nil // do not keep a large buffer for an idle connection
	}
	return written, nil
}

// sendAlert sends a fatal alert (a warning for close_notify and
// no_renegotiation), ignoring errors: the connection is ending anyway.
func (c *conn) sendAlert(desc uint8) {
	level := uint8(2)
	if desc == alertCloseNotify || desc == alertNoRenegotiation {
		level = 1
	}
	c.writeRecord(recordAlert, []byte{level, desc})
}

// fail records a fatal read error, and closes the socket when the peer
// cannot be trusted any more.
func (c *conn) fail(err error) error {
	c.rerr = err
	var ne net.Error
	if !errors.As(err, &ne) && err != io.EOF && err != io.ErrUnexpectedEOF {
		c.Conn.Close()
	}
	return err
}

// Read returns application data.
func (c *conn) Read(b []byte) (int, error) {
	c.rmu.Lock()
	defer c.rmu.Unlock()
	if len(b) == 0 {
		return 0, nil
	}
	for len(c.pending) == 0 {
		if c.rerr != nil {
			return 0, c.rerr
		}
		typ, data, err := c.readRecord()
		if err != nil {
			var ne net.Error
			switch {
			case err == io.EOF:
				// The peer closed at a record boundary without
				// close_notify, as many do: an ordinary end.
				c.rerr = io.EOF
				return 0, io.EOF
			case errors.As(err, &ne) && ne.Timeout():
				return 0, err // nothing was consumed: a later Read may go on
			}
			return 0, c.fail(fmt.Errorf("wiitls: %w", err))
		}
		switch typ {
		case recordApplicationData:
			c.pending = data // may be empty: read on
		case recordAlert:
			switch {
			case len(data) != 2:
				c.sendAlert(alertDecodeError)
				return 0, c.fail(errors.New("wiitls: malformed alert"))
			case data[1] == alertCloseNotify:
				c.rerr = io.EOF
			case data[0] == 2:
				return 0, c.fail(fmt.Errorf("wiitls: %w", alertError(data[1])))
			}
			// Other warnings are ignored.
		case recordHandshake:
			// A renegotiation attempt: refuse it, carry on.
			c.sendAlert(alertNoRenegotiation)
		default:
			c.sendAlert(alertUnexpectedMessage)
			return 0, c.fail(fmt.Errorf("wiitls: unexpected record type %d", typ))
		}
	}
	n := copy(b, c.pending)
	c.pending = c.pending[n:]
	return n, nil
}

// Write sends b as application data, one record per 16 KiB.
func (c *conn) Write(b []byte) (int, error) {
	if len(b) == 0 {
		return 0, nil
	}
	return c.writeRecord(recordApplicationData, b)
}

// closeNotifyTimeout bounds the close_notify that Close sends.
const closeNotifyTimeout = time.Second

// Close sends close_notify, unless a write is under way, and closes the
// socket.
func (c *conn) Close() error {
	if c.wmu.TryLock() {
		out := c.werr == nil
		c.wmu.Unlock()
		if out {
			c.Conn.SetWriteDeadline(time.Now().Add(closeNotifyTimeout))
			c.sendAlert(alertCloseNotify)
		}
	}
	return c.Conn.Close()
}
