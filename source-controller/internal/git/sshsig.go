/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package git

import (
	"bytes"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"errors"
	"fmt"
	"hash"
	"strings"

	"golang.org/x/crypto/ssh"
)

// SSH signatures, as `git commit -S` writes them with gpg.format=ssh (OpenSSH's PROTOCOL.sshsig).
const (
	sshSigBegin     = "-----BEGIN SSH SIGNATURE-----"
	sshSigEnd       = "-----END SSH SIGNATURE-----"
	sshSigMagic     = "SSHSIG"
	sshSigNamespace = "git"
)

// sshSignature is a decoded SSH signature.
type sshSignature struct {
	publicKey     ssh.PublicKey
	namespace     string
	hashAlgorithm string
	signature     *ssh.Signature
}

// parseSSHSignature decodes an armored SSH signature.
func parseSSHSignature(armored string) (*sshSignature, error) {
	body := strings.TrimSpace(armored)
	body, ok := strings.CutPrefix(body, sshSigBegin)
	if !ok {
		return nil, errors.New("not an SSH signature")
	}
	body, ok = strings.CutSuffix(body, sshSigEnd)
	if !ok {
		return nil, errors.New("SSH signature has no end line")
	}
	blob, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(body), ""))
	if err != nil {
		return nil, fmt.Errorf("decoding SSH signature: %w", err)
	}
	rest, ok := bytes.CutPrefix(blob, []byte(sshSigMagic))
	if !ok {
		return nil, errors.New("SSH signature lacks the SSHSIG preamble")
	}
	var wire struct {
		Version       uint32
		PublicKey     []byte
		Namespace     string
		Reserved      string
		HashAlgorithm string
		Signature     []byte
	}
	if err := ssh.Unmarshal(rest, &wire); err != nil {
		return nil, fmt.Errorf("decoding SSH signature: %w", err)
	}
	if wire.Version != 1 {
		return nil, fmt.Errorf("unsupported SSH signature version %d", wire.Version)
	}
	pub, err := ssh.ParsePublicKey(wire.PublicKey)
	if err != nil {
		return nil, fmt.Errorf("SSH signature public key: %w", err)
	}
	sig := new(ssh.Signature)
	if err := ssh.Unmarshal(wire.Signature, sig); err != nil {
		return nil, fmt.Errorf("decoding SSH signature blob: %w", err)
	}
	return &sshSignature{publicKey: pub, namespace: wire.Namespace, hashAlgorithm: wire.HashAlgorithm, signature: sig}, nil
}

// signedData is what the key signed for message: the preamble, namespace, hash algorithm and digest.
func (s *sshSignature) signedData(message []byte) ([]byte, error) {
	var h hash.Hash
	switch s.hashAlgorithm {
	case "sha256":
		h = sha256.New()
	case "sha512":
		h = sha512.New()
	default:
		return nil, fmt.Errorf("unsupported SSH signature hash algorithm '%s'", s.hashAlgorithm)
	}
	h.Write(message)
	data := append([]byte(sshSigMagic), ssh.Marshal(struct {
		Namespace     string
		Reserved      string
		HashAlgorithm string
		Digest        []byte
	}{s.namespace, "", s.hashAlgorithm, h.Sum(nil)})...)
	return data, nil
}

// verifySSH checks an armored SSH signature of message against the trusted keys and returns the
// fingerprint of the key that made it.
func verifySSH(armored string, message []byte, trusted []ssh.PublicKey) (string, error) {
	sig, err := parseSSHSignature(armored)
	if err != nil {
		return "", err
	}
	if sig.namespace != sshSigNamespace {
		return "", fmt.Errorf("SSH signature is for namespace '%s', not '%s'", sig.namespace, sshSigNamespace)
	}
	fp := ssh.FingerprintSHA256(sig.publicKey)
	known := false
	for _, k := range trusted {
		if bytes.Equal(k.Marshal(), sig.publicKey.Marshal()) {
			known = true
			break
		}
	}
	if !known {
		return "", fmt.Errorf("signed by SSH key %s, which is not among the trusted keys", fp)
	}
	data, err := sig.signedData(message)
	if err != nil {
		return "", err
	}
	if err := sig.publicKey.Verify(data, sig.signature); err != nil {
		return "", fmt.Errorf("SSH signature by %s does not match the content: %w", fp, err)
	}
	return fp, nil
}
