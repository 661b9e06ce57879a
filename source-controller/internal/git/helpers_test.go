/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package git

import (
	"bytes"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/armor"
	"github.com/ProtonMail/go-crypto/openpgp/packet"

	"github.com/tide-gitops/tide/internal/testserver/gitserver"
)

const (
	testUser     = "flux"
	testPassword = "s3cr3t"
)

// fixture is a repository with branches, tags and refs of every kind, served over HTTP with basic auth
// and over SSH.
type fixture struct {
	srv  *gitserver.Server
	repo *gitserver.Repo
	http *gitserver.HTTPServer
	ssh  *gitserver.SSHServer
	// c maps a label to a commit hash: c1, c2, c3 on main; feature; pr (only reachable from refs/pull/7/head).
	c map[string]string
}

// newFixture builds the repository `app`:
//
//	main:        c1 (version 1) - c2 (version 2) - c3 (version 3)
//	master:      c2; release/1.x: c2
//	feature:     c1 - feature (version feature)
//	refs/pull/7/head: c3 - pr (version pr), on no branch
//	tags:        v1.0.0 -> c1 (lightweight), v1.1.0 -> c2 (annotated), v2.0.0-rc.1 -> c3 (annotated),
//	             latest -> c3, not-a-version -> c1
func newFixture(t *testing.T, withSSH bool) *fixture {
	t.Helper()
	f := &fixture{srv: gitserver.New(t), c: map[string]string{}}
	f.repo = f.srv.CreateRepo(t, "app")
	for _, v := range []string{"1", "2", "3"} {
		f.c["c"+v] = f.repo.Commit(t, "main", gitserver.Change{Message: "version " + v,
			Files: map[string]string{"version.txt": v}})
	}
	f.repo.Branch(t, "master", f.c["c2"])
	f.repo.Branch(t, "release/1.x", f.c["c2"])
	f.c["feature"] = f.repo.Commit(t, "feature", gitserver.Change{Message: "version feature", From: f.c["c1"], Files: map[string]string{"version.txt": "feature"}})
	f.c["pr"] = f.repo.Commit(t, "pr-tmp", gitserver.Change{Message: "version pr", From: f.c["c3"], Files: map[string]string{"version.txt": "pr"}})
	f.repo.SetRef(t, "refs/pull/7/head", f.c["pr"])
	f.repo.DeleteRef(t, "refs/heads/pr-tmp")
	f.repo.Tag(t, "v1.0.0", f.c["c1"])
	f.repo.AnnotatedTag(t, "v1.1.0", f.c["c2"], gitserver.TagOptions{Message: "release 1.1.0"})
	f.repo.AnnotatedTag(t, "v2.0.0-rc.1", f.c["c3"], gitserver.TagOptions{})
	f.repo.Tag(t, "latest", f.c["c3"])
	f.repo.Tag(t, "not-a-version", f.c["c1"])
	f.http = f.srv.StartHTTP(t, gitserver.HTTPOptions{Username: testUser, Password: testPassword})
	if withSSH {
		f.ssh = f.srv.StartSSH(t)
	}
	return f
}

// httpAuth returns the basic-auth options of the fixture's HTTP server.
func (f *fixture) httpAuth(t *testing.T) *AuthOptions {
	t.Helper()
	return mustAuth(t, f.http.RepoURL("app"), map[string][]byte{
		SecretUsername: []byte(testUser), SecretPassword: []byte(testPassword),
	})
}

// sshAuth returns the key and known_hosts options of the fixture's SSH server.
func (f *fixture) sshAuth(t *testing.T) *AuthOptions {
	t.Helper()
	return mustAuth(t, f.ssh.RepoURL("app"), map[string][]byte{
		SecretIdentity: f.ssh.ClientKey, SecretKnownHosts: f.ssh.KnownHosts,
	})
}

func mustAuth(t *testing.T, url string, data map[string][]byte) *AuthOptions {
	t.Helper()
	a, err := NewAuthOptions(url, data)
	if err != nil {
		t.Fatalf("NewAuthOptions(%s): %v", url, err)
	}
	return a
}

// closedPort returns a loopback port nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	return strconv.Itoa(port)
}

// genSSHKey writes an Ed25519 key pair to path and path.pub with ssh-keygen.
func genSSHKey(t *testing.T, path, passphrase string) {
	t.Helper()
	out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", passphrase, "-C", "test", "-f", path).CombinedOutput()
	if err != nil {
		t.Fatalf("ssh-keygen: %v: %s", err, out)
	}
}

func readBytes(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func readFile(t *testing.T, dir, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(name)))
	if err != nil {
		t.Fatalf("reading %s: %v", name, err)
	}
	return string(b)
}

// newPGPKey creates an Ed25519 OpenPGP key pair.
func newPGPKey(t *testing.T, name string) *openpgp.Entity {
	t.Helper()
	e, err := openpgp.NewEntity(name, "", name+"@tide.invalid", &packet.Config{Algorithm: packet.PubKeyAlgoEdDSA})
	if err != nil {
		t.Fatalf("creating OpenPGP key: %v", err)
	}
	return e
}

// pgpSigner signs payloads with e, as `git commit -S` does with gpg.
func pgpSigner(e *openpgp.Entity) gitserver.Signer {
	return func(payload []byte) (string, error) {
		var buf bytes.Buffer
		if err := openpgp.ArmoredDetachSign(&buf, e, bytes.NewReader(payload), nil); err != nil {
			return "", err
		}
		return buf.String(), nil
	}
}

// armoredPublicKey exports e's public key as a verification Secret holds it.
func armoredPublicKey(t *testing.T, e *openpgp.Entity) string {
	t.Helper()
	var buf bytes.Buffer
	w, err := armor.Encode(&buf, openpgp.PublicKeyType, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Serialize(w); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}
