/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package apply

import (
	"context"
	"testing"

	"github.com/fluxcd/pkg/ssa"
	"github.com/fluxcd/pkg/ssa/jsondiff"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// editCM changes data keys of a ConfigMap as another field manager (a controller or a user) would.
func editCM(t *testing.T, ns, name string, data map[string]string) {
	t.Helper()
	cm, _ := getCM(t, ns, name)
	for k, v := range data {
		cm.Data[k] = v
	}
	if err := env.Client.Update(context.Background(), cm, client.FieldOwner("other-controller")); err != nil {
		t.Fatal(err)
	}
}

func TestApplyLeavesIgnoredDriftAndRevertsTheRest(t *testing.T) {
	modes(t, func(t *testing.T, opts ApplyOptions) {
		ctx, ns := testContext(t), newNamespace(t)
		m, wc := newManager(t, ns)
		opts.DriftIgnoreRules = []jsondiff.IgnoreRule{{
			Paths:    []string{"/data/replicas"},
			Selector: &jsondiff.Selector{Kind: "ConfigMap", Name: "web"},
		}}
		id := "ConfigMap/" + ns + "/web"
		set := func() []*unstructured.Unstructured {
			return []*unstructured.Unstructured{configMap(ns, "web", map[string]any{"replicas": "2", "color": "blue"}, nil)}
		}
		cs, err := m.Apply(ctx, set(), opts)
		if err != nil {
			t.Fatal(err)
		}
		if got := actions(cs)[id]; got != ssa.CreatedAction {
			t.Fatalf("first apply: %v, want created", got)
		}

		// Only an ignored field drifted: the object is unchanged and nothing is written.
		editCM(t, ns, "web", map[string]string{"replicas": "5"})
		wc.writes.Store(0)
		if cs, err = m.Apply(ctx, set(), opts); err != nil {
			t.Fatal(err)
		}
		if got := actions(cs)[id]; got != ssa.UnchangedAction {
			t.Errorf("apply after an ignored edit: %v, want unchanged", got)
		}
		if n := wc.writes.Load(); n != 0 {
			t.Errorf("apply after an ignored edit wrote %d times, want 0", n)
		}
		if cm, _ := getCM(t, ns, "web"); cm.Data["replicas"] != "5" {
			t.Errorf("ignored edit reverted: data = %v", cm.Data)
		}

		// A managed field drifted as well: it is reverted, the ignored one keeps its live value.
		editCM(t, ns, "web", map[string]string{"color": "red"})
		if cs, err = m.Apply(ctx, set(), opts); err != nil {
			t.Fatal(err)
		}
		if got := actions(cs)[id]; got != ssa.ConfiguredAction {
			t.Errorf("apply after a managed edit: %v, want configured", got)
		}
		if cm, _ := getCM(t, ns, "web"); cm.Data["color"] != "blue" || cm.Data["replicas"] != "5" {
			t.Errorf("after a managed edit: data = %v, want color blue (reverted) and replicas 5 (kept)", cm.Data)
		}

		// A rule whose target does not select the object ignores nothing.
		opts.DriftIgnoreRules[0].Selector.Name = "other"
		if cs, err = m.Apply(ctx, set(), opts); err != nil {
			t.Fatal(err)
		}
		if got := actions(cs)[id]; got != ssa.ConfiguredAction {
			t.Errorf("apply with a rule for another object: %v, want configured", got)
		}
		if cm, _ := getCM(t, ns, "web"); cm.Data["replicas"] != "2" {
			t.Errorf("edit not reverted without a matching rule: data = %v", cm.Data)
		}
	})
}

// deployment returns a Deployment manifest with replicas.
func deployment(ns, name string, replicas int64) *unstructured.Unstructured {
	labels := map[string]any{"app": name}
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "apps/v1", "kind": "Deployment",
		"metadata": map[string]any{"name": name, "namespace": ns},
		"spec": map[string]any{
			"replicas": replicas,
			"selector": map[string]any{"matchLabels": labels},
			"template": map[string]any{
				"metadata": map[string]any{"labels": labels},
				"spec": map[string]any{"containers": []any{
					map[string]any{"name": "app", "image": "registry.example.com/app:1"},
				}},
			},
		},
	}}
}

