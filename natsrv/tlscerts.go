package natsrv

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// CertValidity is how long the certificates GenerateCerts issues last.
const CertValidity = 5 * 365 * 24 * time.Hour

// GenerateCerts writes TLS material for the bus to dir: a CA (ca.crt,
// ca.key; an existing one is reused, so one CA can sign every server of a
// cluster), a server certificate <name>.crt/<name>.key for hosts (IP
// addresses or DNS names; usable for client connections and for routes,
// which verify both ways) and a client certificate client.crt/client.key
// for edges and handlers. Keys are ECDSA P-256, signatures SHA-256;
// private keys are written 0600. These are for NATS only: OPN needs the
// game-compatible ones from the certs package.
func GenerateCerts(dir, name string, hosts []string) error {
	if name == "" || name == "ca" || name == "client" || filepath.Base(name) != name {
		return fmt.Errorf("natsrv: bad certificate name %q", name)
	}
	if len(hosts) == 0 {
		return fmt.Errorf("natsrv: a server certificate needs at least one host")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	ca, err := loadCA(dir)
	if errors.Is(err, fs.ErrNotExist) {
		ca, err = newCertCA(dir)
	}
	if err != nil {
		return err
	}
	server := &x509.Certificate{
		Subject:     pkix.Name{CommonName: name, Organization: []string{"mh3net"}},
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
	}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			server.IPAddresses = append(server.IPAddresses, ip)
		} else if h != "" {
			server.DNSNames = append(server.DNSNames, h)
		}
	}
	if err := issue(dir, name, server, ca); err != nil {
		return err
	}
	client := &x509.Certificate{
		Subject:     pkix.Name{CommonName: "mh3net client", Organization: []string{"mh3net"}},
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	return issue(dir, "client", client, ca)
}

func newCertCA(dir string) (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	sn, err := serialNumber()
	if err != nil {
		return tls.Certificate{}, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          sn,
		Subject:               pkix.Name{CommonName: "mh3net NATS CA", Organization: []string{"mh3net"}},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(CertValidity),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("natsrv: create CA: %w", err)
	}
	if err := writePair(dir, "ca", der, key); err != nil {
		return tls.Certificate{}, err
	}
	return loadCA(dir)
}

func loadCA(dir string) (tls.Certificate, error) {
	crt, key := filepath.Join(dir, "ca.crt"), filepath.Join(dir, "ca.key")
	if _, err := os.Stat(crt); err != nil {
		return tls.Certificate{}, err
	}
	ca, err := tls.LoadX509KeyPair(crt, key)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("natsrv: load CA: %w", err)
	}
	if ca.Leaf == nil || !ca.Leaf.IsCA {
		return tls.Certificate{}, fmt.Errorf("natsrv: %s is not a CA certificate", crt)
	}
	return ca, nil
}

func issue(dir, name string, tmpl *x509.Certificate, ca tls.Certificate) error {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	if tmpl.SerialNumber, err = serialNumber(); err != nil {
		return err
	}
	tmpl.NotBefore = time.Now().Add(-time.Hour)
	tmpl.NotAfter = time.Now().Add(CertValidity)
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.Leaf, &key.PublicKey, ca.PrivateKey)
	if err != nil {
		return fmt.Errorf("natsrv: create %s certificate: %w", name, err)
	}
	return writePair(dir, name, der, key)
}

func writePair(dir, name string, der []byte, key *ecdsa.PrivateKey) error {
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, name+".key"), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, name+".crt"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644)
}

func serialNumber() (*big.Int, error) {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, err
	}
	return n.Add(n, big.NewInt(1)), nil
}
