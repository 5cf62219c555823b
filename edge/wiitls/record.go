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
	maxPlaintext  = 16384
	maxCiphertext = maxPlaintext + 2048
)

// Cipher suites of the SSLv2-hello path, in the server's order of
// preference (AES-128 first, as the reference server picks).
const (
	suiteAES128SHA = 0x002F
	suiteAES256SHA = 0x0035
	suiteRC4SHA    = 0x0005
	suiteRC4MD5    = 0x0004
)

var suitePreference = []uint16{suiteAES128SHA, suiteAES256SHA, suiteRC4SHA, suiteRC4MD5}

type suite struct {
	id      uint16
	keyLen  int
	ivLen   int
	macLen  int
	newMAC  func() hash.Hash
	isBlock bool
}

func suiteByID(id uint16) *suite {
	switch id {
	case suiteAES128SHA:
		return &suite{id, 16, 16, 20, sha1.New, true}
	case suiteAES256SHA:
		return &suite{id, 32, 16, 20, sha1.New, true}
	case suiteRC4SHA:
		return &suite{id, 16, 0, 20, sha1.New, false}
	case suiteRC4MD5:
		return &suite{id, 16, 0, 16, md5.New, false}
	}
	return nil
}

// halfConn is one direction's cipher state.
type halfConn struct {
	seq    uint64
	mac    hash.Hash
	block  cipher.BlockMode // CBC with the implicit TLS 1.0 IV chaining
	stream cipher.Stream
}

func newHalf(s *suite, macKey, key, iv []byte, encrypt bool) (*halfConn, error) {
	h := &halfConn{mac: hmac.New(s.newMAC, macKey)}
	if s.isBlock {
		b, err := aes.NewCipher(key)
		if err != nil {
			return nil, err
		}
		if encrypt {
			h.block = cipher.NewCBCEncrypter(b, iv)
		} else {
			h.block = cipher.NewCBCDecrypter(b, iv)
		}
	} else {
		c, err := rc4.NewCipher(key)
		if err != nil {
			return nil, err
		}
		h.stream = c
	}
	return h, nil
}

func (h *halfConn) computeMAC(typ uint8, payload []byte) []byte {
	var hdr [13]byte
	binary.BigEndian.PutUint64(hdr[:8], h.seq)
	hdr[8] = typ
	binary.BigEndian.PutUint16(hdr[9:], versionTLS10)
	binary.BigEndian.PutUint16(hdr[11:], uint16(len(payload)))
	h.mac.Reset()
	h.mac.Write(hdr[:])
	h.mac.Write(payload)
	return h.mac.Sum(nil)
}

// seal turns a plaintext fragment into a record body.
func (h *halfConn) seal(typ uint8, payload []byte) []byte {
	if h == nil {
		return append([]byte(nil), payload...)
	}
	mac := h.computeMAC(typ, payload)
	h.seq++
	out := append(append([]byte(nil), payload...), mac...)
	if h.block != nil {
		bs := h.block.BlockSize()
		pad := bs - (len(out)+1)%bs
		if pad == bs {
			pad = 0
		}
		for i := 0; i <= pad; i++ {
			out = append(out, byte(pad))
		}
		h.block.CryptBlocks(out, out)
	} else {
		h.stream.XORKeyStream(out, out)
	}
	return out
}

var errBadRecordMAC = errors.New("bad record MAC")

// open checks and decrypts a record body in place.
func (h *halfConn) open(typ uint8, body []byte) ([]byte, error) {
	if h == nil {
		return body, nil
	}
	macLen := h.mac.Size()
	var payload []byte
	good := 1
	if h.block != nil {
		bs := h.block.BlockSize()
		if len(body) == 0 || len(body)%bs != 0 || len(body) < macLen+1 {
			return nil, errBadRecordMAC
		}
		h.block.CryptBlocks(body, body)
		pad := int(body[len(body)-1])
		if pad+1+macLen > len(body) {
			good = 0
			pad = 0
		}
		// Check every padding byte without an early exit.
		for i := 0; i <= pad; i++ {
			good &= subtle.ConstantTimeByteEq(body[len(body)-1-i], byte(pad))
		}
		payload = body[:len(body)-1-pad]
	} else {
		if len(body) < macLen {
			return nil, errBadRecordMAC
		}
		h.stream.XORKeyStream(body, body)
		payload = body
	}
	data, mac := payload[:len(payload)-macLen], payload[len(payload)-macLen:]
	want := h.computeMAC(typ, data)
	h.seq++
	if subtle.ConstantTimeCompare(mac, want)&good != 1 {
		return nil, errBadRecordMAC
	}
	return data, nil
}

