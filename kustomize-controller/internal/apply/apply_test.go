/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package apply

import (
	"maps"
	"strings"
	"testing"

	"github.com/fluxcd/pkg/ssa"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"

	kustomizev1 "github.com/tide-gitops/tide/api/kustomize/v1"
	"github.com/tide-gitops/tide/internal/testenv"
)

func TestApplyCreatesLabelsThenReportsUnchangedWithoutWrites(t *testing.T) {
	modes(t, func(t *testing.T, opts ApplyOptions) {
		ctx, ns := testContext(t), newNamespace(t)
		m, wc := newManager(t, ns)
		set := func() []*unstructured.Unstructured {
			return []*unstructured.Unstructured{
				configMap(ns, "a", map[string]any{"k": "1"}, nil),
				configMap(ns, "b", map[string]any{"k": "2"}, nil),
			}
		}
		input := set()
		cs, err := m.Apply(ctx, input, opts)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]ssa.Action{"ConfigMap/" + ns + "/a": ssa.CreatedAction, "ConfigMap/" + ns + "/b": ssa.CreatedAction}
		if got := actions(cs); !maps.Equal(got, want) {
			t.Fatalf("first apply: got %v, want %v", got, want)
		}
		if input[0].GetLabels() != nil {
			t.Error("Apply changed the caller's objects")
		}
		cm, _ := getCM(t, ns, "a")
		if cm.Labels[kustomizev1.NameLabel] != "app" || cm.Labels[kustomizev1.NamespaceLabel] != ns {
			t.Errorf("ownership labels = %v", cm.Labels)
		}
		if !hasApplyManager(cm.ManagedFields, FieldManager) {
			t.Errorf("no apply entry of %s in managedFields", FieldManager)
		}

		wc.writes.Store(0)
		cs, err = m.Apply(ctx, set(), opts)
		if err != nil {
			t.Fatal(err)
		}
		for s, a := range actions(cs) {
			if a != ssa.UnchangedAction {
				t.Errorf("second apply: %s %s, want unchanged", s, a)
			}
		}
		if n := wc.writes.Load(); n != 0 {
			t.Errorf("second apply of the same set wrote %d times, want 0", n)
		}
	})
}

func hasApplyManager(mfs []metav1.ManagedFieldsEntry, name string) bool {
	for _, mf := range mfs {
		if mf.Manager == name && mf.Operation == "Apply" {
			return true
		}
	}
	return false
}

func TestApplyRevertsManualEditAndReportsConfigured(t *testing.T) {
	modes(t, func(t *testing.T, opts ApplyOptions) {
		ctx, ns := testContext(t), newNamespace(t)
		m, _ := newManager(t, ns)
		set := func() []*unstructured.Unstructured {
			return []*unstructured.Unstructured{configMap(ns, "web", map[string]any{"replicas": "3"}, nil)}
		}
		if _, err := m.Apply(ctx, set(), opts); err != nil {
			t.Fatal(err)
		}
		// A user edits a managed field, as `kubectl edit` would (an update by another manager).
		cm, _ := getCM(t, ns, "web")
		cm.Data["replicas"] = "1"
		if err := env.Client.Update(ctx, cm, client.FieldOwner("kubectl-edit")); err != nil {
			t.Fatal(err)
		}
		cs, err := m.Apply(ctx, set(), opts)
		if err != nil {
			t.Fatal(err)
		}
		if got := actions(cs)["ConfigMap/"+ns+"/web"]; got != ssa.ConfiguredAction {
			t.Errorf("apply after the edit: %v, want configured", got)
		}
		if cs.Entries[0].String() != "ConfigMap/"+ns+"/web configured" {
			t.Errorf("event text %q", cs.Entries[0].String())
		}
		if cm, _ := getCM(t, ns, "web"); cm.Data["replicas"] != "3" {
			t.Errorf("drift not reverted: data = %v", cm.Data)
		}
	})
}

func TestApplyRemovesFieldDroppedFromGit(t *testing.T) {
	// The fast path must notice a field removed from the manifest although the live object still holds
	// every remaining field: the digest differs, so the object takes the dry-run path.
	modes(t, func(t *testing.T, opts ApplyOptions) {
		ctx, ns := testContext(t), newNamespace(t)
		m, _ := newManager(t, ns)
		if _, err := m.Apply(ctx, []*unstructured.Unstructured{configMap(ns, "c", map[string]any{"a": "1", "b": "2"}, nil)}, opts); err != nil {
			t.Fatal(err)
		}
		cs, err := m.Apply(ctx, []*unstructured.Unstructured{configMap(ns, "c", map[string]any{"a": "1"}, nil)}, opts)
		if err != nil {
			t.Fatal(err)
		}
		if got := actions(cs)["ConfigMap/"+ns+"/c"]; got != ssa.ConfiguredAction {
			t.Errorf("apply without key b: %v, want configured", got)
		}
		if cm, _ := getCM(t, ns, "c"); len(cm.Data) != 1 {
			t.Errorf("data = %v, want only key a", cm.Data)
		}
	})
}