func TestApplyLeavesReplicasScaledByAutoscaler(t *testing.T) {
	modes(t, func(t *testing.T, opts ApplyOptions) {
		ctx, ns := testContext(t), newNamespace(t)
		m, _ := newManager(t, ns)
		opts.DriftIgnoreRules = []jsondiff.IgnoreRule{{
			Paths:    []string{"/spec/replicas"},
			Selector: &jsondiff.Selector{Group: "apps", Kind: "Deployment"},
		}}
		if _, err := m.Apply(ctx, []*unstructured.Unstructured{deployment(ns, "web", 2)}, opts); err != nil {
			t.Fatal(err)
		}
		// An HPA scales the Deployment through its scale subresource.
		dep := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: ns}}
		scale := &autoscalingv1.Scale{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: ns},
			Spec: autoscalingv1.ScaleSpec{Replicas: 5}}
		if err := env.Client.SubResource("scale").Update(ctx, dep, client.WithSubResourceBody(scale),
			client.FieldOwner("horizontal-pod-autoscaler")); err != nil {
			t.Fatal(err)
		}
		replicas := func() int32 {
			t.Helper()
			if err := env.Client.Get(ctx, client.ObjectKeyFromObject(dep), dep); err != nil {
				t.Fatal(err)
			}
			return *dep.Spec.Replicas
		}
		id := "Deployment/" + ns + "/web"
		cs, err := m.Apply(ctx, []*unstructured.Unstructured{deployment(ns, "web", 2)}, opts)
		if err != nil {
			t.Fatal(err)
		}
		if got := actions(cs)[id]; got != ssa.UnchangedAction || replicas() != 5 {
			t.Errorf("apply after scaling: %v with %d replicas, want unchanged with 5", got, replicas())
		}
		// A change in Git elsewhere in the spec is applied; the replicas stay as the autoscaler set them.
		changed := deployment(ns, "web", 2)
		changed.Object["spec"].(map[string]any)["minReadySeconds"] = int64(10)
		if cs, err = m.Apply(ctx, []*unstructured.Unstructured{changed}, opts); err != nil {
			t.Fatal(err)
		}
		if got := actions(cs)[id]; got != ssa.ConfiguredAction || replicas() != 5 || dep.Spec.MinReadySeconds != 10 {
			t.Errorf("apply of a Git change: %v with %d replicas and minReadySeconds %d, want configured, 5, 10",
				got, replicas(), dep.Spec.MinReadySeconds)
		}
		// Without the rule the replicas go back to the value in Git.
		opts.DriftIgnoreRules = nil
		if _, err = m.Apply(ctx, []*unstructured.Unstructured{changed}, opts); err != nil {
			t.Fatal(err)
		}
		if n := replicas(); n != 2 {
			t.Errorf("without the rule: %d replicas, want 2", n)
		}
	})
}

func TestApplyRefusesInvalidDriftIgnoreRule(t *testing.T) {
	modes(t, func(t *testing.T, opts ApplyOptions) {
		ctx, ns := testContext(t), newNamespace(t)
		m, _ := newManager(t, ns)
		opts.DriftIgnoreRules = []jsondiff.IgnoreRule{{Paths: []string{"/data"}, Selector: &jsondiff.Selector{Name: "(["}}}
		if _, err := m.Apply(ctx, []*unstructured.Unstructured{configMap(ns, "x", map[string]any{"k": "v"}, nil)}, opts); err == nil {
			t.Fatal("apply with an invalid name pattern succeeded")
		}
		if _, found := getCM(t, ns, "x"); found {
			t.Error("an object was applied despite the invalid rule")
		}
	})
}
