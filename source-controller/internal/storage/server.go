/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package storage

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"os"
	"strings"
	"time"
)

const shutdownTimeout = 10 * time.Second

// ServeHTTP serves the artifact files under BasePath at their storage paths, for GET and HEAD.
// It answers 400 to a path with a ".." element, and 404 to directories (there are no listings),
// to dot files (temporary files included), to missing files and to symlinks leading outside
// BasePath. Content-Length, Last-Modified and range requests are handled by http.ServeContent.
func (s *Storage) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	rel := strings.TrimPrefix(r.URL.Path, "/")
	parts := strings.Split(rel, "/")
	for _, p := range parts {
		if p == ".." || strings.ContainsRune(p, '\\') {
			http.Error(w, "invalid path", http.StatusBadRequest)
			return
		}
		if p == "" || strings.HasPrefix(p, ".") {
			http.NotFound(w, r)
			return
		}
	}
	root, err := os.OpenRoot(s.BasePath)
	if err != nil {
		http.Error(w, "artifact storage unavailable", http.StatusServiceUnavailable)
		return
	}
	defer root.Close()
	f, err := root.Open(rel)
	if err != nil {
		if errors.Is(err, fs.ErrPermission) {
			http.Error(w, "forbidden", http.StatusForbidden)
			return
		}
		http.NotFound(w, r)
		return
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() {
		http.NotFound(w, r)
		return
	}
	http.ServeContent(w, r, parts[len(parts)-1], fi.ModTime(), f)
}

// Serve serves the artifacts over HTTP on addr until ctx ends, then shuts the server down,
// letting requests in flight finish for up to ten seconds. It returns nil after a clean
// shutdown.
func (s *Storage) Serve(ctx context.Context, addr string) error {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("listening for the artifact server on %s: %w", addr, err)
	}
	return s.ServeListener(ctx, ln)
}

// ServeListener is Serve on an existing listener, which it closes.
func (s *Storage) ServeListener(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 10 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return ctx },
	}
	done := make(chan error, 1)
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
		defer cancel()
		done <- srv.Shutdown(sctx)
	}()
	err := srv.Serve(ln)
	if !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serving artifacts on %s: %w", ln.Addr(), err)
	}
	if err := <-done; err != nil {
		return fmt.Errorf("shutting down the artifact server: %w", err)
	}
	return nil
}
