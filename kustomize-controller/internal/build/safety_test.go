/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package build

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fluxcd/pkg/apis/kustomize"

	kustomizev1 "github.com/tide-gitops/tide/api/kustomize/v1"
)

func TestBuildRefusesUnsafeInput(t *testing.T) {
	outside := t.TempDir()
	writeTree(t, outside, map[string]string{
		"secret.yaml":            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: stolen\n",
		"dir/kustomization.yaml": "resources:\n- ../secret.yaml\n",
	})
	root := t.TempDir()
	writeTree(t, root, seedTree)
	writeTree(t, root, map[string]string{
		"linkfile/kustomization.yaml":      "resources:\n- link.yaml\n",
		"linkdir/kustomization.yaml":       "resources:\n- ../outdir\n",
		"linkplain/ok.yaml":                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ok\n",
		"climb/kustomization.yaml":         "resources:\n- ../../" + filepath.Base(outside) + "/secret.yaml\n",
		"remote-https/kustomization.yaml":  "resources:\n- https://github.com/org/repo//deploy?ref=v1\n",
		"remote-gh/kustomization.yaml":     "resources:\n- ../base\n- github.com/org/repo/deploy\n",
		"remote-ssh/kustomization.yaml":    "bases:\n- git@github.com:org/repo.git\n",
		"remote-nested/kustomization.yaml": "resources:\n- ../remote-https\n",
		"remote-file/kustomization.yaml":   "resources:\n- ../base\nconfigMapGenerator:\n- name: c\n  files:\n  - https://example.com/a.txt\n",
	})
	must(t, os.Symlink(filepath.Join(outside, "secret.yaml"), filepath.Join(root, "linkfile", "link.yaml")))
	must(t, os.Symlink(filepath.Join(outside, "dir"), filepath.Join(root, "outdir")))
	must(t, os.Symlink(filepath.Join(outside, "secret.yaml"), filepath.Join(root, "linkplain", "link.yaml")))
	must(t, os.Symlink(outside, filepath.Join(root, "escape")))

	tests := []struct {
		path, want string
	}{
		{"../../..", "outside the artifact"},
		{"./overlays/../../x", "outside the artifact"},
		{"/../../etc", "outside the artifact"},
		{"escape", "outside the artifact"},
		{"escape/dir", "outside the artifact"},
		{"linkfile", "outside the artifact"},
		{"linkdir", "outside the artifact"},
		{"linkplain", "outside the artifact"},
		{"climb", "outside the artifact"},
		{"remote-https", `remote resource "https://github.com/org/repo//deploy?ref=v1"`},
		{"remote-gh", `remote resource "github.com/org/repo/deploy"`},
		{"remote-ssh", `remote resource "git@github.com:org/repo.git"`},
		{"remote-nested", `remote-https/kustomization.yaml refers to the remote resource`},
		{"remote-file", `remote resource "https://example.com/a.txt"`},
		{"missing", "not a directory"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			objs, err := Build(context.Background(), root, &kustomizev1.KustomizationSpec{Path: tt.path}, Options{})
			if err == nil {
				t.Fatalf("built %d objects, want an error", len(objs))
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %q does not contain %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "stolen") {
				t.Fatalf("error shows content from outside the artifact: %v", err)
			}
		})
	}

	t.Run("absolute path is relative to the artifact root", func(t *testing.T) {
		objs, err := Build(context.Background(), root, &kustomizev1.KustomizationSpec{Path: "/base"}, Options{})
		if err != nil || len(objs) != 2 {
			t.Fatalf("got %d objects, %v", len(objs), err)
		}
	})
	t.Run("remote bases allowed get past the refusal", func(t *testing.T) {
		_, err := Build(context.Background(), root, &kustomizev1.KustomizationSpec{Path: "remote-file"}, Options{AllowRemoteBases: true})
		if err != nil && strings.Contains(err.Error(), "remote bases are disabled") {
			t.Fatalf("refused although allowed: %v", err)
		}
	})
	t.Run("symlink inside the artifact is followed", func(t *testing.T) {
		r := t.TempDir()
		writeTree(t, r, seedTree)
		must(t, os.Symlink(filepath.Join(r, "base"), filepath.Join(r, "alias")))
		objs, err := Build(context.Background(), r, &kustomizev1.KustomizationSpec{Path: "alias", NamePrefix: "p-"}, Options{})
		if err != nil || len(objs) != 2 {
			t.Fatalf("got %d objects, %v", len(objs), err)
		}
	})
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestIsRemote(t *testing.T) {
	for ref, want := range map[string]bool{
		"https://github.com/a/b":      true,
		"http://x/y.yaml":             true,
		"ssh://git@host/repo":         true,
		"git::https://host/repo":      true,
		"git@github.com:org/repo.git": true,
		"GitHub.com/org/repo":         true,
		"file:///repo":                true,
		"../base":                     false,
		"deployment.yaml":             false,
		"a@b.yaml":                    false,
		"gitlab.com/org/repo":         false, // a local path for kustomize too
	} {
		if got := isRemote(ref); got != want {
			t.Errorf("isRemote(%q) = %v, want %v", ref, got, want)
		}
	}
}

