/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package apply

import (
	"slices"
	"testing"

	"github.com/fluxcd/cli-utils/pkg/object"
	"github.com/fluxcd/pkg/ssa"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	kustomizev1 "github.com/tide-gitops/tide/api/kustomize/v1"
)

func TestPruneDeletesOnlyOwnedObjectsThatLeftTheSet(t *testing.T) {
	ctx, ns := testContext(t), newNamespace(t)
	m, _ := newManager(t, ns)
	keep := configMap(ns, "keep", map[string]any{"k": "v"}, nil)
	gone := configMap(ns, "gone", map[string]any{"k": "v"}, nil)
	kept := configMap(ns, "kept", map[string]any{"k": "v"}, map[string]any{kustomizev1.PruneAnnotation: "disabled"})
	cs, err := m.Apply(ctx, []*unstructured.Unstructured{keep, gone, kept}, ApplyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	oldInv := InventoryFromChangeSet(cs)

	// An object of the same name scheme that someone else created, without our labels, sneaks into the
	// stale list (e.g. a hand-edited inventory): it must never be deleted.
	foreign := configMap(ns, "foreign", map[string]any{"k": "v"}, nil)
	if err := env.Client.Create(ctx, foreign); err != nil {
		t.Fatal(err)
	}
	// Another Kustomization's object is not ours either.
	other := New(env.Client, m.owner)
	other.owner.Name = "other"
	if _, err := other.Apply(ctx, []*unstructured.Unstructured{configMap(ns, "theirs", map[string]any{"k": "v"}, nil)}, ApplyOptions{}); err != nil {
		t.Fatal(err)
	}

	cs, err = m.Apply(ctx, []*unstructured.Unstructured{keep}, ApplyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	stale := Diff(oldInv, InventoryFromChangeSet(cs))
	stale = append(stale,
		RefFor(object.ObjMetadata{Namespace: ns, Name: "foreign", GroupKind: schema.GroupKind{Kind: "ConfigMap"}}, "v1"),
		RefFor(object.ObjMetadata{Namespace: ns, Name: "theirs", GroupKind: schema.GroupKind{Kind: "ConfigMap"}}, "v1"),
		RefFor(object.ObjMetadata{Namespace: ns, Name: "never-existed", GroupKind: schema.GroupKind{Kind: "ConfigMap"}}, "v1"),
		RefFor(object.ObjMetadata{Namespace: ns, Name: "x", GroupKind: schema.GroupKind{Group: "gone.example.com", Kind: "Gadget"}}, "v1"),
	)
	pcs, err := m.Prune(ctx, stale, PruneOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got := actions(pcs)
	want := map[string]ssa.Action{
		"ConfigMap/" + ns + "/gone": ssa.DeletedAction, "ConfigMap/" + ns + "/kept": ssa.SkippedAction,
		"ConfigMap/" + ns + "/foreign": ssa.SkippedAction, "ConfigMap/" + ns + "/theirs": ssa.SkippedAction,
		"ConfigMap/" + ns + "/never-existed": ssa.DeletedAction, "Gadget/" + ns + "/x": ssa.DeletedAction,
	}
	for s, a := range want {
		if got[s] != a {
			t.Errorf("%s: %v, want %v", s, got[s], a)
		}
	}
	if d := Deleted(pcs); !slices.Contains(d, "ConfigMap/"+ns+"/gone") || slices.Contains(d, "ConfigMap/"+ns+"/kept") {
		t.Errorf("Deleted = %v", d)
	}
	for name, exists := range map[string]bool{"keep": true, "gone": false, "kept": true, "foreign": true, "theirs": true} {
		if _, found := getCM(t, ns, name); found != exists {
			t.Errorf("%s exists = %v, want %v", name, found, exists)
		}
	}
}

func TestPruneRefusesMalformedInventory(t *testing.T) {
	m, _ := newManager(t, "default")
	_, err := m.Prune(testContext(t), []kustomizev1.ResourceRef{{ID: "default_x", Version: "v1"}}, PruneOptions{})
	if err == nil {
		t.Fatal("pruning a malformed inventory id succeeded")
	}
}
