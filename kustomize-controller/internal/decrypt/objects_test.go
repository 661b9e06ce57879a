/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package decrypt

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/getsops/sops/v3/cmd/sops/formats"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"
)

// object parses a YAML manifest.
func object(t *testing.T, manifest []byte) *unstructured.Unstructured {
	t.Helper()
	js, err := yaml.YAMLToJSON(manifest)
	if err != nil {
		t.Fatal(err)
	}
	u := &unstructured.Unstructured{}
	if err := u.UnmarshalJSON(js); err != nil {
		t.Fatal(err)
	}
	return u
}

const secretManifest = `apiVersion: v1
kind: Secret
metadata:
  name: db-password
type: Opaque
stringData:
  password: s3cr3t-string-data
data:
  token: czNjcjN0LWRhdGE=
`

func TestDecryptObjectAfterKustomizeChangedIt(t *testing.T) {
	id := newAgeKey(t)
	d := decryptorFor(t, ageEntries(id))
	sealed := seal(t, []byte(secretManifest), formats.Yaml, sealOpts{Age: []string{id.Recipient().String()}, EncryptedRegex: manifestRegex})
	obj := object(t, sealed)
	if !IsEncryptedSecret(obj) {
		t.Fatal("the sealed Secret is not recognised as encrypted")
	}
	// What kustomize does to it: a namespace, labels, sorted keys (the document's MAC no longer matches).
	obj.SetNamespace("prod")
	obj.SetLabels(map[string]string{"app": "db"})
	before := obj.DeepCopy()

	out, err := d.DecryptObject(obj)
	if err != nil {
		t.Fatal(err)
	}
	if out == nil {
		t.Fatal("nothing decrypted")
	}
	if got, _, _ := unstructured.NestedString(out.Object, "stringData", "password"); got != "s3cr3t-string-data" {
		t.Errorf("stringData.password = %q", got)
	}
	if got, _, _ := unstructured.NestedString(out.Object, "data", "token"); got != "czNjcjN0LWRhdGE=" {
		t.Errorf("data.token = %q", got)
	}
	if _, found := out.Object["sops"]; found || out.GetNamespace() != "prod" || out.GetLabels()["app"] != "db" {
		t.Errorf("decrypted object: sops stanza kept or metadata lost: %v", out.Object)
	}
	if !equalJSON(t, obj, before) {
		t.Error("DecryptObject modified its input")
	}
}

func TestDecryptObjectSecretEntriesHoldingEncryptedFiles(t *testing.T) {
	id := newAgeKey(t)
	d := decryptorFor(t, ageEntries(id))
	o := sealOpts{Age: []string{id.Recipient().String()}}
	obj := object(t, []byte("apiVersion: v1\nkind: Secret\nmetadata:\n  name: generated\n  namespace: prod\ndata: {}\n"))
	entries := map[string][]byte{
		"app.env":       seal(t, []byte(plainDocs[formats.Dotenv]), formats.Dotenv, o),
		"settings.yaml": seal(t, []byte(plainDocs[formats.Yaml]), formats.Yaml, o),
		"token":         seal(t, []byte(plainDocs[formats.Binary]), formats.Binary, o),
		"plain.txt":     []byte("not encrypted"),
	}
	for k, v := range entries {
		if err := unstructured.SetNestedField(obj.Object, base64.StdEncoding.EncodeToString(v), "data", k); err != nil {
			t.Fatal(err)
		}
	}
	out, err := d.DecryptObject(obj)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"app.env":       string(canonical(t, plainDocs[formats.Dotenv], formats.Dotenv)),
		"settings.yaml": string(canonical(t, plainDocs[formats.Yaml], formats.Yaml)),
		"token":         plainDocs[formats.Binary],
		"plain.txt":     "not encrypted",
	}
	for k, w := range want {
		v, _, _ := unstructured.NestedString(out.Object, "data", k)
		got, _ := base64.StdEncoding.DecodeString(v)
		if string(got) != w {
			t.Errorf("data entry %s = %q, want %q", k, got, w)
		}
	}
}

func TestDecryptObjectPassesThroughAndRefuses(t *testing.T) {
	id, other := newAgeKey(t), newAgeKey(t)
	d := decryptorFor(t, ageEntries(id))
	o := sealOpts{Age: []string{id.Recipient().String()}, EncryptedRegex: manifestRegex}
	disabled := object(t, seal(t, []byte(secretManifest), formats.Yaml, o))
	disabled.SetAnnotations(map[string]string{DecryptAnnotation: "Disabled"})
	for name, obj := range map[string]*unstructured.Unstructured{
		"plain Secret":     object(t, []byte(secretManifest)),
		"plain ConfigMap":  object(t, []byte("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  k: v\n")),
		"decrypt disabled": disabled,
	} {
		out, err := d.DecryptObject(obj)
		if err != nil || out != nil {
			t.Errorf("%s: DecryptObject = %v, %v; want nothing to do", name, out, err)
		}
	}

	cases := []struct {
		name, manifest, wantErr string
		keys                    *Decryptor
	}{
		{"wrong key", secretManifest, "decrypting Secret prod/db-password: no age identity in Secret flux-system/sops-keys matches the recipients " + id.Recipient().String(),
			decryptorFor(t, ageEntries(other))},
		{"number in stringData", "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db-password\nstringData:\n  port: 987654\n",
			"stringData entry 'port' is not a string after decryption", d},
		{"plain text in data", "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db-password\ndata:\n  password: s3cr3t plain\n",
			"data entry 'password' is not base64 after decryption", d},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			obj := object(t, seal(t, []byte(tc.manifest), formats.Yaml, o))
			obj.SetNamespace("prod")
			_, err := tc.keys.DecryptObject(obj)
			t.Logf("error: %v", err)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("error = %v, want %q", err, tc.wantErr)
			}
			if strings.Contains(err.Error(), "s3cr3t") || strings.Contains(err.Error(), "987654") {
				t.Errorf("the error quotes a value: %v", err)
			}
		})
	}
}

func equalJSON(t *testing.T, a, b *unstructured.Unstructured) bool {
	t.Helper()
	ja, err := a.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	jb, err := b.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	return string(ja) == string(jb)
}
