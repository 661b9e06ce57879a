/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

// Package decrypt decrypts the SOPS-encrypted input of a Kustomization (spec.decryption), the way Flux's
// kustomize-controller does: Kubernetes objects carrying a sops stanza in the build output, Secret data
// entries holding an encrypted file, and the encrypted files that secretGenerator entries and patches read,
// before kustomize runs.
//
// Keys come only from the Secret of spec.decryption.secretRef: its entries ending in .agekey hold age
// identities and those ending in .asc OpenPGP private keys (armored, without passphrase). Unlike the sops
// CLI, nothing is taken from the controller's environment (SOPS_AGE_KEY, ~/.config/sops, the GnuPG home), so a
// Kustomization can only decrypt with the keys it names, plus the age identities of the controller-wide
// Secret an administrator names with --sops-age-secret (AddAgeFallback). Cloud KMS and Vault keys (sops.aws-kms,
// sops.azure-kv, sops.gcp-kms, sops.vault-token) are not supported: decrypting a document that only they can
// open fails with a message saying so.
//
// The SOPS format is implemented here (sopsfile.go reads the metadata, walk.go and values.go decrypt and
// authenticate the values and compute the MAC, yaml.go, json.go, dotenv.go and ini.go read and write the
// formats), so that the controller does not link the sops library and its cloud SDKs. The plaintext is byte
// for byte what the sops library writes (differential and fuzz tests compare the two); documents that sops
// refuses are refused.
//
// No error, and nothing this package logs, quotes a decrypted value or a MAC: errors are descriptions (a
// value whose type tag was changed, a value left in plain text where the document's rules expect an
// encrypted one), never the value.
package decrypt

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	"filippo.io/age"
	"github.com/ProtonMail/go-crypto/openpgp"
)

// Provider is the only decryption provider, as in Flux.
const Provider = "sops"

// Entries of the decryption Secret, named as Flux names them.
const (
	// AgeKeyExt ends the names of entries holding age identities, one or more per entry, one per line.
	AgeKeyExt = ".agekey"
	// PGPKeyExt ends the names of entries holding armored OpenPGP private keys.
	PGPKeyExt = ".asc"
)

// unsupportedEntries are the entries Flux reads that tide does not support, with what they hold.
var unsupportedEntries = map[string]string{
	"sops.vault-token": "a HashiCorp Vault token",
	"sops.aws-kms":     "AWS KMS credentials",
	"sops.azure-kv":    "Azure Key Vault credentials",
	"sops.gcp-kms":     "GCP KMS credentials",
}

// maxFileSize bounds an encrypted generator source or patch file, as Flux does (5 MiB).
const maxFileSize = 5 << 20

// Decryptor decrypts SOPS documents with the keys of one decryption Secret. It is safe for concurrent use.
type Decryptor struct {
	// secret names the keys Secret ("namespace/name") in messages; "" when spec.decryption has no secretRef.
	secret string
	ageIDs []age.Identity
	pgp    openpgp.EntityList
	// unsupported lists the Secret's entries tide cannot use, for messages ("'sops.aws-kms' (AWS KMS ...)").
	unsupported []string
	// fallback names the controller's --sops-age-secret ("namespace/name") when its age identities were added.
	fallback    string
	fingerprint string
}

