/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

// Package pki generates throwaway certificates for tide's test servers: a CA, a server certificate and a
// client certificate it signed.
package pki

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
	"math/big"
	"net"
	"time"
)

// PKI is a generated CA with a server certificate and a client certificate it signed, all PEM encoded and
// valid for a day.
type PKI struct {
	// CACert is the CA certificate.
	CACert []byte
	// ServerCert and ServerKey are valid for localhost, ::1 and the hosts given to New.
	ServerCert, ServerKey []byte
	// ClientCert and ClientKey are for client authentication.
	ClientCert, ClientKey []byte
}

// New generates a CA, a server certificate valid for the given hosts (IP addresses or DNS names) plus
// localhost and ::1, and a client certificate.
func New(hosts ...string) (*PKI, error) {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generating CA key: %w", err)
	}
	caTmpl := certTemplate("tide test CA")
	caTmpl.IsCA = true
	caTmpl.BasicConstraintsValid = true
	caTmpl.KeyUsage = x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return nil, fmt.Errorf("signing CA certificate: %w", err)
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		return nil, fmt.Errorf("parsing CA certificate: %w", err)
	}
	p := &PKI{CACert: pemBlock("CERTIFICATE", caDER)}

	server := certTemplate("tide test server")
	server.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
	server.DNSNames = []string{"localhost"}
	server.IPAddresses = []net.IP{net.IPv6loopback}
	for _, host := range hosts {
		if ip := net.ParseIP(host); ip != nil {
			server.IPAddresses = append(server.IPAddresses, ip)
		} else {
			server.DNSNames = append(server.DNSNames, host)
		}
	}
	if p.ServerCert, p.ServerKey, err = signLeaf(server, ca, caKey); err != nil {
		return nil, fmt.Errorf("server certificate: %w", err)
	}

	client := certTemplate("tide test client")
	client.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	if p.ClientCert, p.ClientKey, err = signLeaf(client, ca, caKey); err != nil {
		return nil, fmt.Errorf("client certificate: %w", err)
	}
	return p, nil
}

// certTemplate returns a certificate template valid for a day with a random serial number.
func certTemplate(cn string) *x509.Certificate {
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
	if err != nil {
		panic(err) // crypto/rand never fails on Linux
	}
	now := time.Now()
	return &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: cn, Organization: []string{"tide tests"}},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
}

// signLeaf generates a key for tmpl and signs it with the CA, returning PEM certificate and key.
func signLeaf(tmpl, ca *x509.Certificate, caKey *ecdsa.PrivateKey) (certPEM, keyPEM []byte, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, fmt.Errorf("generating key: %w", err)
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		return nil, nil, fmt.Errorf("signing: %w", err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, nil, fmt.Errorf("encoding key: %w", err)
	}
	return pemBlock("CERTIFICATE", der), pemBlock("PRIVATE KEY", keyDER), nil
}

// pemBlock encodes der as a PEM block of the given type.
func pemBlock(typ string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}

// ClientTLSConfig returns a client TLS config that trusts only the CA and presents the client certificate.
func (p *PKI) ClientTLSConfig() (*tls.Config, error) {
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(p.CACert) {
		return nil, errors.New("no CA certificate in PEM data")
	}
	cert, err := tls.X509KeyPair(p.ClientCert, p.ClientKey)
	if err != nil {
		return nil, fmt.Errorf("loading client certificate: %w", err)
	}
	return &tls.Config{RootCAs: pool, Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}, nil
}

// ServerCertificate returns the server certificate and key, with the CA in the chain, for a Go TLS server.
func (p *PKI) ServerCertificate() (tls.Certificate, error) {
	cert, err := tls.X509KeyPair(append(append([]byte{}, p.ServerCert...), p.CACert...), p.ServerKey)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("loading server certificate: %w", err)
	}
	return cert, nil
}
