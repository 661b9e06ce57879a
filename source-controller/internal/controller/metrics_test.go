/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package controller

import (
	"context"
	"testing"
	"time"

	crmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"

	sourcev1 "github.com/tide-gitops/tide/api/source/v1"
)

// TestReconcileMetrics: reconciles are recorded as Flux's controllers record them, in
// gotk_reconcile_duration_seconds{kind, name, namespace}, so dashboards built for Flux work; like Flux since
// 2.1, no per-object state gauges (kube-state-metrics reads the status). A deleted object's series goes.
func TestReconcileMetrics(t *testing.T) {
	f := newGitFixture(t)
	obj := f.gitRepository(t, "metrics", f.http.RepoURL("app"), "basic-auth", &sourcev1.GitRepositoryRef{Branch: "main"}, time.Hour)
	waitFor(t, obj, waitTimeout, "Ready", func(o *sourcev1.GitRepository) bool { return readyAt(o, o.Status.ObservedGeneration) })

	found := seriesOf(t, f.ns)
	if !found["gotk_reconcile_duration_seconds"] {
		t.Errorf("no gotk_reconcile_duration_seconds sample for the GitRepository (found %v)", found)
	}
	for _, name := range []string{"gotk_reconcile_condition", "gotk_suspend_status"} {
		if found[name] {
			t.Errorf("%s is recorded; Flux removed it in 2.1", name)
		}
	}

	if err := env.Client.Delete(context.Background(), obj); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(waitTimeout)
	for seriesOf(t, f.ns)["gotk_reconcile_duration_seconds"] {
		if time.Now().After(deadline) {
			t.Fatal("the deleted GitRepository's gotk_reconcile_duration_seconds series remains")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// seriesOf returns the names of the metric families that have a series of GitRepository "metrics" in ns.
func seriesOf(t *testing.T, ns string) map[string]bool {
	t.Helper()
	families, err := crmetrics.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	found := map[string]bool{}
	for _, fam := range families {
		for _, m := range fam.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["kind"] == sourcev1.GitRepositoryKind && labels["name"] == "metrics" && labels["namespace"] == ns {
				found[fam.GetName()] = true
			}
		}
	}
	return found
}
