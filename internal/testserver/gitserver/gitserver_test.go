/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package gitserver

import (
	"crypto/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// client runs git commands as a user of the servers would, in its own isolated environment.
type client struct {
	t   *testing.T
	s   *Server
	env []string
}

func (c client) run(dir string, args ...string) (string, error) {
	cmd := c.s.GitCommand(dir, c.env, args...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func (c client) must(dir string, args ...string) string {
	c.t.Helper()
	out, err := c.run(dir, args...)
	if err != nil {
		c.t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(out)
}

// cloneCommitPush clones url, checks README.md, commits a file of size bytes and pushes it to main; it
// returns the pushed commit.
func (c client) cloneCommitPush(url string, size int) string {
	c.t.Helper()
	dir := filepath.Join(c.t.TempDir(), "clone")
	c.must("", "clone", "--quiet", url, dir)
	got, err := os.ReadFile(filepath.Join(dir, "README.md"))
	if err != nil || string(got) != "hello\n" {
		c.t.Fatalf("README.md after clone = %q, %v", got, err)
	}
	data := make([]byte, size)
	if _, err := rand.Read(data); err != nil {
		c.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "blob.bin"), data, 0o644); err != nil {
		c.t.Fatal(err)
	}
	c.must(dir, "add", "blob.bin")
	c.must(dir, "commit", "--quiet", "-m", "add blob")
	c.must(dir, "push", "--quiet", "origin", "HEAD:main")
	return c.must(dir, "rev-parse", "HEAD")
}

func newRepo(t *testing.T) (*Server, *Repo) {
	s := New(t)
	r := s.CreateRepo(t, "org/app")
	r.CommitFiles(t, "main", map[string]string{"README.md": "hello\n"})
	return s, r
}

func TestHTTPBasicAuthCloneAndLargePush(t *testing.T) {
	s, r := newRepo(t)
	h := s.StartHTTP(t, HTTPOptions{Username: "alice", Password: "s3cret"})
	url := strings.Replace(h.RepoURL("org/app"), "http://", "http://alice:s3cret@", 1)
	// 3 MiB is over git's 1 MiB http.postBuffer, so the push body is chunked.
	pushed := client{t: t, s: s}.cloneCommitPush(url, 3<<20)
	if head := r.Head(t, "main"); head != pushed {
		t.Fatalf("main on the server = %s, pushed %s", head, pushed)
	}
	st := h.Stats()
	if st.UploadPacks == 0 || st.ReceivePacks == 0 || st.ChunkedBodies == 0 {
		t.Fatalf("stats = %+v, want upload-pack, receive-pack and chunked requests", st)
	}
}

func TestHTTPRejectsMissingAndWrongCredentials(t *testing.T) {
	s, _ := newRepo(t)
	h := s.StartHTTP(t, HTTPOptions{Username: "alice", Password: "s3cret"})
	c := client{t: t, s: s}
	for name, url := range map[string]string{
		"none":  h.RepoURL("org/app"),
		"wrong": strings.Replace(h.RepoURL("org/app"), "http://", "http://alice:nope@", 1),
	} {
		out, err := c.run("", "ls-remote", url)
		if err == nil {
			t.Fatalf("%s: ls-remote succeeded without valid credentials: %s", name, out)
		}
		if !strings.Contains(out, "Authentication failed") && !strings.Contains(out, "could not read Username") {
			t.Fatalf("%s: ls-remote error does not mention authentication: %s", name, out)
		}
	}
	if st := h.Stats(); st.Unauthorized < 2 || st.RefAdvertisements != 0 {
		t.Fatalf("stats = %+v, want only 401s", st)
	}
}

func TestHTTPBearerToken(t *testing.T) {
	s, r := newRepo(t)
	h := s.StartHTTP(t, HTTPOptions{BearerToken: "tok-123"})
	c := client{t: t, s: s, env: []string{
		"GIT_CONFIG_COUNT=1", "GIT_CONFIG_KEY_0=http.extraHeader", "GIT_CONFIG_VALUE_0=Authorization: Bearer tok-123",
	}}
	pushed := c.cloneCommitPush(h.RepoURL("org/app"), 10)
	if head := r.Head(t, "main"); head != pushed {
		t.Fatalf("main on the server = %s, pushed %s", head, pushed)
	}
	if out, err := (client{t: t, s: s}).run("", "ls-remote", h.RepoURL("org/app")); err == nil {
		t.Fatalf("ls-remote without the token succeeded: %s", out)
	}
}

func TestHTTPSWithOwnCA(t *testing.T) {
	s, r := newRepo(t)
	h := s.StartHTTP(t, HTTPOptions{TLS: true, Username: "bob", Password: "pw"})
	if !strings.HasPrefix(h.URL, "https://127.0.0.1:") {
		t.Fatalf("URL = %s, want https on 127.0.0.1", h.URL)
	}
	url := strings.Replace(h.RepoURL("org/app"), "https://", "https://bob:pw@", 1)
	out, err := (client{t: t, s: s}).run("", "ls-remote", url)
	if err == nil || !strings.Contains(out, "certificate") {
		t.Fatalf("ls-remote without the CA: err=%v, output %q; want a certificate error", err, out)
	}
	c := client{t: t, s: s, env: []string{"GIT_SSL_CAINFO=" + h.CAFile}}
	pushed := c.cloneCommitPush(url, 10)
	if head := r.Head(t, "main"); head != pushed {
		t.Fatalf("main on the server = %s, pushed %s", head, pushed)
	}
}

func TestSSHCloneAndPush(t *testing.T) {
	s, r := newRepo(t)
	h := s.StartSSH(t)
	c := client{t: t, s: s, env: []string{"GIT_SSH_COMMAND=" + h.GitSSHCommand()}}
	pushed := c.cloneCommitPush(h.RepoURL("org/app"), 1<<20)
	if head := r.Head(t, "main"); head != pushed {
		t.Fatalf("main on the server = %s, pushed %s\nsshd log:\n%s", head, pushed, h.Log())
	}
	// A key the server does not know is refused.
	other := filepath.Join(t.TempDir(), "other")
	if out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", other).CombinedOutput(); err != nil {
		t.Fatalf("ssh-keygen: %v: %s", err, out)
	}
	bad := client{t: t, s: s, env: []string{"GIT_SSH_COMMAND=" + strings.Replace(h.GitSSHCommand(), h.ClientKeyFile, other, 1)}}
	if out, err := bad.run("", "ls-remote", h.RepoURL("org/app")); err == nil || !strings.Contains(out, "Permission denied") {
		t.Fatalf("ls-remote with an unknown key: err=%v, output %q; want permission denied", err, out)
	}
	h.Close()
	if out, err := c.run("", "ls-remote", h.RepoURL("org/app")); err == nil {
		t.Fatalf("ls-remote after Close succeeded: %s", out)
	}
}

func TestSSHAuthorizeKey(t *testing.T) {
	s, _ := newRepo(t)
	h := s.StartSSH(t)
	key := filepath.Join(t.TempDir(), "enc")
	if out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "pass", "-f", key).CombinedOutput(); err != nil {
		t.Fatalf("ssh-keygen: %v: %s", err, out)
	}
	pub, err := os.ReadFile(key + ".pub")
	if err != nil {
		t.Fatal(err)
	}
	h.AuthorizeKey(t, string(pub))
	// Decrypt the key for the CLI (ssh would prompt for the passphrase).
	if out, err := exec.Command("ssh-keygen", "-q", "-p", "-P", "pass", "-N", "", "-f", key).CombinedOutput(); err != nil {
		t.Fatalf("ssh-keygen -p: %v: %s", err, out)
	}
	c := client{t: t, s: s, env: []string{"GIT_SSH_COMMAND=" + strings.Replace(h.GitSSHCommand(), h.ClientKeyFile, key, 1)}}
	if out := c.must("", "ls-remote", h.RepoURL("org/app"), "refs/heads/main"); !strings.HasSuffix(out, "refs/heads/main") {
		t.Fatalf("ls-remote = %q", out)
	}
}
