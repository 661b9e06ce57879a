/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package decrypt

import (
	"bytes"
	"strings"
	"testing"

	"filippo.io/age"
	"github.com/getsops/sops/v3/cmd/sops/formats"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/tide-gitops/tide/kustomize-controller/internal/decrypt/decrypttest"
)

// fuzzSecret is the plaintext of every seed; no error may quote it unless the input holds it in clear.
const fuzzSecret = "fuzz-s3cr3t"

// FuzzDecrypt feeds changed SOPS documents (from Git: outside input) to the decryptor, which holds the key
// of the seeds. It must never panic, its errors must never quote a decrypted value, whatever the change
// (type tags, MAC, ciphertext, metadata, truncation), and it must write what the sops library writes, or
// refuse what the library refuses.
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
	group := decrypttest.Group{Age: o.Age}
	for _, s := range []struct {
		plain string
		f     formats.Format
		o     sealOpts
	}{
		{"# sops:enc\npassword: " + fuzzSecret + " # inline\n# c\nlist:\n  - a # x\n  # y\n", formats.Yaml,
			sealOpts{Age: o.Age, EncryptedCommentRegex: "sops:enc"}},
		{"#c\nA=" + fuzzSecret + "\nB_unencrypted=b\n", formats.Dotenv, sealOpts{Age: o.Age, MACOnlyEncrypted: true}},
		{"; c\n[db]\npassword = " + fuzzSecret + "\n; k\n", formats.Ini,
			sealOpts{Groups: []decrypttest.Group{group, group, group}, ShamirThreshold: 2}},
		{`{"name": "n", "password": "` + fuzzSecret + `", "l": [1, {"a": null}]}`, formats.Json,
			sealOpts{Age: o.Age, UnencryptedRegex: "^name$"}},
	} {
		f.Add(seal(f, []byte(s.plain), s.f, s.o), uint8(s.f))
	}
	f.Fuzz(func(t *testing.T, data []byte, format uint8) {
		fm := formats.Format(int(format) % 5)
		clear := bytes.Contains(data, []byte(fuzzSecret))
		if _, err := d.decrypt(data, fm, fm, true); err != nil && !clear && strings.Contains(err.Error(), fuzzSecret) {
			t.Fatalf("the error quotes a decrypted value: %v", err)
		}
		requireSameAsSops(t, d, data, fm, fm, format&0x80 == 0)
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

// FuzzSameAsSops builds a document from the fuzz input (YAML with comments and scalar styles, JSON with
// duplicate keys, dotenv, INI, binary), encrypts it with the sops library under a rule chosen by the input
// (and sometimes as a 2-of-3 Shamir document), and requires tide's plaintext, in every output format, to be
// byte for byte the library's, or both to refuse.
func FuzzSameAsSops(f *testing.F) {
	ids := []*age.X25519Identity{newAgeKey(f), newAgeKey(f), newAgeKey(f)}
	ages := []string{ids[0].Recipient().String(), ids[1].Recipient().String(), ids[2].Recipient().String()}
	d := decryptorFor(f, ageEntries(ids[0], ids[2]))
	for _, seed := range []string{"", "\x00\x05abc", "\x04\x01\x03\x02\x05\x05\x05\x01\x04\x02\x02\x03",
		"\x01\x02\x05\x02\x04", "\x03\x03\x07\x00\x00\x02\x02\x01\x04", "\x02\x05\x06\x04\x01\x02\x03\x04\x05\x06\x07"} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		g := &docGen{in: data}
		in := allFormats[g.intn(len(allFormats))]
		o := g.options(ages)
		plain := g.document(in)
		sealed, err := decrypttest.EncryptErr(t, plain, in, o)
		if err != nil {
			return // sops cannot encrypt it
		}
		for _, out := range allFormats {
			requireSameAsSops(t, d, sealed, in, out, true)
		}
		requireSameAsSops(t, d, sealed, in, in, false)
	})
}

// requireSameAsSops fails unless tide and the sops library write the same plaintext or both refuse.
func requireSameAsSops(t *testing.T, d *Decryptor, data []byte, in, out formats.Format, verifyMAC bool) {
	t.Helper()
	got, err := d.decrypt(data, in, out, verifyMAC)
	if err != nil && strings.HasPrefix(err.Error(), "malformed SOPS") {
		t.Fatalf("%s -> %s: tide panicked (the recover is a last resort)", formatNames[in], formatNames[out])
	}
	want, refErr := referenceDecrypt(d, data, in, out, verifyMAC)
	switch {
	case err != nil && refErr == nil:
		t.Fatalf("%s -> %s: tide refuses (%v), sops writes %q", formatNames[in], formatNames[out], err, want)
	case err == nil && refErr != nil:
		t.Fatalf("%s -> %s: sops refuses (%v), tide writes %q", formatNames[in], formatNames[out], refErr, got)
	case err == nil && !bytes.Equal(got, want):
		t.Fatalf("%s -> %s: tide writes\n%q\nsops writes\n%q", formatNames[in], formatNames[out], got, want)
	}
}
