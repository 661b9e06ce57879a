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
	"time"

	"github.com/fluxcd/pkg/apis/meta"
	"github.com/fluxcd/pkg/runtime/conditions"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	kustomizev1 "github.com/tide-gitops/tide/api/kustomize/v1"
)

// TestCheckDependencies: a dependency must exist, be Ready for its generation and, when it builds from the
// same source, have applied the revision about to be applied (so a new commit reaches dependencies first). A
// readyExpr replaces those checks, or adds to them with AdditiveCELDependencyCheck; one that does not compile
// stalls the Kustomization, one that fails to evaluate is retried.
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
	labelled := func(value string) func(*kustomizev1.Kustomization) {
		return func(k *kustomizev1.Kustomization) { k.Labels = map[string]string{"release": value} }
	}
	const (
		atRev2    = "dep.status.lastAppliedRevision == '" + rev2 + "'"
		releaseGo = "dep.metadata.labels['release'] == 'go'"
	)
	for _, tc := range []struct {
		name      string
		dep       *kustomizev1.Kustomization
		readyExpr string
		additive  bool
		want      string // "" when the dependency is satisfied
		stalled   bool   // want a stalled InvalidCELExpression error instead of DependencyNotReady
	}{
		{name: "same source at the revision", dep: dep("base", "repo", rev2, true, nil)},
		{name: "same source behind", dep: dep("base", "repo", rev1, true, nil), want: "not at revision " + rev2},
		{name: "other source, other revision", dep: dep("base", "other", rev1, true, nil)},
		{name: "same name, other namespace", dep: dep("base", "repo", rev1, true, func(k *kustomizev1.Kustomization) {
			k.Spec.SourceRef.Namespace = "elsewhere"
		})},
		{name: "not ready", dep: dep("base", "repo", rev2, false, nil), want: "is not ready;"},
		{name: "generation not observed", dep: dep("base", "repo", rev2, true, func(k *kustomizev1.Kustomization) {
			k.Generation = 3
		}), want: "not reconciled for its current generation"},
		{name: "missing", dep: dep("other-name", "repo", rev2, true, nil), want: "not found"},

		{name: "readyExpr on revision true", dep: dep("base", "other", rev2, true, nil), readyExpr: atRev2},
		{name: "readyExpr on revision false", dep: dep("base", "other", rev1, true, nil), readyExpr: atRev2,
			want: "dependency 'apps/base' is not ready: its readyExpr is false; retrying in 30s"},
		{name: "readyExpr on label true", dep: dep("base", "repo", rev2, true, labelled("go")), readyExpr: releaseGo},
		{name: "readyExpr on label false", dep: dep("base", "repo", rev2, true, labelled("hold")), readyExpr: releaseGo,
			want: "its readyExpr is false"},
		{name: "readyExpr on self true", dep: dep("base", "repo", rev2, true, nil), readyExpr: "self.metadata.name == 'app'"},
		{name: "readyExpr on self false", dep: dep("base", "repo", rev2, true, nil), readyExpr: "self.metadata.name == 'web'",
			want: "its readyExpr is false"},
		{name: "readyExpr replaces Ready", dep: dep("base", "repo", rev2, false, labelled("go")), readyExpr: releaseGo},
		{name: "readyExpr replaces the generation check", dep: dep("base", "repo", rev2, true, func(k *kustomizev1.Kustomization) {
			k.Generation = 3
		}), readyExpr: "true"},
		{name: "readyExpr replaces the revision check", dep: dep("base", "repo", rev1, true, nil), readyExpr: "true"},
		{name: "readyExpr of a missing dependency", dep: dep("other-name", "repo", rev2, true, nil), readyExpr: "true",
			want: "not found"},

		{name: "additive, all pass", dep: dep("base", "repo", rev2, true, labelled("go")), readyExpr: releaseGo, additive: true},
		{name: "additive, not Ready", dep: dep("base", "repo", rev2, false, labelled("go")), readyExpr: releaseGo, additive: true,
			want: "dependency 'apps/base' is not ready; retrying in 30s"},
		{name: "additive, behind", dep: dep("base", "repo", rev1, true, nil), readyExpr: "true", additive: true,
			want: "not at revision " + rev2},
		{name: "additive, readyExpr false", dep: dep("base", "repo", rev2, true, labelled("hold")), readyExpr: releaseGo,
			additive: true, want: "its readyExpr is false"},

		{name: "readyExpr does not parse", dep: dep("base", "repo", rev2, true, nil), readyExpr: "dep.metadata.name ==",
			want: "invalid spec.dependsOn[0].readyExpr of dependency 'apps/base'", stalled: true},
		{name: "readyExpr not boolean", dep: dep("base", "repo", rev2, true, nil), readyExpr: "'yes'",
			want: "invalid spec.dependsOn[0].readyExpr", stalled: true},
		{name: "readyExpr does not parse, dependency missing", dep: dep("other-name", "repo", rev2, true, nil),
			readyExpr: "dep.metadata.name ==", want: "fix the expression to reconcile again", stalled: true},
		{name: "readyExpr fails to evaluate", dep: dep("base", "repo", rev2, true, nil), readyExpr: "dep.status.missing == 'x'",
			want: "dependency 'apps/base' is not ready: its readyExpr could not be evaluated: "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := fake.NewClientBuilder().WithScheme(env.Scheme).WithObjects(tc.dep).Build()
			r := &KustomizationReconciler{Client: c, RequeueDependency: 30 * time.Second, AdditiveCELDependencyCheck: tc.additive}
			app := &kustomizev1.Kustomization{
				ObjectMeta: metav1.ObjectMeta{Namespace: "apps", Name: "app"},
				Spec: kustomizev1.KustomizationSpec{DependsOn: []meta.DependencyReference{{Name: "base", ReadyExpr: tc.readyExpr}},
					SourceRef: kustomizev1.CrossNamespaceSourceReference{Kind: "GitRepository", Name: "repo"}},
			}
			err := r.checkDependencies(context.Background(), app, &meta.Artifact{Revision: rev2})
			var se *stepError
			wantReason := meta.DependencyNotReadyReason
			if tc.stalled {
				wantReason = meta.InvalidCELExpressionReason
			}
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("unexpected error: %v", err)
			case tc.want == "":
			case !errors.As(err, &se) || se.reason != wantReason || !strings.Contains(err.Error(), tc.want):
				t.Errorf("error = %v, want %s containing %q", err, wantReason, tc.want)
			case se.stalled != tc.stalled:
				t.Errorf("stalled = %t, want %t (%v)", se.stalled, tc.stalled, err)
			case !tc.stalled && se.requeueAfter != r.RequeueDependency:
				t.Errorf("retried after %s, want %s (%v)", se.requeueAfter, r.RequeueDependency, err)
			}
		})
	}
}

