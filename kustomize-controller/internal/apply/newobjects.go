/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package apply

import (
	"context"
	"fmt"
	"sync"

	"github.com/fluxcd/pkg/ssa"
	ssaerrors "github.com/fluxcd/pkg/ssa/errors"
	"github.com/fluxcd/pkg/ssa/utils"
	"golang.org/x/sync/errgroup"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// bulkExistenceThreshold is how many objects of one kind and namespace must be unknown before their existence
// is learnt from one metadata list of that kind and namespace instead of one metadata GET per object. Below it a
// list could cost more than the GETs (a shared namespace holds many objects of other owners).
const bulkExistenceThreshold = 32

// splitNew sorts the objects the fast path could not decide. Objects excluded by their own annotations are
// skipped at once (ssa would skip them whatever the cluster holds). Objects that do not exist in the cluster are
// returned as absent: they are created by createAll without ssa's GET and per-object dry-run diff. Everything
// else (existing objects, kinds unknown to the REST mapper, CRDs, Namespaces and other definitions that later
// objects wait for) is returned as rest for ssa's staged apply.
func (m *Manager) splitNew(ctx context.Context, objs []*unstructured.Unstructured, cs *ssa.ChangeSet) (absent, rest []*unstructured.Unstructured) {
	groups := map[listKey][]*unstructured.Unstructured{}
	for _, o := range objs {
		switch {
		case utils.AnyInMetadata(o, exclusionSelector()):
			cs.Add(entryFor(o, o.GroupVersionKind().Version, ssa.SkippedAction))
		case !m.creatable(o):
			rest = append(rest, o)
		default:
			k := listKey{gvk: o.GroupVersionKind(), namespace: o.GetNamespace()}
			groups[k] = append(groups[k], o)
		}
	}
	var mu sync.Mutex
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(m.concurrency)
	for k, members := range groups {
		if len(members) >= bulkExistenceThreshold {
			g.Go(func() error {
				a, r := m.existenceByList(gctx, k, members)
				mu.Lock()
				defer mu.Unlock()
				absent, rest = append(absent, a...), append(rest, r...)
				return nil
			})
			continue
		}
		for _, o := range members {
			g.Go(func() error {
				exists, err := m.exists(gctx, o)
				mu.Lock()
				defer mu.Unlock()
				if err == nil && !exists {
					absent = append(absent, o)
				} else {
					rest = append(rest, o) // ssa's GET reports a real error with the object's name
				}
				return nil
			})
		}
	}
	_ = g.Wait()
	return absent, rest
}

// creatable tells whether o may take the create path: its kind is served (so not a custom resource whose CRD is
// in the same set), its namespace matches its scope, and it is not a definition other objects wait for.
func (m *Manager) creatable(o *unstructured.Unstructured) bool {
	if utils.IsClusterDefinition(o) || utils.IsClassDefinition(o) {
		return false
	}
	namespaced, err := m.client.IsObjectNamespaced(o)
	if err != nil {
		return false
	}
	return namespaced == (o.GetNamespace() != "")
}

// exists reads the metadata of o.
func (m *Manager) exists(ctx context.Context, o *unstructured.Unstructured) (bool, error) {
	meta := &metav1.PartialObjectMetadata{}
	meta.SetGroupVersionKind(o.GroupVersionKind())
	switch err := m.client.Get(ctx, client.ObjectKeyFromObject(o), meta); {
	case err == nil:
		return true, nil
	case apierrors.IsNotFound(err):
		return false, nil
	default:
		return false, err
	}
}

// existenceByList lists the metadata of every object of k's kind in k's namespace, whoever owns it, and splits
// members into absent and existing. If the list fails, all members are returned as existing (ssa decides).
func (m *Manager) existenceByList(ctx context.Context, k listKey, members []*unstructured.Unstructured) (absent, rest []*unstructured.Unstructured) {
	names := map[string]bool{}
	cont := ""
	for {
		list := &metav1.PartialObjectMetadataList{}
		list.SetGroupVersionKind(k.gvk.GroupVersion().WithKind(k.gvk.Kind + "List"))
		opts := []client.ListOption{client.Limit(listPageSize)}
		if k.namespace != "" {
			opts = append(opts, client.InNamespace(k.namespace))
		}
		if cont != "" {
			opts = append(opts, client.Continue(cont))
		}
		if err := m.client.List(ctx, list, opts...); err != nil {
			return nil, members
		}
		for i := range list.Items {
			names[list.Items[i].GetName()] = true
		}
		if cont = list.GetContinue(); cont == "" {
			break
		}
	}
	for _, o := range members {
		if names[o.GetName()] {
			rest = append(rest, o)
		} else {
			absent = append(absent, o)
		}
	}
	return absent, rest
}

// createAll creates objects that did not exist, concurrently: every object is first applied with a dry-run,
// and nothing is written unless all of them pass (as ssa's ApplyAll validates the whole set before writing);
// then they are applied. Created objects are added to cs as they succeed, so on error cs still lists what was
// written.
func (m *Manager) createAll(ctx context.Context, objs []*unstructured.Unstructured, cs *ssa.ChangeSet) error {
	if err := m.forEach(ctx, objs, func(ctx context.Context, o *unstructured.Unstructured) error {
		if err := m.patchApply(ctx, o.DeepCopy(), true); err != nil {
			return ssaerrors.NewDryRunErr(err, o)
		}
		return nil
	}); err != nil {
		return err
	}
	var mu sync.Mutex
	return m.forEach(ctx, objs, func(ctx context.Context, o *unstructured.Unstructured) error {
		if err := m.patchApply(ctx, o.DeepCopy(), false); err != nil {
			return fmt.Errorf("%s apply failed: %w", utils.FmtUnstructured(o), err)
		}
		mu.Lock()
		defer mu.Unlock()
		cs.Add(entryFor(o, o.GroupVersionKind().Version, ssa.CreatedAction))
		return nil
	})
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

// patchApply server-side applies o as the field manager, taking over conflicting fields as ssa does.
func (m *Manager) patchApply(ctx context.Context, o *unstructured.Unstructured, dryRun bool) error {
	opts := []client.ApplyOption{client.ForceOwnership, client.FieldOwner(FieldManager)}
	if dryRun {
		opts = append(opts, client.DryRunAll)
	}
	return m.client.Apply(ctx, client.ApplyConfigurationFromUnstructured(o), opts...)
}
