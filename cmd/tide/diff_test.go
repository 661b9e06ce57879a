/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	kustomizev1 "github.com/tide-gitops/tide/api/kustomize/v1"
)

// TestDiffKustomization compares the local copy of an applied Kustomization with the cluster: unchanged files
// give no differences and exit status 0; a changed value, a changed Secret, a new file and a removed file give
// exactly those changes (the removed one as deleted, because the Kustomization prunes) and exit status 1,
// never print a Secret value and change nothing in the cluster.
func TestDiffKustomization(t *testing.T) {
	a := newLocalApp(t)
	path := filepath.Join(a.dir, "deploy")
	out, err := runTide(t, "diff", "kustomization", "app", "--path", path, "-n", a.ns)
	if err != nil {
		t.Fatalf("diff of the applied files: %v\n%s", err, out)
	}
	assertContains(t, "diff without changes", out, "✔ Kustomization "+a.ns+"/app: no changes")

	writeFiles(t, a.dir, map[string]string{
		"deploy/config.yaml": strings.Replace(localAppFiles()["deploy/config.yaml"], "mode: a", "mode: b", 1),
		"deploy/secret.yaml": strings.Replace(localAppFiles()["deploy/secret.yaml"], secretValue, changedSecretValue, 1),
		"deploy/new.yaml":    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: new\ndata:\n  k: v\n",
		// A custom resource whose CRD comes with it: the controller would create both.
		"deploy/crd.yaml": `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.tide-diff.example.com
spec:
  group: tide-diff.example.com
  names: {kind: Widget, plural: widgets}
  scope: Namespaced
  versions:
  - name: v1
    served: true
    storage: true
    schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}
`,
		"deploy/widget.yaml": "apiVersion: tide-diff.example.com/v1\nkind: Widget\nmetadata:\n  name: w\n",
	})
	if err := os.Remove(filepath.Join(a.dir, "deploy", "extra.yaml")); err != nil {
		t.Fatal(err)
	}
	out, err = runTide(t, "diff", "ks", "app", "--path", path, "-n", a.ns)
	assertExitStatus(t, err, exitDifferences, out)
	assertNoSecretValues(t, "tide diff", out)
	headers, bodies := splitDiffOutput(out)
	// In the order the controller applies them (CRDs first), then the deletions.
	want := []string{"► CustomResourceDefinition/widgets.tide-diff.example.com created",
		"► ConfigMap/" + a.ns + "/app-config drifted", "► ConfigMap/" + a.ns + "/new created",
		"► Secret/" + a.ns + "/app-secret drifted", "► Widget/" + a.ns + "/w created", "► ConfigMap/" + a.ns + "/extra deleted"}
	if !slices.Equal(headers, want) {
		t.Errorf("diff reports\n%s\nwant\n%s\nfull output:\n%s", strings.Join(headers, "\n"), strings.Join(want, "\n"), out)
	}
	if got := changedLines(bodies[1]); !slices.Equal(got, []string{"-  mode: a", "+  mode: b"}) {
		t.Errorf("app-config's changed lines %q, want exactly the mode change:\n%s", got, out)
	}
	if got := changedLines(bodies[3]); !slices.Equal(got, []string{"-  token: '*** (before)'", "+  token: '*** (after)'"}) {
		t.Errorf("app-secret's changed lines %q, want the masked token change:\n%s", got, out)
	}
	for _, line := range strings.Split(out, "\n") {
		if utf8.RuneCountInString(line) > screenWidth {
			t.Errorf("a line of %d columns:\n%s", utf8.RuneCountInString(line), line)
		}
	}

	jsonOut, err := runTide(t, "diff", "ks", "app", "--path", path, "-n", a.ns, "-o", "json")
	assertExitStatus(t, err, exitDifferences, jsonOut)
	assertNoSecretValues(t, "tide diff -o json", jsonOut)
	var changes []change
	if err := json.Unmarshal([]byte(jsonOut), &changes); err != nil || len(changes) != len(want) {
		t.Fatalf("-o json: %v, %d changes, want %d:\n%s", err, len(changes), len(want), jsonOut)
	}
	for i, c := range changes {
		if "► "+c.Object+" "+c.Action != want[i] {
			t.Errorf("-o json change %d is %s %s, want %s", i, c.Object, c.Action, want[i])
		}
	}
	if !strings.Contains(changes[1].Diff, "--- ConfigMap/"+a.ns+"/app-config (cluster)\n+++ ConfigMap/"+a.ns+"/app-config (local)\n") ||
		!strings.Contains(changes[1].Diff, "\n-  mode: a\n+  mode: b\n") || changes[2].Diff != "" {
		t.Errorf("-o json diffs are not unified diffs of the changes:\n%s", jsonOut)
	}

	if got := a.live(t, "ConfigMap", "app-config").Object["data"].(map[string]any)["mode"]; got != "a" {
		t.Errorf("app-config's mode is %v after tide diff, want the applied a", got)
	}
	a.live(t, "ConfigMap", "extra") // still there
	diffWithoutPrune(t, a, path)
}

