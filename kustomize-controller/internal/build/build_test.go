/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package build

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fluxcd/pkg/apis/kustomize"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	kustomizev1 "github.com/tide-gitops/tide/api/kustomize/v1"
)

func TestBuildSeedOverlay(t *testing.T) {
	root := t.TempDir()
	writeTree(t, root, seedTree)
	objs, err := Build(context.Background(), root, &kustomizev1.KustomizationSpec{Path: "./overlays/production"}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(objs) != 2 {
		t.Fatalf("want 2 objects, got %d", len(objs))
	}
	d := mustFind(t, objs, "Deployment", "web")
	if d.GetNamespace() != "prod" || d.GetLabels()["env"] != "production" {
		t.Errorf("namespace/commonLabels not applied: %s %v", d.GetNamespace(), d.GetLabels())
	}
	if got := nested(d, "spec", "replicas"); got != int64(3) {
		t.Errorf("replicas patch: got %v", got)
	}
	if got := image(d); got != "nginx:1.26" {
		t.Errorf("images: got %s", got)
	}
}

func TestBuildSpecFields(t *testing.T) {
	root := t.TempDir()
	writeTree(t, root, seedTree)
	writeTree(t, root, map[string]string{
		"components/extra/kustomization.yaml": `apiVersion: kustomize.config.k8s.io/v1alpha1
kind: Component
patches:
- patch: |
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: web
      annotations:
        component: extra
`,
		"withprefix/kustomization.yaml": "namePrefix: user-\nresources:\n- ../base\n",
	})
	ctx := context.Background()
	tests := []struct {
		name   string
		spec   kustomizev1.KustomizationSpec
		verify func(t *testing.T, objs []*unstructured.Unstructured)
	}{{
		name: "targetNamespace on every namespaced object",
		spec: kustomizev1.KustomizationSpec{Path: "overlays/production", TargetNamespace: "apps"},
		verify: func(t *testing.T, objs []*unstructured.Unstructured) {
			for _, o := range objs {
				if o.GetNamespace() != "apps" {
					t.Errorf("%s/%s in %q, want apps", o.GetKind(), o.GetName(), o.GetNamespace())
				}
			}
		},
	}, {
		name: "namePrefix and nameSuffix replace the file's, as in Flux",
		spec: kustomizev1.KustomizationSpec{Path: "withprefix", NamePrefix: "app-0001-", NameSuffix: "-x"},
		verify: func(t *testing.T, objs []*unstructured.Unstructured) {
			mustFind(t, objs, "Deployment", "app-0001-web-x")
			mustFind(t, objs, "Service", "app-0001-web-x")
		},
	}, {
		name: "commonMetadata on every object, not selectors",
		spec: kustomizev1.KustomizationSpec{Path: "base", CommonMetadata: &kustomizev1.CommonMetadata{
			Labels: map[string]string{"team": "a"}, Annotations: map[string]string{"owner": "b"}}},
		verify: func(t *testing.T, objs []*unstructured.Unstructured) {
			for _, o := range objs {
				if o.GetLabels()["team"] != "a" || o.GetAnnotations()["owner"] != "b" {
					t.Errorf("%s: labels %v annotations %v", o.GetName(), o.GetLabels(), o.GetAnnotations())
				}
			}
			sel := nested(mustFind(t, objs, "Service", "web"), "spec", "selector").(map[string]any)
			if _, ok := sel["team"]; ok {
				t.Error("commonMetadata leaked into the Service selector")
			}
		},
	}, {
		name: "strategic merge patch with target",
		spec: kustomizev1.KustomizationSpec{Path: "base", Patches: []kustomize.Patch{{
			Patch:  "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: any\nspec:\n  replicas: 5\n",
			Target: &kustomize.Selector{Kind: "Deployment"},
		}}},
		verify: func(t *testing.T, objs []*unstructured.Unstructured) {
			if got := nested(mustFind(t, objs, "Deployment", "web"), "spec", "replicas"); got != int64(5) {
				t.Errorf("replicas %v", got)
			}
		},
	}, {
		name: "JSON6902 patch with target",
		spec: kustomizev1.KustomizationSpec{Path: "base", Patches: []kustomize.Patch{{
			Patch:  `[{"op":"replace","path":"/spec/ports/0/port","value":8080}]`,
			Target: &kustomize.Selector{Kind: "Service", Name: "web"},
		}}},
		verify: func(t *testing.T, objs []*unstructured.Unstructured) {
			ports := nested(mustFind(t, objs, "Service", "web"), "spec", "ports").([]any)
			if got := ports[0].(map[string]any)["port"]; got != int64(8080) {
				t.Errorf("port %v", got)
			}
		},
	}, {
		name: "images replace the file's entry of the same name",
		spec: kustomizev1.KustomizationSpec{Path: "overlays/production", Images: []kustomize.Image{
			{Name: "nginx", NewName: "registry.local/nginx", NewTag: "2.0"}}},
		verify: func(t *testing.T, objs []*unstructured.Unstructured) {
			if got := image(mustFind(t, objs, "Deployment", "web")); got != "registry.local/nginx:2.0" {
				t.Errorf("image %s", got)
			}
		},
	}, {
		name: "components, missing ones ignored",
		spec: kustomizev1.KustomizationSpec{Path: "base", Components: []string{"../components/extra", "../components/missing"},
			IgnoreMissingComponents: true},
		verify: func(t *testing.T, objs []*unstructured.Unstructured) {
			if got := mustFind(t, objs, "Deployment", "web").GetAnnotations()["component"]; got != "extra" {
				t.Errorf("component not applied: %q", got)
			}
		},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			objs, err := Build(ctx, root, &tt.spec, Options{})
			if err != nil {
				t.Fatal(err)
			}
			tt.verify(t, objs)
		})
	}
	t.Run("missing component without ignore fails naming it", func(t *testing.T) {
		_, err := Build(ctx, root, &kustomizev1.KustomizationSpec{Path: "base", Components: []string{"../components/missing"}}, Options{})
		if err == nil || !strings.Contains(err.Error(), "missing") {
			t.Fatalf("want an error naming the component, got %v", err)
		}
	})
	if _, err := os.Stat(filepath.Join(root, "base", "kustomization.yaml.original")); err == nil {
		t.Error("the artifact was modified")
	}
}
