/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package storage

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/tide-gitops/tide/internal/artifact"
)

// startServer serves s on 127.0.0.1 with Serve until the test ends, and sets s.Hostname to the
// address it listens on. Cleanup waits for Serve to return nil.
func startServer(t *testing.T, s *Storage) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	s.Hostname = addr
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, addr) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve returned %v after the context ended", err)
		}
	})
	// Wait until the server accepts connections.
	for {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
			return
		}
		select {
		case err := <-done:
			t.Fatalf("Serve: %v", err)
		default:
		}
	}
}

// rawGet sends a request line as is, so that no client cleans the path, and returns the status.
func rawGet(t *testing.T, addr, target string) int {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", target, addr)
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestServe(t *testing.T) {
	s := newStorage(t)
	startServer(t, s)
	src := t.TempDir()
	if err := os.WriteFile(filepath.Join(src, "app.yaml"), []byte(strings.Repeat("kind: ConfigMap\n", 1000)), 0o644); err != nil {
		t.Fatal(err)
	}
	art := s.NewArtifactFor("GitRepository", "default", "app", "main@sha1:abc", "abc.tar.gz")
	if err := s.Archive(&art, src, nil); err != nil {
		t.Fatal(err)
	}
	latest, err := s.Symlink(art, "latest.tar.gz")
	if err != nil {
		t.Fatal(err)
	}

	for _, u := range []string{art.URL, latest} {
		resp, err := http.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		d, n, err := artifact.DigestOf(resp.Body)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != http.StatusOK || d != art.Digest || n != *art.Size {
			t.Errorf("GET %s: %s, digest %s, %d bytes; want %s, %d bytes", u, resp.Status, d, n, art.Digest, *art.Size)
		}
		if cl := resp.Header.Get("Content-Length"); cl != strconv.FormatInt(*art.Size, 10) {
			t.Errorf("GET %s: Content-Length %q, want %d", u, cl, *art.Size)
		}
	}

	// A consumer fetches and extracts it through the shared artifact package.
	dst := filepath.Join(t.TempDir(), "out")
	if err := artifact.Fetch(context.Background(), nil, art.URL, art.Digest, dst, artifact.FetchOptions{}); err != nil {
		t.Fatal(err)
	}

	resp, err := http.Head(art.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.ContentLength != *art.Size {
		t.Errorf("HEAD: %s, length %d", resp.Status, resp.ContentLength)
	}
	req, _ := http.NewRequest(http.MethodPost, art.URL, nil)
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST: %v, %v", resp, err)
	} else {
		resp.Body.Close()
	}
}

func TestServeRefuses(t *testing.T) {
	s := newStorage(t)
	startServer(t, s)
	art := s.NewArtifactFor("GitRepository", "default", "app", "x", "x.tar.gz")
	if err := s.CopyFromReader(&art, strings.NewReader("x")); err != nil {
		t.Fatal(err)
	}
	parent := filepath.Dir(s.BasePath)
	if err := os.WriteFile(filepath.Join(parent, "secret"), []byte("secret"), 0o644); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Dir(s.LocalPath(art))
	if err := os.Symlink("../../../../secret", filepath.Join(dir, "escape.tar.gz")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, ".x.tar.gz"+tempMarker+"1"), []byte("partial"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		target string
		want   int
	}{
		{"/gitrepository/default/app/x.tar.gz", http.StatusOK},
		{"/../secret", http.StatusBadRequest},
		{"/gitrepository/../../secret", http.StatusBadRequest},
		{"/gitrepository/default/app/%2e%2e/%2e%2e/%2e%2e/%2e%2e/secret", http.StatusBadRequest},
		{"/gitrepository/default/app/..%2f..%2f..%2f..%2fsecret", http.StatusBadRequest},
		{"/", http.StatusNotFound},
		{"/gitrepository/", http.StatusNotFound},
		{"/gitrepository/default/app", http.StatusNotFound},
		{"/gitrepository/default/app/escape.tar.gz", http.StatusNotFound},
		{"/gitrepository/default/app/.x.tar.gz" + tempMarker + "1", http.StatusNotFound},
		{"/gitrepository/default/app/missing.tar.gz", http.StatusNotFound},
	}
	for _, tt := range tests {
		if got := rawGet(t, s.Hostname, tt.target); got != tt.want {
			t.Errorf("GET %s: %d, want %d", tt.target, got, tt.want)
		}
	}
}

func TestServeListenError(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	s := newStorage(t)
	err = s.Serve(context.Background(), ln.Addr().String())
	if err == nil || !strings.Contains(err.Error(), ln.Addr().String()) {
		t.Fatalf("Serve on a busy address = %v", err)
	}
}
