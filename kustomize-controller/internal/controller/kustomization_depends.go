/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package controller

import (
	"context"
	"fmt"

	"github.com/fluxcd/pkg/apis/meta"
	"github.com/fluxcd/pkg/runtime/cel"
	"github.com/fluxcd/pkg/runtime/conditions"
	celtypes "github.com/google/cel-go/common/types"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"

	kustomizev1 "github.com/tide-gitops/tide/api/kustomize/v1"
)

// checkDependencies requires every Kustomization of spec.dependsOn to exist and be ready. By default a
// dependency is ready when it is Ready for its current generation and, when it builds from the same source,
// has applied the revision about to be applied here (art), as Flux does: on a new commit, dependencies apply it
// before their dependents. A dependency with a readyExpr is ready when the expression is true instead, or, with
// AdditiveCELDependencyCheck, when the expression and the default checks all pass. A dependency that is not
// ready is retried after --requeue-dependency; a readyExpr that does not compile stalls the Kustomization.
func (r *KustomizationReconciler) checkDependencies(ctx context.Context, obj *kustomizev1.Kustomization, art *meta.Artifact) error {
	exprs, err := readyExprs(obj)
	if err != nil {
		return err
	}
	for i, dep := range obj.Spec.DependsOn {
		key := dependencyKey(obj, dep)
		if reason := r.dependencyNotReady(ctx, obj, key, exprs[i], art); reason != "" {
			return &stepError{reason: meta.DependencyNotReadyReason, requeueAfter: r.RequeueDependency,
				err: fmt.Errorf("dependency '%s' is %s; retrying in %s", key, reason, r.RequeueDependency)}
		}
	}
	return nil
}

// dependencyKey is the dependency's name, in the dependent's namespace when the reference names none.
func dependencyKey(obj *kustomizev1.Kustomization, dep meta.DependencyReference) types.NamespacedName {
	key := types.NamespacedName{Namespace: dep.Namespace, Name: dep.Name}
	if key.Namespace == "" {
		key.Namespace = obj.Namespace
	}
	return key
}

// readyExprs compiles the readyExpr of each spec.dependsOn entry, nil for an entry without one. An expression
// that does not compile stalls the Kustomization, as in Flux: retrying cannot help until the spec changes. All
// are compiled before any dependency is read, so a bad expression is reported whatever the dependencies' state.
func readyExprs(obj *kustomizev1.Kustomization) ([]*cel.Expression, error) {
	exprs := make([]*cel.Expression, len(obj.Spec.DependsOn))
	for i, dep := range obj.Spec.DependsOn {
		if dep.ReadyExpr == "" {
			continue
		}
		expr, err := cel.NewExpression(dep.ReadyExpr, cel.WithCompile(), cel.WithOutputType(celtypes.BoolType),
			cel.WithStructVariables("self", "dep"))
		if err != nil {
			return nil, stalledError(meta.InvalidCELExpressionReason, fmt.Errorf(
				"invalid spec.dependsOn[%d].readyExpr of dependency '%s', fix the expression to reconcile again: %w",
				i, dependencyKey(obj, dep), err))
		}
		exprs[i] = expr
	}
	return exprs, nil
}

// dependencyNotReady says why the dependency key is not ready ("not found", "not ready: ..."), or returns ""
// when it is. expr is the dependency's compiled readyExpr, nil when it has none.
func (r *KustomizationReconciler) dependencyNotReady(ctx context.Context, obj *kustomizev1.Kustomization,
	key types.NamespacedName, expr *cel.Expression, art *meta.Artifact) string {
	d := &kustomizev1.Kustomization{}
	if err := r.Get(ctx, key, d); err != nil {
		if apierrors.IsNotFound(err) {
			return "not found"
		}
		return err.Error()
	}
	if expr == nil || r.AdditiveCELDependencyCheck {
		if reason := defaultNotReady(obj, d, art); reason != "" {
			return reason
		}
	}
	if expr == nil {
		return ""
	}
	return readyExprNotReady(ctx, expr, obj, d)
}

// defaultNotReady applies the default checks to dependency d: Ready for its current generation and, when it
// builds from obj's source, at the revision of art.
func defaultNotReady(obj, d *kustomizev1.Kustomization, art *meta.Artifact) string {
	switch {
	case d.Generation != d.Status.ObservedGeneration:
		return "not reconciled for its current generation yet"
	case !conditions.IsReady(d):
		return "not ready"
	case sameSource(obj, d) && !art.HasRevision(d.Status.LastAppliedRevision):
		return fmt.Sprintf("not at revision %s yet", art.Revision)
	}
	return ""
}

// readyExprNotReady evaluates a readyExpr with self, the dependent obj, and dep, the dependency d. An
// evaluation error (such as a field the dependency does not have yet) counts as not ready, as in Flux, and is
// retried like a false expression.
func readyExprNotReady(ctx context.Context, expr *cel.Expression, obj, d *kustomizev1.Kustomization) string {
	self, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
	if err != nil {
		return fmt.Sprintf("not ready: converting the dependent for its readyExpr: %v", err)
	}
	dep, err := runtime.DefaultUnstructuredConverter.ToUnstructured(d)
	if err != nil {
		return fmt.Sprintf("not ready: converting it for its readyExpr: %v", err)
	}
	switch ok, err := expr.EvaluateBoolean(ctx, map[string]any{"self": self, "dep": dep}); {
	case err != nil:
		return fmt.Sprintf("not ready: its readyExpr could not be evaluated: %v", err)
	case !ok:
		return "not ready: its readyExpr is false"
	}
	return ""
}

// sameSource tells whether two Kustomizations build from the same source object.
func sameSource(a, b *kustomizev1.Kustomization) bool { return sourceOf(a) == sourceOf(b) }
