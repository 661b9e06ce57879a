/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package git

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net/url"

	"github.com/go-git/go-git/v5/plumbing/transport"
	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"
	gitssh "github.com/go-git/go-git/v5/plumbing/transport/ssh"
	"golang.org/x/crypto/ssh"
)

// Keys of a GitRepository's secretRef, as Flux documents them.
const (
	SecretUsername    = "username"
	SecretPassword    = "password"
	SecretBearerToken = "bearerToken"
	SecretIdentity    = "identity"
	SecretKnownHosts  = "known_hosts"
	SecretCA          = "ca.crt"
	// SecretCAFileLegacy is the older name of SecretCA, still read when ca.crt is absent.
	SecretCAFileLegacy = "caFile"
)

// Keys of a GitRepository's proxySecretRef.
const (
	ProxyAddress  = "address"
	ProxyUsername = "username"
	ProxyPassword = "password"
)

// AuthOptions are the credentials and transport settings for one repository URL. Build them with
// NewAuthOptions; a nil *AuthOptions means anonymous access.
type AuthOptions struct {
	// Scheme is the URL scheme: "http", "https" or "ssh".
	Scheme string
	// Username and Password are HTTP basic credentials; for SSH, Username is the login (from the URL,
	// "git" by default) and Password the passphrase of Identity.
	Username, Password string
	// BearerToken is sent as "Authorization: Bearer <token>" over HTTP(S).
	BearerToken string
	// Identity is the SSH private key (PEM or OpenSSH format).
	Identity []byte
	// KnownHosts holds the accepted SSH host keys (known_hosts format).
	KnownHosts []byte
	// CA is a PEM bundle trusted for HTTPS in addition to the system roots.
	CA []byte
	// Proxy, when set, is the proxy every connection goes through.
	Proxy *ProxyOptions

	method transport.AuthMethod
}

// ProxyOptions name a proxy ("http://host:port", "https://..." or "socks5://...") and its credentials.
type ProxyOptions struct {
	URL, Username, Password string
}

// NewAuthOptions reads the data of a GitRepository's secretRef (nil when there is none) for repoURL and
// checks it: HTTP(S) take `username`/`password` or `bearerToken` (basic credentials win when both are set)
// and optionally `ca.crt` (or the legacy `caFile`); SSH needs `identity` and `known_hosts`, with `password` as the passphrase of an encrypted key.
func NewAuthOptions(repoURL string, data map[string][]byte) (*AuthOptions, error) {
	u, err := url.Parse(repoURL)
	if err != nil {
		return nil, fmt.Errorf("invalid URL '%s': %w", repoURL, err)
	}
	a := &AuthOptions{Scheme: u.Scheme}
	switch u.Scheme {
	case "http", "https":
		err = a.readHTTP(data)
	case "ssh":
		err = a.readSSH(u, data)
	default:
		return nil, fmt.Errorf("unsupported URL scheme '%s' in '%s': use http, https or ssh", u.Scheme, repoURL)
	}
	if err != nil {
		return nil, err
	}
	return a, nil
}

func (a *AuthOptions) readHTTP(data map[string][]byte) error {
	a.Username = string(data[SecretUsername])
	a.Password = string(data[SecretPassword])
	a.BearerToken = string(data[SecretBearerToken])
	a.CA = data[SecretCA]
	if len(a.CA) == 0 {
		a.CA = data[SecretCAFileLegacy]
	}
	if a.Password != "" && a.Username == "" {
		return fmt.Errorf("'%s' is set without '%s'", SecretPassword, SecretUsername)
	}
	if len(a.CA) > 0 {
		if err := checkCA(a.CA); err != nil {
			return fmt.Errorf("invalid '%s': %w", SecretCA, err)
		}
	}
	return a.build()
}

// checkCA makes sure the bundle holds at least one certificate and nothing unparsable.
func checkCA(pemData []byte) error {
	n := 0
	for rest := pemData; ; {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			continue
		}
		if _, err := x509.ParseCertificate(block.Bytes); err != nil {
			return err
		}
		n++
	}
	if n == 0 {
		return errors.New("no PEM certificate found")
	}
	return nil
}

func (a *AuthOptions) readSSH(u *url.URL, data map[string][]byte) error {
	a.Username = u.User.Username()
	if a.Username == "" {
		a.Username = "git"
	}
	a.Identity = data[SecretIdentity]
	a.KnownHosts = data[SecretKnownHosts]
	a.Password = string(data[SecretPassword])
	switch {
	case data == nil:
		return fmt.Errorf("SSH URLs need a secretRef with '%s' and '%s'", SecretIdentity, SecretKnownHosts)
	case len(a.Identity) == 0:
		return fmt.Errorf("'%s' (the SSH private key) is required for SSH URLs", SecretIdentity)
	case len(a.KnownHosts) == 0:
		return fmt.Errorf("'%s' is required for SSH URLs (e.g. the output of `ssh-keyscan %s`)",
			SecretKnownHosts, u.Hostname())
	}
	return a.build()
}

