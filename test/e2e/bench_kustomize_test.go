/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package e2e

import (
	"bufio"
	"context"
	"fmt"
	"io"
	nethttp "net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fluxcd/pkg/apis/meta"
	"github.com/fluxcd/pkg/runtime/conditions"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	kustomizev1 "github.com/tide-gitops/tide/api/kustomize/v1"
	sourcev1 "github.com/tide-gitops/tide/api/source/v1"
	"github.com/tide-gitops/tide/internal/testserver/gitserver"
)

// BenchmarkKustomizeFleet is the fleet shape: 1,000 Kustomizations in one namespace, all from one
// GitRepository artifact whose ./app holds one ConfigMap and one headless Service, each with its own
// namePrefix app-NNNN-, targetNamespace fleet-apps, interval 60m, prune true, wait false. They are created with
// the kustomize-controller stopped; then the real binary starts. It reports:
//   - all-ready-s: from the controller's start until all 1,000 are Ready;
//   - rss-MiB: the controller's peak resident memory (VmHWM), and the peaks of its two parts sampled every
//     50 ms: rss-anon-MiB (heap, stacks) and rss-file-MiB (pages of the executable);
//   - requests/kustomization: the controller's API requests from its start (client-go's
//     rest_client_requests_total, including discovery, leader election and watches) divided by 1,000.
//
// With TIDE_BENCH_PROFILES=<dir>, the controller's heap profile at the end is saved there.
//
// Run: hack/bench.sh KustomizeFleet (one iteration: the Kustomizations are not deleted afterwards).
func BenchmarkKustomizeFleet(b *testing.B) {
	const fleet = 1000
	ctx := context.Background()
	srv := gitserver.New(b)
	repo := srv.CreateRepo(b, "fleet")
	repo.CommitFiles(b, "main", map[string]string{
		"app/configmap.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: config\ndata:\n  key: value\n",
		"app/service.yaml":   "apiVersion: v1\nkind: Service\nmetadata:\n  name: svc\nspec:\n  clusterIP: None\n  selector:\n    app: app\n",
	})
	http := srv.StartHTTP(b, gitserver.HTTPOptions{})
	for _, ns := range []string{"fleet", "fleet-apps"} {
		if err := env.Client.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}); err != nil && !apierrors.IsAlreadyExists(err) {
			b.Fatal(err)
		}
	}
	runController(b, "source-controller", "--storage-path", b.TempDir(), "--storage-addr", "ADDR", "--storage-adv-addr", "ADDR")
	git := &sourcev1.GitRepository{
		ObjectMeta: metav1.ObjectMeta{Name: "fleet", Namespace: "fleet"},
		Spec: sourcev1.GitRepositorySpec{URL: http.RepoURL("fleet"), Interval: metav1.Duration{Duration: time.Hour},
			Reference: &sourcev1.GitRepositoryRef{Branch: "main"}},
	}
	if err := env.Client.Create(ctx, git); err != nil {
		b.Fatal(err)
	}
	pollUntil(b, git, time.Minute, 50*time.Millisecond, func() bool { return conditions.IsReady(git) })

	for range b.N {
		for n := range fleet {
			ks := &kustomizev1.Kustomization{
				ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("app-%04d", n), Namespace: "fleet"},
				Spec: kustomizev1.KustomizationSpec{
					Interval: metav1.Duration{Duration: time.Hour}, Path: "./app", Prune: true,
					NamePrefix: fmt.Sprintf("app-%04d-", n), TargetNamespace: "fleet-apps",
					SourceRef: kustomizev1.CrossNamespaceSourceReference{Kind: sourcev1.GitRepositoryKind, Name: "fleet"},
				},
			}
			if err := env.Client.Create(ctx, ks); err != nil {
				b.Fatal(err)
			}
		}
		metrics := freeAddr(b)
		start := time.Now()
		proc, stop := startController(b, "kustomize-controller", "--metrics-addr", metrics)
		cpuProfile := startCPUProfile(b, metrics, "kustomize-fleet", 10*time.Second)
		rss := sampleRSS(proc.Process.Pid)
		deadline := start.Add(10 * time.Minute)
		for {
			var list kustomizev1.KustomizationList
			if err := env.Client.List(ctx, &list, client.InNamespace("fleet")); err != nil {
				b.Fatal(err)
			}
			ready := 0
			for i := range list.Items {
				if conditions.IsReady(&list.Items[i]) {
					ready++
				}
			}
			if ready == fleet {
				break
			}
			if time.Now().After(deadline) {
				b.Fatalf("%d of %d Kustomizations Ready after 10 minutes", ready, fleet)
			}
			time.Sleep(100 * time.Millisecond)
		}
		allReady := time.Since(start)
		hwm := peakRSS(b, proc.Process.Pid)
		anon, file := rss()
		requests := restRequests(b, metrics)
		saveHeapProfile(b, metrics, "kustomize-fleet")
		<-cpuProfile
		stop()
		b.ReportMetric(allReady.Seconds(), "all-ready-s")
		b.ReportMetric(hwm, "rss-MiB")
		b.ReportMetric(anon, "rss-anon-MiB")
		b.ReportMetric(file, "rss-file-MiB")
		b.ReportMetric(requests/fleet, "requests/kustomization")
	}
}

