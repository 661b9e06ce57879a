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

func TestInventoryIDFormat(t *testing.T) {
	for _, tc := range []struct {
		what string
		meta object.ObjMetadata
		id   string
	}{
		{"core namespaced", object.ObjMetadata{Namespace: "default", Name: "podinfo", GroupKind: schema.GroupKind{Kind: "Service"}}, "default_podinfo__Service"},
		{"grouped namespaced", object.ObjMetadata{Namespace: "default", Name: "podinfo", GroupKind: schema.GroupKind{Group: "apps", Kind: "Deployment"}}, "default_podinfo_apps_Deployment"},
		{"core cluster-scoped", object.ObjMetadata{Name: "prod", GroupKind: schema.GroupKind{Kind: "Namespace"}}, "_prod__Namespace"},
		{"grouped cluster-scoped", object.ObjMetadata{Name: "widgets.example.com", GroupKind: schema.GroupKind{Group: "apiextensions.k8s.io", Kind: "CustomResourceDefinition"}}, "_widgets.example.com_apiextensions.k8s.io_CustomResourceDefinition"},
		{"custom resource", object.ObjMetadata{Namespace: "flux-system", Name: "apps", GroupKind: schema.GroupKind{Group: "kustomize.toolkit.fluxcd.io", Kind: "Kustomization"}}, "flux-system_apps_kustomize.toolkit.fluxcd.io_Kustomization"},
		{"RBAC name with colons", object.ObjMetadata{Name: "system:view", GroupKind: schema.GroupKind{Group: "rbac.authorization.k8s.io", Kind: "ClusterRole"}}, "_system__view_rbac.authorization.k8s.io_ClusterRole"},
	} {
		t.Run(tc.what, func(t *testing.T) {
			if got := FormatID(tc.meta); got != tc.id {
				t.Errorf("FormatID = %q, want %q", got, tc.id)
			}
			got, err := ParseID(tc.id)
			if err != nil || got != tc.meta {
				t.Errorf("ParseID(%q) = %v, %v; want %v", tc.id, got, err, tc.meta)
			}
		})
	}
}

func TestParseIDRejectsMalformed(t *testing.T) {
	for _, id := range []string{"", "_", "a_b", "a_b_c", "ns__apps_Deployment", "ns_name_apps_", "ns_name_a/b_Kind", "n s_name__Kind"} {
		if m, err := ParseID(id); err == nil {
			t.Errorf("ParseID(%q) = %v, want an error", id, m)
		}
	}
}

func TestInventoryFromChangeSetAndDiff(t *testing.T) {
	cm := func(name string) object.ObjMetadata {
		return object.ObjMetadata{Namespace: "apps", Name: name, GroupKind: schema.GroupKind{Kind: "ConfigMap"}}
	}
	cs := ssa.NewChangeSet()
	for _, n := range []string{"a", "b", "a"} {
		cs.Add(ssa.ChangeSetEntry{ObjMetadata: cm(n), GroupVersion: "v1", Action: ssa.UnchangedAction})
	}
	old := InventoryFromChangeSet(cs)
	want := []kustomizev1.ResourceRef{{ID: "apps_a__ConfigMap", Version: "v1"}, {ID: "apps_b__ConfigMap", Version: "v1"}}
	if !slices.Equal(old.Entries, want) {
		t.Fatalf("inventory = %v, want %v", old.Entries, want)
	}
	objs := []*unstructured.Unstructured{configMap("apps", "a", nil, nil)}
	objs[0].SetAPIVersion("v2") // a version change alone is not stale
	newInv := InventoryFromObjects(objs)
	if stale := Diff(old, newInv); !slices.Equal(stale, want[1:]) {
		t.Errorf("Diff = %v, want %v", stale, want[1:])
	}
	if stale := Diff(nil, newInv); stale != nil {
		t.Errorf("Diff(nil, new) = %v", stale)
	}
	if stale := Diff(old, nil); len(stale) != 2 {
		t.Errorf("Diff(old, nil) = %v", stale)
	}
	set, err := ToObjMetadataSet(old)
	if err != nil || len(set) != 2 || set[1] != cm("b") {
		t.Errorf("ToObjMetadataSet = %v, %v", set, err)
	}
	if InventoryFromChangeSet(nil).Entries == nil {
		t.Error("empty inventory must have an empty (not null) entries list")
	}
}

// FuzzParseID checks that any id ParseID accepts formats back to an id that parses to the same object.
func FuzzParseID(f *testing.F) {
	for _, seed := range []string{
		"default_podinfo__Service", "_prod__Namespace", "default_podinfo_apps_Deployment",
		"_system__view_rbac.authorization.k8s.io_ClusterRole", "a_b_c", "___", "ns_a_b_c_d_e", "\x00_\xff_x_y",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, id string) {
		m, err := ParseID(id)
		if err != nil {
			return
		}
		if m.Name == "" || m.GroupKind.Kind == "" {
			t.Fatalf("ParseID(%q) accepted %v without a name or kind", id, m)
		}
		again, err := ParseID(FormatID(m))
		if err != nil {
			t.Fatalf("ParseID(FormatID(%v)) = %v", m, err)
		}
		if again != m {
			t.Fatalf("round trip of %q: %v then %v", id, m, again)
		}
	})
}
