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

// TestReconcileMetrics: reconciles are recorded as Flux's controllers record them, in
// gotk_reconcile_duration_seconds{kind, name, namespace}, so dashboards built for Flux work; like Flux since
// 2.1, no per-object state gauges (kube-state-metrics reads the status). A deleted Kustomization's series
// goes, so a fleet that churns does not grow the metrics forever.
func TestReconcileMetrics(t *testing.T) {
	f := newFixture(t)
	rev := f.publish(t, layout(f.ns, 1, true))
	k := f.kustomization(t, "metrics", "./overlays/production", nil)
	waitApplied(t, k, rev)

	labels := map[string]string{"kind": kustomizev1.KustomizationKind, "name": "metrics", "namespace": f.ns}
	if v, ok := metricValue(t, "gotk_reconcile_duration_seconds", labels, nil); !ok || v < 1 {
		t.Errorf("gotk_reconcile_duration_seconds has %v samples (found %v), want at least 1", v, ok)
	}
	for _, name := range []string{"gotk_reconcile_condition", "gotk_suspend_status"} {
		if _, ok := metricValue(t, name, labels, nil); ok {
			t.Errorf("%s is recorded; Flux removed it in 2.1", name)
		}
	}

	if err := env.Client.Delete(context.Background(), k); err != nil {
		t.Fatal(err)
	}
	ctx := testContext(t, 30*time.Second)
	for {
		if _, ok := metricValue(t, "gotk_reconcile_duration_seconds", labels, nil); !ok {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatal("the deleted Kustomization's gotk_reconcile_duration_seconds series remains")
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