func TestBuildPlainYAML(t *testing.T) {
	root := t.TempDir()
	writeTree(t, root, map[string]string{
		"app/cm.yaml":                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: one\n",
		"app/sub/more.yml":           "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: two\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: three\n",
		"app/.hidden.yaml":           "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: hidden\n",
		"app/.git/x.yaml":            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: gitdir\n",
		"app/README.md":              "# not yaml",
		"app/kus/kustomization.yaml": "namePrefix: k-\nresources:\n- cm.yaml\n",
		"app/kus/cm.yaml":            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: four\n",
		"bad/cm.yaml":                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [unclosed\n",
		"empty/README.md":            "nothing",
	})
	objs, err := Build(context.Background(), root, &kustomizev1.KustomizationSpec{Path: "app", TargetNamespace: "ns"}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"one", "two", "three", "k-four"} {
		if o := mustFind(t, objs, "ConfigMap", name); o.GetNamespace() != "ns" {
			t.Errorf("%s namespace %q", name, o.GetNamespace())
		}
	}
	if len(objs) != 4 {
		t.Errorf("want 4 objects (hidden files skipped), got %d", len(objs))
	}
	if _, err := os.Stat(filepath.Join(root, "app", "kustomization.yaml")); err == nil {
		t.Error("a kustomization.yaml was written into the artifact")
	}

	_, err = Build(context.Background(), root, &kustomizev1.KustomizationSpec{Path: "bad"}, Options{})
	if err == nil || !strings.Contains(err.Error(), "cm.yaml") {
		t.Fatalf("want an error naming bad/cm.yaml, got %v", err)
	}
	objs, err = Build(context.Background(), root, &kustomizev1.KustomizationSpec{Path: "empty"}, Options{})
	if err != nil || len(objs) != 0 {
		t.Fatalf("empty dir: %d objects, %v", len(objs), err)
	}
}

func TestBuildErrorsPointAtTheFile(t *testing.T) {
	root := t.TempDir()
	writeTree(t, root, map[string]string{
		"yaml/kustomization.yaml":  "resources:\n- deploy.yaml\n",
		"yaml/deploy.yaml":         "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: x\n  labels: {a: [\n",
		"kus/kustomization.yaml":   "resources:\n- nothere.yaml\n",
		"kfile/kustomization.yaml": "resources: [unclosed\n",
		"patch/kustomization.yaml": "resources:\n- cm.yaml\npatches:\n- patch: '[{\"op\":\"replace\",\"path\":\"/nope/x\",\"value\":1}]'\n  target: {kind: ConfigMap}\n",
		"patch/cm.yaml":            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n",
	})
	for path, want := range map[string]string{
		"yaml":  "deploy.yaml",
		"kus":   "nothere.yaml",
		"kfile": "kustomization.yaml",
		"patch": "/nope/x",
	} {
		_, err := Build(context.Background(), root, &kustomizev1.KustomizationSpec{Path: path}, Options{})
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: want an error containing %q, got %v", path, want, err)
			continue
		}
		if strings.Contains(err.Error(), root) {
			t.Errorf("%s: error shows the temp directory: %v", path, err)
		}
	}
}

