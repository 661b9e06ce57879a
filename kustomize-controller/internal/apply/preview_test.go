/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package apply

import (
	"encoding/base64"
	"slices"
	"strings"
	"testing"

	"github.com/fluxcd/cli-utils/pkg/object"
	"github.com/fluxcd/pkg/apis/kustomize"
	"github.com/fluxcd/pkg/ssa"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	kustomizev1 "github.com/tide-gitops/tide/api/kustomize/v1"
)

// TestPrepareAndDiffMatchApply applies a set as the controller does, then previews it: Prepare yields the
// labels and digest Apply wrote, so the dry-run of the same set finds nothing to change, and a changed
// object, a changed Secret and a new object are reported as Apply would handle them, without any write.
func TestPrepareAndDiffMatchApply(t *testing.T) {
	ctx, ns := testContext(t), newNamespace(t)
	m, wc := newManager(t, ns)
	secret := func(token string) *unstructured.Unstructured {
		return &unstructured.Unstructured{Object: map[string]any{"apiVersion": "v1", "kind": "Secret",
			"metadata": map[string]any{"name": "s", "namespace": ns}, "stringData": map[string]any{"token": token}}}
	}
	set := []*unstructured.Unstructured{configMap(ns, "a", map[string]any{"k": "1"}, nil), secret("first-token")}
	if _, err := m.Apply(ctx, set, ApplyOptions{SkipUnchanged: true}); err != nil {
		t.Fatal(err)
	}

	prepared, err := Prepare(set, types.NamespacedName{Namespace: ns, Name: "app"})
	if err != nil {
		t.Fatal(err)
	}
	if set[0].GetLabels() != nil {
		t.Error("Prepare changed the caller's objects")
	}
	live, _ := getCM(t, ns, "a")
	if got, want := prepared[0].GetAnnotations()[DigestAnnotation], live.Annotations[DigestAnnotation]; got == "" || got != want {
		t.Errorf("Prepare's digest %q, the applied one %q", got, want)
	}
	if got := prepared[0].GetLabels(); got[kustomizev1.NameLabel] != "app" || got[kustomizev1.NamespaceLabel] != ns {
		t.Errorf("Prepare's labels = %v", got)
	}
	wc.writes.Store(0)
	for _, o := range prepared {
		if action, _, _, err := m.Diff(ctx, o, false, nil); err != nil || action != ssa.UnchangedAction {
			t.Errorf("Diff of the applied %s: %v, %v; want unchanged", o.GetName(), action, err)
		}
	}

	changed, err := Prepare([]*unstructured.Unstructured{configMap(ns, "a", map[string]any{"k": "2"}, nil),
		secret("second-token"), configMap(ns, "new", map[string]any{"k": "1"}, nil)}, types.NamespacedName{Namespace: ns, Name: "app"})
	if err != nil {
		t.Fatal(err)
	}
	action, before, after, err := m.Diff(ctx, changed[0], false, nil)
	if err != nil || action != ssa.ConfiguredAction {
		t.Fatalf("Diff of a changed ConfigMap: %v, %v; want configured", action, err)
	}
	if before.Object["data"].(map[string]any)["k"] != "1" || after.Object["data"].(map[string]any)["k"] != "2" {
		t.Errorf("Diff's live data %v, merged data %v; want k 1 then 2", before.Object["data"], after.Object["data"])
	}
	action, before, after, err = m.Diff(ctx, changed[1], false, nil)
	if err != nil || action != ssa.ConfiguredAction {
		t.Fatalf("Diff of a changed Secret: %v, %v; want configured", action, err)
	}
	for _, o := range []*unstructured.Unstructured{before, after} {
		y, _ := yaml.Marshal(o.Object)
		for _, plain := range []string{"first-token", "second-token"} {
			if strings.Contains(string(y), plain) || strings.Contains(string(y), base64.StdEncoding.EncodeToString([]byte(plain))) {
				t.Errorf("Diff of a Secret returned its value %q:\n%s", plain, y)
			}
		}
	}
	if action, _, _, err := m.Diff(ctx, changed[2], false, nil); err != nil || action != ssa.CreatedAction {
		t.Errorf("Diff of a new ConfigMap: %v, %v; want created", action, err)
	}
	if n := wc.writes.Load(); n != 0 {
		t.Errorf("Diff wrote %d times, want 0", n)
	}
	if cm, _ := getCM(t, ns, "a"); cm.Data["k"] != "1" {
		t.Errorf("ConfigMap a holds %q after Diff, want the applied 1", cm.Data["k"])
	}
}

