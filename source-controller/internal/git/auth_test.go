/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package git

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"

	"github.com/tide-gitops/tide/internal/testserver/gitserver"
)

func TestNewAuthOptions(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	plain, enc := filepath.Join(dir, "plain"), filepath.Join(dir, "enc")
	genSSHKey(t, plain, "")
	genSSHKey(t, enc, "passphrase")
	key, encKey := readBytes(t, plain), readBytes(t, enc)
	kh := []byte("github.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl\n")
	const https, ssh = "https://example.com/org/repo.git", "ssh://git@example.com/org/repo.git"
	for _, tc := range []struct {
		name, url string
		data      map[string][]byte
		err       string
		check     func(*AuthOptions) bool
	}{
		{name: "anonymous https", url: https, check: func(a *AuthOptions) bool { return a.method == nil }},
		{name: "basic", url: https, data: map[string][]byte{"username": []byte("u"), "password": []byte("p")},
			check: func(a *AuthOptions) bool {
				b, ok := a.method.(*githttp.BasicAuth)
				return ok && b.Username == "u" && b.Password == "p"
			}},
		{name: "username only (token as user)", url: https, data: map[string][]byte{"username": []byte("tok")},
			check: func(a *AuthOptions) bool { _, ok := a.method.(*githttp.BasicAuth); return ok }},
		{name: "bearer", url: https, data: map[string][]byte{"bearerToken": []byte("t")},
			check: func(a *AuthOptions) bool { b, ok := a.method.(*githttp.TokenAuth); return ok && b.Token == "t" }},
		{name: "basic wins over bearer", url: https,
			data:  map[string][]byte{"username": []byte("u"), "password": []byte("p"), "bearerToken": []byte("t")},
			check: func(a *AuthOptions) bool { _, ok := a.method.(*githttp.BasicAuth); return ok }},
		{name: "password without username", url: https, data: map[string][]byte{"password": []byte("p")},
			err: "'password' is set without 'username'"},
		{name: "bad ca.crt", url: https, data: map[string][]byte{"ca.crt": []byte("nope")},
			err: "invalid 'ca.crt': no PEM certificate found"},
		{name: "legacy caFile", url: https, data: map[string][]byte{"caFile": testCA(t)},
			check: func(a *AuthOptions) bool { return len(a.CA) > 0 }},
		{name: "unsupported scheme", url: "git://example.com/repo", err: "unsupported URL scheme 'git'"},
		{name: "file URL", url: "file:///etc", err: "unsupported URL scheme 'file'"},
		{name: "ssh without secret", url: ssh, err: "SSH URLs need a secretRef with 'identity' and 'known_hosts'"},
		{name: "ssh without identity", url: ssh, data: map[string][]byte{"known_hosts": kh},
			err: "'identity' (the SSH private key) is required"},
		{name: "ssh without known_hosts", url: ssh, data: map[string][]byte{"identity": key},
			err: "'known_hosts' is required for SSH URLs (e.g. the output of `ssh-keyscan example.com`)"},
		{name: "ssh bad known_hosts", url: ssh, data: map[string][]byte{"identity": key, "known_hosts": []byte("# only\nexample.com ssh-ed25519 !!!")},
			err: "invalid 'known_hosts': line 2"},
		{name: "ssh empty known_hosts", url: ssh, data: map[string][]byte{"identity": key, "known_hosts": []byte("# nothing\n")},
			err: "invalid 'known_hosts': no host key found"},
		{name: "ssh bad identity", url: ssh, data: map[string][]byte{"identity": []byte("x"), "known_hosts": kh},
			err: "invalid 'identity'"},
		{name: "ssh encrypted without password", url: ssh, data: map[string][]byte{"identity": encKey, "known_hosts": kh},
			err: "'identity' is encrypted: add its passphrase to the secret as 'password'"},
		{name: "ssh encrypted wrong password", url: ssh, data: map[string][]byte{"identity": encKey, "known_hosts": kh, "password": []byte("bad")},
			err: "decrypting 'identity' with 'password'"},
		{name: "ssh encrypted", url: ssh, data: map[string][]byte{"identity": encKey, "known_hosts": kh, "password": []byte("passphrase")},
			check: func(a *AuthOptions) bool { return a.Username == "git" }},
		{name: "ssh user from URL", url: "ssh://deploy@example.com:2222/repo", data: map[string][]byte{"identity": key, "known_hosts": kh},
			check: func(a *AuthOptions) bool { return a.Username == "deploy" }},
		{name: "ssh default user", url: "ssh://example.com/repo", data: map[string][]byte{"identity": key, "known_hosts": kh},
			check: func(a *AuthOptions) bool { return a.Username == "git" }},
	} {
		a, err := NewAuthOptions(tc.url, tc.data)
		switch {
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("%s: error = %v, want %q", tc.name, err, tc.err)
		case tc.err == "" && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.check != nil && !tc.check(a):
			t.Errorf("%s: unexpected options %+v", tc.name, a)
		}
	}
}

