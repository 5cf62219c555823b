package certs

import (
	"crypto/x509"
	"os"
	"path/filepath"
	"testing"
)

func TestGenerateMakesAChainTheGameCanHold(t *testing.T) {
	dir := t.TempDir()
	if err := Generate(dir); err != nil {
		t.Fatal(err)
	}
	der, err := os.ReadFile(filepath.Join(dir, "ca.der"))
	if err != nil {
		t.Fatal(err)
	}
	if len(der) > MaxCADER {
		t.Fatalf("ca.der is %d bytes, limit %d", len(der), MaxCADER)
	}
	ca, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pair, err := Load(filepath.Join(dir, "server.crt"), filepath.Join(dir, "server.key"))
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(pair.Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	if leaf.SignatureAlgorithm != x509.SHA1WithRSA {
		t.Errorf("leaf signed with %v", leaf.SignatureAlgorithm)
	}
	// Go no longer verifies SHA-1 chains, so check the signature itself.
	if err := leaf.CheckSignatureFrom(ca); err != nil && err != x509.InsecureAlgorithmError(x509.SHA1WithRSA) {
		t.Errorf("leaf not signed by the CA: %v", err)
	}
	if err := leaf.VerifyHostname("mh.capcom.co.jp"); err != nil {
		t.Error(err)
	}
}

func TestSelfSigned(t *testing.T) {
	c, err := SelfSigned()
	if err != nil {
		t.Fatal(err)
	}
	if c.Leaf == nil || len(c.Certificate) != 1 {
		t.Fatalf("certificate %+v", c)
	}
}
