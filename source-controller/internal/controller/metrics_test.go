/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package controller

import (
	"testing"
	"time"

	crmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"

	sourcev1 "github.com/tide-gitops/tide/api/source/v1"
)

// TestReconcileMetrics: reconciles are recorded under Flux's metric names, so dashboards built for Flux work.
func TestReconcileMetrics(t *testing.T) {
	f := newGitFixture(t)
	obj := f.gitRepository(t, "metrics", f.http.RepoURL("app"), "basic-auth", &sourcev1.GitRepositoryRef{Branch: "main"}, time.Hour)
	waitFor(t, obj, waitTimeout, "Ready", func(o *sourcev1.GitRepository) bool { return readyAt(o, o.Status.ObservedGeneration) })

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
			if labels["kind"] == sourcev1.GitRepositoryKind && labels["name"] == "metrics" && labels["namespace"] == f.ns {
				found[fam.GetName()] = true
			}
		}
	}
	for _, name := range []string{"gotk_reconcile_duration_seconds", "gotk_reconcile_condition", "gotk_suspend_status"} {
		if !found[name] {
			t.Errorf("no %s sample for the GitRepository (found %v)", name, found)
		}
	}
}
