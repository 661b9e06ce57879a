/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package gitserver

import (
	"crypto/tls"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/tide-gitops/tide/internal/gitserve"
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

	srv     *httptest.Server
	handler *gitserve.Handler

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
	h := &HTTPServer{}
	handler, err := gitserve.New(gitserve.Options{
		Root:        s.root,
		Username:    o.Username,
		Password:    o.Password,
		BearerToken: o.BearerToken,
		ReceivePack: true,
		Env:         s.gitEnv(nil),
		Observe:     h.observe,
	})
	if err != nil {
		t.Fatal(err)
	}
	h.handler = handler
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

// ServeHTTP authenticates the request and hands it to git http-backend (see internal/gitserve).
func (h *HTTPServer) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.handler.ServeHTTP(w, r) }

func (h *HTTPServer) observe(e gitserve.Event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	switch e {
	case gitserve.RefAdvertisement:
		h.stats.RefAdvertisements++
	case gitserve.UploadPack:
		h.stats.UploadPacks++
	case gitserve.ReceivePack:
		h.stats.ReceivePacks++
	case gitserve.Unauthorized:
		h.stats.Unauthorized++
	case gitserve.ChunkedBody:
		h.stats.ChunkedBodies++
	}
}
