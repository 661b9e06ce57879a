/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package git

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"

	"github.com/tide-gitops/tide/internal/testserver/gitserver"
)

// signedFixture adds to the fixture's repository: a commit on main signed with an OpenPGP key, one signed
// with an SSH key on branch ssh-signed, a signed annotated tag of each kind and an unsigned annotated tag.
type signedFixture struct {
	*fixture
	pgpPub, otherPGPPub string
	sshPub, otherSSHPub string
	pgpKeyID, sshFP     string
}

func newSignedFixture(t *testing.T) *signedFixture {
	f := &signedFixture{fixture: newFixture(t, false)}
	signer, other := newPGPKey(t, "signer"), newPGPKey(t, "other")
	f.pgpPub, f.otherPGPPub = armoredPublicKey(t, signer), armoredPublicKey(t, other)
	f.pgpKeyID = signer.PrimaryKey.KeyIdString()
	dir := t.TempDir()
	sshKey, otherSSH := filepath.Join(dir, "signer"), filepath.Join(dir, "other")
	genSSHKey(t, sshKey, "")
	genSSHKey(t, otherSSH, "")
	f.sshPub, f.otherSSHPub = string(readBytes(t, sshKey+".pub")), string(readBytes(t, otherSSH+".pub"))
	pub, _, _, _, err := ssh.ParseAuthorizedKey([]byte(f.sshPub))
	if err != nil {
		t.Fatal(err)
	}
	f.sshFP = ssh.FingerprintSHA256(pub)

	f.c["pgp"] = f.repo.Commit(t, "main", gitserver.Change{Message: "signed with pgp\n\nbody",
		Files: map[string]string{"version.txt": "pgp"}, Sign: pgpSigner(signer)})
	f.c["ssh"] = f.repo.Commit(t, "ssh-signed", gitserver.Change{From: f.c["c1"], Message: "signed with ssh",
		Files: map[string]string{"version.txt": "ssh"}, Sign: gitserver.SSHKeySigner(sshKey)})
	f.repo.AnnotatedTag(t, "pgp-tag", f.c["c1"], gitserver.TagOptions{Sign: pgpSigner(signer)})
	f.repo.AnnotatedTag(t, "ssh-tag", f.c["c1"], gitserver.TagOptions{Sign: gitserver.SSHKeySigner(sshKey)})
	return f
}

func (f *signedFixture) checkout(t *testing.T, ref Ref) *Commit {
	t.Helper()
	c, err := Checkout(context.Background(), f.http.RepoURL("app"), ref, f.httpAuth(t), t.TempDir(), CheckoutOptions{})
	if err != nil {
		t.Fatalf("Checkout(%s): %v", ref, err)
	}
	return c
}

func TestVerifyCommit(t *testing.T) {
	t.Parallel()
	f := newSignedFixture(t)
	pgpCommit := f.checkout(t, Ref{Branch: "main"})
	sshCommit := f.checkout(t, Ref{Branch: "ssh-signed"})
	unsigned := f.checkout(t, Ref{Branch: "release/1.x"})
	for _, tc := range []struct {
		name   string
		commit *Commit
		keys   []string
		want   string // key ID on success
		err    string
	}{
		{"pgp", pgpCommit, []string{f.otherPGPPub, f.pgpPub}, f.pgpKeyID, ""},
		{"pgp among ssh keys", pgpCommit, []string{f.sshPub, f.pgpPub}, f.pgpKeyID, ""},
		{"pgp wrong key", pgpCommit, []string{f.otherPGPPub}, "", "no trusted OpenPGP key verifies the signature"},
		{"pgp only ssh keys", pgpCommit, []string{f.sshPub}, "", "signed with OpenPGP but no OpenPGP public key is trusted"},
		{"ssh", sshCommit, []string{f.otherSSHPub + f.sshPub}, f.sshFP, ""},
		{"ssh allowed_signers line", sshCommit, []string{"dev@tide.invalid " + f.sshPub}, f.sshFP, ""},
		{"ssh wrong key", sshCommit, []string{f.otherSSHPub, f.pgpPub}, "", "which is not among the trusted keys"},
		{"unsigned", unsigned, []string{f.pgpPub}, "", "is not signed"},
		{"no keys", pgpCommit, nil, "", "no public key given"},
		{"garbage key", pgpCommit, []string{"garbage"}, "", "neither an armored OpenPGP public key nor an SSH public key"},
	} {
		id, err := VerifyCommit(tc.commit, tc.keys...)
		if tc.err == "" {
			if err != nil || id != tc.want {
				t.Errorf("%s: VerifyCommit = %q, %v; want %q", tc.name, id, err, tc.want)
			}
			continue
		}
		if !errors.Is(err, ErrSignature) || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("%s: VerifyCommit error = %v, want %q", tc.name, err, tc.err)
		}
	}
}

