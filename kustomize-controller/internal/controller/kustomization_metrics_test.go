/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package controller

import (
	"context"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	crmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"

	kustomizev1 "github.com/tide-gitops/tide/api/kustomize/v1"
)

// TestReconcileMetrics: reconciles are recorded under Flux's metric names and labels, so dashboards and alerts
// built for Flux work: the Ready condition, the duration, and the suspension, which a suspend updates; a
// deleted Kustomization's series are removed.
func TestReconcileMetrics(t *testing.T) {
	f := newFixture(t)
	rev := f.publish(t, layout(f.ns, 1, true))
	k := f.kustomization(t, "metrics", "./overlays/production", nil)
	waitApplied(t, k, rev)

	labels := map[string]string{"kind": kustomizev1.KustomizationKind, "name": "metrics", "namespace": f.ns}
	if v, ok := metricValue(t, "gotk_reconcile_condition", labels, map[string]string{"type": "Ready", "status": "True"}); !ok || v != 1 {
		t.Errorf("gotk_reconcile_condition Ready=True = %v (found %v), want 1", v, ok)
	}
	if v, ok := metricValue(t, "gotk_reconcile_duration_seconds", labels, nil); !ok || v < 1 {
		t.Errorf("gotk_reconcile_duration_seconds has %v samples (found %v), want at least 1", v, ok)
	}
	if v, ok := metricValue(t, "gotk_suspend_status", labels, nil); !ok || v != 0 {
		t.Errorf("gotk_suspend_status = %v (found %v), want 0", v, ok)
	}

	k.Spec.Suspend = true
	if err := env.Client.Update(context.Background(), k); err != nil {
		t.Fatal(err)
	}
	ctx := testContext(t, 30*time.Second)
	for {
		if v, _ := metricValue(t, "gotk_suspend_status", labels, nil); v == 1 {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatal("gotk_suspend_status did not become 1 after the Kustomization was suspended")
		case <-time.After(20 * time.Millisecond):
		}
	}

	// Deleted, its series go: a fleet that churns does not grow the metrics forever.
	if err := env.Client.Delete(context.Background(), k); err != nil {
		t.Fatal(err)
	}
	for {
		_, ready := metricValue(t, "gotk_reconcile_condition", labels, nil)
		_, suspended := metricValue(t, "gotk_suspend_status", labels, nil)
		if !ready && !suspended {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatalf("the deleted Kustomization's series remain: condition %v, suspend %v", ready, suspended)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// metricValue returns the value of the first sample of a metric family whose labels include labels and extra
// (a histogram's value is its sample count).
func metricValue(t *testing.T, name string, labels, extra map[string]string) (float64, bool) {
	t.Helper()
	families, err := crmetrics.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, fam := range families {
		if fam.GetName() != name {
			continue
		}
		for _, m := range fam.GetMetric() {
			if hasLabels(m, labels) && hasLabels(m, extra) {
				switch {
				case m.GetHistogram() != nil:
					return float64(m.GetHistogram().GetSampleCount()), true
				case m.GetGauge() != nil:
					return m.GetGauge().GetValue(), true
				}
			}
		}
	}
	return 0, false
}

func hasLabels(m *dto.Metric, want map[string]string) bool {
	got := map[string]string{}
	for _, l := range m.GetLabel() {
		got[l.GetName()] = l.GetValue()
	}
	for k, v := range want {
		if got[k] != v {
			return false
		}
	}
	return true
}
