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
	"github.com/getsops/sops/v3/shamir"
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
	// Groups, when set, replace Age and PGP: each key group holds a Shamir share of the data key.
	Groups []Group
	// ShamirThreshold is the number of groups needed (sops' default, 0, is all of them).
	ShamirThreshold int
	// EncryptedRegex limits encryption to the keys it matches (ManifestRegex for manifests); without it, or
	// another rule below, every value is encrypted except those of keys ending in _unencrypted.
	EncryptedRegex string
	// UnencryptedSuffix, EncryptedSuffix, UnencryptedRegex, UnencryptedCommentRegex and EncryptedCommentRegex
	// are the other rules (at most one rule per document).
	UnencryptedSuffix, EncryptedSuffix, UnencryptedRegex, UnencryptedCommentRegex, EncryptedCommentRegex string
	// MACOnlyEncrypted limits the MAC to the encrypted values.
	MACOnlyEncrypted bool
}

// Group is a key group: age recipients and OpenPGP entities.
type Group struct {
	Age []string
	PGP []*openpgp.Entity
}

// Encrypt encrypts plain, a document of format f, as `sops --encrypt` does: a random data key encrypted for
// each recipient, every value encrypted with AES-GCM, and the MAC of the values stored encrypted.
func Encrypt(t testing.TB, plain []byte, f formats.Format, o Options) []byte {
	t.Helper()
	out, err := EncryptErr(t, plain, f, o)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// EncryptErr is Encrypt returning sops' refusal (a document sops cannot read or write, or on which it
// panics) as an error.
func EncryptErr(t testing.TB, plain []byte, f formats.Format, o Options) (sealed []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			sealed, err = nil, fmt.Errorf("sops panicked: %v", r)
		}
	}()
	branches, err := Store(f).LoadPlainFile(plain)
	if err != nil {
		return nil, fmt.Errorf("loading the plain document: %w", err)
	}
	groups := o.Groups
	if groups == nil {
		groups = []Group{{Age: o.Age, PGP: o.PGP}}
	}
	var keyGroups []sops.KeyGroup
	for _, g := range groups {
		kg, err := keyGroup(t, g)
		if err != nil {
			return nil, err
		}
		keyGroups = append(keyGroups, kg)
	}
	tree := sops.Tree{Branches: branches, Metadata: metadataOf(o, keyGroups)}
	dataKey := make([]byte, 32)
	if _, err := rand.Read(dataKey); err != nil {
		return nil, err
	}
	if err := encryptDataKey(&tree.Metadata, dataKey); err != nil {
		return nil, err
	}
	cipher := aes.NewCipher()
	mac, err := tree.Encrypt(dataKey, cipher)
	if err != nil {
		return nil, err
	}
	tree.Metadata.LastModified = time.Now().UTC()
	if tree.Metadata.MessageAuthenticationCode, err = cipher.Encrypt(mac, dataKey,
		tree.Metadata.LastModified.Format(time.RFC3339)); err != nil {
		return nil, err
	}
	return Store(f).EmitEncryptedFile(tree)
}

// metadataOf returns the metadata of a document encrypted with o for the key groups.
func metadataOf(o Options, groups []sops.KeyGroup) sops.Metadata {
	m := sops.Metadata{
		KeyGroups: groups, ShamirThreshold: o.ShamirThreshold, Version: version.Version,
		EncryptedRegex: o.EncryptedRegex, UnencryptedSuffix: o.UnencryptedSuffix, EncryptedSuffix: o.EncryptedSuffix,
		UnencryptedRegex: o.UnencryptedRegex, UnencryptedCommentRegex: o.UnencryptedCommentRegex,
		EncryptedCommentRegex: o.EncryptedCommentRegex, MACOnlyEncrypted: o.MACOnlyEncrypted,
	}
	if m.EncryptedRegex == "" && m.UnencryptedSuffix == "" && m.EncryptedSuffix == "" && m.UnencryptedRegex == "" &&
		m.UnencryptedCommentRegex == "" && m.EncryptedCommentRegex == "" {
		m.UnencryptedSuffix = sops.DefaultUnencryptedSuffix
	}
	return m
}

// keyGroup returns the sops keys of a group.
func keyGroup(t testing.TB, g Group) (sops.KeyGroup, error) {
	var group sops.KeyGroup
	for _, r := range g.Age {
		mk, err := sopsage.MasterKeyFromRecipient(r)
		if err != nil {
			return nil, err
		}
		group = append(group, mk)
	}
	for _, e := range g.PGP {
		mk, err := pgpMasterKey(t, e)
		if err != nil {
			return nil, err
		}
		group = append(group, mk)
	}
	return group, nil
}

// encryptDataKey encrypts the data key for every key; with several groups, each group gets a Shamir share
// (sops' default threshold is all groups).
func encryptDataKey(m *sops.Metadata, dataKey []byte) error {
	parts := [][]byte{dataKey}
	if len(m.KeyGroups) > 1 {
		if m.ShamirThreshold == 0 {
			m.ShamirThreshold = len(m.KeyGroups)
		}
		var err error
		if parts, err = shamir.Split(dataKey, len(m.KeyGroups), m.ShamirThreshold); err != nil {
			return err
		}
	}
	for i, g := range m.KeyGroups {
		for _, k := range g {
			if err := k.Encrypt(parts[i]); err != nil {
				return fmt.Errorf("encrypting the data key for %s: %w", k.ToString(), err)
			}
		}
	}
	return nil
}

// Store returns the sops library's store of a format.
func Store(f formats.Format) sops.Store {
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
func pgpMasterKey(t testing.TB, e *openpgp.Entity) (keys.MasterKey, error) {
	ring := filepath.Join(t.TempDir(), "pubring.gpg")
	f, err := os.Create(ring)
	if err != nil {
		return nil, err
	}
	if err := e.Serialize(f); err != nil {
		return nil, err
	}
	if err := f.Close(); err != nil {
		return nil, err
	}
	mk := pgp.NewMasterKeyFromFingerprint(fmt.Sprintf("%X", e.PrimaryKey.Fingerprint))
	pgp.PubRing(ring).ApplyToMasterKey(mk)
	return mk, nil
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
