/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package decrypt

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/getsops/sops/v3/cmd/sops/formats"
	"sigs.k8s.io/kustomize/kyaml/filesys"
)

// writeTree writes files (path -> content) below a new directory and returns it, symlinks resolved.
func writeTree(t *testing.T, files map[string][]byte) string {
	t.Helper()
	root, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for p, content := range files {
		full := filepath.Join(root, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, content, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func TestDecryptSourcesOfGeneratorsAndPatches(t *testing.T) {
	id := newAgeKey(t)
	o := sealOpts{Age: []string{id.Recipient().String()}}
	patch := "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\nstringData:\n  extra: s3cr3t-patch\n"
	root := writeTree(t, map[string][]byte{
		"app/kustomization.yaml": []byte(`resources:
- ../base
- https://example.com/remote.yaml
secretGenerator:
- name: env
  envs: [secret.env, settings.yaml]
- name: files
  files: [config.json, token=token.bin, other.json=renamed.txt, plain.txt, missing.txt]
configMapGenerator:
- name: cm
  envs: [cm.env]
patches:
- path: patch.yaml
`),
		"app/secret.env":    seal(t, []byte(plainDocs[formats.Dotenv]), formats.Dotenv, o),
		"app/settings.yaml": seal(t, []byte("A: s3cr3t-env-yaml\n"), formats.Yaml, o),
		"app/config.json":   seal(t, []byte(plainDocs[formats.Json]), formats.Json, o),
		"app/token.bin":     seal(t, []byte(plainDocs[formats.Binary]), formats.Binary, o),
		"app/renamed.txt":   seal(t, []byte(`{"k": "s3cr3t-renamed"}`), formats.Json, o),
		"app/plain.txt":     []byte("plain"),
		"app/cm.env":        seal(t, []byte("CM=s3cr3t-configmap\n"), formats.Dotenv, o),
		"app/patch.yaml":    seal(t, []byte(patch), formats.Yaml, sealOpts{Age: o.Age, EncryptedRegex: manifestRegex}),
		"base/kustomization.yaml": []byte("components: [../component]\nsecretGenerator:\n- name: base\n" +
			"  files: [../shared/base.env]\n"),
		"shared/base.env":              seal(t, []byte("BASE=s3cr3t-base\n"), formats.Dotenv, o),
		"component/kustomization.yaml": []byte("kind: Component\nsecretGenerator:\n- name: c\n  envs: [c.env]\n"),
		"component/c.env":              seal(t, []byte("C=s3cr3t-component\n"), formats.Dotenv, o),
	})
	got, err := decryptorFor(t, ageEntries(id)).DecryptSources(filesys.MakeFsOnDisk(), root, filepath.Join(root, "app"))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"app/secret.env":    string(canonical(t, plainDocs[formats.Dotenv], formats.Dotenv)),
		"app/settings.yaml": "A: s3cr3t-env-yaml\n",
		"app/config.json":   string(canonical(t, plainDocs[formats.Json], formats.Json)),
		"app/token.bin":     plainDocs[formats.Binary],
		"app/renamed.txt":   string(canonical(t, `{"k": "s3cr3t-renamed"}`, formats.Json)),
		"app/patch.yaml":    string(canonical(t, patch, formats.Yaml)),
		"shared/base.env":   "BASE=s3cr3t-base\n",
		"component/c.env":   "C=s3cr3t-component\n",
	}
	for rel, w := range want {
		if g, ok := got[filepath.Join(root, rel)]; !ok || string(g) != w {
			t.Errorf("%s: got %q (found %v), want %q", rel, g, ok, w)
		}
	}
	for p := range got {
		rel, _ := filepath.Rel(root, p)
		if _, ok := want[filepath.ToSlash(rel)]; !ok {
			t.Errorf("%s decrypted, but it is not a secretGenerator source or patch", rel)
		}
	}
}

func TestDecryptSourcesResolvesSymlinksAndNamesTheFile(t *testing.T) {
	id, other := newAgeKey(t), newAgeKey(t)
	o := sealOpts{Age: []string{id.Recipient().String()}}
	root := writeTree(t, map[string][]byte{
		"app/kustomization.yaml": []byte("secretGenerator:\n- name: s\n  envs: [link.env]\n"),
		"secrets/real.env":       seal(t, []byte("K=s3cr3t\n"), formats.Dotenv, o),
	})
	if err := os.Symlink(filepath.Join(root, "secrets/real.env"), filepath.Join(root, "app/link.env")); err != nil {
		t.Fatal(err)
	}
	got, err := decryptorFor(t, ageEntries(id)).DecryptSources(filesys.MakeFsOnDisk(), root, filepath.Join(root, "app"))
	if err != nil {
		t.Fatal(err)
	}
	if string(got[filepath.Join(root, "secrets/real.env")]) != "K=s3cr3t\n" {
		t.Errorf("the symlinked file is not keyed by its real path: %v", mapKeys(got))
	}

	_, err = decryptorFor(t, ageEntries(other)).DecryptSources(filesys.MakeFsOnDisk(), root, filepath.Join(root, "app"))
	if err == nil || !strings.HasPrefix(err.Error(), "decrypting secrets/real.env: no age identity in Secret flux-system/sops-keys matches") {
		t.Fatalf("error = %v, want one naming the file relative to the artifact", err)
	}
}

func TestDecryptSourcesRefusesOversizedFiles(t *testing.T) {
	id := newAgeKey(t)
	big := seal(t, []byte("K="+strings.Repeat("x", maxFileSize)+"\n"), formats.Dotenv, sealOpts{Age: []string{id.Recipient().String()}})
	root := writeTree(t, map[string][]byte{
		"kustomization.yaml": []byte("secretGenerator:\n- name: s\n  envs: [big.env]\n"),
		"big.env":            big,
	})
	_, err := decryptorFor(t, ageEntries(id)).DecryptSources(filesys.MakeFsOnDisk(), root, root)
	if err == nil || !strings.Contains(err.Error(), "decrypting big.env: the encrypted file has") {
		t.Fatalf("error = %v, want the size limit", err)
	}
}

func mapKeys(m map[string][]byte) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
