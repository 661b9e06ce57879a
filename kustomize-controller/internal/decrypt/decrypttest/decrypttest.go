/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

// Package decrypttest encrypts test documents as `sops --encrypt` does, with real age and OpenPGP keys, for
// the tests of the decrypt package and of the controller.
package decrypttest

import (
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"filippo.io/age"
	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/armor"
	"github.com/getsops/sops/v3"
	"github.com/getsops/sops/v3/aes"
	sopsage "github.com/getsops/sops/v3/age"
	"github.com/getsops/sops/v3/cmd/sops/formats"
	"github.com/getsops/sops/v3/config"
	"github.com/getsops/sops/v3/keys"
	"github.com/getsops/sops/v3/pgp"
	"github.com/getsops/sops/v3/stores/dotenv"
	"github.com/getsops/sops/v3/stores/ini"
	"github.com/getsops/sops/v3/stores/json"
	"github.com/getsops/sops/v3/stores/yaml"
	"github.com/getsops/sops/v3/version"
)

// ManifestRegex is what Flux's guide passes to sops (--encrypted-regex) for Kubernetes Secrets.
const ManifestRegex = "^(data|stringData)$"

// Options are how a document is encrypted.
type Options struct {
	// Age lists age recipients (public keys).
	Age []string
	// PGP lists OpenPGP entities to encrypt for.
	PGP []*openpgp.Entity
	// EncryptedRegex limits encryption to the keys it matches (ManifestRegex for manifests); without it every
	// value is encrypted except those of keys ending in _unencrypted.
	EncryptedRegex string
}

// Encrypt encrypts plain, a document of format f, as `sops --encrypt` does: a random data key encrypted for
// each recipient, every value encrypted with AES-GCM, and the MAC of the values stored encrypted.
func Encrypt(t testing.TB, plain []byte, f formats.Format, o Options) []byte {
	t.Helper()
	branches, err := store(f).LoadPlainFile(plain)
	if err != nil {
		t.Fatalf("loading the plain document: %v", err)
	}
	var group sops.KeyGroup
	for _, r := range o.Age {
		mk, err := sopsage.MasterKeyFromRecipient(r)
		if err != nil {
			t.Fatal(err)
		}
		group = append(group, mk)
	}
	for _, e := range o.PGP {
		group = append(group, pgpMasterKey(t, e))
	}
	tree := sops.Tree{Branches: branches, Metadata: sops.Metadata{
		KeyGroups: []sops.KeyGroup{group}, EncryptedRegex: o.EncryptedRegex, Version: version.Version}}
	if o.EncryptedRegex == "" {
		tree.Metadata.UnencryptedSuffix = sops.DefaultUnencryptedSuffix
	}
	dataKey := make([]byte, 32)
	if _, err := rand.Read(dataKey); err != nil {
		t.Fatal(err)
	}
	for _, k := range group {
		if err := k.Encrypt(dataKey); err != nil {
			t.Fatalf("encrypting the data key for %s: %v", k.ToString(), err)
		}
	}
	cipher := aes.NewCipher()
	mac, err := tree.Encrypt(dataKey, cipher)
	if err != nil {
		t.Fatal(err)
	}
	tree.Metadata.LastModified = time.Now().UTC()
	if tree.Metadata.MessageAuthenticationCode, err = cipher.Encrypt(mac, dataKey,
		tree.Metadata.LastModified.Format(time.RFC3339)); err != nil {
		t.Fatal(err)
	}
	out, err := store(f).EmitEncryptedFile(tree)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// store returns the SOPS store of a format.
func store(f formats.Format) sops.Store {
	switch f {
	case formats.Dotenv:
		return dotenv.NewStore(&config.DotenvStoreConfig{})
	case formats.Ini:
		return ini.NewStore(&config.INIStoreConfig{})
	case formats.Json:
		return json.NewStore(&config.JSONStoreConfig{})
	case formats.Yaml:
		return yaml.NewStore(&config.YAMLStoreConfig{})
	default:
		return json.NewBinaryStore(&config.JSONBinaryStoreConfig{})
	}
}

// pgpMasterKey returns a sops key for e, encrypting through a public key ring file holding e.
func pgpMasterKey(t testing.TB, e *openpgp.Entity) keys.MasterKey {
	t.Helper()
	ring := filepath.Join(t.TempDir(), "pubring.gpg")
	f, err := os.Create(ring)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Serialize(f); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	mk := pgp.NewMasterKeyFromFingerprint(fmt.Sprintf("%X", e.PrimaryKey.Fingerprint))
	pgp.PubRing(ring).ApplyToMasterKey(mk)
	return mk
}

// AgeKey returns a fresh age identity.
func AgeKey(t testing.TB) *age.X25519Identity {
	t.Helper()
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// AgeKeyFile returns identities as an .agekey Secret entry holds them: a comment, then one per line.
func AgeKeyFile(ids ...*age.X25519Identity) []byte {
	var b strings.Builder
	b.WriteString("# created by the test\n")
	for _, id := range ids {
		b.WriteString(id.String() + "\n")
	}
	return []byte(b.String())
}

// PGPKey returns a fresh OpenPGP entity and its armored private key (no passphrase).
func PGPKey(t testing.TB) (*openpgp.Entity, []byte) {
	t.Helper()
	e, err := openpgp.NewEntity("tide test", "", "test@example.com", nil)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	w, err := armor.Encode(&b, openpgp.PrivateKeyType, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.SerializePrivate(w, nil); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return e, []byte(b.String())
}
