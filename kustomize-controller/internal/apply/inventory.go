/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package apply

import (
	"fmt"
	"strings"

	"github.com/fluxcd/cli-utils/pkg/object"
	"github.com/fluxcd/pkg/ssa"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	kustomizev1 "github.com/tide-gitops/tide/api/kustomize/v1"
)

// FormatID returns the inventory id of an object in Flux's format
// '<namespace>_<name>_<group>_<kind>': the namespace is empty for cluster-scoped objects and the group is
// empty for the core API group. Colons in the names of RBAC objects are written as '__', as Flux does.
func FormatID(m object.ObjMetadata) string {
	return m.String()
}

// ParseID reads an inventory id written by FormatID (or by Flux). It refuses ids without a name or a kind,
// which Flux never writes, so a hand-edited status cannot make the controller prune something unexpected.
func ParseID(id string) (object.ObjMetadata, error) {
	if strings.Count(id, "_") < 3 {
		return object.ObjMetadata{}, fmt.Errorf("inventory id %q is not of the form <namespace>_<name>_<group>_<kind>", id)
	}
	m, err := object.ParseObjMetadata(id)
	if err != nil {
		return object.ObjMetadata{}, fmt.Errorf("reading inventory id %q: %w", id, err)
	}
	switch {
	case m.Name == "":
		return object.ObjMetadata{}, fmt.Errorf("inventory id %q has no object name", id)
	case m.GroupKind.Kind == "":
		return object.ObjMetadata{}, fmt.Errorf("inventory id %q has no kind", id)
	case strings.ContainsAny(m.GroupKind.Kind, "/ "), strings.ContainsAny(m.GroupKind.Group, "/ "),
		strings.ContainsAny(m.Namespace, "/ "):
		return object.ObjMetadata{}, fmt.Errorf("inventory id %q has a namespace, group or kind with '/' or spaces", id)
	}
	return m, nil
}

// RefFor returns the inventory entry of an object given its metadata and the version of its kind.
func RefFor(m object.ObjMetadata, version string) kustomizev1.ResourceRef {
	return kustomizev1.ResourceRef{ID: FormatID(m), Version: version}
}

// InventoryFromChangeSet records every object of an apply result (including the unchanged and skipped ones,
// as Flux does) in the order of the change set. Duplicate ids are recorded once.
func InventoryFromChangeSet(cs *ssa.ChangeSet) *kustomizev1.ResourceInventory {
	inv := &kustomizev1.ResourceInventory{Entries: []kustomizev1.ResourceRef{}}
	if cs == nil {
		return inv
	}
	seen := make(map[string]bool, len(cs.Entries))
	for _, e := range cs.Entries {
		ref := RefFor(e.ObjMetadata, e.GroupVersion)
		if seen[ref.ID] {
			continue
		}
		seen[ref.ID] = true
		inv.Entries = append(inv.Entries, ref)
	}
	return inv
}

// InventoryFromObjects records the given objects, in their order. Duplicate ids are recorded once.
func InventoryFromObjects(objs []*unstructured.Unstructured) *kustomizev1.ResourceInventory {
	inv := &kustomizev1.ResourceInventory{Entries: []kustomizev1.ResourceRef{}}
	seen := make(map[string]bool, len(objs))
	for _, o := range objs {
		ref := RefFor(object.UnstructuredToObjMetadata(o), o.GroupVersionKind().Version)
		if seen[ref.ID] {
			continue
		}
		seen[ref.ID] = true
		inv.Entries = append(inv.Entries, ref)
	}
	return inv
}

// Diff returns the entries of old whose id is not in new: the objects that left the set and are candidates
// for pruning. A change of version alone does not make an object stale. A nil inventory is empty.
func Diff(old, new *kustomizev1.ResourceInventory) []kustomizev1.ResourceRef {
	if old == nil {
		return nil
	}
	keep := map[string]bool{}
	if new != nil {
		for _, e := range new.Entries {
			keep[e.ID] = true
		}
	}
	var stale []kustomizev1.ResourceRef
	for _, e := range old.Entries {
		if !keep[e.ID] {
			stale = append(stale, e)
		}
	}
	return stale
}

// ToObjMetadataSet parses every id of the inventory, e.g. for health checks of all applied objects.
func ToObjMetadataSet(inv *kustomizev1.ResourceInventory) (object.ObjMetadataSet, error) {
	if inv == nil {
		return nil, nil
	}
	set := make(object.ObjMetadataSet, 0, len(inv.Entries))
	for _, e := range inv.Entries {
		m, err := ParseID(e.ID)
		if err != nil {
			return nil, err
		}
		set = append(set, m)
	}
	return set, nil
}

// refObject returns an object holding only the identity and version of an inventory entry.
func refObject(ref kustomizev1.ResourceRef) (*unstructured.Unstructured, error) {
	m, err := ParseID(ref.ID)
	if err != nil {
		return nil, err
	}
	if ref.Version == "" {
		return nil, fmt.Errorf("inventory entry %q has no version", ref.ID)
	}
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(schema.GroupVersionKind{Group: m.GroupKind.Group, Version: ref.Version, Kind: m.GroupKind.Kind})
	u.SetNamespace(m.Namespace)
	u.SetName(m.Name)
	return u, nil
}

func objMeta(o *unstructured.Unstructured) object.ObjMetadata {
	return object.UnstructuredToObjMetadata(o)
}
