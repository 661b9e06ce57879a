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
)

// TestAgeFallback: the controller's --sops-age-secret decrypts what a Kustomization's own keys cannot, with or
// without a secretRef; messages name both Secrets; the fingerprint follows the fallback's data; a bad entry is
// refused naming it.
func TestAgeFallback(t *testing.T) {
	own, global := newAgeKey(t), newAgeKey(t)
	plain := plainDocs[formats.Yaml]
	sealed := seal(t, []byte(plain), formats.Yaml, sealOpts{Age: []string{global.Recipient().String()}})

	for _, tc := range []struct {
		name, secret, ownMessage string
		entries                  map[string][]byte
	}{
		{"with a secretRef", "flux-system/sops-keys", "Secret flux-system/sops-keys has none", ageEntries(own)},
		{"without a secretRef", "", "spec.decryption.secretRef is not set", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, err := New(tc.secret, tc.entries)
			if err != nil {
				t.Fatal(err)
			}
			before := d.Fingerprint()
			if _, err := d.decrypt(sealed, formats.Yaml, formats.Yaml, true); err == nil {
				t.Fatal("decrypted without the global key")
			}
			if err := d.AddAgeFallback("flux-system/sops-age", ageEntries(global)); err != nil {
				t.Fatal(err)
			}
			if d.Fingerprint() == before {
				t.Error("the fingerprint did not change with the fallback keys")
			}
			got, err := d.decrypt(sealed, formats.Yaml, formats.Yaml, true)
			if err != nil {
				t.Fatal(err)
			}
			if want := canonical(t, plain, formats.Yaml); !bytes.Equal(got, want) {
				t.Errorf("decrypted %q, want %q", got, want)
			}

			other := seal(t, []byte(plain), formats.Yaml, sealOpts{Age: []string{newAgeKey(t).Recipient().String()}})
			_, err = d.decrypt(other, formats.Yaml, formats.Yaml, true)
			if err == nil || !strings.Contains(err.Error(), tc.ownMessage) ||
				!strings.Contains(err.Error(), "--sops-age-secret flux-system/sops-age has none either") {
				t.Errorf("error for a document of another key = %v", err)
			}
		})
	}

	d := decryptorFor(t, nil)
	err := d.AddAgeFallback("flux-system/sops-age", map[string][]byte{"k.agekey": []byte("AGE-SECRET-KEY-1NOPE"), "notes": []byte("x")})
	if err == nil || !strings.Contains(err.Error(), "--sops-age-secret 'flux-system/sops-age': entry 'k.agekey' line 1 is not an age identity") {
		t.Errorf("bad fallback entry: %v", err)
	}
}
