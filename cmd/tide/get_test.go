/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/fluxcd/pkg/apis/meta"
	"github.com/fluxcd/pkg/runtime/conditions"
	"sigs.k8s.io/controller-runtime/pkg/client"

	kustomizev1 "github.com/tide-gitops/tide/api/kustomize/v1"
	sourcev1 "github.com/tide-gitops/tide/api/source/v1"
)

// TestGet lists the objects of a reconciled app as tables, JSON, YAML and names, in one namespace and in all.
func TestGet(t *testing.T) {
	a := newGitopsApp(t)
	var repo sourcev1.GitRepository
	if err := a.env.Client.Get(context.Background(), client.ObjectKey{Namespace: a.ns, Name: "app"}, &repo); err != nil {
		t.Fatal(err)
	}
	rev := repo.Status.Artifact.Revision

	out := mustTide(t, "get", "sources", "git", "-n", a.ns)
	assertTable(t, out, []string{"NAME", "REVISION", "SUSPENDED", "READY", "MESSAGE"},
		[]string{"app", shortRevision(rev), "False", "True", readyMessage(t, &repo)})

	// -o wide shows everything in full.
	out = mustTide(t, "get", "ks", "-n", a.ns, "-o", "wide")
	for _, name := range []string{"app", "child"} {
		ks := a.waitReady(t, name)
		row := strings.Join([]string{name, ks.Status.LastAppliedRevision, "False", "True", readyMessage(t, ks)}, " ")
		if !strings.Contains(collapseSpace(out), row) {
			t.Errorf("-o wide lacks the row %q:\n%s", row, out)
		}
	}

	// -o json is the list as the API returns it, for scripts.
	var list kustomizev1.KustomizationList
	if err := json.Unmarshal([]byte(mustTide(t, "get", "kustomizations", "-n", a.ns, "-o", "json")), &list); err != nil {
		t.Fatalf("-o json is not a KustomizationList: %v", err)
	}
	if list.Kind != "KustomizationList" || list.APIVersion != kustomizev1.GroupVersion.String() || len(list.Items) != 2 ||
		list.Items[0].Name != "app" || list.Items[0].Status.LastAppliedRevision != rev {
		t.Errorf("-o json: %s %s with %d items, want the namespace's two Kustomizations at %s", list.APIVersion, list.Kind, len(list.Items), rev)
	}
	var one sourcev1.GitRepository
	if err := json.Unmarshal([]byte(mustTide(t, "get", "source", "git", "app", "-n", a.ns, "-o", "json")), &one); err != nil ||
		one.Spec.URL != a.url || one.Status.Artifact == nil {
		t.Errorf("-o json of one object: %v, url %q, want %q with an artifact", err, one.Spec.URL, a.url)
	}
	assertContains(t, "-o yaml", mustTide(t, "get", "ks", "app", "-n", a.ns, "-o", "yaml"), "kind: Kustomization", "lastAppliedRevision: "+rev)
	if out := mustTide(t, "get", "all", "-n", a.ns, "-o", "name"); out != "gitrepository/app\nkustomization/app\nkustomization/child\n" {
		t.Errorf("-o name of get all:\n%s", out)
	}

	// -A adds the namespace; get all prefixes names with their kind.
	out = mustTide(t, "get", "all", "-A")
	// The revision may be cut further to fit 100 columns next to other tests' long namespace names.
	assertTable(t, out, []string{"NAMESPACE", "NAME", "REVISION"}, []string{a.ns, "gitrepository/app", rev[:len("main@sha1:")+4]})
	assertTable(t, out, nil, []string{a.ns, "kustomization/child"})

	// Errors name the object and say what to do.
	msg := failTide(t, "get", "ks", "missing", "-n", a.ns)
	assertContains(t, "error", msg, `Kustomization "missing" not found in namespace "`+a.ns+`"`, "tide get kustomizations -n "+a.ns)
	assertContains(t, "error", failTide(t, "get", "ks", "-o", "xml"), `unknown output format "xml"`)
}

// assertTable checks that every line fits the screen, that the header has the columns, and that one row holds
// the cells in order.
func assertTable(t *testing.T, out string, header, row []string) {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	for _, l := range lines {
		if n := utf8.RuneCountInString(l); n > screenWidth {
			t.Errorf("line of %d columns, more than %d:\n%s", n, screenWidth, l)
		}
	}
	if header != nil && !strings.HasPrefix(collapseSpace(lines[0]), collapseSpace(strings.Join(header, " "))) {
		t.Errorf("header %q, want it to start with %q", lines[0], header)
	}
	if row == nil {
		return
	}
	for _, l := range lines[1:] {
		if cellsInOrder(l, row) {
			return
		}
	}
	t.Errorf("no row has %q in order:\n%s", row, out)
}

// cellsInOrder reports whether the cells appear in the line in order; long cells only need their start, since
// tables shorten them.
func cellsInOrder(line string, cells []string) bool {
	for _, c := range cells {
		c = collapseSpace(c)
		if utf8.RuneCountInString(c) > minFlexibleWidth {
			c = string([]rune(c)[:minFlexibleWidth-1]) // a shortened cell keeps at least this much
		}
		i := strings.Index(line, c)
		if i < 0 {
			return false
		}
		line = line[i+len(c):]
	}
	return true
}

// readyMessage returns the message of the object's Ready condition.
func readyMessage(t *testing.T, obj conditions.Getter) string {
	t.Helper()
	if !conditions.Has(obj, meta.ReadyCondition) {
		t.Fatal("no Ready condition")
	}
	return conditions.GetMessage(obj, meta.ReadyCondition)
}