// BenchmarkKustomizeBig is the big shape: one Kustomization of 1,000 ConfigMaps (one file in Git, no
// kustomization.yaml, targetNamespace set), applied by the real source-controller and kustomize-controller
// binaries, bigRounds times into new namespaces. It reports medians of:
//   - first-ready-s: from creating the Kustomization until it is Ready with the revision applied (and the
//     fastest and slowest of the rounds);
//   - first-requests: the kustomize-controller's API requests meanwhile (client-go's rest_client_requests_total);
//   - no-change-s and no-change-requests: the same for a reconcile requested with reconcile.fluxcd.io/requestedAt
//     when nothing changed;
//   - kubectl-s: `kubectl apply --server-side` of the same 1,000 ConfigMaps into another namespace, the baseline.
//
// Run: hack/bench.sh KustomizeBig.
func BenchmarkKustomizeBig(b *testing.B) {
	const count = 1000
	ctx := context.Background()
	var docs strings.Builder
	for i := range count {
		fmt.Fprintf(&docs, "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-%04d\ndata:\n  index: \"%d\"\n  app: big\n", i, i)
	}
	srv := gitserver.New(b)
	repo := srv.CreateRepo(b, "big")
	repo.CommitFiles(b, "main", map[string]string{"big/configmaps.yaml": docs.String()})
	http := srv.StartHTTP(b, gitserver.HTTPOptions{})
	for _, ns := range []string{"big", "big-apps", "big-kubectl"} {
		if err := env.Client.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}); err != nil && !apierrors.IsAlreadyExists(err) {
			b.Fatal(err)
		}
	}
	runController(b, "source-controller", "--storage-path", b.TempDir(), "--storage-addr", "ADDR", "--storage-adv-addr", "ADDR")
	metrics := freeAddr(b)
	runController(b, "kustomize-controller", "--metrics-addr", metrics)
	git := &sourcev1.GitRepository{
		ObjectMeta: metav1.ObjectMeta{Name: "big", Namespace: "big"},
		Spec: sourcev1.GitRepositorySpec{URL: http.RepoURL("big"), Interval: metav1.Duration{Duration: time.Hour},
			Reference: &sourcev1.GitRepositoryRef{Branch: "main"}},
	}
	if err := env.Client.Create(ctx, git); err != nil {
		b.Fatal(err)
	}
	pollUntil(b, git, time.Minute, 50*time.Millisecond, func() bool { return conditions.IsReady(git) })

	var samples bigSamples
	for n := range b.N * bigRounds {
		ks := &kustomizev1.Kustomization{
			ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("big-%d", n), Namespace: "big"},
			Spec: kustomizev1.KustomizationSpec{
				Interval: metav1.Duration{Duration: time.Hour}, Path: "./big", Prune: true,
				TargetNamespace: fmt.Sprintf("big-apps-%d", n),
				SourceRef:       kustomizev1.CrossNamespaceSourceReference{Kind: sourcev1.GitRepositoryKind, Name: "big"},
			},
		}
		if err := env.Client.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ks.Spec.TargetNamespace}}); err != nil {
			b.Fatal(err)
		}
		before := restRequests(b, metrics)
		cpuProfile := startCPUProfile(b, metrics, fmt.Sprintf("kustomize-big-%d", n), 3*time.Second)
		start := time.Now()
		if err := env.Client.Create(ctx, ks); err != nil {
			b.Fatal(err)
		}
		pollUntil(b, ks, 5*time.Minute, 20*time.Millisecond, func() bool {
			return conditions.IsReady(ks) && ks.Status.LastAppliedRevision == git.Status.Artifact.Revision
		})
		first := time.Since(start)
		afterFirst := restRequests(b, metrics)
		<-cpuProfile

		start = time.Now()
		token := requestReconcile(b, ks)
		pollUntil(b, ks, 5*time.Minute, 10*time.Millisecond, func() bool {
			return ks.Status.LastHandledReconcileAt == token && conditions.IsReady(ks)
		})
		noChange := time.Since(start)
		afterNoChange := restRequests(b, metrics)

		samples.add(b, first, afterFirst-before, noChange, afterNoChange-afterFirst)
	}
	samples.report(b)
	b.ReportMetric(kubectlServerSideApply(b, strings.ReplaceAll(docs.String(), "metadata:\n", "metadata:\n  namespace: big-kubectl\n")).Seconds(), "kubectl-s")
}

