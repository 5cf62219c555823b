// Package certs makes and loads the certificates of the OPN TLS server.
//
// The game trusts one root CA embedded in main.dol (924 bytes of DER at
// most); a patcher replaces it with ours (ca.der). Like the reference
// server, keys are RSA-1024 and signatures SHA-1 with RSA, what the Wii's
// SSL library is known to accept; the CA is about 500 bytes of DER.
//
// Go 1.26 still creates these without any GODEBUG setting: rsa.GenerateKey
// refuses only keys under 1024 bits (rsa1024min), and x509.CreateCertificate
// still signs with SHA1WithRSA; only verifying SHA-1 signatures is refused
// by crypto/x509, which a server never does with its own chain. Validity
// runs to the end of 2049, the last date UTCTime can hold.
package certs

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// MaxCADER is the room the game has for its root CA.
const MaxCADER = 924

// Hosts the game looks up for OPN.
var Hosts = []string{
	"mh.capcom.co.jp",
	"mmh-t1-opn01.mmh-service.capcom.co.jp",
	"mmh-t1-opn02.mmh-service.capcom.co.jp",
	"mmh-t1-opn03.mmh-service.capcom.co.jp",
	"mmh-t1-opn04.mmh-service.capcom.co.jp",
	"localhost",
}

const keyBits = 1024

// NotAfter is when the certificates expire.
var NotAfter = time.Date(2049, 12, 31, 23, 59, 59, 0, time.UTC)

func serial() (*big.Int, error) {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 63))
	if err != nil {
		return nil, fmt.Errorf("certs: serial number: %w", err)
	}
	return n.Add(n, big.NewInt(1)), nil // positive, as RFC 5280 wants
}

// pair is a key and its DER certificate.
type pair struct {
	key  *rsa.PrivateKey
	der  []byte
	cert *x509.Certificate
}

func newCA() (*pair, error) {
	key, err := rsa.GenerateKey(rand.Reader, keyBits)
	if err != nil {
		return nil, fmt.Errorf("certs: CA key: %w", err)
	}
	sn, err := serial()
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          sn,
		Subject:               pkix.Name{CommonName: "mh3net CA", Organization: []string{"mh3net"}},
		NotBefore:             time.Now().Add(-24 * time.Hour),
		NotAfter:              NotAfter,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		SignatureAlgorithm:    x509.SHA1WithRSA,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, fmt.Errorf("certs: create CA: %w", err)
	}
	if len(der) > MaxCADER {
		return nil, fmt.Errorf("certs: CA is %d bytes of DER, the game has room for %d", len(der), MaxCADER)
	}
	cert, err := x509.ParseCertificate(der)
	return &pair{key, der, cert}, err
}

func newLeaf(ca *pair) (*pair, error) {
	key, err := rsa.GenerateKey(rand.Reader, keyBits)
	if err != nil {
		return nil, fmt.Errorf("certs: server key: %w", err)
	}
	sn, err := serial()
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:       sn,
		Subject:            pkix.Name{CommonName: Hosts[0], Organization: []string{"mh3net"}},
		NotBefore:          time.Now().Add(-24 * time.Hour),
		NotAfter:           NotAfter,
		KeyUsage:           x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage:        []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:           Hosts,
		IPAddresses:        []net.IP{net.IPv4(127, 0, 0, 1)},
		SignatureAlgorithm: x509.SHA1WithRSA,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		return nil, fmt.Errorf("certs: create server certificate: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	return &pair{key, der, cert}, err
}

// Generate writes ca.crt, ca.der, ca.key, server.crt and server.key to dir.
func Generate(dir string) error {
	ca, err := newCA()
	if err != nil {
		return err
	}
	leaf, err := newLeaf(ca)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	files := []struct {
		name string
		data []byte
		mode os.FileMode
	}{
		{"ca.der", ca.der, 0o644},
		{"ca.crt", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.der}), 0o644},
		{"ca.key", pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(ca.key)}), 0o600},
		{"server.crt", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: leaf.der}), 0o644},
		{"server.key", pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(leaf.key)}), 0o600},
	}
	for _, f := range files {
		if err := os.WriteFile(filepath.Join(dir, f.name), f.data, f.mode); err != nil {
			return fmt.Errorf("certs: %w", err)
		}
	}
	return nil
}

// Load reads a PEM certificate and key.
func Load(certFile, keyFile string) (tls.Certificate, error) {
	c, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return c, fmt.Errorf("certs: load %s: %w", certFile, err)
	}
	return c, nil
}

// SelfSigned makes an in-memory server certificate (signed by a throwaway
// CA) for a server run without certificate files.
func SelfSigned() (tls.Certificate, error) {
	ca, err := newCA()
	if err != nil {
		return tls.Certificate{}, err
	}
	leaf, err := newLeaf(ca)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.Certificate{Certificate: [][]byte{leaf.der}, PrivateKey: leaf.key, Leaf: leaf.cert}, nil
}
