/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package kube

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"
)

// TestBuildFS: a directory built from an fs.FS gives the same objects as the same directory built from disk,
// including a base referenced with "../".
func TestBuildFS(t *testing.T) {
	files := map[string]string{
		"base/kustomization.yaml": "resources: [cm.yaml]\n",
		"base/cm.yaml":            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\ndata:\n  k: v\n",
		"prod/kustomization.yaml": "namespace: prod\nnamePrefix: prod-\nresources: [../base]\n",
	}
	mapFS := fstest.MapFS{}
	dir := t.TempDir()
	for name, content := range files {
		mapFS[name] = &fstest.MapFile{Data: []byte(content)}
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	fromFS, err := BuildFS(mapFS, "prod")
	if err != nil {
		t.Fatal(err)
	}
	fromDisk, err := Build(filepath.Join(dir, "prod"))
	if err != nil {
		t.Fatal(err)
	}
	if len(fromFS) != 1 || fromFS[0].GetName() != "prod-app" || fromFS[0].GetNamespace() != "prod" {
		t.Fatalf("built %d objects, first %v", len(fromFS), fromFS)
	}
	if !reflect.DeepEqual(fromFS[0].Object, fromDisk[0].Object) {
		t.Errorf("fs build %v differs from disk build %v", fromFS[0].Object, fromDisk[0].Object)
	}

	// A missing directory is an error naming it, not an empty build.
	if _, err := BuildFS(mapFS, "staging"); err == nil || !strings.Contains(err.Error(), "staging") {
		t.Errorf("building a missing directory: %v", err)
	}
}
