/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package e2e

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fluxcd/pkg/apis/meta"
	"github.com/fluxcd/pkg/runtime/conditions"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	sourcev1 "github.com/tide-gitops/tide/api/source/v1"
	"github.com/tide-gitops/tide/internal/testserver/gitserver"
)

// BenchmarkSourceControllerLargeRepo measures the source-controller binary on a generated repository of
// 10,000 files / 50 MB served by git http-backend:
//   - first-artifact-s: from creating the GitRepository to Ready with the artifact stored;
//   - baseline-s: `git clone --depth 1` + `tar czf` of the same repository in the same run; ratio = first/baseline;
//   - nochange-ms: a reconcile requested with reconcile.fluxcd.io/requestedAt when the head has not moved
//     (median of 20, from the annotation patch until the status records it handled, so it includes the
//     watch event and one API round trip); upload-packs counts clones during those 20 (must be 0);
//   - rss-MiB: the controller process's peak resident memory (VmHWM).
//
// Run: hack/bench.sh (go test ./test/e2e -run '^$' -bench SourceController -benchtime 1x).
func BenchmarkSourceControllerLargeRepo(b *testing.B) {
	srv := gitserver.New(b)
	repo := srv.CreateRepo(b, "large")
	files := generateFiles(10000, 50<<20)
	repo.CommitFiles(b, "main", files)
	http := srv.StartHTTP(b, gitserver.HTTPOptions{})
	url := http.RepoURL("large")

	for i := 0; i < b.N; i++ {
		baseline := cloneAndTar(b, url)
		proc, stop := startController(b, "source-controller", "--storage-path", b.TempDir(),
			"--storage-addr", "ADDR", "--storage-adv-addr", "ADDR")
		obj := &sourcev1.GitRepository{
			ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("large-%d", i), Namespace: "flux-system"},
			Spec: sourcev1.GitRepositorySpec{URL: url, Interval: metav1.Duration{Duration: time.Hour},
				Reference: &sourcev1.GitRepositoryRef{Branch: "main"}},
		}
		ctx := context.Background()
		start := time.Now()
		if err := env.Client.Create(ctx, obj); err != nil {
			b.Fatal(err)
		}
		pollUntil(b, obj, 5*time.Minute, time.Millisecond, func() bool { return conditions.IsReady(obj) && obj.Status.Artifact != nil })
		first := time.Since(start)

		clonesBefore := http.Stats().UploadPacks
		var noChange []time.Duration
		for range 20 {
			token := strconv.FormatInt(time.Now().UnixNano(), 10)
			patched := obj.DeepCopy()
			patched.Annotations = map[string]string{meta.ReconcileRequestAnnotation: token}
			t0 := time.Now()
			if err := env.Client.Patch(ctx, patched, client.MergeFrom(obj)); err != nil {
				b.Fatal(err)
			}
			pollUntil(b, obj, time.Minute, 500*time.Microsecond, func() bool { return obj.Status.LastHandledReconcileAt == token })
			noChange = append(noChange, time.Since(t0))
		}
		clones := http.Stats().UploadPacks - clonesBefore
		rss := peakRSS(b, proc.Process.Pid)
		stop()
		_ = env.Client.Delete(ctx, obj)

		sort.Slice(noChange, func(i, j int) bool { return noChange[i] < noChange[j] })
		b.ReportMetric(first.Seconds(), "first-artifact-s")
		b.ReportMetric(baseline.Seconds(), "baseline-s")
		b.ReportMetric(first.Seconds()/baseline.Seconds(), "ratio")
		b.ReportMetric(float64(noChange[len(noChange)/2].Microseconds())/1000, "nochange-ms")
		b.ReportMetric(float64(clones), "upload-packs")
		b.ReportMetric(rss, "rss-MiB")
	}
}

// generateFiles returns n files of about total bytes, in nested directories, with content that compresses
// like source text rather than all-zero bytes.
func generateFiles(n, total int) map[string]string {
	rng := rand.New(rand.NewPCG(1, 2))
	words := strings.Fields("apiVersion kind metadata name namespace spec replicas selector template containers image " +
		"ports env value resources limits cpu memory labels annotations app tier backend frontend 8080 true false")
	files := make(map[string]string, n)
	size := total / n
	for i := range n {
		var sb strings.Builder
		for sb.Len() < size {
			sb.WriteString(words[rng.IntN(len(words))])
			if rng.IntN(8) == 0 {
				sb.WriteString(strconv.Itoa(rng.IntN(1 << 30)))
			}
			sb.WriteByte(" \n"[rng.IntN(2)])
		}
		files[fmt.Sprintf("dir%02d/sub%02d/file%05d.yaml", i%50, i%7, i)] = sb.String()
	}
	return files
}

// cloneAndTar times what a user would do by hand: a shallow clone, then a tarball of the tree.
func cloneAndTar(b *testing.B, url string) time.Duration {
	b.Helper()
	dir := b.TempDir()
	start := time.Now()
	for _, args := range [][]string{
		{"git", "clone", "--quiet", "--depth", "1", "--single-branch", "--branch", "main", url, filepath.Join(dir, "repo")},
		{"tar", "czf", filepath.Join(dir, "repo.tar.gz"), "--exclude=.git", "-C", filepath.Join(dir, "repo"), "."},
	} {
		if out, err := exec.Command(args[0], args[1:]...).CombinedOutput(); err != nil {
			b.Fatalf("%v: %v\n%s", args, err, out)
		}
	}
	return time.Since(start)
}

func pollUntil(b *testing.B, obj client.Object, timeout, every time.Duration, cond func() bool) {
	b.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if err := env.Client.Get(context.Background(), client.ObjectKeyFromObject(obj), obj); err == nil && cond() {
			return
		}
		time.Sleep(every)
	}
	b.Fatalf("%s not reached within %s", client.ObjectKeyFromObject(obj), timeout)
}

// peakRSS reads VmHWM of a process in MiB.
func peakRSS(b *testing.B, pid int) float64 {
	b.Helper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		b.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(line, "VmHWM:") {
			kb, err := strconv.Atoi(strings.Fields(line)[1])
			if err != nil {
				b.Fatal(err)
			}
			return float64(kb) / 1024
		}
	}
	b.Fatal("VmHWM not found")
	return 0
}
