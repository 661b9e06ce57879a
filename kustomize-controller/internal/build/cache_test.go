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
	"reflect"
	"sync"
	"testing"

	"github.com/fluxcd/pkg/apis/kustomize"

	kustomizev1 "github.com/tide-gitops/tide/api/kustomize/v1"
)

func TestBuildCache(t *testing.T) {
	root := t.TempDir()
	writeTree(t, root, seedTree)
	ctx := context.Background()
	cache := NewCache(8, 0)
	spec := &kustomizev1.KustomizationSpec{Path: "overlays/production", NamePrefix: "a-"}
	opts := Options{Cache: cache, ArtifactDigest: "sha256:one"}

	first, err := Build(ctx, root, spec, opts)
	must(t, err)
	// The artifact changes on disk but the digest does not: the cached build is served.
	must(t, os.RemoveAll(filepath.Join(root, "base", "service.yaml")))
	second, err := Build(ctx, root, spec, opts)
	must(t, err)
	if !reflect.DeepEqual(first, second) {
		t.Fatal("a cache hit returned different objects")
	}
	if s := cache.Stats(); s.Hits != 1 || s.Misses != 1 {
		t.Fatalf("stats %+v, want 1 hit 1 miss", s)
	}
	// Returned objects are the caller's: changing them leaves the cache intact.
	second[0].SetName("changed")
	third, err := Build(ctx, root, spec, opts)
	must(t, err)
	if !reflect.DeepEqual(first, third) {
		t.Fatal("modifying a returned object changed the cache")
	}

	for name, o := range map[string]struct {
		spec   *kustomizev1.KustomizationSpec
		digest string
	}{
		"digest":     {spec, "sha256:two"},
		"namePrefix": {&kustomizev1.KustomizationSpec{Path: spec.Path, NamePrefix: "b-"}, "sha256:one"},
		"path":       {&kustomizev1.KustomizationSpec{Path: "./overlays/production/", NamePrefix: "a-"}, "sha256:one"},
		"images": {&kustomizev1.KustomizationSpec{Path: spec.Path, NamePrefix: "a-",
			Images: []kustomize.Image{{Name: "nginx", NewTag: "9"}}}, "sha256:one"},
	} {
		before := cache.Stats().Misses
		_, err := Build(ctx, root, o.spec, Options{Cache: cache, ArtifactDigest: o.digest})
		if err == nil {
			t.Errorf("%s: built from the changed artifact without error; want a miss that sees service.yaml gone", name)
		}
		if cache.Stats().Misses != before+1 {
			t.Errorf("changed %s did not miss the cache", name)
		}
	}
	// Fields that do not change the kustomize build share the entry.
	other := *spec
	other.Interval.Duration = 42
	other.CommonMetadata = &kustomizev1.CommonMetadata{Labels: map[string]string{"x": "y"}}
	if CacheKey("d", spec, false) != CacheKey("d", &other, false) {
		t.Error("interval/commonMetadata changed the cache key")
	}
	if CacheKey("", spec, false) != "" {
		t.Error("an artifact without digest must not be cached")
	}
}

func TestCacheLRU(t *testing.T) {
	c := NewCache(2, 0)
	c.put("a", nil)
	c.put("b", nil)
	c.get("a")
	c.put("c", nil) // evicts b, the least recently used
	if _, ok := c.get("b"); ok {
		t.Error("b should have been evicted")
	}
	for _, k := range []string{"a", "c"} {
		if _, ok := c.get(k); !ok {
			t.Errorf("%s evicted", k)
		}
	}
	bounded := NewCache(10, 3)
	root := t.TempDir()
	writeTree(t, root, seedTree)
	built, err := buildObjects(root, &kustomizev1.KustomizationSpec{Path: "base"}, false)
	must(t, err)
	bounded.put("x", built)
	bounded.put("y", built) // 4 objects > 3: x goes
	if _, ok := bounded.get("x"); ok || bounded.Stats().Objects != 2 {
		t.Errorf("object bound not enforced: %+v", bounded.Stats())
	}
}

func TestBuildConcurrent(t *testing.T) {
	root := t.TempDir()
	writeTree(t, root, seedTree)
	writeTree(t, root, map[string]string{
		"custom/kustomization.yaml": "resources:\n- ../base\nopenapi:\n  version: v1.21.2\n",
	})
	cache := NewCache(64, 0)
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for i := range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			spec := &kustomizev1.KustomizationSpec{
				Path:            "overlays/production",
				NamePrefix:      fmt.Sprintf("app-%04d-", i%8),
				TargetNamespace: "fleet",
				Patches: []kustomize.Patch{{
					Patch: "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 7\n"}},
			}
			if i%5 == 0 {
				spec.Path = "custom"
			}
			objs, err := Build(context.Background(), root, spec, Options{Cache: cache, ArtifactDigest: "d"})
			if err != nil {
				errs <- err
				return
			}
			d := find(objs, "Deployment", spec.NamePrefix+"web")
			if d == nil || nested(d, "spec", "replicas") != int64(7) || d.GetNamespace() != "fleet" {
				errs <- fmt.Errorf("build %d: wrong result", i)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
