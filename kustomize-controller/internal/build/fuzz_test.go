/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package build

import (
	"context"
	"strings"
	"testing"

	kustomizev1 "github.com/tide-gitops/tide/api/kustomize/v1"
)

// FuzzSubstitute checks that the substitution parser never panics, leaves text without "$" alone, and that a
// strict evaluation that succeeds agrees with the lenient one.
func FuzzSubstitute(f *testing.F) {
	for _, s := range []string{"", "plain", "${a}", "${a:=b}", "$${a}", "${a:=${b:-c}}", "${#a}", "${a^^}",
		"${a:1:2}", "${a//x/y}", "${a##*/}", "${", "${}", "}${a", "$$$", "${a:=}", "${ä}", "${a/[/]}", "${a#[!x]}"} {
		f.Add(s, "value/with.dots")
	}
	f.Fuzz(func(t *testing.T, s, v string) {
		vars := map[string]string{"a": v, "b": "B"}
		lookup := func(k string) (string, bool) { x, ok := vars[k]; return x, ok }
		lenient := expander{lookup: lookup}
		out, err := lenient.expand(s)
		if !strings.Contains(s, "$") && (err != nil || out != s) {
			t.Fatalf("text without $ changed: %q -> %q, %v", s, out, err)
		}
		strict := expander{lookup: lookup, strict: true}
		sout, serr := strict.expand(s)
		if serr == nil && (err != nil || sout != out) {
			t.Fatalf("strict %q (%v) and lenient %q (%v) disagree on %q", sout, serr, out, err, s)
		}
	})
}

// FuzzPlainYAML feeds arbitrary file content to the plain-YAML generation and build: errors are fine, panics
// and reads outside the artifact are not.
func FuzzPlainYAML(f *testing.F) {
	for _, s := range []string{
		"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n",
		"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [a\n",
		"---\n---\n", "", "a: b: c", "kind: Kustomization\nresources:\n- /etc/passwd\n",
		"apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: x}\n",
		"\xff\xfe", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  namespace: 7\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, content string) {
		root := t.TempDir()
		writeTree(t, root, map[string]string{"app/file.yaml": content})
		objs, err := Build(context.Background(), root, &kustomizev1.KustomizationSpec{Path: "app", TargetNamespace: "ns"}, Options{})
		if err == nil {
			for _, o := range objs {
				if o.GetName() == "" && o.GetKind() == "" {
					t.Fatalf("object without kind and name from %q", content)
				}
			}
		}
	})
}
