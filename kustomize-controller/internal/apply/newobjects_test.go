/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package apply

import (
	"fmt"
	"strings"
	"testing"

	"github.com/fluxcd/pkg/ssa"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"

	kustomizev1 "github.com/tide-gitops/tide/api/kustomize/v1"
)

// TestCreatePathRequests proves what a first apply costs on the create path: no list (the empty inventory says
// nothing can carry the labels), no GET, one dry-run and one apply per object; and that the next apply with the
// new inventory needs one list and no other request.
func TestCreatePathRequests(t *testing.T) {
	for _, n := range []int{3, 40} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			ctx, ns := testContext(t), newNamespace(t)
			c, rc := countingClient(t)
			_, _ = c.RESTMapper().RESTMapping(corev1.SchemeGroupVersion.WithKind("ConfigMap").GroupKind())
			rc.reset()
			m := New(c, types.NamespacedName{Namespace: ns, Name: "app"})
			cs, err := m.Apply(ctx, configMaps(ns, n), ApplyOptions{SkipUnchanged: true, Inventory: &kustomizev1.ResourceInventory{}})
			if err != nil {
				t.Fatal(err)
			}
			if got := len(cs.ToGroupedMap()[ssa.CreatedAction]); got != n {
				t.Fatalf("%d created, want %d: %v", got, n, actions(cs))
			}
			if got, want := rc.total.Load(), 2*int64(n); got != want {
				t.Errorf("first apply sent %d requests (%d dry-runs, %d applies, %d GETs, %d lists), want %d",
					got, rc.dryRuns.Load(), rc.applyPatches.Load(), rc.gets.Load(), rc.lists.Load(), want)
			}

			rc.reset()
			cs, err = m.Apply(ctx, configMaps(ns, n), ApplyOptions{SkipUnchanged: true, Inventory: InventoryFromChangeSet(cs)})
			if err != nil {
				t.Fatal(err)
			}
			if got := len(cs.ToGroupedMap()[ssa.UnchangedAction]); got != n {
				t.Fatalf("%d unchanged, want %d", got, n)
			}
			if got := rc.total.Load(); got != 1 {
				t.Errorf("no-change apply sent %d requests, want 1 list", got)
			}
		})
	}
}

// TestCreatePathRespectsExistingObjects proves that objects missing from the labelled lists but present in
// the cluster (created by someone else) are not taken over by the create path: their live annotations
// (reconcile: disabled) and the manifest's ssa: IfNotPresent still hold.
func TestCreatePathRespectsExistingObjects(t *testing.T) {
	for _, n := range []int{2, 40} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			ctx, ns := testContext(t), newNamespace(t)
			for _, cm := range []*unstructured.Unstructured{
				configMap(ns, "cm-0000", map[string]any{"owner": "someone"},
					map[string]any{kustomizev1.ReconcileAnnotation: kustomizev1.DisabledValue}),
				configMap(ns, "cm-0001", map[string]any{"owner": "someone"}, nil),
			} {
				if err := env.Client.Create(ctx, cm); err != nil {
					t.Fatal(err)
				}
			}
			objs := configMaps(ns, n)
			objs[1].SetAnnotations(map[string]string{kustomizev1.SSAAnnotation: kustomizev1.IfNotPresentValue})
			m, _ := newManager(t, ns)
			cs, err := m.Apply(ctx, objs, ApplyOptions{SkipUnchanged: true, Inventory: &kustomizev1.ResourceInventory{}})
			if err != nil {
				t.Fatal(err)
			}
			got := actions(cs)
			for i, want := range []ssa.Action{ssa.SkippedAction, ssa.SkippedAction} {
				if s := fmt.Sprintf("ConfigMap/%s/cm-%04d", ns, i); got[s] != want {
					t.Errorf("%s: %s, want %s", s, got[s], want)
				}
				cm, _ := getCM(t, ns, fmt.Sprintf("cm-%04d", i))
				if cm.Data["owner"] != "someone" || cm.Labels[kustomizev1.NameLabel] != "" {
					t.Errorf("cm-%04d was taken over: data %v, labels %v", i, cm.Data, cm.Labels)
				}
			}
			if created := len(cs.ToGroupedMap()[ssa.CreatedAction]); created != n-2 {
				t.Errorf("%d created, want %d", created, n-2)
			}
		})
	}
}

// TestCreatePathWritesNothingWhenOneObjectIsInvalid proves the create path validates every new object with a
// dry-run before writing any, as ssa's ApplyAll does.
func TestCreatePathWritesNothingWhenOneObjectIsInvalid(t *testing.T) {
	ctx, ns := testContext(t), newNamespace(t)
	objs := configMaps(ns, 5)
	objs = append(objs, &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "v1", "kind": "Service", "metadata": map[string]any{"name": "bad", "namespace": ns},
		"spec": map[string]any{"type": "NoSuchType", "ports": []any{map[string]any{"port": int64(80)}}},
	}})
	m, wc := newManager(t, ns)
	_, err := m.Apply(ctx, objs, ApplyOptions{SkipUnchanged: true, Inventory: &kustomizev1.ResourceInventory{}})
	if err == nil || !strings.Contains(err.Error(), "Service/"+ns+"/bad") {
		t.Fatalf("want an error naming Service/%s/bad, got %v", ns, err)
	}
	if n := wc.writes.Load(); n != 0 {
		t.Errorf("%d writes, want none", n)
	}
	if _, found := getCM(t, ns, "cm-0000"); found {
		t.Error("cm-0000 was created although another object of the set is invalid")
	}
}

// TestCreatePathAfterNamespace proves that objects in a Namespace created by the same set are created after
// it.
func TestCreatePathAfterNamespace(t *testing.T) {
	ctx := testContext(t)
	const ns = "create-path-after-namespace"
	objs := append([]*unstructured.Unstructured{{Object: map[string]any{
		"apiVersion": "v1", "kind": "Namespace", "metadata": map[string]any{"name": ns},
	}}}, configMaps(ns, 3)...)
	m, _ := newManager(t, "default")
	cs, err := m.Apply(ctx, objs, ApplyOptions{SkipUnchanged: true, Inventory: &kustomizev1.ResourceInventory{}})
	if err != nil {
		t.Fatal(err)
	}
	if got := len(cs.ToGroupedMap()[ssa.CreatedAction]); got != 4 {
		t.Fatalf("%d created, want 4: %v", got, actions(cs))
	}
	if cs.Entries[0].ObjMetadata.GroupKind.Kind != "Namespace" {
		t.Errorf("entries are not in the order of the build: %v", cs.Entries)
	}
	_ = env.Client.Delete(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}})
}
