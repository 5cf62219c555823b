package wiitls

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"io"
	"net"
	"os"
	"strconv"
	"testing"
)

// gnutlsVector is one session of Client, opening with the Wii's
// SSLv2-format hello (offering one suite), with GnuTLS 3.7.9's server
// (gnutls-serv -a --echo, priority
// NORMAL:+VERS-TLS1.0:+RSA:+AES-128-CBC:+AES-256-CBC:+SHA1:+ARCFOUR-128:+MD5),
// recorded once with the client's random values. Debian's OpenSSL has no
// RC4 suites, so these are what checks the RC4 ones against an independent
// implementation, and gnutls-serv cannot be told to listen on loopback
// only, so it is not run by the tests.
type gnutlsVector struct {
	Suite              string // hex
	Challenge          string
	Premaster          string
	EncryptedPremaster string
	AppData            string // sent by the client and echoed
	FromServer         string // every byte the server sent
	FromClient         string // every byte the client sent
}

// scriptConn feeds recorded input and records output.
type scriptConn struct {
	net.Conn
	in  *bytes.Reader
	out bytes.Buffer
}

func (c *scriptConn) Read(b []byte) (int, error)  { return c.in.Read(b) }
func (c *scriptConn) Write(b []byte) (int, error) { return c.out.Write(b) }

func unhex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestClientGnuTLSVectors replays the recorded sessions: with the same
// random values the client must write the very bytes GnuTLS accepted,
// verify GnuTLS's Finished and decrypt its echo. Every suite of the
// SSLv2-hello path is covered.
func TestClientGnuTLSVectors(t *testing.T) {
	raw, err := os.ReadFile("testdata/gnutls-sslv2-hello.json")
	if err != nil {
		t.Fatal(err)
	}
	var vs []gnutlsVector
	if err := json.Unmarshal(raw, &vs); err != nil {
		t.Fatal(err)
	}
	seen := map[uint16]bool{}
	for _, v := range vs {
		t.Run(v.Suite, func(t *testing.T) {
			id, err := strconv.ParseUint(v.Suite, 16, 16)
			if err != nil {
				t.Fatal(err)
			}
			seen[uint16(id)] = true
			sc := &scriptConn{in: bytes.NewReader(unhex(t, v.FromServer))}
			c, err := clientHandshake(sc, clientOptions{
				suites:             []uint16{uint16(id)},
				challenge:          unhex(t, v.Challenge),
				premaster:          unhex(t, v.Premaster),
				encryptedPremaster: unhex(t, v.EncryptedPremaster),
			})
			if err != nil {
				t.Fatalf("handshake against GnuTLS's recorded replies: %v", err)
			}
			if _, err := c.Write([]byte(v.AppData)); err != nil {
				t.Fatal(err)
			}
			got := make([]byte, len(v.AppData))
			if _, err := io.ReadFull(c, got); err != nil || string(got) != v.AppData {
				t.Fatalf("GnuTLS's echo: %q, %v", got, err)
			}
			if want := unhex(t, v.FromClient); !bytes.Equal(sc.out.Bytes(), want) {
				t.Errorf("the client's bytes differ from those GnuTLS accepted\ngot  %x\nwant %x", sc.out.Bytes(), want)
			}
		})
	}
	for _, s := range suitePreference {
		if !seen[s] {
			t.Errorf("no recorded session for suite %04x", s)
		}
	}
}
