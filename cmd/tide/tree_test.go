/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package main

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/fluxcd/cli-utils/pkg/object"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	kustomizev1 "github.com/tide-gitops/tide/api/kustomize/v1"
)

// TestTree prints the inventory of the app's Kustomization, with the nested Kustomization expanded with its
// own inventory, as a tree and as JSON.
func TestTree(t *testing.T) {
	a := newGitopsApp(t)
	app, child := a.waitReady(t, "app"), a.waitReady(t, "child")

	out := mustTide(t, "tree", "kustomization", "app", "-n", a.ns)
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if lines[0] != "Kustomization/"+a.ns+"/app" {
		t.Errorf("the tree starts with %q, want the Kustomization", lines[0])
	}
	want := len(app.Status.Inventory.Entries) + len(child.Status.Inventory.Entries) + 1
	if len(lines) != want {
		t.Errorf("%d lines, want %d (the Kustomization, its %d objects and the child's %d):\n%s",
			len(lines), want, len(app.Status.Inventory.Entries), len(child.Status.Inventory.Entries), out)
	}
	for _, e := range app.Status.Inventory.Entries {
		assertLine(t, out, `^[├└]── `+regexp.QuoteMeta(entryLabel(t, e.ID))+`$`)
	}
	for _, e := range child.Status.Inventory.Entries { // one level deeper, under the child
		assertLine(t, out, `^[│ ]   [├└]── `+regexp.QuoteMeta(entryLabel(t, e.ID))+`$`)
	}

	var root treeNode
	if err := json.Unmarshal([]byte(mustTide(t, "tree", "ks", "app", "-n", a.ns, "-o", "json")), &root); err != nil {
		t.Fatal(err)
	}
	if root.Name != "app" || len(root.Resources) != len(app.Status.Inventory.Entries) {
		t.Errorf("-o json: %+v", root)
	}
	assertContains(t, "error", failTide(t, "tree", "ks", "nothing", "-n", a.ns), `Kustomization "nothing" not found`)
}

func assertLine(t *testing.T, text, pattern string) {
	t.Helper()
	if !regexp.MustCompile(`(?m)` + pattern).MatchString(text) {
		t.Errorf("no line matches %s:\n%s", pattern, text)
	}
}

func entryLabel(t *testing.T, id string) string {
	t.Helper()
	m, err := object.ParseObjMetadata(id)
	if err != nil {
		t.Fatal(err)
	}
	return objectLabel(m.GroupKind.Kind, m.Namespace, m.Name)
}

// TestWriteInventoryTree draws the branches of a flat inventory, keeping its order, names cluster-scoped objects
// without a namespace and shows an unreadable entry as it is.
func TestWriteInventoryTree(t *testing.T) {
	ks := &kustomizev1.Kustomization{ObjectMeta: metav1.ObjectMeta{Name: "apps", Namespace: "flux-system"}}
	ks.Status.Inventory = &kustomizev1.ResourceInventory{Entries: []kustomizev1.ResourceRef{
		{ID: "_web__Namespace", Version: "v1"},
		{ID: "web_web_apps_Deployment", Version: "v1"},
		{ID: "nonsense", Version: "v1"},
		{ID: "web_web__Service", Version: "v1"},
	}}
	var b bytes.Buffer
	if err := writeInventoryTree(&b, ks); err != nil {
		t.Fatal(err)
	}
	want := `Kustomization/flux-system/apps
├── Namespace/web
├── Deployment/web/web
├── ?/nonsense (unreadable inventory entry)
└── Service/web/web
`
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}

	b.Reset()
	ks.Status.Inventory = nil
	if err := writeInventoryTree(&b, ks); err != nil || b.String() != "Kustomization/flux-system/apps\n" {
		t.Errorf("without inventory: %q, %v", b.String(), err)
	}
}