func TestApplyStagesCRDBeforeItsCustomResource(t *testing.T) {
	modes(t, func(t *testing.T, opts ApplyOptions) {
		ctx, ns := testContext(t), newNamespace(t)
		m, _ := newManager(t, ns)
		group := strings.ReplaceAll(ns, "-", "") + ".example.com"
		crd := testenv.WidgetCRD(group)
		cr := &unstructured.Unstructured{Object: map[string]any{
			"apiVersion": group + "/v1", "kind": "Widget",
			"metadata": map[string]any{"name": "w1", "namespace": ns},
			"spec":     map[string]any{"size": int64(3)},
		}}
		// The custom resource comes first in the build; staging must still apply the CRD first.
		cs, err := m.Apply(ctx, []*unstructured.Unstructured{cr, crd}, opts)
		if err != nil {
			t.Fatal(err)
		}
		got := actions(cs)
		if got["CustomResourceDefinition/widgets."+group] != ssa.CreatedAction || got["Widget/"+ns+"/w1"] != ssa.CreatedAction {
			t.Fatalf("actions = %v", got)
		}
		cs, err = m.Apply(ctx, []*unstructured.Unstructured{cr, crd}, opts)
		if err != nil {
			t.Fatal(err)
		}
		for s, a := range actions(cs) {
			if a != ssa.UnchangedAction {
				t.Errorf("re-apply: %s %s, want unchanged", s, a)
			}
		}
		t.Cleanup(func() { _ = env.Client.Delete(ctx, crd) })
	})
}

func TestApplyHonoursPerObjectAnnotations(t *testing.T) {
	modes(t, func(t *testing.T, opts ApplyOptions) {
		ctx, ns := testContext(t), newNamespace(t)
		m, _ := newManager(t, ns)
		ssaAnn := func(v string) map[string]any { return map[string]any{kustomizev1.SSAAnnotation: v} }
		set := func(v string) []*unstructured.Unstructured {
			return []*unstructured.Unstructured{
				configMap(ns, "if-not-present", map[string]any{"k": v}, ssaAnn("IfNotPresent")),
				configMap(ns, "ignored", map[string]any{"k": v}, ssaAnn("Ignore")),
				configMap(ns, "disabled", map[string]any{"k": v}, map[string]any{kustomizev1.ReconcileAnnotation: "disabled"}),
				configMap(ns, "live-disabled", map[string]any{"k": v}, nil),
			}
		}
		cs, err := m.Apply(ctx, set("1"), opts)
		if err != nil {
			t.Fatal(err)
		}
		got := actions(cs)
		want := map[string]ssa.Action{
			"ConfigMap/" + ns + "/if-not-present": ssa.CreatedAction, "ConfigMap/" + ns + "/ignored": ssa.SkippedAction,
			"ConfigMap/" + ns + "/disabled": ssa.SkippedAction, "ConfigMap/" + ns + "/live-disabled": ssa.CreatedAction,
		}
		if !maps.Equal(got, want) {
			t.Fatalf("first apply: %v, want %v", got, want)
		}
		for _, name := range []string{"ignored", "disabled"} {
			if _, found := getCM(t, ns, name); found {
				t.Errorf("%s was created", name)
			}
		}
		// A user disables reconciliation on a live object.
		live, _ := getCM(t, ns, "live-disabled")
		live.Annotations = map[string]string{kustomizev1.ReconcileAnnotation: "Disabled"}
		if err := env.Client.Update(ctx, live); err != nil {
			t.Fatal(err)
		}
		cs, err = m.Apply(ctx, set("2"), opts)
		if err != nil {
			t.Fatal(err)
		}
		got = actions(cs)
		for _, name := range []string{"if-not-present", "live-disabled"} {
			if got["ConfigMap/"+ns+"/"+name] != ssa.SkippedAction {
				t.Errorf("%s: %v, want skipped", name, got["ConfigMap/"+ns+"/"+name])
			}
			if cm, _ := getCM(t, ns, name); cm.Data["k"] != "1" {
				t.Errorf("%s was changed to %v", name, cm.Data)
			}
		}
	})
}

func TestApplyForceRecreatesOnImmutableChange(t *testing.T) {
	ctx, ns := testContext(t), newNamespace(t)
	m, _ := newManager(t, ns)
	immutable := func(v string) []*unstructured.Unstructured {
		cm := configMap(ns, "frozen", map[string]any{"k": v}, nil)
		cm.Object["immutable"] = true
		return []*unstructured.Unstructured{cm}
	}
	if _, err := m.Apply(ctx, immutable("1"), ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Apply(ctx, immutable("2"), ApplyOptions{}); err == nil || !strings.Contains(err.Error(), "ConfigMap/"+ns+"/frozen") {
		t.Fatalf("changing an immutable ConfigMap without force: err = %v, want an error naming it", err)
	}
	before, _ := getCM(t, ns, "frozen")
	cs, err := m.Apply(ctx, immutable("2"), ApplyOptions{Force: true})
	if err != nil {
		t.Fatal(err)
	}
	after, _ := getCM(t, ns, "frozen")
	if after.Data["k"] != "2" || after.UID == before.UID {
		t.Errorf("not recreated: data %v, uid changed %v (actions %v)", after.Data, after.UID != before.UID, actions(cs))
	}
}

func TestApplyRejectsIncompleteObjects(t *testing.T) {
	m, _ := newManager(t, "default")
	bad := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "v1", "kind": "ConfigMap"}}
	if _, err := m.Apply(testContext(t), []*unstructured.Unstructured{bad}, ApplyOptions{}); err == nil {
		t.Fatal("applying an object without a name succeeded")
	}
}
