/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package apply

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/fluxcd/pkg/ssa"
	"github.com/fluxcd/pkg/ssa/utils"
	"golang.org/x/sync/errgroup"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// splitNew sorts the objects the fast path did not find among this Kustomization's objects. Objects excluded by
// their own annotations are skipped at once (ssa would skip them whatever the cluster holds). The others are
// applied with a dry-run, concurrently: one the dry-run shows absent from the cluster (no resourceVersion) is
// returned in absent, to be created by createAll with no further check; an existing one, one whose dry-run
// failed (ssa retries it with its force and error handling), and kinds the REST mapper does not know yet are
// returned in rest for ssa.
func (m *Manager) splitNew(ctx context.Context, objs []*unstructured.Unstructured, cs *ssa.ChangeSet) (absent, rest []*unstructured.Unstructured) {
	var candidates []*unstructured.Unstructured
	for _, o := range objs {
		switch {
		case utils.AnyInMetadata(o, exclusionSelector()):
			cs.Add(entryFor(o, o.GroupVersionKind().Version, ssa.SkippedAction))
		case !m.creatable(o):
			rest = append(rest, o)
		default:
			candidates = append(candidates, o)
		}
	}
	var mu sync.Mutex
	_ = m.forEach(ctx, candidates, func(ctx context.Context, o *unstructured.Unstructured) error {
		version, err := m.patchApply(ctx, o, true)
		mu.Lock()
		defer mu.Unlock()
		if err == nil && version == "" {
			absent = append(absent, o)
		} else {
			rest = append(rest, o)
		}
		return nil
	})
	return absent, rest
}

// creatable tells whether o may take the create path: its kind is served (so not a custom resource whose CRD is
// in the same set) and its namespace matches its scope.
func (m *Manager) creatable(o *unstructured.Unstructured) bool {
	namespaced, err := m.client.IsObjectNamespaced(o)
	if err != nil {
		return false
	}
	return namespaced == (o.GetNamespace() != "")
}

// createAll applies objects whose dry-run showed them absent, concurrently. Created objects are added to cs
// as they succeed, so on error cs still lists what was written.
func (m *Manager) createAll(ctx context.Context, objs []*unstructured.Unstructured, cs *ssa.ChangeSet) error {
	var mu sync.Mutex
	return m.forEach(ctx, objs, func(ctx context.Context, o *unstructured.Unstructured) error {
		if _, err := m.patchApply(ctx, o, false); err != nil {
			return fmt.Errorf("%s apply failed: %w", utils.FmtUnstructured(o), err)
		}
		mu.Lock()
		defer mu.Unlock()
		cs.Add(entryFor(o, o.GroupVersionKind().Version, ssa.CreatedAction))
		return nil
	})
}

// splitDefinitions separates the CRDs, Namespaces, ClusterRoles and class definitions (which other objects
// may need) from the rest.
func splitDefinitions(objs []*unstructured.Unstructured) (defs, rest []*unstructured.Unstructured) {
	for _, o := range objs {
		if utils.IsClusterDefinition(o) || utils.IsClassDefinition(o) {
			defs = append(defs, o)
		} else {
			rest = append(rest, o)
		}
	}
	return defs, rest
}

// forEach runs f for every object, m.concurrency at a time, and returns the first error.
func (m *Manager) forEach(ctx context.Context, objs []*unstructured.Unstructured, f func(context.Context, *unstructured.Unstructured) error) error {
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(m.concurrency)
	for _, o := range objs {
		g.Go(func() error { return f(gctx, o) })
	}
	return g.Wait()
}

// patchApply server-side applies o as the field manager, taking over conflicting fields as ssa does, and
// returns the resourceVersion of the result (empty for a dry-run of an object that does not exist). Only the
// result's metadata is sent back: the API server encodes and the controller decodes a fraction of the
// object, twice per new object.
func (m *Manager) patchApply(ctx context.Context, o *unstructured.Unstructured, dryRun bool) (string, error) {
	data, err := json.Marshal(o.Object)
	if err != nil {
		return "", fmt.Errorf("encoding %s: %w", utils.FmtUnstructured(o), err)
	}
	meta := &metav1.PartialObjectMetadata{}
	meta.SetGroupVersionKind(o.GroupVersionKind())
	meta.SetNamespace(o.GetNamespace())
	meta.SetName(o.GetName())
	opts := []client.PatchOption{client.ForceOwnership, client.FieldOwner(FieldManager)}
	if dryRun {
		opts = append(opts, client.DryRunAll)
	}
	if err := m.client.Patch(ctx, meta, client.RawPatch(types.ApplyPatchType, data), opts...); err != nil {
		return "", err
	}
	return meta.GetResourceVersion(), nil
}
