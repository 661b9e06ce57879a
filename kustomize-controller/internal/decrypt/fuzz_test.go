/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package decrypt

import (
	"bytes"
	"strings"
	"testing"

	"github.com/getsops/sops/v3/cmd/sops/formats"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"
)

// fuzzSecret is the plaintext of every seed; no error may quote it unless the input holds it in clear.
const fuzzSecret = "fuzz-s3cr3t"

// FuzzDecrypt feeds changed SOPS documents (from Git: outside input) to the decryptor, which holds the key
// of the seeds. It must never panic, and its errors must never quote a decrypted value, whatever the change
// (type tags, MAC, ciphertext, metadata, truncation).
func FuzzDecrypt(f *testing.F) {
	id := newAgeKey(f)
	d := decryptorFor(f, ageEntries(id))
	o := sealOpts{Age: []string{id.Recipient().String()}}
	seeds := map[formats.Format]string{
		formats.Yaml:   "password: " + fuzzSecret + "\nport: 5432\nlist: [a, " + fuzzSecret + "]\n",
		formats.Json:   `{"password": "` + fuzzSecret + `", "n": 1.5, "ok": true}`,
		formats.Dotenv: "PASSWORD=" + fuzzSecret + "\n",
		formats.Ini:    "[db]\npassword = " + fuzzSecret + "\n",
		formats.Binary: fuzzSecret,
	}
	for format, plain := range seeds {
		f.Add(seal(f, []byte(plain), format, o), uint8(format))
	}
	manifest := "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\nstringData:\n  password: " + fuzzSecret + "\n"
	f.Add(seal(f, []byte(manifest), formats.Yaml, sealOpts{Age: o.Age, EncryptedRegex: manifestRegex}), uint8(formats.Yaml))
	f.Fuzz(func(t *testing.T, data []byte, format uint8) {
		fm := formats.Format(int(format) % 5)
		clear := bytes.Contains(data, []byte(fuzzSecret))
		if _, err := d.decrypt(data, fm, fm, true); err != nil && !clear && strings.Contains(err.Error(), fuzzSecret) {
			t.Fatalf("the error quotes a decrypted value: %v", err)
		}
		if fm != formats.Yaml {
			return
		}
		obj := &unstructured.Unstructured{}
		js, err := yaml.YAMLToJSON(data)
		if err != nil || obj.UnmarshalJSON(js) != nil {
			return
		}
		if _, err := d.DecryptObject(obj); err != nil && !clear && strings.Contains(err.Error(), fuzzSecret) {
			t.Fatalf("the error quotes a decrypted value: %v", err)
		}
	})
}
