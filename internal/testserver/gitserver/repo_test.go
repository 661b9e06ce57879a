/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package gitserver

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestCommitBranchesAndTags(t *testing.T) {
	s := New(t)
	r := s.CreateRepo(t, "app")
	when := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	first := r.Commit(t, "main", Change{
		Message:     "first",
		Files:       map[string]string{"a.txt": "A", "dir/b.txt": "B"},
		Executables: map[string]string{"run.sh": "#!/bin/sh\n"},
		Symlinks:    map[string]string{"link": "dir/b.txt"},
		When:        when,
	})
	second := r.Commit(t, "main", Change{Files: map[string]string{"a.txt": "A2"}, Delete: []string{"dir/b.txt"}})
	if got := r.Git(t, "rev-parse", "main~1"); got != first {
		t.Fatalf("parent of second = %s, want %s", got, first)
	}
	if got := r.ReadFile(t, second, "a.txt"); got != "A2" {
		t.Fatalf("a.txt = %q", got)
	}
	tree := r.Git(t, "ls-tree", "-r", second)
	for _, want := range []string{"100755 blob", "run.sh", "120000 blob", "link"} {
		if !strings.Contains(tree, want) {
			t.Fatalf("tree of second lacks %q:\n%s", want, tree)
		}
	}
	if strings.Contains(tree, "dir/b.txt") {
		t.Fatalf("dir/b.txt not deleted:\n%s", tree)
	}
	if got := r.Git(t, "log", "-1", "--format=%an <%ae> %at %s", first); got != "Tide Test <test@tide.invalid> 1767323045 first" {
		t.Fatalf("first commit = %q", got)
	}

	feature := r.Commit(t, "feature", Change{From: "main", Files: map[string]string{"f.txt": "F"}})
	if got := r.Git(t, "rev-parse", feature+"~1"); got != second {
		t.Fatalf("feature branched from %s, want %s", got, second)
	}
	orphan := r.Commit(t, "orphan", Change{Files: map[string]string{"o": "o"}})
	if out := r.Git(t, "rev-list", "--count", orphan); out != "1" {
		t.Fatalf("orphan history has %s commits", out)
	}

	r.Branch(t, "release", first)
	r.Tag(t, "v1.0.0", first)
	tagObj := r.AnnotatedTag(t, "v2.0.0", "main", TagOptions{Message: "two"})
	r.SetRef(t, "refs/pull/1/head", "feature")
	checks := map[string]string{
		"refs/heads/release":        first,
		"refs/tags/v1.0.0":          first,
		"refs/tags/v2.0.0":          tagObj,
		"refs/tags/v2.0.0^{}":       second,
		"refs/pull/1/head":          feature,
		"refs/heads/main":           second,
		"refs/heads/feature^{tree}": r.Git(t, "rev-parse", feature+"^{tree}"),
	}
	for rev, want := range checks {
		if got := r.Git(t, "rev-parse", rev); got != want {
			t.Errorf("%s = %s, want %s", rev, got, want)
		}
	}
	if typ := r.Git(t, "cat-file", "-t", tagObj); typ != "tag" {
		t.Fatalf("annotated tag object type = %s", typ)
	}
	r.DeleteRef(t, "refs/heads/release")
	if out, err := s.runGit("", r.env(), nil, "rev-parse", "--verify", "-q", "refs/heads/release"); err == nil {
		t.Fatalf("release still exists: %s", out)
	}
}

func TestCommitDirReplacesTree(t *testing.T) {
	s := New(t)
	r := s.CreateRepo(t, "app")
	r.CommitFiles(t, "main", map[string]string{"old.txt": "old"})
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "x", "y"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "x", "y", "z.txt"), []byte("z"), 0o644); err != nil {
		t.Fatal(err)
	}
	h := r.Commit(t, "main", Change{Dir: dir, Files: map[string]string{"extra.txt": "e"}})
	if got := r.Git(t, "ls-tree", "-r", "--name-only", h); got != "extra.txt\nx/y/z.txt" {
		t.Fatalf("tree = %q", got)
	}
}

// TestSignedObjectsVerifyWithGit proves the signed commit and tag objects are framed as git expects: git
// itself verifies their SSH signatures.
func TestSignedObjectsVerifyWithGit(t *testing.T) {
	s := New(t)
	r := s.CreateRepo(t, "app")
	dir := t.TempDir()
	key := filepath.Join(dir, "signer")
	if out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "signer", "-f", key).CombinedOutput(); err != nil {
		t.Fatalf("ssh-keygen: %v: %s", err, out)
	}
	pub, err := os.ReadFile(key + ".pub")
	if err != nil {
		t.Fatal(err)
	}
	allowed := filepath.Join(dir, "allowed_signers")
	if err := os.WriteFile(allowed, []byte(DefaultAuthorEmail+" "+string(pub)), 0o644); err != nil {
		t.Fatal(err)
	}
	commit := r.Commit(t, "main", Change{Files: map[string]string{"a": "a"}, Message: "signed\n\nbody", Sign: SSHKeySigner(key)})
	tag := r.AnnotatedTag(t, "v1", commit, TagOptions{Sign: SSHKeySigner(key)})
	unsigned := r.Commit(t, "main", Change{Files: map[string]string{"b": "b"}})
	cfg := []string{"-c", "gpg.format=ssh", "-c", "gpg.ssh.allowedSignersFile=" + allowed}
	for _, args := range [][]string{{"verify-commit", commit}, {"verify-tag", tag}} {
		if out, err := s.runGit("", r.env(), nil, append(cfg, args...)...); err != nil {
			t.Fatalf("git %s: %v %s", args[0], err, out)
		}
	}
	if out, err := s.runGit("", r.env(), nil, append(cfg, "verify-commit", unsigned)...); err == nil {
		t.Fatalf("verify-commit of an unsigned commit succeeded: %s", out)
	}
}
