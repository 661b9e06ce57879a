/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package manifests

import (
	"bytes"
	"io/fs"
	"os"
	"reflect"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/tide-gitops/tide/internal/kube"
)

// TestEmbeddedMatchesDisk: every file of manifests/ on disk (Go files aside) is embedded with the same bytes,
// and nothing else is. go:embed reads the files when the binary is built, so the copy cannot go stale; what this
// catches is a new file or directory that the embed directive does not name.
func TestEmbeddedMatchesDisk(t *testing.T) {
	disk := os.DirFS(".")
	onDisk := map[string]bool{}
	err := fs.WalkDir(disk, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(p, ".go") {
			return err
		}
		onDisk[p] = true
		want, err := fs.ReadFile(disk, p)
		if err != nil {
			return err
		}
		got, err := fs.ReadFile(FS, p)
		if err != nil {
			t.Errorf("%s is on disk but not embedded: add it to the go:embed directive in manifests.go", p)
			return nil
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s: the embedded copy differs from the file on disk", p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	err = fs.WalkDir(FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && !onDisk[p] {
			t.Errorf("%s is embedded but not on disk", p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(onDisk) < 20 {
		t.Fatalf("only %d files found in manifests/: run the test from the manifests directory", len(onDisk))
	}
}

// TestEmbeddedBuild: building the embedded copy gives exactly the objects `kubectl apply -k manifests/` applies.
func TestEmbeddedBuild(t *testing.T) {
	embedded, err := kube.BuildFS(FS, ".")
	if err != nil {
		t.Fatal(err)
	}
	onDisk, err := kube.Build(".")
	if err != nil {
		t.Fatal(err)
	}
	if len(embedded) != len(onDisk) || len(embedded) < 50 {
		t.Fatalf("%d objects from the embedded copy, %d from disk", len(embedded), len(onDisk))
	}
	for i := range onDisk {
		if !reflect.DeepEqual(embedded[i].Object, onDisk[i].Object) {
			t.Errorf("object %d: %s/%s from the embedded copy differs from disk", i, onDisk[i].GetKind(), onDisk[i].GetName())
		}
	}
	// crds/ builds on its own (testenv and `tide dev` install only the CRDs).
	wantCRDs := 0
	for _, obj := range onDisk {
		if obj.GetKind() == "CustomResourceDefinition" {
			wantCRDs++
		}
	}
	crds, err := kube.BuildFS(FS, "crds")
	if err != nil || len(crds) != wantCRDs {
		t.Errorf("building crds/: %d objects (want %d), %v", len(crds), wantCRDs, err)
	}
}

// TestControllersHaveMemoryLimitAndGOMEMLIMIT: every controller container has a memory limit and gets it as
// GOMEMLIMIT, so the garbage collector works harder before the container would be killed.
func TestControllersHaveMemoryLimitAndGOMEMLIMIT(t *testing.T) {
	objs, err := kube.BuildFS(FS, ".")
	if err != nil {
		t.Fatal(err)
	}
	deployments := 0
	for _, obj := range objs {
		if obj.GetKind() != "Deployment" {
			continue
		}
		deployments++
		var d appsv1.Deployment
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(obj.Object, &d); err != nil {
			t.Fatal(err)
		}
		for _, c := range d.Spec.Template.Spec.Containers {
			if c.Resources.Limits.Memory().IsZero() {
				t.Errorf("%s/%s has no memory limit", d.Name, c.Name)
			}
			found := false
			for _, e := range c.Env {
				if e.Name == "GOMEMLIMIT" && e.ValueFrom != nil && e.ValueFrom.ResourceFieldRef != nil &&
					e.ValueFrom.ResourceFieldRef.Resource == "limits.memory" && e.ValueFrom.ResourceFieldRef.ContainerName == c.Name {
					found = true
				}
			}
			if !found {
				t.Errorf("%s/%s does not set GOMEMLIMIT from its limits.memory", d.Name, c.Name)
			}
		}
	}
	if deployments != 6 {
		t.Errorf("%d Deployments, want one per controller (6)", deployments)
	}
}
