/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package build

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/api/krusty"
	kustypes "sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/kustomize/kyaml/openapi"

	kustomizev1 "github.com/tide-gitops/tide/api/kustomize/v1"
)

// fleetApp is the fleet benchmark's ./app: one ConfigMap and one headless Service.
var fleetApp = map[string]string{
	"app/configmap.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\ndata:\n  key: value\n",
	"app/service.yaml": "apiVersion: v1\nkind: Service\nmetadata:\n  name: app\nspec:\n  clusterIP: None\n" +
		"  selector:\n    app: app\n  ports:\n  - port: 80\n",
}

// benchBuilds runs the variants of one build shape: kustomize run directly (as a naive controller does), the
// same after kyaml's schema reset (Flux's per-build schema re-parse), this package cold, and this package with
// a cache hit.
func benchBuilds(b *testing.B, files map[string]string, naiveKustomization string, spec *kustomizev1.KustomizationSpec) {
	root := b.TempDir()
	writeTree(b, root, files)
	// The naive variants build an overlay written to disk beforehand (the generation step is not timed).
	writeTree(b, root, map[string]string{"naive/kustomization.yaml": naiveKustomization})
	naiveDir := filepath.Join(root, "naive")
	ctx := context.Background()
	naive := func(b *testing.B, reset bool) {
		b.ReportAllocs()
		for b.Loop() {
			if reset {
				openapi.ResetOpenAPI()
			}
			k := krusty.MakeKustomizer(&krusty.Options{
				LoadRestrictions: kustypes.LoadRestrictionsNone,
				PluginConfig:     kustypes.DisabledPluginConfig(),
			})
			m, err := k.Run(filesys.MakeFsOnDisk(), naiveDir)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := toObjects(m); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.Run("krusty-naive", func(b *testing.B) { naive(b, false) })
	b.Run("krusty-schema-reparse", func(b *testing.B) { naive(b, true) })
	b.Run("tide-cold", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := Build(ctx, root, spec, Options{}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("tide-cached", func(b *testing.B) {
		cache := NewCache(16, 0)
		opts := Options{Cache: cache, ArtifactDigest: "sha256:bench"}
		if _, err := Build(ctx, root, spec, opts); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := Build(ctx, root, spec, opts); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(cache.Stats().Hits)/float64(b.N), "hits/op")
	})
	b.Run("tide-cold-parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := Build(ctx, root, spec, Options{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	})
}

// BenchmarkBuild is one Kustomization of the fleet benchmark: ./app with namePrefix and targetNamespace.
func BenchmarkBuild(b *testing.B) {
	benchBuilds(b, fleetApp,
		"namespace: fleet-apps\nnamePrefix: app-0001-\nresources:\n- ../app/configmap.yaml\n- ../app/service.yaml\n",
		&kustomizev1.KustomizationSpec{Path: "./app", NamePrefix: "app-0001-", TargetNamespace: "fleet-apps"})
}

// BenchmarkBuild1000ConfigMaps is the big benchmark: one plain-YAML path of 1,000 ConfigMaps.
func BenchmarkBuild1000ConfigMaps(b *testing.B) {
	files := map[string]string{}
	var k strings.Builder
	k.WriteString("resources:\n")
	for i := range 1000 {
		name := fmt.Sprintf("cm-%04d", i)
		files["big/"+name+".yaml"] = fmt.Sprintf("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: %s\n  namespace: big\ndata:\n  index: \"%d\"\n", name, i)
		fmt.Fprintf(&k, "- ../big/%s.yaml\n", name)
	}
	benchBuilds(b, files, k.String(), &kustomizev1.KustomizationSpec{Path: "./big"})
}

// BenchmarkBuildBigFile is the end-to-end Big benchmark's build: one plain-YAML file of 1,000 ConfigMap
// documents, placed in a namespace by targetNamespace.
func BenchmarkBuildBigFile(b *testing.B) {
	var docs strings.Builder
	for i := range 1000 {
		fmt.Fprintf(&docs, "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-%04d\ndata:\n  index: \"%d\"\n  app: big\n", i, i)
	}
	benchBuilds(b, map[string]string{"big/configmaps.yaml": docs.String()},
		"namespace: big-apps\nresources:\n- ../big/configmaps.yaml\n",
		&kustomizev1.KustomizationSpec{Path: "./big", TargetNamespace: "big-apps"})
}
