/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package artifact

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// benchWords is the vocabulary of the generated files, so they compress like source and YAML.
var benchWords = strings.Fields(`apiVersion kind metadata name namespace spec template containers image
	ports containerPort resources limits requests cpu memory labels app selector matchLabels replicas
	func return if else for range struct interface package import type var const err nil string int
	deployment service configmap secret volume mount path value key env true false 8080 443 v1 apps`)

// generateTree writes files files totalling about totalBytes under dir, spread over 100
// directories, and returns the exact total.
func generateTree(tb testing.TB, dir string, files int, totalBytes int64) int64 {
	tb.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	per := totalBytes / int64(files)
	var total int64
	var sb strings.Builder
	for i := range files {
		sb.Reset()
		size := per/2 + rng.Int64N(per+1) // average per
		for int64(sb.Len()) < size {
			sb.WriteString(benchWords[rng.IntN(len(benchWords))])
			if rng.IntN(8) == 0 {
				sb.WriteString(fmt.Sprintf(": %d\n", rng.IntN(100000)))
			} else {
				sb.WriteByte(' ')
			}
		}
		p := filepath.Join(dir, fmt.Sprintf("dir%02d", i%100), fmt.Sprintf("sub%d", i%7), fmt.Sprintf("file%05d.yaml", i))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(sb.String()), 0o644); err != nil {
			tb.Fatal(err)
		}
		total += int64(sb.Len())
	}
	return total
}

// BenchmarkArchive archives a generated tree of 10,000 files / 50 MB to a file and reports MB/s
// of content. Each iteration also runs `tar czf` on the same tree, outside the timer, so that
// both see the same machine load: x-tar-czf is the Archive time over the tar time (lower is
// better) and tar-czf-ms the mean tar time.
func BenchmarkArchive(b *testing.B) {
	src := filepath.Join(b.TempDir(), "repo")
	total := generateTree(b, src, 10_000, 50<<20)
	out := b.TempDir()
	tarBin, err := exec.LookPath("tar")
	if err != nil {
		b.Log("tar not installed: no comparison")
	}
	var tarTotal time.Duration
	b.SetBytes(total)
	b.ResetTimer()
	for b.Loop() {
		if tarBin != "" {
			b.StopTimer()
			start := time.Now()
			if o, err := exec.Command(tarBin, "czf", filepath.Join(out, "tar.tar.gz"), "-C", src, ".").CombinedOutput(); err != nil {
				b.Fatalf("tar czf: %v: %s", err, o)
			}
			tarTotal += time.Since(start)
			b.StartTimer()
		}
		f, err := os.Create(filepath.Join(out, "go.tar.gz"))
		if err != nil {
			b.Fatal(err)
		}
		if _, err := Archive(context.Background(), src, f, nil); err != nil {
			b.Fatal(err)
		}
		if err := f.Close(); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	if tarTotal > 0 {
		b.ReportMetric(float64(tarTotal.Milliseconds())/float64(b.N), "tar-czf-ms")
		b.ReportMetric(float64(b.Elapsed())/float64(tarTotal), "x-tar-czf")
	}
	for name, unit := range map[string]string{"go.tar.gz": "archive-MB", "tar.tar.gz": "tar-archive-MB"} {
		if fi, err := os.Stat(filepath.Join(out, name)); err == nil {
			b.ReportMetric(float64(fi.Size())/float64(1<<20), unit)
		}
	}
}

// BenchmarkExtract extracts the archive of the same generated tree, as consumers of artifacts
// do, and reports MB/s of extracted content.
func BenchmarkExtract(b *testing.B) {
	src := filepath.Join(b.TempDir(), "repo")
	total := generateTree(b, src, 10_000, 50<<20)
	tgz := filepath.Join(b.TempDir(), "a.tar.gz")
	f, err := os.Create(tgz)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := Archive(context.Background(), src, f, nil); err != nil {
		b.Fatal(err)
	}
	f.Close()
	out := b.TempDir()
	b.SetBytes(total)
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		in, err := os.Open(tgz)
		if err != nil {
			b.Fatal(err)
		}
		if err := Extract(in, filepath.Join(out, strconv.Itoa(i)), ExtractOptions{}); err != nil {
			b.Fatal(err)
		}
		in.Close()
	}
}
