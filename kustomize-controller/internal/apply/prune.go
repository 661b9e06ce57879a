/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package apply

import (
	"context"
	"fmt"
	"time"

	"github.com/fluxcd/pkg/ssa"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"

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

// WaitForTermination waits until the objects the change set reports deleted are gone (their finalizers done),
// checking every interval, until ctx is done; then it returns the subjects ("Kind/namespace/name") still
// present and the context's error.
func (m *Manager) WaitForTermination(ctx context.Context, cs *ssa.ChangeSet, interval time.Duration) ([]string, error) {
	var pending []ssa.ChangeSetEntry
	if cs != nil {
		for _, e := range cs.Entries {
			if e.Action == ssa.DeletedAction {
				pending = append(pending, e)
			}
		}
	}
	for {
		remaining := pending[:0]
		for _, e := range pending {
			gone, err := m.gone(ctx, e)
			if err != nil && ctx.Err() == nil {
				return nil, fmt.Errorf("checking whether %s is gone: %w", e.Subject, err)
			}
			if !gone {
				remaining = append(remaining, e)
			}
		}
		pending = remaining
		if len(pending) == 0 {
			return nil, nil
		}
		select {
		case <-ctx.Done():
			subjects := make([]string, len(pending))
			for i, e := range pending {
				subjects[i] = e.Subject
			}
			return subjects, ctx.Err()
		case <-time.After(interval):
		}
	}
}

// gone tells whether the object of a change set entry no longer exists.
func (m *Manager) gone(ctx context.Context, e ssa.ChangeSetEntry) (bool, error) {
	gv, err := schema.ParseGroupVersion(e.GroupVersion)
	if err != nil {
		return false, err
	}
	o := &metav1.PartialObjectMetadata{}
	o.SetGroupVersionKind(gv.WithKind(e.ObjMetadata.GroupKind.Kind))
	err = m.client.Get(ctx, client.ObjectKey{Namespace: e.ObjMetadata.Namespace, Name: e.ObjMetadata.Name}, o)
	if apierrors.IsNotFound(err) || meta.IsNoMatchError(err) {
		return true, nil
	}
	return false, err
}