// AddAgeFallback adds the age identities of the controller-wide Secret named secret ("namespace/name", the
// --sops-age-secret flag, as in Flux) to d: they decrypt, for every Kustomization with spec.decryption, what
// its own keys cannot. Only entries ending in .agekey are read; one that does not parse is an error naming the
// Secret and the entry. The fingerprint changes with the Secret's data.
func (d *Decryptor) AddAgeFallback(secret string, data map[string][]byte) error {
	names := make([]string, 0, len(data))
	for name := range data {
		if filepath.Ext(name) == AgeKeyExt {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	for _, name := range names {
		if err := d.addAgeIdentities(data[name]); err != nil {
			return fmt.Errorf("--sops-age-secret '%s': entry '%s' %w", secret, name, err)
		}
	}
	d.fallback = secret
	h := sha256.Sum256([]byte(d.fingerprint + "\x00" + fingerprint(secret, data)))
	d.fingerprint = "sops:" + hex.EncodeToString(h[:])
	return nil
}

// New returns a Decryptor with the keys in data, the data of the Secret named secret ("namespace/name").
// With secret "" (no secretRef), it holds no key: decrypting anything fails with a message saying so. An
// entry that does not parse is an error naming the Secret and the entry, never quoting it. Entries with other
// names are ignored, as in Flux.
func New(secret string, data map[string][]byte) (*Decryptor, error) {
	d := &Decryptor{secret: secret, fingerprint: fingerprint(secret, data)}
	names := make([]string, 0, len(data))
	for name := range data {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		var err error
		switch {
		case filepath.Ext(name) == AgeKeyExt:
			err = d.addAgeIdentities(data[name])
		case filepath.Ext(name) == PGPKeyExt:
			err = d.addPGPKeys(data[name])
		case unsupportedEntries[name] != "":
			d.unsupported = append(d.unsupported, fmt.Sprintf("'%s' (%s)", name, unsupportedEntries[name]))
		}
		if err != nil {
			return nil, fmt.Errorf("decryption Secret '%s': entry '%s' %w", secret, name, err)
		}
	}
	return d, nil
}

// Fingerprint identifies the keys: a SHA-256 of the Secret's name and data, which changes when a key is
// rotated. It never reveals a key.
func (d *Decryptor) Fingerprint() string { return d.fingerprint }

// fingerprint hashes the Secret's name and entries in a canonical order.
func fingerprint(secret string, data map[string][]byte) string {
	names := make([]string, 0, len(data))
	for name := range data {
		names = append(names, name)
	}
	sort.Strings(names)
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%d\x00", secret, len(names))
	for _, name := range names {
		fmt.Fprintf(h, "%d:%s%d:", len(name), name, len(data[name]))
		h.Write(data[name])
	}
	return "sops:" + hex.EncodeToString(h.Sum(nil))
}

// addAgeIdentities parses the identities of one entry, one per line; blank lines and "#" comments are
// skipped, surrounding spaces (and Windows line ends) trimmed.
func (d *Decryptor) addAgeIdentities(value []byte) error {
	found := 0
	for i, line := range strings.Split(string(value), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		ids, err := age.ParseIdentities(strings.NewReader(line))
		if err != nil || len(ids) != 1 {
			// The parser's message is not shown: the line is private key material.
			return fmt.Errorf("line %d is not an age identity (AGE-SECRET-KEY-1...)", i+1)
		}
		d.ageIDs = append(d.ageIDs, ids[0])
		found++
	}
	if found == 0 {
		return fmt.Errorf("holds no age identity")
	}
	return nil
}

// addPGPKeys parses an armored OpenPGP key ring; its keys must be private and not protected by a passphrase
// (there is no one to type it).
func (d *Decryptor) addPGPKeys(value []byte) error {
	ring, err := openpgp.ReadArmoredKeyRing(bytes.NewReader(value))
	if err != nil || len(ring) == 0 {
		return fmt.Errorf("is not an armored OpenPGP key")
	}
	for _, e := range ring {
		if e.PrivateKey == nil {
			return fmt.Errorf("holds the public OpenPGP key %X, not its private key", e.PrimaryKey.Fingerprint)
		}
		if e.PrivateKey.Encrypted {
			return fmt.Errorf("holds the OpenPGP key %X protected by a passphrase: export it without one",
				e.PrimaryKey.Fingerprint)
		}
		for _, sub := range e.Subkeys {
			if sub.PrivateKey != nil && sub.PrivateKey.Encrypted {
				return fmt.Errorf("holds the OpenPGP key %X with a subkey protected by a passphrase: export it without one",
					e.PrimaryKey.Fingerprint)
			}
		}
	}
	d.pgp = append(d.pgp, ring...)
	return nil
}
