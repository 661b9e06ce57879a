/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package decrypt

import (
	"testing"

	"filippo.io/age"
	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/getsops/sops/v3/cmd/sops/formats"

	"github.com/tide-gitops/tide/kustomize-controller/internal/decrypt/decrypttest"
)

// Shorter names for the table entries.
type (
	openpgpEntity = openpgp.Entity
	sealOpts      = decrypttest.Options
)

// manifestRegex is what Flux's guide passes to sops for Kubernetes Secrets.
const manifestRegex = decrypttest.ManifestRegex

var (
	seal      = decrypttest.Encrypt
	newAgeKey = decrypttest.AgeKey
	newPGPKey = decrypttest.PGPKey
)

// decryptorFor returns a Decryptor whose Secret "flux-system/sops-keys" holds the entries.
func decryptorFor(t testing.TB, entries map[string][]byte) *Decryptor {
	t.Helper()
	d, err := New("flux-system/sops-keys", entries)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// ageEntries returns Secret entries holding the identities, one entry "age.agekey" with one per line.
func ageEntries(ids ...*age.X25519Identity) map[string][]byte {
	return map[string][]byte{"age.agekey": decrypttest.AgeKeyFile(ids...)}
}

// canonical is the plaintext as the format's store writes it, which is what decryption returns.
func canonical(t *testing.T, plain string, f formats.Format) []byte {
	t.Helper()
	branches, err := decrypttest.Store(f).LoadPlainFile([]byte(plain))
	if err != nil {
		t.Fatal(err)
	}
	out, err := decrypttest.Store(f).EmitPlainFile(branches)
	if err != nil {
		t.Fatal(err)
	}
	return out
}
