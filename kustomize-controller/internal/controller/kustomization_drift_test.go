/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package controller

import (
	"context"
	"strings"
	"testing"

	"github.com/fluxcd/pkg/apis/kustomize"
	"github.com/fluxcd/pkg/apis/meta"
	"github.com/fluxcd/pkg/runtime/conditions"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	kustomizev1 "github.com/tide-gitops/tide/api/kustomize/v1"
)

func TestDriftIgnoreRulesKeepIgnoredEdits(t *testing.T) {
	f := newFixture(t)
	rev := f.publish(t, map[string]string{
		"app/a.yaml": configMapYAML("a", "from-git"),
		"app/b.yaml": configMapYAML("b", "from-git"),
	})
	k := f.kustomization(t, "app", "./app", func(k *kustomizev1.Kustomization) {
		k.Spec.TargetNamespace = f.ns
		k.Spec.DriftIgnoreRules = []kustomizev1.DriftIgnoreRule{{
			Paths:  []string{"/data/key"},
			Target: &kustomize.Selector{Kind: "ConfigMap", Name: "a"},
		}}
	})
	waitApplied(t, k, rev)

	// Another field manager edits the same key of both ConfigMaps; only a is selected by the rule.
	for _, name := range []string{"a", "b"} {
		cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: f.ns, Name: name}}
		if !exists(t, cm) {
			t.Fatalf("ConfigMap %s not applied", name)
		}
		cm.Data["key"] = "edited"
		if err := env.Client.Update(context.Background(), cm, client.FieldOwner("other-controller")); err != nil {
			t.Fatal(err)
		}
	}
	token := requestReconcile(t, k)
	waitFor(t, k, "reconcile request handled", func(k *kustomizev1.Kustomization) bool {
		return k.Status.LastHandledReconcileAt == token && conditions.IsReady(k)
	})
	for name, want := range map[string]string{"a": "edited", "b": "from-git"} {
		cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: f.ns, Name: name}}
		if !exists(t, cm) || cm.Data["key"] != want {
			t.Errorf("ConfigMap %s: data %v, want key %q", name, cm.Data, want)
		}
	}
}

func TestInvalidDriftIgnoreRuleStalls(t *testing.T) {
	f := newFixture(t)
	f.publish(t, map[string]string{"app/cm.yaml": configMapYAML("cm", "1")})
	k := f.kustomization(t, "app", "./app", func(k *kustomizev1.Kustomization) {
		k.Spec.TargetNamespace = f.ns
		k.Spec.DriftIgnoreRules = []kustomizev1.DriftIgnoreRule{{
			Paths: []string{"/data"}, Target: &kustomize.Selector{Name: "(["},
		}}
	})
	waitFor(t, k, "Stalled", func(k *kustomizev1.Kustomization) bool {
		return conditions.IsStalled(k) && k.Status.ObservedGeneration == k.Generation
	})
	msg := conditions.GetMessage(k, meta.ReadyCondition)
	if !strings.Contains(msg, "spec.driftIgnoreRules[0].target") || !strings.Contains(msg, "invalid name regex") {
		t.Errorf("Ready message %q does not name the rule and the error", msg)
	}
	if exists(t, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: f.ns, Name: "cm"}}) {
		t.Error("applied despite the invalid rule")
	}
}