// TestDependentWaitsForReadyExpr: a dependent whose readyExpr wants a label on its dependency waits while the
// Ready dependency lacks it, and applies once the label is set and the dependent is reconciled again.
func TestDependentWaitsForReadyExpr(t *testing.T) {
	f := newFixture(t)
	rev := f.publish(t, map[string]string{
		"base/cm.yaml": configMapYAML("base", "v1"),
		"app/cm.yaml":  configMapYAML("app", "v1"),
	})
	base := f.kustomization(t, "base", "./base", func(k *kustomizev1.Kustomization) {
		k.Labels = map[string]string{"release": "hold"}
		k.Spec.TargetNamespace = f.ns
	})
	waitApplied(t, base, rev)
	app := f.kustomization(t, "app", "./app", func(k *kustomizev1.Kustomization) {
		k.Spec.TargetNamespace = f.ns
		k.Spec.DependsOn = []meta.DependencyReference{{Name: "base", ReadyExpr: "dep.metadata.labels['release'] == 'go'"}}
	})
	msg := waitFailed(t, app, meta.DependencyNotReadyReason)
	if want := "dependency '" + f.ns + "/base' is not ready: its readyExpr is false"; !strings.HasPrefix(msg, want) {
		t.Errorf("Ready message %q, want it to start with %q", msg, want)
	}

	update(t, base, func(k *kustomizev1.Kustomization) { k.Labels["release"] = "go" }) // generation stays
	requestReconcile(t, app)
	waitApplied(t, app, rev)
}