// testCA returns the CA certificate of a throw-away HTTPS server.
func testCA(t *testing.T) []byte {
	t.Helper()
	return gitserver.New(t).StartHTTP(t, gitserver.HTTPOptions{TLS: true}).CACert
}

func TestHTTPSWithCustomCA(t *testing.T) {
	t.Parallel()
	f := newFixture(t, false)
	h := f.srv.StartHTTP(t, gitserver.HTTPOptions{TLS: true, Username: testUser, Password: testPassword})
	url := h.RepoURL("app")
	creds := map[string][]byte{SecretUsername: []byte(testUser), SecretPassword: []byte(testPassword)}
	_, err := RemoteHead(context.Background(), url, Ref{Branch: "main"}, mustAuth(t, url, creds))
	if !errors.Is(err, ErrTLS) || !strings.Contains(err.Error(), "add its CA to the secret as 'ca.crt'") {
		t.Fatalf("without the CA: error = %v, want a TLS trust error", err)
	}
	for _, key := range []string{SecretCA, SecretCAFileLegacy} {
		data := map[string][]byte{key: h.CACert}
		for k, v := range creds {
			data[k] = v
		}
		auth := mustAuth(t, url, data)
		head, err := RemoteHead(context.Background(), url, Ref{Branch: "main"}, auth)
		if err != nil || head != Revision("main", f.c["c3"]) {
			t.Fatalf("%s: RemoteHead = %s, %v", key, head, err)
		}
		c, err := Checkout(context.Background(), url, Ref{Tag: "v1.1.0"}, auth, t.TempDir(), CheckoutOptions{})
		if err != nil || c.Hash != f.c["c2"] {
			t.Fatalf("%s: Checkout = %+v, %v", key, c, err)
		}
	}
}

func TestBearerToken(t *testing.T) {
	t.Parallel()
	f := newFixture(t, false)
	h := f.srv.StartHTTP(t, gitserver.HTTPOptions{BearerToken: "tok-42"})
	url := h.RepoURL("app")
	auth := mustAuth(t, url, map[string][]byte{SecretBearerToken: []byte("tok-42")})
	c, err := Checkout(context.Background(), url, Ref{Branch: "main"}, auth, t.TempDir(), CheckoutOptions{})
	if err != nil || c.Hash != f.c["c3"] {
		t.Fatalf("Checkout = %+v, %v", c, err)
	}
}

// forwardProxy is a plain HTTP forward proxy that counts the requests it relays.
type forwardProxy struct{ requests atomic.Int32 }

func (p *forwardProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !r.URL.IsAbs() {
		http.Error(w, "not a proxy request", http.StatusBadRequest)
		return
	}
	p.requests.Add(1)
	out := r.Clone(r.Context())
	out.RequestURI = ""
	resp, err := http.DefaultTransport.RoundTrip(out)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer func() { _ = resp.Body.Close() }()
	for k, v := range resp.Header {
		w.Header()[k] = v
	}
	w.WriteHeader(resp.StatusCode)
	_, _ = io.Copy(w, resp.Body)
}

func TestProxy(t *testing.T) {
	t.Parallel()
	f := newFixture(t, false)
	p := &forwardProxy{}
	ps := httptest.NewServer(p)
	t.Cleanup(ps.Close)
	proxy, err := NewProxyOptions(map[string][]byte{ProxyAddress: []byte(ps.URL)})
	if err != nil {
		t.Fatal(err)
	}
	auth := f.httpAuth(t)
	auth.Proxy = proxy
	c, err := Checkout(context.Background(), f.http.RepoURL("app"), Ref{Branch: "main"}, auth, t.TempDir(), CheckoutOptions{})
	if err != nil || c.Hash != f.c["c3"] {
		t.Fatalf("Checkout through the proxy = %+v, %v", c, err)
	}
	if p.requests.Load() == 0 {
		t.Fatal("the proxy relayed no request")
	}
}

func TestNewProxyOptions(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		data map[string][]byte
		err  string
	}{
		{map[string][]byte{"address": []byte("http://proxy:3128"), "username": []byte("u"), "password": []byte("p")}, ""},
		{map[string][]byte{"address": []byte("socks5://proxy:1080")}, ""},
		{map[string][]byte{}, "'address' is required"},
		{map[string][]byte{"address": []byte("ftp://proxy")}, "the scheme must be http, https or socks5"},
		{map[string][]byte{"address": []byte("http://")}, "no host"},
		{map[string][]byte{"address": []byte("http://proxy"), "password": []byte("p")}, "without 'username'"},
	} {
		_, err := NewProxyOptions(tc.data)
		if tc.err == "" && err != nil || tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)) {
			t.Errorf("NewProxyOptions(%s) error = %v, want %q", tc.data["address"], err, tc.err)
		}
	}
}

