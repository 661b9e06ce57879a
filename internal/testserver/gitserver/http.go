/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package gitserver

import (
	"bytes"
	"crypto/subtle"
	"crypto/tls"
	"io"
	"log"
	"net/http"
	"net/http/cgi"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/tide-gitops/tide/internal/testserver/pki"
)

// HTTPOptions configure a smart HTTP server. With neither basic credentials nor a bearer token every request
// is served; with both, either is accepted.
type HTTPOptions struct {
	// Username and Password, when Username is set, are the accepted basic-auth credentials.
	Username, Password string
	// BearerToken, when set, is accepted as "Authorization: Bearer <token>".
	BearerToken string
	// TLS serves HTTPS with a certificate signed by a CA of its own (HTTPServer.CACert).
	TLS bool
}

// HTTPServer is a running smart HTTP Git server on 127.0.0.1.
type HTTPServer struct {
	// URL is the base URL, e.g. "http://127.0.0.1:PORT".
	URL string
	// CACert is the PEM certificate of the CA that signed the server certificate (TLS only).
	CACert []byte
	// CAFile is a file holding CACert, for `git -c http.sslCAInfo=...` (TLS only).
	CAFile string

	opts HTTPOptions
	srv  *httptest.Server
	cgi  *cgi.Handler

	mu    sync.Mutex
	stats HTTPStats
}

// HTTPStats counts the requests an HTTPServer answered past authentication, by Git service.
type HTTPStats struct {
	// RefAdvertisements counts GET .../info/refs requests (ls-remote, and the first step of fetch or push).
	RefAdvertisements int
	// UploadPacks counts POST .../git-upload-pack requests: fetches and clones that transfer objects.
	UploadPacks int
	// ReceivePacks counts POST .../git-receive-pack requests: pushes.
	ReceivePacks int
	// Unauthorized counts requests rejected with 401.
	Unauthorized int
	// ChunkedBodies counts requests whose chunked body was buffered for the CGI host.
	ChunkedBodies int
}

// StartHTTP serves the repositories over smart HTTP (fetch and push) until the test ends.
func (s *Server) StartHTTP(t testing.TB, o HTTPOptions) *HTTPServer {
	t.Helper()
	h := &HTTPServer{opts: o}
	h.cgi = &cgi.Handler{
		Path: gitPath(t),
		Args: []string{"http-backend"},
		Dir:  s.root,
		Env: append(s.gitEnv(nil),
			"GIT_PROJECT_ROOT="+s.root,
			"GIT_HTTP_EXPORT_ALL=1",
			"GIT_CONFIG_COUNT=1",
			"GIT_CONFIG_KEY_0=http.receivepack",
			"GIT_CONFIG_VALUE_0=true",
		),
		Stderr: io.Discard,
	}
	h.srv = httptest.NewUnstartedServer(h)
	// Rejected handshakes are expected in tests of untrusted certificates: keep them out of the test log.
	h.srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	if o.TLS {
		certs, err := pki.New("127.0.0.1")
		if err != nil {
			t.Fatalf("creating test certificates: %v", err)
		}
		leaf, err := certs.ServerCertificate()
		if err != nil {
			t.Fatal(err)
		}
		h.CACert = certs.CACert
		h.CAFile = filepath.Join(t.TempDir(), "ca.crt")
		if err := os.WriteFile(h.CAFile, h.CACert, 0o644); err != nil {
			t.Fatal(err)
		}
		h.srv.TLS = &tls.Config{Certificates: []tls.Certificate{leaf}}
		h.srv.StartTLS()
	} else {
		h.srv.Start()
	}
	h.URL = h.srv.URL
	t.Cleanup(h.Close)
	return h
}

func gitPath(t testing.TB) string {
	t.Helper()
	p, err := exec.LookPath("git")
	if err != nil {
		t.Fatalf("the git CLI is needed: %v", err)
	}
	return p
}

// RepoURL returns the clone URL of the repository `<name>.git`.
func (h *HTTPServer) RepoURL(name string) string { return h.URL + "/" + name + ".git" }

// Stats returns the request counts so far.
func (h *HTTPServer) Stats() HTTPStats {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.stats
}

// Close stops the server; later requests fail to connect. Tests need not call it: it runs at cleanup.
func (h *HTTPServer) Close() { h.srv.Close() }

// ServeHTTP authenticates the request and hands it to git http-backend.
func (h *HTTPServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !h.authorized(r) {
		h.count(func(s *HTTPStats) { s.Unauthorized++ })
		w.Header().Set("WWW-Authenticate", `Basic realm="gitserver"`)
		http.Error(w, "authentication required", http.StatusUnauthorized)
		return
	}
	switch {
	case r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/info/refs"):
		h.count(func(s *HTTPStats) { s.RefAdvertisements++ })
	case r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/git-upload-pack"):
		h.count(func(s *HTTPStats) { s.UploadPacks++ })
	case r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/git-receive-pack"):
		h.count(func(s *HTTPStats) { s.ReceivePacks++ })
	}
	// Go's CGI host refuses chunked request bodies, which git sends for large pushes and fetch negotiations:
	// read the body and pass it on with a Content-Length.
	if r.ContentLength < 0 || len(r.TransferEncoding) > 0 {
		h.count(func(s *HTTPStats) { s.ChunkedBodies++ })
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, "reading request body: "+err.Error(), http.StatusBadRequest)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.ContentLength = int64(len(body))
		r.TransferEncoding = nil
	}
	h.cgi.ServeHTTP(w, r)
}

func (h *HTTPServer) count(f func(*HTTPStats)) {
	h.mu.Lock()
	defer h.mu.Unlock()
	f(&h.stats)
}

func (h *HTTPServer) authorized(r *http.Request) bool {
	if h.opts.Username == "" && h.opts.BearerToken == "" {
		return true
	}
	if h.opts.Username != "" {
		if u, p, ok := r.BasicAuth(); ok && equal(u, h.opts.Username) && equal(p, h.opts.Password) {
			return true
		}
	}
	if h.opts.BearerToken != "" {
		auth := r.Header.Get("Authorization")
		if token, ok := strings.CutPrefix(auth, "Bearer "); ok && equal(token, h.opts.BearerToken) {
			return true
		}
	}
	return false
}

func equal(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }
