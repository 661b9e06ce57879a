/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package controller

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/fluxcd/pkg/apis/kustomize"
	"github.com/fluxcd/pkg/apis/meta"
	"github.com/fluxcd/pkg/runtime/conditions"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"

	kustomizev1 "github.com/tide-gitops/tide/api/kustomize/v1"
	"github.com/tide-gitops/tide/internal/testenv"
)

// phaseCRD creates a CRD of kind Widget in a group of its own, whose objects report status.phase (a shape
// kstatus alone reads as Current whatever the phase), and returns the group once it is served.
func phaseCRD(t *testing.T, ns string) string {
	t.Helper()
	group := strings.ReplaceAll(ns, "-", "") + ".example.com"
	crd := testenv.WidgetCRD(group)
	if err := env.Client.Create(context.Background(), crd); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = env.Client.Delete(context.Background(), crd) })
	ctx := testContext(t, time.Minute)
	for {
		list := &unstructured.UnstructuredList{}
		list.SetAPIVersion(group + "/v1")
		list.SetKind("WidgetList")
		err := env.Client.List(ctx, list, client.InNamespace(ns))
		if err == nil {
			return group
		}
		if !apimeta.IsNoMatchError(err) && ctx.Err() == nil {
			t.Fatal(err)
		}
		select {
		case <-ctx.Done():
			t.Fatalf("CRD of %s not served: %v", group, err)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// setPhase sets status.phase of the widget, as its controller would, creating the widget first if needed.
func setPhase(t *testing.T, group, ns, phase string) {
	t.Helper()
	ctx := context.Background()
	w := &unstructured.Unstructured{}
	w.SetAPIVersion(group + "/v1")
	w.SetKind("Widget")
	w.SetNamespace(ns)
	w.SetName("w")
	if err := env.Client.Get(ctx, client.ObjectKeyFromObject(w), w); client.IgnoreNotFound(err) != nil {
		t.Fatal(err)
	} else if err != nil {
		if err := env.Client.Create(ctx, w); err != nil {
			t.Fatal(err)
		}
	}
	w.Object["status"] = map[string]any{"phase": phase}
	if err := env.Client.Status().Update(ctx, w); err != nil {
		t.Fatal(err)
	}
}

func widgetKustomization(t *testing.T, f *fixture, group string, current string) *kustomizev1.Kustomization {
	t.Helper()
	f.publish(t, map[string]string{
		"app/widget.yaml": fmt.Sprintf("apiVersion: %s/v1\nkind: Widget\nmetadata:\n  name: w\nspec:\n  size: 1\n", group),
	})
	return f.kustomization(t, "app", "./app", func(k *kustomizev1.Kustomization) {
		k.Spec.TargetNamespace = f.ns
		k.Spec.Wait = true
		k.Spec.Timeout = &metav1.Duration{Duration: 2 * time.Second}
		k.Spec.HealthCheckExprs = []kustomize.CustomHealthCheck{{
			APIVersion: group + "/v1", Kind: "Widget",
			HealthCheckExpressions: kustomize.HealthCheckExpressions{
				Current: current,
				Failed:  "status.phase == 'Failed'",
			},
		}}
	})
}

// reconcileNow requests a reconcile and waits until it was handled, returning the Kustomization's Ready
// condition then.
func reconcileNow(t *testing.T, k *kustomizev1.Kustomization) *metav1.Condition {
	t.Helper()
	token := requestReconcile(t, k)
	waitFor(t, k, "reconcile request handled", func(k *kustomizev1.Kustomization) bool {
		return k.Status.LastHandledReconcileAt == token && k.Status.ObservedGeneration == k.Generation
	})
	return conditions.Get(k, meta.ReadyCondition)
}

func TestHealthCheckExprsDecideCustomResourceHealth(t *testing.T) {
	f := newFixture(t)
	group := phaseCRD(t, f.ns)
	setPhase(t, group, f.ns, "Pending")
	k := widgetKustomization(t, f, group, "status.phase == 'Ready'")

	// Pending: neither failed nor current, so InProgress until the timeout.
	msg := waitFailed(t, k, meta.HealthCheckFailedReason)
	if want := "Widget/" + f.ns + "/w status: 'InProgress'"; !strings.Contains(msg, want) {
		t.Errorf("Ready message %q lacks %q", msg, want)
	}
	if conditions.IsTrue(k, meta.HealthyCondition) {
		t.Errorf("Healthy while the widget is Pending: %s", describeConditions(k))
	}

	setPhase(t, group, f.ns, "Ready")
	if c := reconcileNow(t, k); c == nil || c.Status != metav1.ConditionTrue {
		t.Fatalf("not Ready once the widget is Ready: %s", describeConditions(k))
	}
	if !conditions.IsTrue(k, meta.HealthyCondition) {
		t.Errorf("Healthy not True: %s", describeConditions(k))
	}

	setPhase(t, group, f.ns, "Failed")
	c := reconcileNow(t, k)
	if c == nil || c.Status != metav1.ConditionFalse || c.Reason != meta.HealthCheckFailedReason {
		t.Fatalf("Ready once the widget failed: %s", describeConditions(k))
	}
	if want := "Widget/" + f.ns + "/w status: 'Failed'"; !strings.Contains(c.Message, want) {
		t.Errorf("Ready message %q lacks %q", c.Message, want)
	}
}

func TestInvalidHealthCheckExprStalls(t *testing.T) {
	f := newFixture(t)
	group := phaseCRD(t, f.ns)
	k := widgetKustomization(t, f, group, "status.phase ==")
	waitFor(t, k, "Stalled", func(k *kustomizev1.Kustomization) bool {
		return conditions.IsStalled(k) && k.Status.ObservedGeneration == k.Generation
	})
	for _, cond := range []string{meta.ReadyCondition, meta.StalledCondition} {
		if r := conditions.GetReason(k, cond); r != meta.InvalidCELExpressionReason {
			t.Errorf("%s reason %q, want %s", cond, r, meta.InvalidCELExpressionReason)
		}
	}
	msg := conditions.GetMessage(k, meta.ReadyCondition)
	for _, s := range []string{"invalid spec.healthCheckExprs", "healthchecks[0]", "expression Current", "status.phase =="} {
		if !strings.Contains(msg, s) {
			t.Errorf("Ready message %q lacks %q", msg, s)
		}
	}
	if conditions.IsReady(k) || (k.Status.Inventory != nil && len(k.Status.Inventory.Entries) != 0) {
		t.Errorf("applied despite the invalid expression: %s", describeConditions(k))
	}
}