// diffWithoutPrune diffs with a Kustomization file that does not prune: the removed file is not reported.
func diffWithoutPrune(t *testing.T, a *localApp, path string) {
	t.Helper()
	ks := a.ks.DeepCopy()
	ks.TypeMeta = metav1.TypeMeta{APIVersion: kustomizev1.GroupVersion.String(), Kind: kustomizev1.KustomizationKind}
	ks.ObjectMeta = metav1.ObjectMeta{Name: ks.Name, Namespace: ks.Namespace}
	ks.Status = kustomizev1.KustomizationStatus{}
	ks.Spec.Prune = false
	y, err := yaml.Marshal(ks)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "app.yaml")
	if err := os.WriteFile(file, y, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := runTide(t, "diff", "ks", "app", "--path", path, "--kustomization-file", file)
	assertExitStatus(t, err, exitDifferences, out)
	headers, _ := splitDiffOutput(out)
	if slices.Contains(headers, "► ConfigMap/"+a.ns+"/extra deleted") || len(headers) != 5 {
		t.Errorf("without prune, diff reports %q, want the five changes and no deletion", headers)
	}
}

// TestDiffErrors checks that a failed diff exits with status 2 and says what to do.
func TestDiffErrors(t *testing.T) {
	a := &gitopsApp{env: sharedCluster(t), ns: testNamespace(t)}
	_, err := runTide(t, "diff", "ks", "absent", "--path", t.TempDir(), "-n", a.ns)
	assertExitStatus(t, err, exitFailure, "")
	var stderr bytes.Buffer
	if code := reportError(&stderr, err); code != exitFailure || !strings.Contains(stderr.String(),
		`Error: Kustomization "absent" not found in namespace "`+a.ns+`"`) {
		t.Errorf("reportError: status %d, printed %q", code, stderr.String())
	}
	stderr.Reset()
	if code := reportError(&stderr, &exitError{code: exitDifferences, err: errors.New("differences found"), silent: true}); code != 1 || stderr.Len() != 0 {
		t.Errorf("differences: status %d, printed %q; want 1 and nothing", code, stderr.String())
	}
	if code := reportError(&stderr, errors.New("other")); code != 1 {
		t.Errorf("other commands' errors: status %d, want 1", code)
	}
}

// assertExitStatus checks the status tide would exit with for err.
func assertExitStatus(t *testing.T, err error, want int, out string) {
	t.Helper()
	if got := reportError(&bytes.Buffer{}, err); err == nil || got != want {
		t.Fatalf("exit status %d (error %v), want %d:\n%s", got, err, want, out)
	}
}

// splitDiffOutput returns the "► ..." lines of a diff's output and the lines below each.
func splitDiffOutput(out string) (headers []string, bodies [][]string) {
	for _, line := range strings.Split(out, "\n") {
		switch {
		case strings.HasPrefix(line, "► "):
			headers = append(headers, line)
			bodies = append(bodies, nil)
		case len(bodies) > 0:
			bodies[len(bodies)-1] = append(bodies[len(bodies)-1], line)
		}
	}
	return headers, bodies
}

// changedLines returns the removed and added lines of a diff body.
func changedLines(body []string) []string {
	var out []string
	for _, l := range body {
		if strings.HasPrefix(l, "-") || strings.HasPrefix(l, "+") {
			out = append(out, l)
		}
	}
	return out
}
