/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

// Package gitserve serves Git repositories over smart HTTP with the real `git http-backend` (through Go's CGI
// host), with optional basic or bearer authentication. `tide dev` serves its demo repository with it and the
// test Git server (internal/testserver/gitserver) is built on it.
//
//	h, err := gitserve.New(gitserve.Options{Root: dir})
//	srv := &http.Server{Handler: h}
//	// `git clone http://HOST/app.git` clones dir/app.git; `http://HOST/demo` a work tree dir/demo (its .git).
//
// Needs the `git` CLI with git-http-backend (Debian package git).
package gitserve

import (
	"bytes"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cgi"
	"os/exec"
	"strings"
)

// Options configure a Handler. With neither basic credentials nor a bearer token every request is served;
// with both, either is accepted.
type Options struct {
	// Root is the directory holding the repositories: the request path /org/app.git serves Root/org/app.git. A
	// work tree is served too: /demo serves Root/demo/.git.
	Root string
	// Username and Password, when Username is set, are the accepted basic-auth credentials.
	Username, Password string
	// BearerToken, when set, is accepted as "Authorization: Bearer <token>".
	BearerToken string
	// ReceivePack allows pushes (git-receive-pack). Fetches and clones are always allowed.
	ReceivePack bool
	// Env is added to the environment of every git http-backend process, e.g. HOME or GIT_CONFIG_GLOBAL.
	Env []string
	// Stderr receives git http-backend's error output; nil discards it.
	Stderr io.Writer
	// Observe, when set, is called for every request with what it was; it must be safe for concurrent use.
	Observe func(Event)
}

// Event is what a request was, reported to Options.Observe.
type Event int

const (
	// RefAdvertisement is a GET .../info/refs: ls-remote, and the first step of a fetch or push.
	RefAdvertisement Event = iota
	// UploadPack is a POST .../git-upload-pack: a fetch or clone that transfers objects.
	UploadPack
	// ReceivePack is a POST .../git-receive-pack: a push.
	ReceivePack
	// Unauthorized is a request rejected with 401.
	Unauthorized
	// ChunkedBody is a request whose chunked body was buffered for the CGI host (reported besides its kind).
	ChunkedBody
)

// Handler serves the repositories under Options.Root; it is an http.Handler.
type Handler struct {
	opts Options
	cgi  *cgi.Handler
}

// New returns a Handler for the options. It fails when the git CLI is not installed.
func New(o Options) (*Handler, error) {
	if o.Root == "" {
		return nil, errors.New("gitserve: the repository root is required")
	}
	git, err := exec.LookPath("git")
	if err != nil {
		return nil, fmt.Errorf("serving Git repositories needs the git CLI: %w", err)
	}
	stderr := o.Stderr
	if stderr == nil {
		stderr = io.Discard
	}
	env := append([]string{}, o.Env...)
	env = append(env, "GIT_PROJECT_ROOT="+o.Root, "GIT_HTTP_EXPORT_ALL=1")
	if o.ReceivePack {
		env = append(env, "GIT_CONFIG_COUNT=1", "GIT_CONFIG_KEY_0=http.receivepack", "GIT_CONFIG_VALUE_0=true")
	}
	return &Handler{opts: o, cgi: &cgi.Handler{
		Path:   git,
		Args:   []string{"http-backend"},
		Dir:    o.Root,
		Env:    env,
		Stderr: stderr,
	}}, nil
}

// ServeHTTP authenticates the request and hands it to git http-backend.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !h.authorized(r) {
		h.observe(Unauthorized)
		w.Header().Set("WWW-Authenticate", `Basic realm="git"`)
		http.Error(w, "authentication required", http.StatusUnauthorized)
		return
	}
	switch {
	case r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/info/refs"):
		h.observe(RefAdvertisement)
	case r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/git-upload-pack"):
		h.observe(UploadPack)
	case r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/git-receive-pack"):
		h.observe(ReceivePack)
	}
	// Go's CGI host refuses chunked request bodies, which git sends for large pushes and fetch negotiations:
	// read the body and pass it on with a Content-Length.
	if r.ContentLength < 0 || len(r.TransferEncoding) > 0 {
		h.observe(ChunkedBody)
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

func (h *Handler) observe(e Event) {
	if h.opts.Observe != nil {
		h.opts.Observe(e)
	}
}

func (h *Handler) authorized(r *http.Request) bool {
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
