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
	"syscall"
	"testing"
	"time"

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
// `git clone --depth 1` of the same repository in the same iteration (alternating which goes first, so
// that disk write-back and load hit both alike) and reports both times and their ratio. It also measures
// RemoteHead, the path of a reconcile that finds the head unchanged.
func BenchmarkCheckoutLargeRepo(b *testing.B) {
	srv := gitserver.New(b)
	repo := srv.CreateRepo(b, "big")
	src := b.TempDir()
	writeTree(b, src, 10000, 5*1024)
	repo.Commit(b, "main", gitserver.Change{Dir: src, Message: "big"})
	h := srv.StartHTTP(b, gitserver.HTTPOptions{})
	url := h.RepoURL("big")
	ctx := context.Background()

	b.Run("checkout-vs-git-clone", func(b *testing.B) {
		var goGit, cli time.Duration
		i := 0
		for b.Loop() {
			steps := []func(){
				func() {
					start := time.Now()
					if _, err := Checkout(ctx, url, Ref{Branch: "main"}, nil, filepath.Join(b.TempDir(), "c"), CheckoutOptions{}); err != nil {
						b.Fatal(err)
					}
					goGit += time.Since(start)
				},
				func() {
					start := time.Now()
					cmd := srv.GitCommand("", nil, "clone", "--quiet", "--depth", "1", "--branch", "main", url,
						filepath.Join(b.TempDir(), "g"))
					if out, err := cmd.CombinedOutput(); err != nil {
						b.Fatalf("git clone: %v: %s", err, out)
					}
					cli += time.Since(start)
				},
			}
			if i%2 == 1 {
				steps[0], steps[1] = steps[1], steps[0]
			}
			i++
			for _, step := range steps {
				step()
			}
		}
		b.ReportMetric(goGit.Seconds()/float64(i), "checkout-s/op")
		b.ReportMetric(cli.Seconds()/float64(i), "git-clone-s/op")
		b.ReportMetric(goGit.Seconds()/cli.Seconds(), "ratio")
		var ru syscall.Rusage
		if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err == nil {
			b.ReportMetric(float64(ru.Maxrss)/1024, "max-rss-MB") // of the whole test process
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
