package certs

import (
	"bytes"
	"crypto"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
)

func readPEM(t *testing.T, path, typ string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	block, rest := pem.Decode(b)
	if block == nil || block.Type != typ || len(bytes.TrimSpace(rest)) != 0 {
		t.Fatalf("%s: want one PEM block of type %s", path, typ)
	}
	return block.Bytes
}

// signedBy checks child's signature with parent's key by hand: crypto/x509
// refuses to verify SHA-1 signatures at all.
func signedBy(t *testing.T, child, parent *x509.Certificate) {
	t.Helper()
	if child.SignatureAlgorithm != x509.SHA1WithRSA {
		t.Fatalf("%s signed with %v, want SHA1WithRSA", child.Subject, child.SignatureAlgorithm)
	}
	if !bytes.Equal(child.RawIssuer, parent.RawSubject) {
		t.Errorf("%s: issuer %s, want %s", child.Subject, child.Issuer, parent.Subject)
	}
	digest := sha1.Sum(child.RawTBSCertificate)
	if err := rsa.VerifyPKCS1v15(parent.PublicKey.(*rsa.PublicKey), crypto.SHA1, digest[:], child.Signature); err != nil {
		t.Errorf("%s not signed by %s: %v", child.Subject, parent.Subject, err)
	}
}

func TestGenerate(t *testing.T) {
	dir := t.TempDir()
	if err := Generate(dir); err != nil {
		t.Fatal(err)
	}
	der, err := os.ReadFile(filepath.Join(dir, "ca.der"))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("ca.der is %d bytes", len(der))
	if len(der) > MaxCADER {
		t.Fatalf("ca.der is %d bytes, the game has room for %d", len(der), MaxCADER)
	}
	if !bytes.Equal(readPEM(t, filepath.Join(dir, "ca.crt"), "CERTIFICATE"), der) {
		t.Error("ca.crt and ca.der differ")
	}
	ca, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	if !ca.IsCA || !ca.BasicConstraintsValid || ca.KeyUsage&x509.KeyUsageCertSign == 0 {
		t.Errorf("CA constraints: IsCA %v, key usage %v", ca.IsCA, ca.KeyUsage)
	}
	signedBy(t, ca, ca)
	caKey, err := x509.ParsePKCS1PrivateKey(readPEM(t, filepath.Join(dir, "ca.key"), "RSA PRIVATE KEY"))
	if err != nil {
		t.Fatal(err)
	}
	if !caKey.PublicKey.Equal(ca.PublicKey) {
		t.Error("ca.key is not the CA's key")
	}

	pair, err := Load(filepath.Join(dir, "server.crt"), filepath.Join(dir, "server.key"))
	if err != nil {
		t.Fatal(err)
	}
	if len(pair.Certificate) != 1 {
		t.Errorf("server.crt holds %d certificates, want the leaf alone", len(pair.Certificate))
	}
	leaf, err := x509.ParseCertificate(pair.Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	signedBy(t, leaf, ca)
	for _, c := range []*x509.Certificate{ca, leaf} {
		if n := c.PublicKey.(*rsa.PublicKey).N.BitLen(); n != 1024 {
			t.Errorf("%s: RSA-%d, want RSA-1024", c.Subject, n)
		}
		if !c.NotAfter.Equal(NotAfter) || c.NotAfter.Year() != 2049 {
			t.Errorf("%s: valid until %v", c.Subject, c.NotAfter)
		}
	}
	if leaf.Subject.CommonName != "mh.capcom.co.jp" || leaf.IsCA {
		t.Errorf("leaf %s, IsCA %v", leaf.Subject, leaf.IsCA)
	}
	for _, h := range []string{"mh.capcom.co.jp", "mmh-t1-opn01.mmh-service.capcom.co.jp", "mmh-t1-opn04.mmh-service.capcom.co.jp", "localhost", "127.0.0.1"} {
		if err := leaf.VerifyHostname(h); err != nil {
			t.Error(err)
		}
	}
	if !slices.ContainsFunc(leaf.IPAddresses, func(ip net.IP) bool { return ip.Equal(net.IPv4(127, 0, 0, 1)) }) {
		t.Errorf("leaf IPs %v", leaf.IPAddresses)
	}

	// An independent check of the chain: OpenSSL, with its security level
	// lowered for RSA-1024 and SHA-1.
	out, err := exec.Command("openssl", "verify", "-auth_level", "0", "-CAfile", filepath.Join(dir, "ca.crt"), filepath.Join(dir, "server.crt")).CombinedOutput()
	if err != nil {
		t.Errorf("openssl verify: %v\n%s", err, out)
	}
}

func TestSelfSigned(t *testing.T) {
	c, err := SelfSigned()
	if err != nil {
		t.Fatal(err)
	}
	if c.Leaf == nil || len(c.Certificate) != 1 || !bytes.Equal(c.Leaf.Raw, c.Certificate[0]) {
		t.Fatalf("certificate %+v", c)
	}
	key, ok := c.PrivateKey.(*rsa.PrivateKey)
	if !ok || !key.PublicKey.Equal(c.Leaf.PublicKey) {
		t.Fatal("the private key does not match the certificate")
	}
	if err := c.Leaf.VerifyHostname("mh.capcom.co.jp"); err != nil {
		t.Error(err)
	}
	// Usable as it is by crypto/tls.
	if _, err := tls.X509KeyPair(
		pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Certificate[0]}),
		pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}),
	); err != nil {
		t.Error(err)
	}
}

func TestLoadMissing(t *testing.T) {
	if _, err := Load(filepath.Join(t.TempDir(), "no.crt"), "no.key"); err == nil {
		t.Error("Load of missing files succeeded")
	}
}
