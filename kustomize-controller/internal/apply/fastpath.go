/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package apply

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/fluxcd/cli-utils/pkg/object"
	"github.com/fluxcd/pkg/ssa"
	"github.com/fluxcd/pkg/ssa/jsondiff"
	"github.com/fluxcd/pkg/ssa/utils"
	"golang.org/x/sync/errgroup"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"

	kustomizev1 "github.com/tide-gitops/tide/api/kustomize/v1"
)

// DigestAnnotation records, on objects applied with ApplyOptions.SkipUnchanged, a digest of the
// configuration that was applied, so the next apply knows whether Git changed the object.
const DigestAnnotation = "kustomize.toolkit.fluxcd.io/applied-digest"

// listPageSize bounds the objects returned by one list request of the fast path.
const listPageSize = 500

// setDigests annotates every object with the digest of its configuration (without the annotation itself).
func setDigests(objs []*unstructured.Unstructured) error {
	for _, o := range objs {
		ann := o.GetAnnotations()
		delete(ann, DigestAnnotation)
		if len(ann) == 0 {
			ann = nil
		}
		o.SetAnnotations(ann)
		b, err := json.Marshal(o.Object)
		if err != nil {
			return fmt.Errorf("computing the digest of %s: %w", utils.FmtUnstructured(o), err)
		}
		sum := sha256.Sum256(b)
		if ann == nil {
			ann = map[string]string{}
		}
		ann[DigestAnnotation] = "sha256:" + hex.EncodeToString(sum[:])
		o.SetAnnotations(ann)
	}
	return nil
}

// listKey groups the objects listed with one request.
type listKey struct {
	gvk       schema.GroupVersionKind
	namespace string
}

// fastPath adds to cs the objects it can decide from one labelled list per kind and namespace (unchanged
// or skipped). It returns the objects it found with other content (changed), which need ssa's GET and dry-run,
// and those it did not find (unknown), which may be new. With a non-nil inventory, only the kinds and
// namespaces holding an object of that inventory are listed: nothing else can carry this Kustomization's
// labels, unless an earlier apply failed before recording them, and such objects are still found by splitNew.
// Fields under the paths of matching drift ignore rules are left out of the comparison (see unchangedIgnoring).
func (m *Manager) fastPath(ctx context.Context, set []*unstructured.Unstructured, inv *kustomizev1.ResourceInventory,
	rules jsondiff.CompiledIgnoreRules, cs *ssa.ChangeSet) (changed, unknown []*unstructured.Unstructured) {
	inInventory := inventoryGroups(inv)
	groups := map[listKey]bool{}
	for _, o := range set {
		namespaced, err := m.client.IsObjectNamespaced(o)
		if err != nil || (!namespaced && o.GetNamespace() != "") || (namespaced && o.GetNamespace() == "") {
			continue // unknown kind (e.g. a CR of a CRD in this set) or odd namespace: ssa decides
		}
		if inInventory != nil && !inInventory[groupKindNamespace(o.GroupVersionKind().GroupKind(), o.GetNamespace())] {
			continue
		}
		groups[listKey{gvk: o.GroupVersionKind(), namespace: o.GetNamespace()}] = true
	}
	live := m.listLive(ctx, groups)

	for _, o := range set {
		l := live[liveKey(o.GroupVersionKind(), o.GetNamespace(), o.GetName())]
		if l == nil {
			unknown = append(unknown, o)
			continue
		}
		switch {
		case utils.AnyInMetadata(o, exclusionSelector()) || utils.AnyInMetadata(l, exclusionSelector()),
			utils.AnyInMetadata(o, map[string]string{kustomizev1.SSAAnnotation: kustomizev1.IfNotPresentValue}):
			cs.Add(entryFor(l, o.GroupVersionKind().Version, ssa.SkippedAction))
		case !needsCleanup(o, l) && l.GetAnnotations()[DigestAnnotation] == o.GetAnnotations()[DigestAnnotation] &&
			unchangedIgnoring(rules, o, l):
			cs.Add(entryFor(o, o.GroupVersionKind().Version, ssa.UnchangedAction))
		default:
			changed = append(changed, o)
		}
	}
	return changed, unknown
}

// inventoryGroups returns the group/kind/namespace triples of inv, or nil for a nil inventory.
func inventoryGroups(inv *kustomizev1.ResourceInventory) map[string]bool {
	if inv == nil {
		return nil
	}
	out := map[string]bool{}
	for _, e := range inv.Entries {
		id, err := ParseID(e.ID)
		if err != nil {
			continue
		}
		out[groupKindNamespace(id.GroupKind, id.Namespace)] = true
	}
	return out
}

func groupKindNamespace(gk schema.GroupKind, namespace string) string {
	return gk.Group + "|" + gk.Kind + "|" + namespace
}

