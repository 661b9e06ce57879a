/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package controller

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/fluxcd/pkg/apis/meta"
	"github.com/fluxcd/pkg/runtime/conditions"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	kustomizev1 "github.com/tide-gitops/tide/api/kustomize/v1"
)

// TestCheckDependencies: a dependency must exist, be Ready for its generation and, when it builds from the
// same source, have applied the revision about to be applied (so a new commit reaches dependencies first).
func TestCheckDependencies(t *testing.T) {
	const rev1, rev2 = "main@sha1:1111", "main@sha1:2222"
	dep := func(name, source, applied string, ready bool, mutate func(*kustomizev1.Kustomization)) *kustomizev1.Kustomization {
		k := &kustomizev1.Kustomization{
			ObjectMeta: metav1.ObjectMeta{Namespace: "apps", Name: name, Generation: 2},
			Spec:       kustomizev1.KustomizationSpec{SourceRef: kustomizev1.CrossNamespaceSourceReference{Kind: "GitRepository", Name: source}},
			Status:     kustomizev1.KustomizationStatus{ObservedGeneration: 2, LastAppliedRevision: applied},
		}
		if ready {
			conditions.MarkTrue(k, meta.ReadyCondition, meta.ReconciliationSucceededReason, "Applied revision: %s", applied)
		} else {
			conditions.MarkFalse(k, meta.ReadyCondition, meta.ReconciliationFailedReason, "failed")
		}
		if mutate != nil {
			mutate(k)
		}
		return k
	}
	for _, tc := range []struct {
		name string
		dep  *kustomizev1.Kustomization
		want string // "" when the dependency is satisfied
	}{
		{"same source at the revision", dep("base", "repo", rev2, true, nil), ""},
		{"same source behind", dep("base", "repo", rev1, true, nil), "not at revision " + rev2},
		{"other source, other revision", dep("base", "other", rev1, true, nil), ""},
		{"same name, other namespace", dep("base", "repo", rev1, true, func(k *kustomizev1.Kustomization) {
			k.Spec.SourceRef.Namespace = "elsewhere"
		}), ""},
		{"not ready", dep("base", "repo", rev2, false, nil), "not ready"},
		{"generation not observed", dep("base", "repo", rev2, true, func(k *kustomizev1.Kustomization) {
			k.Generation = 3
		}), "not reconciled for its current generation"},
		{"missing", dep("other-name", "repo", rev2, true, nil), "not found"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := fake.NewClientBuilder().WithScheme(env.Scheme).WithObjects(tc.dep).Build()
			r := &KustomizationReconciler{Client: c}
			app := &kustomizev1.Kustomization{
				ObjectMeta: metav1.ObjectMeta{Namespace: "apps", Name: "app"},
				Spec: kustomizev1.KustomizationSpec{DependsOn: []meta.DependencyReference{{Name: "base"}},
					SourceRef: kustomizev1.CrossNamespaceSourceReference{Kind: "GitRepository", Name: "repo"}},
			}
			err := r.checkDependencies(context.Background(), app, &meta.Artifact{Revision: rev2})
			var se *stepError
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("unexpected error: %v", err)
			case tc.want != "" && (!errors.As(err, &se) || se.reason != meta.DependencyNotReadyReason || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("error = %v, want DependencyNotReady containing %q", err, tc.want)
			}
		})
	}
}
