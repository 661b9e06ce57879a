/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package examples

import (
	"io/fs"
	"path"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/tide-gitops/tide/internal/kube"
)

// TestDemoOverlaysBuild builds each overlay of the demo as the kustomize-controller would and checks what the
// overlay changes: namespace, labels (pod templates included), image tag, replicas and the ConfigMap's message.
func TestDemoOverlaysBuild(t *testing.T) {
	tests := []struct {
		overlay, namespace, image, message string
		replicas                           int64
	}{
		{overlay: "dev", namespace: "demo-dev", image: "nginx:1.27-alpine", message: "Hello from the dev overlay", replicas: 1},
		{overlay: "production", namespace: "demo-production", image: "nginx:1.27.3", message: "Hello from production", replicas: 3},
	}
	for _, tt := range tests {
		t.Run(tt.overlay, func(t *testing.T) {
			objs, err := kube.Build(path.Join(DemoRoot, "overlays", tt.overlay))
			if err != nil {
				t.Fatal(err)
			}
			byKind := map[string]*unstructured.Unstructured{}
			for _, o := range objs {
				byKind[o.GetKind()] = o
				if o.GetLabels()["environment"] != tt.overlay {
					t.Errorf("%s/%s lacks the label environment=%s: %v", o.GetKind(), o.GetName(), tt.overlay, o.GetLabels())
				}
				if o.GetKind() != "Namespace" && o.GetNamespace() != tt.namespace {
					t.Errorf("%s/%s is in namespace %q, want %q", o.GetKind(), o.GetName(), o.GetNamespace(), tt.namespace)
				}
			}
			for _, kind := range []string{"Namespace", "ConfigMap", "Deployment", "Service"} {
				if byKind[kind] == nil {
					t.Fatalf("the build lacks a %s; got %d objects", kind, len(objs))
				}
			}
			if ns := byKind["Namespace"].GetName(); ns != tt.namespace {
				t.Errorf("Namespace = %s, want %s", ns, tt.namespace)
			}
			dep := byKind["Deployment"].Object
			containers, _, _ := unstructured.NestedSlice(dep, "spec", "template", "spec", "containers")
			if len(containers) != 1 || containers[0].(map[string]any)["image"] != tt.image {
				t.Errorf("containers = %v, want one with image %s", containers, tt.image)
			}
			if l, _, _ := unstructured.NestedString(dep, "spec", "template", "metadata", "labels", "environment"); l != tt.overlay {
				t.Errorf("pod template label environment = %q, want %q", l, tt.overlay)
			}
			if r, _, _ := unstructured.NestedInt64(dep, "spec", "replicas"); r != tt.replicas {
				t.Errorf("replicas = %d, want %d", r, tt.replicas)
			}
			if m, _, _ := unstructured.NestedString(byKind["ConfigMap"].Object, "data", "message"); m != tt.message {
				t.Errorf("ConfigMap message = %q, want %q", m, tt.message)
			}
		})
	}
}

// TestDemoEmbedded: the binary carries every file of the demo, kustomizations and README included.
func TestDemoEmbedded(t *testing.T) {
	var files []string
	err := fs.WalkDir(Demo, DemoRoot, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files = append(files, p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"demo/README.md", "demo/base/kustomization.yaml", "demo/overlays/dev/kustomization.yaml",
		"demo/overlays/production/kustomization.yaml"} {
		found := false
		for _, f := range files {
			found = found || f == want
		}
		if !found {
			t.Errorf("embedded demo lacks %s; has %v", want, files)
		}
	}
}