// build turns the options into go-git's auth method.
func (a *AuthOptions) build() error {
	switch a.Scheme {
	case "http", "https":
		switch {
		case a.Username != "":
			a.method = &githttp.BasicAuth{Username: a.Username, Password: a.Password}
		case a.BearerToken != "":
			a.method = &githttp.TokenAuth{Token: a.BearerToken}
		}
		return nil
	case "ssh":
		signer, err := parseIdentity(a.Identity, a.Password)
		if err != nil {
			return err
		}
		kh, err := parseKnownHosts(a.KnownHosts)
		if err != nil {
			return fmt.Errorf("invalid '%s': %w", SecretKnownHosts, err)
		}
		a.method = &sshAuth{PublicKeys: gitssh.PublicKeys{User: a.Username, Signer: signer}, kh: kh}
		return nil
	}
	return fmt.Errorf("unsupported URL scheme '%s'", a.Scheme)
}

func parseIdentity(identity []byte, passphrase string) (ssh.Signer, error) {
	signer, err := ssh.ParsePrivateKey(identity)
	var missing *ssh.PassphraseMissingError
	switch {
	case err == nil:
		return signer, nil
	case errors.As(err, &missing) && passphrase == "":
		return nil, fmt.Errorf("'%s' is encrypted: add its passphrase to the secret as '%s'", SecretIdentity, SecretPassword)
	case errors.As(err, &missing):
		signer, err = ssh.ParsePrivateKeyWithPassphrase(identity, []byte(passphrase))
		if err != nil {
			return nil, fmt.Errorf("decrypting '%s' with '%s': %w", SecretIdentity, SecretPassword, err)
		}
		return signer, nil
	default:
		return nil, fmt.Errorf("invalid '%s': %w", SecretIdentity, err)
	}
}

// sshAuth is public key authentication that checks the server against known_hosts and asks for the host
// key algorithms known_hosts has keys of.
type sshAuth struct {
	gitssh.PublicKeys
	kh knownHosts
	// addr is the "host:port" dialled, set per operation.
	addr string
}

// ClientConfig implements go-git's ssh.AuthMethod.
func (s *sshAuth) ClientConfig() (*ssh.ClientConfig, error) {
	return &ssh.ClientConfig{
		User:              s.User,
		Auth:              []ssh.AuthMethod{ssh.PublicKeys(s.Signer)},
		HostKeyCallback:   s.kh.hostKeyCallback(),
		HostKeyAlgorithms: s.kh.hostKeyAlgorithms(s.addr),
	}, nil
}

// methodFor returns the auth method for one operation on rawURL (nil for anonymous HTTP).
func (a *AuthOptions) methodFor(rawURL string) (transport.AuthMethod, error) {
	if a == nil {
		return nil, nil
	}
	if a.method == nil && (a.Scheme == "ssh" || a.Username != "" || a.BearerToken != "") {
		if err := a.build(); err != nil {
			return nil, err
		}
	}
	if s, ok := a.method.(*sshAuth); ok {
		ep, err := transport.NewEndpoint(rawURL)
		if err != nil {
			return nil, fmt.Errorf("invalid URL '%s': %w", rawURL, err)
		}
		c := *s
		c.addr = fmt.Sprintf("%s:%d", ep.Host, portOr(ep.Port, 22))
		return &c, nil
	}
	return a.method, nil
}

func portOr(p, def int) int {
	if p == 0 {
		return def
	}
	return p
}

func (a *AuthOptions) caBundle() []byte {
	if a == nil || a.Scheme != "https" {
		return nil
	}
	return a.CA
}

func (a *AuthOptions) proxy() transport.ProxyOptions {
	if a == nil || a.Proxy == nil {
		return transport.ProxyOptions{}
	}
	return transport.ProxyOptions{URL: a.Proxy.URL, Username: a.Proxy.Username, Password: a.Proxy.Password}
}

// NewProxyOptions reads the data of a GitRepository's proxySecretRef: `address` (required, with an http,
// https or socks5 scheme) and optionally `username` and `password`.
func NewProxyOptions(data map[string][]byte) (*ProxyOptions, error) {
	addr := string(data[ProxyAddress])
	if addr == "" {
		return nil, fmt.Errorf("'%s' is required in the proxy secret", ProxyAddress)
	}
	u, err := url.Parse(addr)
	if err != nil {
		return nil, fmt.Errorf("invalid proxy '%s': %w", ProxyAddress, err)
	}
	switch u.Scheme {
	case "http", "https", "socks5":
	default:
		return nil, fmt.Errorf("invalid proxy '%s' '%s': the scheme must be http, https or socks5", ProxyAddress, addr)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("invalid proxy '%s' '%s': no host", ProxyAddress, addr)
	}
	p := &ProxyOptions{URL: addr, Username: string(data[ProxyUsername]), Password: string(data[ProxyPassword])}
	if p.Password != "" && p.Username == "" {
		return nil, fmt.Errorf("proxy '%s' is set without '%s'", ProxyPassword, ProxyUsername)
	}
	return p, nil
}
