/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package apply

import (
	"context"
	"errors"
	"fmt"

	"github.com/fluxcd/pkg/ssa"
	"github.com/fluxcd/pkg/ssa/jsondiff"
	"github.com/fluxcd/pkg/ssa/utils"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	kustomizev1 "github.com/tide-gitops/tide/api/kustomize/v1"
)

// This file previews what Apply and Prune would do, writing nothing, for tools that show the effect of a
// change before it is committed (tide build and tide diff).

// Prepare returns copies of objs as Apply sends them to the API server with SkipUnchanged, which is how the
// kustomize-controller applies: labelled as owned by the Kustomization owner and annotated with
// DigestAnnotation. It needs no cluster. A dry-run of the copies shows no difference for an object that the
// controller applied and nobody changed since.
func Prepare(objs []*unstructured.Unstructured, owner types.NamespacedName) ([]*unstructured.Unstructured, error) {
	ownerLabels := (&Manager{owner: owner}).OwnerLabels()
	set := make([]*unstructured.Unstructured, 0, len(objs))
	for _, o := range objs {
		if o == nil || o.GetName() == "" || o.GetKind() == "" || o.GetAPIVersion() == "" {
			return nil, errors.New("an object of the build has no apiVersion, kind or name")
		}
		c := o.DeepCopy()
		l := c.GetLabels()
		if l == nil {
			l = make(map[string]string, len(ownerLabels))
		}
		for k, v := range ownerLabels {
			l[k] = v
		}
		c.SetLabels(l)
		set = append(set, c)
	}
	if err := setDigests(set); err != nil {
		return nil, err
	}
	return set, nil
}

// Diff dry-runs one object returned by Prepare with server-side apply as FieldManager, honouring the
// per-object annotations that Apply honours (reconcile: disabled, ssa: Ignore and IfNotPresent, force:
// enabled; force is spec.force). It returns ssa's action: created, configured, unchanged or skipped, and for
// configured the live object and the object as it would be after the apply, without managedFields and with
// the values of a Secret's data masked. Nothing is written.
func (m *Manager) Diff(ctx context.Context, obj *unstructured.Unstructured, force bool, rules []jsondiff.IgnoreRule) (
	action ssa.Action, live, merged *unstructured.Unstructured, err error) {
	o := m.ssaApplyOptions(ApplyOptions{Force: force})
	entry, live, merged, err := m.rm.Diff(ctx, obj.DeepCopy(), ssa.DiffOptions{
		Exclusions:           o.ExclusionSelector,
		IfNotPresentSelector: o.IfNotPresentSelector,
		Force:                o.Force,
		ForceSelector:        o.ForceSelector,
		DriftIgnoreRules:     rules,
	})
	if err != nil {
		return "", nil, nil, err
	}
	return entry.Action, live, merged, nil
}

// pruneInclusions and pruneExclusions are the rules of Prune (and PruneCandidates): an object is deleted only
// when it carries the Kustomization's ownership labels and none of the opt-out annotations.
func (m *Manager) pruneInclusions() map[string]string { return m.OwnerLabels() }

func pruneExclusions() map[string]string {
	return map[string]string{
		kustomizev1.PruneAnnotation:     kustomizev1.DisabledValue,
		kustomizev1.ReconcileAnnotation: kustomizev1.DisabledValue,
	}
}

// PruneCandidates returns the live objects that Prune would delete now for the stale inventory entries (see
// Diff): those that exist, carry this Manager's ownership labels and are not annotated prune: disabled or
// reconcile: disabled. Entries of kinds the cluster no longer serves are left out (their objects are gone).
// Nothing is deleted.
func (m *Manager) PruneCandidates(ctx context.Context, stale []kustomizev1.ResourceRef) ([]*unstructured.Unstructured, error) {
	sel := labels.SelectorFromSet(m.pruneInclusions())
	var out []*unstructured.Unstructured
	for _, ref := range stale {
		o, err := refObject(ref)
		if err != nil {
			return nil, err
		}
		live := &metav1.PartialObjectMetadata{}
		live.SetGroupVersionKind(o.GroupVersionKind())
		switch err := m.client.Get(ctx, client.ObjectKeyFromObject(o), live); {
		case apierrors.IsNotFound(err), apimeta.IsNoMatchError(err):
			continue
		case err != nil:
			return nil, fmt.Errorf("reading %s: %w", utils.FmtUnstructured(o), err)
		}
		u := &unstructured.Unstructured{}
		u.SetGroupVersionKind(o.GroupVersionKind())
		u.SetNamespace(live.Namespace)
		u.SetName(live.Name)
		u.SetLabels(live.Labels)
		u.SetAnnotations(live.Annotations)
		if !sel.Matches(labels.Set(live.Labels)) || utils.AnyInMetadata(u, pruneExclusions()) {
			continue
		}
		out = append(out, u)
	}
	return out, nil
}
