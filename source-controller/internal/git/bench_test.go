/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package git

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/tide-gitops/tide/internal/testserver/gitserver"
)

// writeTree writes files files of size bytes each (text, partly compressible) under dir, 100 per directory.
func writeTree(b *testing.B, dir string, files, size int) {
	b.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	const alphabet = "abcdefghijklmnopqrstuvwxyz      \n"
	buf := make([]byte, size)
	for i := range files {
		for j := range buf {
			buf[j] = alphabet[rng.IntN(len(alphabet))]
		}
		p := filepath.Join(dir, fmt.Sprintf("dir%03d", i/100), fmt.Sprintf("file%04d.txt", i))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(p, buf, 0o644); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCheckoutLargeRepo compares Checkout of a 10,000-file, 50 MB repository over smart HTTP with
// `git clone --depth 1` of the same repository, and measures RemoteHead (the no-change path).
func BenchmarkCheckoutLargeRepo(b *testing.B) {
	srv := gitserver.New(b)
	repo := srv.CreateRepo(b, "big")
	src := b.TempDir()
	writeTree(b, src, 10000, 5*1024)
	repo.Commit(b, "main", gitserver.Change{Dir: src, Message: "big"})
	h := srv.StartHTTP(b, gitserver.HTTPOptions{})
	url := h.RepoURL("big")
	ctx := context.Background()

	b.Run("go-git-checkout", func(b *testing.B) {
		for b.Loop() {
			dir := filepath.Join(b.TempDir(), "c")
			if _, err := Checkout(ctx, url, Ref{Branch: "main"}, nil, dir, CheckoutOptions{}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("git-clone-depth1", func(b *testing.B) {
		for b.Loop() {
			dir := filepath.Join(b.TempDir(), "c")
			cmd := srv.GitCommand("", nil, "clone", "--quiet", "--depth", "1", "--branch", "main", url, dir)
			if out, err := cmd.CombinedOutput(); err != nil {
				b.Fatalf("git clone: %v: %s", err, out)
			}
		}
	})
	b.Run("remote-head", func(b *testing.B) {
		for b.Loop() {
			if _, err := RemoteHead(ctx, url, Ref{Branch: "main"}, nil); err != nil {
				b.Fatal(err)
			}
		}
	})
}
