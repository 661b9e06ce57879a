/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package apply

import (
	"context"
	"fmt"

	"github.com/fluxcd/pkg/ssa"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	kustomizev1 "github.com/tide-gitops/tide/api/kustomize/v1"
)

// PruneOptions change how Prune deletes objects.
type PruneOptions struct {
	// Propagation is the deletion propagation policy; empty means background, as Flux does.
	Propagation metav1.DeletionPropagation
}

// Prune deletes the stale inventory entries (see Diff) that still carry this Kustomization's ownership
// labels. Objects without the labels (taken over by someone else, or never ours), objects annotated
// kustomize.toolkit.fluxcd.io/prune: disabled or kustomize.toolkit.fluxcd.io/reconcile: disabled, and
// objects already gone are not deleted. The change set lists every entry with its action: deleted
// (including objects already gone, and kinds no longer served) or skipped. Call it only after a
// successful build and apply.
func (m *Manager) Prune(ctx context.Context, stale []kustomizev1.ResourceRef, opts PruneOptions) (*ssa.ChangeSet, error) {
	result := ssa.NewChangeSet()
	var objs []*unstructured.Unstructured
	for _, ref := range stale {
		o, err := refObject(ref)
		if err != nil {
			return result, fmt.Errorf("pruning: %w", err)
		}
		if _, err := m.client.RESTMapper().RESTMapping(o.GroupVersionKind().GroupKind(), o.GroupVersionKind().Version); err != nil {
			if meta.IsNoMatchError(err) {
				// The kind is no longer served (its CRD was deleted), so the object is gone too.
				result.Add(entryFor(o, ref.Version, ssa.DeletedAction))
				continue
			}
			return result, fmt.Errorf("pruning %s: %w", FormatID(objMeta(o)), err)
		}
		objs = append(objs, o)
	}
	if len(objs) == 0 {
		return result, nil
	}
	policy := opts.Propagation
	if policy == "" {
		policy = metav1.DeletePropagationBackground
	}
	cs, err := m.rm.DeleteAll(ctx, objs, ssa.DeleteOptions{
		PropagationPolicy: policy,
		Inclusions:        m.pruneInclusions(),
		Exclusions:        pruneExclusions(),
	})
	if cs != nil {
		result.Append(cs.Entries)
	}
	if err != nil {
		return result, fmt.Errorf("pruning %d objects: %w", len(objs), err)
	}
	return result, nil
}

// Deleted returns the subjects ("Kind/namespace/name") of the entries the change set reports deleted.
func Deleted(cs *ssa.ChangeSet) []string {
	if cs == nil {
		return nil
	}
	var out []string
	for _, e := range cs.Entries {
		if e.Action == ssa.DeletedAction {
			out = append(out, e.Subject)
		}
	}
	return out
}
