/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package git

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/ProtonMail/go-crypto/openpgp"
	"golang.org/x/crypto/ssh"
)

const (
	pgpKeyBegin = "-----BEGIN PGP PUBLIC KEY BLOCK-----"
	pgpSigBegin = "-----BEGIN PGP SIGNATURE-----"
)

// VerifyCommit checks the commit's signature against the trusted keys and returns the ID of the key that
// made it: the OpenPGP key ID ("3AA5C34371567BD2") or the SSH key fingerprint ("SHA256:..."). Each key ring
// is a value of the verification Secret: an armored OpenPGP public key ring, or SSH public keys in
// authorized_keys format, one per line. Errors match ErrSignature.
func VerifyCommit(c *Commit, keyRings ...string) (string, error) {
	if c == nil {
		return "", sigError("no commit to verify")
	}
	if c.Signature == "" {
		return "", sigError("commit %s is not signed", c.Hash)
	}
	id, err := verify(c.Signature, c.Encoded, keyRings)
	if err != nil {
		return "", sigError("commit %s: %s", c.Hash, err)
	}
	return id, nil
}

// VerifyTag checks the signature of the annotated tag the commit was checked out through, like
// VerifyCommit. Lightweight tags, branches and commits have no tag object and fail.
func VerifyTag(c *Commit, keyRings ...string) (string, error) {
	if c == nil || c.Tag == nil {
		return "", sigError("no annotated tag to verify: the reference is not an annotated tag")
	}
	if c.Tag.Signature == "" {
		return "", sigError("tag '%s' is not signed", c.Tag.Name)
	}
	id, err := verify(c.Tag.Signature, c.Tag.Encoded, keyRings)
	if err != nil {
		return "", sigError("tag '%s': %s", c.Tag.Name, err)
	}
	return id, nil
}

func sigError(format string, args ...any) error {
	return &kindError{kind: ErrSignature, msg: fmt.Sprintf(format, args...)}
}

// trustedKeys are the public keys of a verification Secret.
type trustedKeys struct {
	pgp openpgp.EntityList
	ssh []ssh.PublicKey
}

// parseKeyRings reads armored OpenPGP key rings and authorized_keys-style SSH public keys.
func parseKeyRings(keyRings []string) (trustedKeys, error) {
	var keys trustedKeys
	for i, ring := range keyRings {
		if strings.Contains(ring, pgpKeyBegin) {
			list, err := openpgp.ReadArmoredKeyRing(strings.NewReader(ring))
			if err != nil {
				return keys, fmt.Errorf("key ring %d: invalid armored OpenPGP public key: %w", i+1, err)
			}
			keys.pgp = append(keys.pgp, list...)
			continue
		}
		for n, line := range strings.Split(ring, "\n") {
			line = strings.TrimSpace(line)
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			pub, _, _, _, err := ssh.ParseAuthorizedKey([]byte(line))
			if err != nil {
				return keys, fmt.Errorf("key ring %d, line %d: neither an armored OpenPGP public key nor an SSH public key", i+1, n+1)
			}
			keys.ssh = append(keys.ssh, pub)
		}
	}
	if len(keys.pgp) == 0 && len(keys.ssh) == 0 {
		return keys, fmt.Errorf("no public key given")
	}
	return keys, nil
}

// verify checks an armored signature of payload.
func verify(signature string, payload []byte, keyRings []string) (string, error) {
	keys, err := parseKeyRings(keyRings)
	if err != nil {
		return "", err
	}
	sig := strings.TrimSpace(signature)
	switch {
	case strings.HasPrefix(sig, pgpSigBegin):
		if len(keys.pgp) == 0 {
			return "", fmt.Errorf("signed with OpenPGP but no OpenPGP public key is trusted")
		}
		entity, err := openpgp.CheckArmoredDetachedSignature(keys.pgp, bytes.NewReader(payload), strings.NewReader(sig), nil)
		if err != nil {
			return "", fmt.Errorf("no trusted OpenPGP key verifies the signature: %w", err)
		}
		return entity.PrimaryKey.KeyIdString(), nil
	case strings.HasPrefix(sig, sshSigBegin):
		if len(keys.ssh) == 0 {
			return "", fmt.Errorf("signed with SSH but no SSH public key is trusted")
		}
		return verifySSH(sig, payload, keys.ssh)
	}
	first, _, _ := strings.Cut(sig, "\n")
	return "", fmt.Errorf("unsupported signature format '%s': only OpenPGP and SSH signatures are supported", first)
}