// TestPruneCandidatesAreWhatPruneDeletes previews a prune, then prunes: the objects previewed are exactly
// those Prune deletes, and objects it skips or that are gone are not previewed.
func TestPruneCandidatesAreWhatPruneDeletes(t *testing.T) {
	ctx, ns := testContext(t), newNamespace(t)
	m, wc := newManager(t, ns)
	cs, err := m.Apply(ctx, []*unstructured.Unstructured{
		configMap(ns, "keep", map[string]any{"k": "v"}, nil),
		configMap(ns, "gone", map[string]any{"k": "v"}, nil),
		configMap(ns, "kept", map[string]any{"k": "v"}, map[string]any{kustomizev1.PruneAnnotation: "disabled"}),
	}, ApplyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := env.Client.Create(ctx, configMap(ns, "foreign", map[string]any{"k": "v"}, nil)); err != nil {
		t.Fatal(err)
	}
	stale := Diff(InventoryFromChangeSet(cs), InventoryFromObjects([]*unstructured.Unstructured{configMap(ns, "keep", nil, nil)}))
	for _, name := range []string{"foreign", "never-existed"} {
		stale = append(stale, RefFor(object.ObjMetadata{Namespace: ns, Name: name, GroupKind: schema.GroupKind{Kind: "ConfigMap"}}, "v1"))
	}
	stale = append(stale, RefFor(object.ObjMetadata{Namespace: ns, Name: "x",
		GroupKind: schema.GroupKind{Group: "gone.example.com", Kind: "Gadget"}}, "v1"))

	wc.writes.Store(0)
	candidates, err := m.PruneCandidates(ctx, stale)
	if err != nil {
		t.Fatal(err)
	}
	if n := wc.writes.Load(); n != 0 {
		t.Errorf("PruneCandidates wrote %d times, want 0", n)
	}
	var previewed []string
	for _, o := range candidates {
		previewed = append(previewed, "ConfigMap/"+o.GetNamespace()+"/"+o.GetName())
	}
	if want := []string{"ConfigMap/" + ns + "/gone"}; !slices.Equal(previewed, want) {
		t.Errorf("PruneCandidates = %v, want %v", previewed, want)
	}
	pcs, err := m.Prune(ctx, stale, PruneOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range Deleted(pcs) {
		if _, exists := map[string]bool{"ConfigMap/" + ns + "/never-existed": true, "Gadget/" + ns + "/x": true}[d]; !exists &&
			!slices.Contains(previewed, d) {
			t.Errorf("Prune deleted %s, which PruneCandidates did not preview", d)
		}
	}
}

// TestDiffHonoursDriftIgnoreRules: a field edited in the cluster under an ignored path is not a difference,
// as the controller would not correct it; without the rule it is.
func TestDiffHonoursDriftIgnoreRules(t *testing.T) {
	ctx, ns := testContext(t), newNamespace(t)
	m, _ := newManager(t, ns)
	set := []*unstructured.Unstructured{configMap(ns, "a", map[string]any{"k": "1"}, nil)}
	if _, err := m.Apply(ctx, set, ApplyOptions{SkipUnchanged: true}); err != nil {
		t.Fatal(err)
	}
	live, _ := getCM(t, ns, "a")
	live.Data["k"] = "edited"
	if err := env.Client.Update(ctx, live, client.FieldOwner("hpa-like")); err != nil {
		t.Fatal(err)
	}
	prepared, err := Prepare(set, types.NamespacedName{Namespace: ns, Name: "app"})
	if err != nil {
		t.Fatal(err)
	}
	rules, err := IgnoreRules([]kustomizev1.DriftIgnoreRule{{Paths: []string{"/data/k"}}})
	if err != nil {
		t.Fatal(err)
	}
	if action, _, _, err := m.Diff(ctx, prepared[0], false, rules); err != nil || action != ssa.UnchangedAction {
		t.Errorf("with the rule: %v, %v; want unchanged", action, err)
	}
	if action, _, _, err := m.Diff(ctx, prepared[0], false, nil); err != nil || action != ssa.ConfiguredAction {
		t.Errorf("without the rule: %v, %v; want configured", action, err)
	}
	if _, err := IgnoreRules([]kustomizev1.DriftIgnoreRule{{Paths: []string{"/x"}, Target: &kustomize.Selector{Name: "("}}}); err == nil {
		t.Error("a target that does not compile was accepted")
	}
}