// bigRounds is how many Kustomizations BenchmarkKustomizeBig applies per iteration (each into its own
// namespace): it reports their medians, as one sample moves with the host's noise.
const bigRounds = 3

// bigSamples are the figures of BenchmarkKustomizeBig's Kustomizations.
type bigSamples struct {
	first, noChange                []float64
	firstRequests, noChangeRequest []float64
}

// add records one Kustomization's figures and logs them.
func (s *bigSamples) add(b *testing.B, first time.Duration, firstRequests float64, noChange time.Duration, noChangeRequests float64) {
	b.Logf("first apply %.3fs (%.0f requests), no-change reconcile %.3fs (%.0f requests)",
		first.Seconds(), firstRequests, noChange.Seconds(), noChangeRequests)
	s.first = append(s.first, first.Seconds())
	s.firstRequests = append(s.firstRequests, firstRequests)
	s.noChange = append(s.noChange, noChange.Seconds())
	s.noChangeRequest = append(s.noChangeRequest, noChangeRequests)
}

// report reports the medians, and the fastest and slowest first apply.
func (s *bigSamples) report(b *testing.B) {
	b.ReportMetric(median(s.first), "first-ready-s")
	b.ReportMetric(slices.Min(s.first), "first-ready-min-s")
	b.ReportMetric(slices.Max(s.first), "first-ready-max-s")
	b.ReportMetric(median(s.firstRequests), "first-requests")
	b.ReportMetric(median(s.noChange), "no-change-s")
	b.ReportMetric(median(s.noChangeRequest), "no-change-requests")
}

// median returns the middle value of v (the mean of the two middle ones for an even count).
func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// requestReconcile annotates obj with reconcile.fluxcd.io/requestedAt and returns the token.
func requestReconcile(b *testing.B, obj client.Object) string {
	b.Helper()
	token := time.Now().Format(time.RFC3339Nano)
	patch := client.MergeFrom(obj.DeepCopyObject().(client.Object))
	ann := obj.GetAnnotations()
	if ann == nil {
		ann = map[string]string{}
	}
	ann[meta.ReconcileRequestAnnotation] = token
	obj.SetAnnotations(ann)
	if err := env.Client.Patch(context.Background(), obj, patch); err != nil {
		b.Fatal(err)
	}
	return token
}

