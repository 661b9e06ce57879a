/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package decrypt

import (
	"context"
	"strings"
	"testing"

	"github.com/getsops/sops/v3/cmd/sops/formats"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	kustomizev1 "github.com/tide-gitops/tide/api/kustomize/v1"
	"github.com/tide-gitops/tide/kustomize-controller/internal/build"
)

// countingBuild builds root with the cache and decryptor, counting how often the artifact is asked for (once
// per build that is not cached).
type countingBuild struct {
	root    string
	cache   *build.Cache
	fetches int
}

func (c *countingBuild) run(t *testing.T, d *Decryptor) []*unstructured.Unstructured {
	t.Helper()
	opts := build.Options{ArtifactDigest: "sha256:0123", Cache: c.cache}
	if d != nil {
		opts.Decryptor = d
	}
	objs, err := build.BuildFrom(context.Background(), func() (string, error) {
		c.fetches++
		return c.root, nil
	}, &kustomizev1.KustomizationSpec{Path: "./", TargetNamespace: "prod"}, opts)
	if err != nil {
		t.Fatal(err)
	}
	return objs
}

func stringData(t *testing.T, objs []*unstructured.Unstructured, name, key string) string {
	t.Helper()
	for _, o := range objs {
		if o.GetName() == name {
			v, _, _ := unstructured.NestedString(o.Object, "stringData", key)
			return v
		}
	}
	t.Fatalf("no object %s in the build", name)
	return ""
}

// TestBuildCachesOnlyEncryptedOutput: a build whose objects are encrypted is cached encrypted and decrypted
// on every use; a build that read decrypted generator sources holds plaintext and is never cached; rotated
// keys miss the cache.
func TestBuildCachesOnlyEncryptedOutput(t *testing.T) {
	id, rotated := newAgeKey(t), newAgeKey(t)
	o := sealOpts{Age: []string{id.Recipient().String(), rotated.Recipient().String()}, EncryptedRegex: manifestRegex}
	manifest := "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\nstringData:\n  password: s3cr3t-db\n"
	objects := &countingBuild{cache: build.NewCache(10, 0), root: writeTree(t, map[string][]byte{
		"kustomization.yaml": []byte("resources: [secret.yaml]\n"),
		"secret.yaml":        seal(t, []byte(manifest), formats.Yaml, o),
	})}
	d := decryptorFor(t, ageEntries(id))
	for i := 0; i < 2; i++ {
		if got := stringData(t, objects.run(t, d), "db", "password"); got != "s3cr3t-db" {
			t.Fatalf("build %d: password %q", i, got)
		}
	}
	if objects.fetches != 1 {
		t.Errorf("the encrypted build was made %d times, want once (cached)", objects.fetches)
	}
	objects.run(t, decryptorFor(t, ageEntries(rotated)))
	if objects.fetches != 2 {
		t.Errorf("rotated keys used the cached build (%d builds)", objects.fetches)
	}
	if got := stringData(t, objects.run(t, nil), "db", "password"); !strings.HasPrefix(got, "ENC[") || objects.fetches != 3 {
		t.Errorf("without decryption: password %q, %d builds; want the encrypted value from a build of its own", got, objects.fetches)
	}

	sources := &countingBuild{cache: build.NewCache(10, 0), root: writeTree(t, map[string][]byte{
		"kustomization.yaml": []byte("secretGenerator:\n- name: env\n  envs: [app.env]\n"),
		"app.env":            seal(t, []byte("PASSWORD=s3cr3t-env\n"), formats.Dotenv, sealOpts{Age: o.Age}),
	})}
	for i := 0; i < 2; i++ {
		sources.run(t, d)
	}
	if sources.fetches != 2 || sources.cache.Stats().Entries != 0 {
		t.Errorf("a build of decrypted sources was cached: %d builds, %d entries", sources.fetches, sources.cache.Stats().Entries)
	}
}