// conn is a TLS 1.0 connection after the SSLv2-hello handshake.
type conn struct {
	net.Conn
	rmu     sync.Mutex
	in      *halfConn
	pending []byte
	rerr    error
	wmu     sync.Mutex
	out     *halfConn
}

// readRecord reads one record and returns its type and plaintext.
func (c *conn) readRecord() (uint8, []byte, error) {
	var hdr [5]byte
	if _, err := io.ReadFull(c.Conn, hdr[:]); err != nil {
		return 0, nil, err
	}
	typ := hdr[0]
	if hdr[1] != 3 {
		return 0, nil, fmt.Errorf("record version %d.%d", hdr[1], hdr[2])
	}
	n := int(binary.BigEndian.Uint16(hdr[3:]))
	if n > maxCiphertext {
		return 0, nil, fmt.Errorf("record of %d bytes over the limit", n)
	}
	body := make([]byte, n)
	if _, err := io.ReadFull(c.Conn, body); err != nil {
		return 0, nil, err
	}
	data, err := c.in.open(typ, body)
	if err != nil {
		c.sendAlert(alertBadRecordMAC)
		return 0, nil, err
	}
	return typ, data, nil
}

func (c *conn) writeRecord(typ uint8, payload []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	for first := true; first || len(payload) > 0; first = false {
		n := min(len(payload), maxPlaintext)
		body := c.out.seal(typ, payload[:n])
		rec := make([]byte, 5, 5+len(body))
		rec[0] = typ
		binary.BigEndian.PutUint16(rec[1:], versionTLS10)
		binary.BigEndian.PutUint16(rec[3:], uint16(len(body)))
		if _, err := c.Conn.Write(append(rec, body...)); err != nil {
			return err
		}
		payload = payload[n:]
	}
	return nil
}

const (
	alertCloseNotify       = 0
	alertUnexpectedMessage = 10
	alertBadRecordMAC      = 20
	alertHandshakeFailure  = 40
	alertDecodeError       = 50
	alertDecryptError      = 51
	alertNoRenegotiation   = 100
)

func (c *conn) sendAlert(desc uint8) {
	level := uint8(2)
	if desc == alertCloseNotify || desc == alertNoRenegotiation {
		level = 1
	}
	c.writeRecord(recordAlert, []byte{level, desc})
}

// Read returns application data.
func (c *conn) Read(b []byte) (int, error) {
	c.rmu.Lock()
	defer c.rmu.Unlock()
	for len(c.pending) == 0 {
		if c.rerr != nil {
			return 0, c.rerr
		}
		typ, data, err := c.readRecord()
		if err != nil {
			c.rerr = err
			return 0, err
		}
		switch typ {
		case recordApplicationData:
			c.pending = data
		case recordAlert:
			if len(data) >= 2 && data[1] == alertCloseNotify {
				c.rerr = io.EOF
			} else if len(data) >= 2 && data[0] == 2 {
				c.rerr = fmt.Errorf("wiitls: peer sent fatal alert %d", data[1])
			}
		case recordHandshake:
			c.sendAlert(alertNoRenegotiation)
		default:
			c.rerr = fmt.Errorf("wiitls: unexpected record type %d", typ)
		}
	}
	n := copy(b, c.pending)
	c.pending = c.pending[n:]
	return n, nil
}

// Write sends application data, one record per 16 KiB.
func (c *conn) Write(b []byte) (int, error) {
	if err := c.writeRecord(recordApplicationData, b); err != nil {
		return 0, err
	}
	return len(b), nil
}

// Close sends close_notify and closes the socket.
func (c *conn) Close() error {
	// Never wait behind a blocked write to say goodbye.
	if c.wmu.TryLock() {
		c.wmu.Unlock()
		c.Conn.SetWriteDeadline(time.Now().Add(100 * time.Millisecond))
		c.sendAlert(alertCloseNotify)
	}
	return c.Conn.Close()
}