// kubectlServerSideApply times `kubectl apply --server-side` of docs against the test control plane.
func kubectlServerSideApply(b *testing.B, docs string) time.Duration {
	b.Helper()
	file := filepath.Join(b.TempDir(), "objects.yaml")
	if err := os.WriteFile(file, []byte(docs), 0o600); err != nil {
		b.Fatal(err)
	}
	kubectl := filepath.Join(os.Getenv("KUBEBUILDER_ASSETS"), "kubectl") // built by hack/bench.sh
	if _, err := os.Stat(kubectl); err != nil {
		kubectl = "kubectl"
	}
	start := time.Now()
	out, err := exec.Command(kubectl, "--kubeconfig", env.KubeconfigPath, "apply", "--server-side", "-f", file).CombinedOutput()
	if err != nil {
		b.Fatalf("kubectl apply --server-side: %v\n%s", err, out)
	}
	return time.Since(start)
}

// restRequests sums client-go's rest_client_requests_total from a controller's metrics endpoint.
func restRequests(b *testing.B, addr string) float64 {
	b.Helper()
	resp, err := nethttp.Get("http://" + addr + "/metrics")
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	var sum float64
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "rest_client_requests_total{") {
			continue
		}
		v, err := strconv.ParseFloat(line[strings.LastIndexByte(line, ' ')+1:], 64)
		if err != nil {
			b.Fatal(err)
		}
		sum += v
	}
	if err := sc.Err(); err != nil {
		b.Fatal(err)
	}
	return sum
}

// saveHeapProfile saves a controller's heap profile into $TIDE_BENCH_PROFILES, when set.
func saveHeapProfile(b *testing.B, addr, name string) {
	b.Helper()
	dir := os.Getenv("TIDE_BENCH_PROFILES")
	if dir == "" {
		return
	}
	resp, err := nethttp.Get("http://" + addr + "/debug/pprof/heap")
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		b.Fatal(err)
	}
	file := filepath.Join(dir, name+".heap.pb.gz")
	if err := os.WriteFile(file, data, 0o600); err != nil {
		b.Fatal(err)
	}
	b.Logf("heap profile: go tool pprof %s", file)
}

// startCPUProfile records a controller's CPU profile for d into $TIDE_BENCH_PROFILES, when set; the returned
// channel is closed when it is saved (or at once without the variable).
func startCPUProfile(b *testing.B, addr, name string, d time.Duration) <-chan struct{} {
	done := make(chan struct{})
	dir := os.Getenv("TIDE_BENCH_PROFILES")
	if dir == "" {
		close(done)
		return done
	}
	go func() {
		defer close(done)
		var resp *nethttp.Response
		var err error
		for range 50 { // the metrics server comes up with the manager
			if resp, err = nethttp.Get(fmt.Sprintf("http://%s/debug/pprof/profile?seconds=%d", addr, int(d.Seconds()))); err == nil {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		if err != nil {
			b.Errorf("CPU profile: %v", err)
			return
		}
		defer resp.Body.Close()
		data, err := io.ReadAll(resp.Body)
		if err == nil {
			err = os.WriteFile(filepath.Join(dir, name+".cpu.pb.gz"), data, 0o600)
		}
		if err != nil {
			b.Errorf("CPU profile: %v", err)
		}
	}()
	return done
}

// sampleRSS samples a process's RssAnon and RssFile every 50 ms until the returned function is called, which
// returns their peaks in MiB.
func sampleRSS(pid int) func() (anon, file float64) {
	var mu sync.Mutex
	var maxAnon, maxFile float64
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
			if err == nil {
				mu.Lock()
				for _, line := range strings.Split(string(data), "\n") {
					f := strings.Fields(line)
					if len(f) < 2 {
						continue
					}
					kb, _ := strconv.ParseFloat(f[1], 64)
					switch f[0] {
					case "RssAnon:":
						maxAnon = max(maxAnon, kb/1024)
					case "RssFile:":
						maxFile = max(maxFile, kb/1024)
					}
				}
				mu.Unlock()
			}
			select {
			case <-stop:
				return
			case <-time.After(50 * time.Millisecond):
			}
		}
	}()
	return func() (float64, float64) {
		close(stop)
		<-done
		mu.Lock()
		defer mu.Unlock()
		return maxAnon, maxFile
	}
}
