/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package controller

import (
	"context"
	"fmt"

	"github.com/fluxcd/pkg/apis/meta"
	"github.com/fluxcd/pkg/runtime/conditions"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"

	kustomizev1 "github.com/tide-gitops/tide/api/kustomize/v1"
)

// checkDependencies requires every Kustomization of spec.dependsOn to be Ready for its current generation and,
// when it builds from the same source, to have applied the revision about to be applied here (art), as Flux
// does: on a new commit, dependencies apply it before their dependents. A dependency that is not ready is
// retried after --requeue-dependency.
func (r *KustomizationReconciler) checkDependencies(ctx context.Context, obj *kustomizev1.Kustomization, art *meta.Artifact) error {
	for _, dep := range obj.Spec.DependsOn {
		key := types.NamespacedName{Namespace: dep.Namespace, Name: dep.Name}
		if key.Namespace == "" {
			key.Namespace = obj.Namespace
		}
		var reason string
		d := &kustomizev1.Kustomization{}
		switch err := r.Get(ctx, key, d); {
		case apierrors.IsNotFound(err):
			reason = "not found"
		case err != nil:
			reason = err.Error()
		case d.Generation != d.Status.ObservedGeneration:
			reason = "not reconciled for its current generation yet"
		case !conditions.IsReady(d):
			reason = "not ready"
		case sameSource(obj, d) && !art.HasRevision(d.Status.LastAppliedRevision):
			reason = fmt.Sprintf("not at revision %s yet", art.Revision)
		}
		if reason != "" {
			return &stepError{reason: meta.DependencyNotReadyReason, requeueAfter: r.RequeueDependency,
				err: fmt.Errorf("dependency '%s' is %s; retrying in %s", key, reason, r.RequeueDependency)}
		}
	}
	return nil
}

// sameSource tells whether two Kustomizations build from the same source object.
func sameSource(a, b *kustomizev1.Kustomization) bool {
	ns := func(k *kustomizev1.Kustomization) string {
		if k.Spec.SourceRef.Namespace != "" {
			return k.Spec.SourceRef.Namespace
		}
		return k.Namespace
	}
	return a.Spec.SourceRef.Kind == b.Spec.SourceRef.Kind && a.Spec.SourceRef.Name == b.Spec.SourceRef.Name &&
		ns(a) == ns(b)
}