// TestBuildRefusesAliasBombs checks that YAML whose aliases expand without bound ("billion laughs", 400 bytes
// that kyaml would de-anchor into billions of nodes and run the controller out of memory) is refused, in a
// plain file, a chunked build, a file listed by a kustomization and a patch, while modest aliases build.
func TestBuildRefusesAliasBombs(t *testing.T) {
	bomb := "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bomb\ndata:\n  a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
	for i, prev := range []string{"a", "b", "c", "d", "e", "f", "g", "h"} {
		name := string(rune('b' + i))
		bomb += fmt.Sprintf("  %s: &%s [*%s, *%s, *%s, *%s, *%s, *%s, *%s, *%s, *%s]\n", name, name, prev, prev, prev, prev, prev, prev, prev, prev, prev)
	}
	var many strings.Builder
	for i := range 100 {
		fmt.Fprintf(&many, "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-%d\n", i)
	}
	root := t.TempDir()
	writeTree(t, root, map[string]string{
		"plain/bomb.yaml":            bomb,
		"chunked/many.yaml":          many.String(),
		"chunked/bomb.yaml":          bomb,
		"listed/kustomization.yaml":  "resources: [bomb.yaml]\n",
		"listed/bomb.yaml":           bomb,
		"patched/kustomization.yaml": "resources: [cm.yaml]\npatches:\n- path: bomb.yaml\n",
		"patched/cm.yaml":            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bomb\n",
		"patched/bomb.yaml":          bomb,
		"shared/kustomization.yaml":  "resources: [cm.yaml]\n",
		"shared/cm.yaml":             "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: s\ndata:\n  a: &v value\n  b: *v\n",
	})
	inline := "patches:\n- patch: |\n" + indent(bomb, "    ") + "patchesStrategicMerge:\n- |\n" + indent(bomb, "  ")
	writeTree(t, root, map[string]string{
		"inline/kustomization.yaml": "resources: [cm.yaml]\n" + inline,
		"inline/cm.yaml":            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bomb\n",
	})
	tests := []struct {
		path, want string
		patches    []kustomize.Patch
	}{
		{path: "plain", want: "plain/bomb.yaml: its YAML aliases expand it to more than"},
		{path: "chunked", want: "chunked/bomb.yaml: its YAML aliases expand it to more than"},
		{path: "listed", want: "listed/bomb.yaml: its YAML aliases expand it to more than"},
		{path: "patched", want: "patched/bomb.yaml: its YAML aliases expand it to more than"},
		{path: "inline", want: "inline/kustomization.yaml: patches[0]: its YAML aliases expand it to more than"},
		{path: "shared", want: "spec.patches[1]: its YAML aliases expand it to more than",
			patches: []kustomize.Patch{{Patch: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: s\n"}, {Patch: bomb}}},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			spec := &kustomizev1.KustomizationSpec{Path: tt.path, TargetNamespace: "t", Patches: tt.patches}
			_, err := Build(context.Background(), root, spec, Options{})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want %q", err, tt.want)
			}
		})
	}
	objs, err := Build(context.Background(), root, &kustomizev1.KustomizationSpec{Path: "shared"}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := nested(mustFind(t, objs, "ConfigMap", "s"), "data", "b"); got != "value" {
		t.Fatalf("data.b = %v, want the aliased value", got)
	}
}

// indent prefixes every line of s.
func indent(s, prefix string) string {
	return prefix + strings.ReplaceAll(strings.TrimSuffix(s, "\n"), "\n", "\n"+prefix) + "\n"
}
