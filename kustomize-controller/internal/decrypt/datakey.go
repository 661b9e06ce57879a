/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package decrypt

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"filippo.io/age"
	"filippo.io/age/armor"
	"github.com/ProtonMail/go-crypto/openpgp"
	pgparmor "github.com/ProtonMail/go-crypto/openpgp/armor"
	"github.com/getsops/sops/v3/shamir"
)

// dataKey recovers the document's data key with the Decryptor's keys. Each key group holds the data key
// encrypted for each of its keys (tried age first, then OpenPGP, in the order listed); with several groups,
// each holds a Shamir share, and the shares of at least shamir_threshold groups are combined, as sops does.
func (d *Decryptor) dataKey(m *metadata) ([]byte, error) {
	var parts [][]byte
	for _, g := range m.groups {
		if part, ok := d.groupKey(g); ok {
			parts = append(parts, part)
		}
	}
	if len(m.groups) <= 1 {
		if len(parts) != 1 {
			return nil, errors.New("no key decrypts the data key")
		}
		return parts[0], nil
	}
	if len(parts) < m.shamirThreshold {
		return nil, errors.New("too few key groups decrypt their share of the data key")
	}
	return shamir.Combine(parts)
}

// groupKey decrypts the data key (or share) of one key group with the first key that can.
func (d *Decryptor) groupKey(g keyGroup) ([]byte, bool) {
	for _, k := range g.age {
		if plain, err := d.decryptAge([]byte(k.enc)); err == nil {
			return plain, true
		}
	}
	for _, k := range g.pgp {
		if plain, err := d.decryptPGP([]byte(k.enc)); err == nil {
			return plain, true
		}
	}
	return nil, false
}

// maxDataKey bounds a decrypted data key (sops' are 32 bytes).
const maxDataKey = 1 << 10

// decryptAge decrypts a data key encrypted with age (armored, as sops writes it).
func (d *Decryptor) decryptAge(ciphertext []byte) ([]byte, error) {
	if len(d.ageIDs) == 0 {
		return nil, errors.New("no age identity")
	}
	var src io.Reader = bytes.NewReader(ciphertext)
	if bytes.HasPrefix(bytes.TrimSpace(ciphertext), []byte(armor.Header)) {
		src = armor.NewReader(bytes.NewReader(bytes.TrimSpace(ciphertext)))
	}
	r, err := age.Decrypt(src, d.ageIDs...)
	if err != nil {
		return nil, err
	}
	return io.ReadAll(io.LimitReader(r, maxDataKey))
}

// decryptPGP decrypts a data key encrypted with OpenPGP (armored), with go-crypto and the Secret's keys only.
func (d *Decryptor) decryptPGP(ciphertext []byte) ([]byte, error) {
	if len(d.pgp) == 0 {
		return nil, errors.New("no OpenPGP key")
	}
	block, err := pgparmor.Decode(bytes.NewReader(ciphertext))
	if err != nil {
		return nil, err
	}
	md, err := openpgp.ReadMessage(block.Body, d.pgp, nil, nil)
	if err != nil {
		return nil, err
	}
	return io.ReadAll(io.LimitReader(md.UnverifiedBody, maxDataKey))
}

// noKeyError explains why no data key could be recovered: which recipients the document is encrypted for and
// which of them the Secret lacks, or that their kind is not supported.
func (d *Decryptor) noKeyError(m *metadata) error {
	var ageRecipients, pgpKeys, others []string
	for _, g := range m.groups {
		others = append(others, g.others...)
		for _, k := range g.pgp {
			pgpKeys = append(pgpKeys, k.fingerprint)
		}
		for _, k := range g.age {
			ageRecipients = append(ageRecipients, k.recipient)
		}
	}
	var reasons []string
	if len(ageRecipients) > 0 {
		reasons = append(reasons, d.missing("age identity", len(d.ageIDs) > 0, AgeKeyExt, "the recipients", ageRecipients))
	}
	if len(pgpKeys) > 0 {
		reasons = append(reasons, d.missing("OpenPGP private key", len(d.pgp) > 0, PGPKeyExt, "the keys", pgpKeys))
	}
	if len(others) > 0 {
		reasons = append(reasons, fmt.Sprintf("it is encrypted for %s, which tide cannot use: it decrypts with age "+
			"and OpenPGP keys from the Secret only", strings.Join(others, ", ")))
	}
	if len(reasons) == 0 {
		reasons = append(reasons, "it names no key to decrypt it with")
	}
	if len(m.groups) > 1 {
		reasons = append(reasons, fmt.Sprintf("keys of %d of its %d key groups are needed", max(m.shamirThreshold, 1), len(m.groups)))
	}
	if len(d.unsupported) > 0 {
		reasons = append(reasons, fmt.Sprintf("the Secret's entries %s are not supported", strings.Join(d.unsupported, ", ")))
	}
	return errors.New(strings.Join(reasons, "; "))
}

// missing says that no key of a kind matches the recipients, or that the Secret has none of that kind.
func (d *Decryptor) missing(kind string, have bool, ext, what string, recipients []string) string {
	list := strings.Join(recipients, ", ")
	if d.fallback != "" && ext == AgeKeyExt {
		own := "spec.decryption.secretRef is not set"
		if d.secret != "" {
			own = "Secret " + d.secret + " has none"
		}
		return fmt.Sprintf("no %s matches %s %s: %s, and the controller's --sops-age-secret %s has none either",
			kind, what, list, own, d.fallback)
	}
	switch {
	case d.secret == "":
		return fmt.Sprintf("spec.decryption.secretRef is not set: name a Secret holding an %s (an entry ending in %s) for %s %s",
			kind, ext, what, list)
	case have:
		return fmt.Sprintf("no %s in Secret %s matches %s %s", kind, d.secret, what, list)
	default:
		return fmt.Sprintf("Secret %s holds no %s (an entry ending in %s) for %s %s", d.secret, kind, ext, what, list)
	}
}
