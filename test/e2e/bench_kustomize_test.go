/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package e2e

import (
	"context"
	"fmt"
	"testing"
	"time"

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
//   - rss-MiB: the controller's peak resident memory (VmHWM).
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
		start := time.Now()
		proc, stop := startController(b, "kustomize-controller")
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
		rss := peakRSS(b, proc.Process.Pid)
		stop()
		b.ReportMetric(allReady.Seconds(), "all-ready-s")
		b.ReportMetric(rss, "rss-MiB")
	}
}