// listLive lists the live objects carrying this Kustomization's labels, keyed by liveKey. A kind that
// cannot be listed (forbidden, or no list verb) is left out: its objects take the dry-run path.
func (m *Manager) listLive(ctx context.Context, groups map[listKey]bool) map[string]*unstructured.Unstructured {
	var mu sync.Mutex
	live := map[string]*unstructured.Unstructured{}
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(m.concurrency)
	for k := range groups {
		g.Go(func() error {
			items, err := m.listGroup(ctx, k)
			if err != nil {
				return nil //nolint:nilerr // the dry-run path reports real errors with the object's name
			}
			mu.Lock()
			defer mu.Unlock()
			for i := range items {
				it := &items[i]
				live[liveKey(k.gvk, it.GetNamespace(), it.GetName())] = it
			}
			return nil
		})
	}
	_ = g.Wait()
	return live
}

// listGroup lists one kind in one namespace (all namespaces for cluster-scoped kinds), page by page.
func (m *Manager) listGroup(ctx context.Context, k listKey) ([]unstructured.Unstructured, error) {
	var items []unstructured.Unstructured
	cont := ""
	for {
		list := &unstructured.UnstructuredList{}
		list.SetGroupVersionKind(k.gvk.GroupVersion().WithKind(k.gvk.Kind + "List"))
		opts := []client.ListOption{client.MatchingLabels(m.OwnerLabels()), client.Limit(listPageSize)}
		if k.namespace != "" {
			opts = append(opts, client.InNamespace(k.namespace))
		}
		if cont != "" {
			opts = append(opts, client.Continue(cont))
		}
		if err := m.client.List(ctx, list, opts...); err != nil {
			return nil, err
		}
		items = append(items, list.Items...)
		if cont = list.GetContinue(); cont == "" {
			return items, nil
		}
	}
}

func liveKey(gvk schema.GroupVersionKind, namespace, name string) string {
	return gvk.String() + "|" + namespace + "|" + name
}

func entryFor(o *unstructured.Unstructured, version string, action ssa.Action) ssa.ChangeSetEntry {
	return ssa.ChangeSetEntry{
		ObjMetadata:  object.UnstructuredToObjMetadata(o),
		GroupVersion: version,
		Subject:      utils.FmtUnstructured(o),
		Action:       action,
	}
}

// needsCleanup tells whether the apply would first strip kubectl's annotation or field managers from the
// live object (see ssaApplyOptions); such objects take the dry-run path.
func needsCleanup(desired, live *unstructured.Unstructured) bool {
	merge := map[string]string{kustomizev1.SSAAnnotation: kustomizev1.MergeValue}
	if utils.AnyInMetadata(desired, merge) || utils.AnyInMetadata(live, merge) {
		return false
	}
	for _, a := range cleanupAnnotations {
		if _, ok := live.GetAnnotations()[a]; ok {
			return true
		}
	}
	for _, mf := range live.GetManagedFields() {
		switch {
		case mf.Manager == "kubectl",
			mf.Manager == "before-first-apply" && mf.Operation == metav1.ManagedFieldsOperationUpdate,
			mf.Manager == FieldManager && mf.Operation == metav1.ManagedFieldsOperationUpdate:
			return true
		}
	}
	return false
}

// subset reports whether every field of the desired configuration has the same value in the live object.
// Fields only in the live object (defaults, other managers, status) are allowed. Lists must have the same
// length and match item by item. A false answer is always safe: the object then takes the dry-run path.
func subset(desired, live any, inMetadata bool) bool {
	switch d := desired.(type) {
	case map[string]any:
		l, ok := live.(map[string]any)
		if !ok {
			return false
		}
		for k, dv := range d {
			lv, found := l[k]
			if dv == nil {
				if inMetadata && k == "creationTimestamp" {
					continue // kustomize writes creationTimestamp: null; the server ignores it
				}
				if found && lv != nil {
					return false
				}
				continue
			}
			if !found || !subset(dv, lv, k == "metadata") {
				return false
			}
		}
		return true
	case []any:
		l, ok := live.([]any)
		if !ok || len(l) != len(d) {
			return false
		}
		for i := range d {
			if !subset(d[i], l[i], false) {
				return false
			}
		}
		return true
	case int64, int, int32, float64, float32:
		df, dok := toFloat(d)
		lf, lok := toFloat(live)
		return dok && lok && df == lf
	default:
		return desired == live
	}
}

func toFloat(v any) (float64, bool) {
	switch n := v.(type) {
	case int64:
		return float64(n), true
	case int:
		return float64(n), true
	case int32:
		return float64(n), true
	case float64:
		return n, true
	case float32:
		return float64(n), true
	}
	return 0, false
}