// TestVerifyCommitDetectsTampering changes the signed payload: the signature no longer verifies.
func TestVerifyCommitDetectsTampering(t *testing.T) {
	t.Parallel()
	f := newSignedFixture(t)
	for _, branch := range []string{"main", "ssh-signed"} {
		c := f.checkout(t, Ref{Branch: branch})
		c.Encoded = []byte(strings.Replace(string(c.Encoded), "signed with", "tampered with", 1))
		if _, err := VerifyCommit(c, f.pgpPub, f.sshPub); !errors.Is(err, ErrSignature) {
			t.Errorf("%s: tampered commit verified: %v", branch, err)
		}
	}
}

func TestVerifyTag(t *testing.T) {
	t.Parallel()
	f := newSignedFixture(t)
	for _, tc := range []struct {
		ref  Ref
		keys []string
		want string
		err  string
	}{
		{Ref{Tag: "pgp-tag"}, []string{f.pgpPub}, f.pgpKeyID, ""},
		{Ref{Name: "refs/tags/ssh-tag"}, []string{f.sshPub}, f.sshFP, ""},
		{Ref{Tag: "pgp-tag"}, []string{f.otherPGPPub}, "", "tag 'pgp-tag': no trusted OpenPGP key"},
		{Ref{Tag: "ssh-tag"}, []string{f.otherSSHPub}, "", "tag 'ssh-tag': signed by SSH key"},
		{Ref{Tag: "v1.1.0"}, []string{f.pgpPub}, "", "tag 'v1.1.0' is not signed"},
		{Ref{Tag: "v1.0.0"}, []string{f.pgpPub}, "", "the reference is not an annotated tag"},
		{Ref{Branch: "main"}, []string{f.pgpPub}, "", "the reference is not an annotated tag"},
	} {
		c := f.checkout(t, tc.ref)
		id, err := VerifyTag(c, tc.keys...)
		if tc.err == "" {
			if err != nil || id != tc.want {
				t.Errorf("%s: VerifyTag = %q, %v; want %q", tc.ref, id, err, tc.want)
			}
			continue
		}
		if !errors.Is(err, ErrSignature) || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("%s: VerifyTag error = %v, want %q", tc.ref, err, tc.err)
		}
	}
}

// FuzzParseSSHSignature decodes arbitrary signature blocks (they come from repositories): no panic, and a
// decoded signature verifies nothing against an unrelated key.
func FuzzParseSSHSignature(f *testing.F) {
	f.Add(sshSigBegin + "\nU1NIU0lHAAAAAQ==\n" + sshSigEnd)
	f.Add(sshSigBegin + "\n" + sshSigEnd)
	f.Add("-----BEGIN PGP SIGNATURE-----\n\n-----END PGP SIGNATURE-----")
	f.Add(sshSigBegin + "\nU1NIU0lHAAAAAQAAADMAAAALc3NoLWVkMjU1MTkAAAAg\n" + sshSigEnd)
	f.Fuzz(func(t *testing.T, armored string) {
		sig, err := parseSSHSignature(armored)
		if err != nil {
			return
		}
		_, _ = sig.signedData([]byte("payload"))
		_, _ = verifySSH(armored, []byte("payload"), []ssh.PublicKey{sig.publicKey})
	})
}

// FuzzParseKeyRings reads arbitrary verification Secret values: no panic.
func FuzzParseKeyRings(f *testing.F) {
	f.Add(pgpKeyBegin + "\n\nxx\n-----END PGP PUBLIC KEY BLOCK-----")
	f.Add(edKey + " comment\n# c\n" + rsaKey)
	f.Add("dev@example.com " + edKey)
	f.Fuzz(func(t *testing.T, ring string) {
		keys, err := parseKeyRings([]string{ring})
		if err == nil && len(keys.pgp) == 0 && len(keys.ssh) == 0 {
			t.Fatal("no keys and no error")
		}
	})
}