func TestSSHHostKeyChecks(t *testing.T) {
	t.Parallel()
	f := newFixture(t, true)
	url := f.ssh.RepoURL("app")
	other := filepath.Join(t.TempDir(), "hostkey")
	genSSHKey(t, other, "")
	otherPub := strings.Fields(string(readBytes(t, other+".pub")))
	hostPart := strings.Fields(string(f.ssh.KnownHosts))[0]
	for name, tc := range map[string]struct {
		knownHosts string
		err        string
	}{
		"other key":      {hostPart + " " + otherPub[0] + " " + otherPub[1], "host key mismatch for 127.0.0.1:"},
		"other host":     {"[127.0.0.2]:22 " + strings.Join(strings.Fields(string(f.ssh.KnownHosts))[1:], " "), "known_hosts has no key for host [127.0.0.1]:"},
		"revoked":        {"@revoked " + string(f.ssh.KnownHosts), "is revoked in known_hosts"},
		"negated match":  {"*,!" + string(f.ssh.KnownHosts), "known_hosts has no key for host"},
		"port mismatch":  {"127.0.0.1 " + strings.Join(strings.Fields(string(f.ssh.KnownHosts))[1:], " "), "known_hosts has no key"},
		"wildcard match": {"[127.0.0.*]:* " + strings.Join(strings.Fields(string(f.ssh.KnownHosts))[1:], " "), ""},
		"hashed match":   {hashHost(t, hostPart) + " " + strings.Join(strings.Fields(string(f.ssh.KnownHosts))[1:], " "), ""},
	} {
		auth := mustAuth(t, url, map[string][]byte{SecretIdentity: f.ssh.ClientKey, SecretKnownHosts: []byte(tc.knownHosts)})
		head, err := RemoteHead(context.Background(), url, Ref{Branch: "main"}, auth)
		if tc.err == "" {
			if err != nil || head != Revision("main", f.c["c3"]) {
				t.Errorf("%s: RemoteHead = %s, %v", name, head, err)
			}
			continue
		}
		if !errors.Is(err, ErrHostKey) || !strings.Contains(err.Error(), tc.err) ||
			!strings.Contains(err.Error(), "check 'known_hosts' in the secret") {
			t.Errorf("%s: error = %v, want a host key error with %q", name, err, tc.err)
		}
	}
}

func TestSSHEncryptedIdentity(t *testing.T) {
	t.Parallel()
	f := newFixture(t, true)
	key := filepath.Join(t.TempDir(), "enc")
	genSSHKey(t, key, "open sesame")
	f.ssh.AuthorizeKey(t, string(readBytes(t, key+".pub")))
	url := f.ssh.RepoURL("app")
	auth := mustAuth(t, url, map[string][]byte{
		SecretIdentity: readBytes(t, key), SecretPassword: []byte("open sesame"), SecretKnownHosts: f.ssh.KnownHosts,
	})
	c, err := Checkout(context.Background(), url, Ref{SemVer: "1.x"}, auth, t.TempDir(), CheckoutOptions{})
	if err != nil || c.Revision != Revision("v1.1.0", f.c["c2"]) {
		t.Fatalf("Checkout = %+v, %v", c, err)
	}
}

// FuzzNewAuthOptions reads arbitrary Secret data and URLs: no panic, and an accepted SSH secret always has a
// key and known_hosts.
func FuzzNewAuthOptions(f *testing.F) {
	f.Add("https://example.com/repo.git", "u", "p", "", "", "", "")
	f.Add("ssh://git@example.com/repo.git", "", "", "", "-----BEGIN OPENSSH PRIVATE KEY-----\nx\n-----END OPENSSH PRIVATE KEY-----", "example.com "+edKey, "")
	f.Add("http://example.com/r", "", "", "tok", "", "", "-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----")
	f.Add("::", "", "", "", "", "", "")
	f.Fuzz(func(t *testing.T, url, user, pass, token, identity, knownHosts, ca string) {
		data := map[string][]byte{}
		for k, v := range map[string]string{SecretUsername: user, SecretPassword: pass, SecretBearerToken: token,
			SecretIdentity: identity, SecretKnownHosts: knownHosts, SecretCA: ca} {
			if v != "" {
				data[k] = []byte(v)
			}
		}
		a, err := NewAuthOptions(url, data)
		if err != nil {
			return
		}
		if a.Scheme == "ssh" {
			if _, ok := a.method.(*sshAuth); !ok {
				t.Fatalf("accepted SSH options without a key: %+v", a)
			}
		}
		if _, err := a.methodFor(url); err != nil && a.Scheme != "ssh" {
			t.Fatalf("methodFor(%q): %v", url, err)
		}
	})
}
