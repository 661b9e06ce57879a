/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package main

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/fluxcd/pkg/apis/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"
)

// TestExport exports the app's source and Kustomizations and applies the YAML to a fresh namespace (in dry-run
// mode, so that the copies do not fight the originals over the same objects): the API server accepts it and
// stores the same spec, labels and annotations, without the server-side fields.
func TestExport(t *testing.T) {
	a := newGitopsApp(t)
	patch := `{"metadata":{"labels":{"team":"web"},"annotations":{"owner":"alice","` + meta.ReconcileRequestAnnotation + `":"now"}}}`
	app := &unstructured.Unstructured{}
	app.SetGroupVersionKind(kustomizeGV.WithKind("Kustomization"))
	app.SetNamespace(a.ns)
	app.SetName("app")
	if err := a.env.Client.Patch(context.Background(), app, client.RawPatch(types.MergePatchType, []byte(patch))); err != nil {
		t.Fatal(err)
	}

	out := mustTide(t, "export", "source", "git", "app", "-n", a.ns) + mustTide(t, "export", "ks", "--all", "-n", a.ns)
	for _, field := range []string{"status:", "uid:", "resourceVersion:", "generation:", "managedFields:",
		"creationTimestamp:", "finalizers:", meta.ReconcileRequestAnnotation} {
		if strings.Contains(out, field) {
			t.Errorf("the export holds %s:\n%s", field, out)
		}
	}
	docs := strings.Split(strings.TrimPrefix(out, "---\n"), "---\n")
	if len(docs) != 3 {
		t.Fatalf("%d documents, want the GitRepository and two Kustomizations:\n%s", len(docs), out)
	}
	fresh := testNamespace(t)
	for _, doc := range docs {
		exported := &unstructured.Unstructured{}
		if err := yaml.Unmarshal([]byte(doc), &exported.Object); err != nil {
			t.Fatal(err)
		}
		original := &unstructured.Unstructured{}
		original.SetGroupVersionKind(exported.GroupVersionKind())
		if err := a.env.Client.Get(context.Background(), client.ObjectKey{Namespace: a.ns, Name: exported.GetName()}, original); err != nil {
			t.Fatal(err)
		}
		exported.SetNamespace(fresh)
		err := a.env.Client.Apply(context.Background(), client.ApplyConfigurationFromUnstructured(exported),
			client.FieldOwner("export-test"), client.DryRunAll)
		if err != nil {
			t.Fatalf("applying the exported %s %s: %v", exported.GetKind(), exported.GetName(), err)
		}
		// Apply with an apply configuration fills exported with what the server would store.
		if !reflect.DeepEqual(exported.Object["spec"], original.Object["spec"]) ||
			!reflect.DeepEqual(exported.GetLabels(), original.GetLabels()) {
			t.Errorf("%s %s: the copy's spec or labels differ:\n%v\n%v", exported.GetKind(), exported.GetName(),
				exported.Object["spec"], original.Object["spec"])
		}
	}
	assertContains(t, "export", out, "team: web", "owner: alice")
	assertContains(t, "error", failTide(t, "export", "ks", "-n", a.ns), "give the name of one Kustomization or --all")
}
