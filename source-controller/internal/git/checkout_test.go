/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package git

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/tide-gitops/tide/internal/testserver/gitserver"
)

// refCase is a reference and what it must resolve to in the fixture.
type refCase struct {
	name    string
	ref     Ref
	display string // the name part of the revision; "" for a bare commit
	commit  string // fixture label
	version string // content of version.txt
	tag     string // name of the annotated tag checked out, if any
}

func refCases() []refCase {
	return []refCase{
		{name: "branch", ref: Ref{Branch: "main"}, display: "main", commit: "c3", version: "3"},
		{name: "default branch is master", ref: Ref{}, display: "master", commit: "c2", version: "2"},
		{name: "branch with slash", ref: Ref{Branch: "release/1.x"}, display: "release/1.x", commit: "c2", version: "2"},
		{name: "lightweight tag", ref: Ref{Tag: "v1.0.0"}, display: "v1.0.0", commit: "c1", version: "1"},
		{name: "annotated tag", ref: Ref{Tag: "v1.1.0"}, display: "v1.1.0", commit: "c2", version: "2", tag: "v1.1.0"},
		{name: "tag wins over branch", ref: Ref{Tag: "latest", Branch: "feature"}, display: "latest", commit: "c3", version: "3"},
		{name: "semver skips prereleases", ref: Ref{SemVer: ">=1.0.0"}, display: "v1.1.0", commit: "c2", version: "2", tag: "v1.1.0"},
		{name: "semver with prereleases", ref: Ref{SemVer: ">=2.0.0-0"}, display: "v2.0.0-rc.1", commit: "c3", version: "3", tag: "v2.0.0-rc.1"},
		{name: "semver patch range", ref: Ref{SemVer: "~1.0.0", Tag: "latest"}, display: "v1.0.0", commit: "c1", version: "1"},
		{name: "name of a pull request", ref: Ref{Name: "refs/pull/7/head", SemVer: ">=1"}, display: "refs/pull/7/head", commit: "pr", version: "pr"},
		{name: "name of a branch", ref: Ref{Name: "refs/heads/feature"}, display: "refs/heads/feature", commit: "feature", version: "feature"},
		{name: "name of an annotated tag", ref: Ref{Name: "refs/tags/v1.1.0"}, display: "refs/tags/v1.1.0", commit: "c2", version: "2", tag: "v1.1.0"},
		{name: "commit", ref: Ref{Commit: "c1"}, display: "", commit: "c1", version: "1"},
		{name: "commit on branch", ref: Ref{Commit: "c2", Branch: "main"}, display: "main", commit: "c2", version: "2"},
		{name: "commit wins over name", ref: Ref{Commit: "feature", Name: "refs/heads/main"}, display: "", commit: "feature", version: "feature"},
	}
}

// resolveRef replaces the fixture label in ref.Commit by its hash.
func (f *fixture) resolveRef(ref Ref) Ref {
	if ref.Commit != "" {
		ref.Commit = f.c[ref.Commit]
	}
	return ref
}

// TestEveryRefKindOverHTTPAndSSH resolves each kind of reference with RemoteHead and Checkout, over smart
// HTTP with basic auth and over SSH, and checks both agree on the commit and revision.
func TestEveryRefKindOverHTTPAndSSH(t *testing.T) {
	t.Parallel()
	f := newFixture(t, true)
	transports := map[string]struct {
		url  string
		auth *AuthOptions
	}{
		"http": {f.http.RepoURL("app"), f.httpAuth(t)},
		"ssh":  {f.ssh.RepoURL("app"), f.sshAuth(t)},
	}
	for tname, tr := range transports {
		for _, tc := range refCases() {
			t.Run(tname+"/"+tc.name, func(t *testing.T) {
				t.Parallel()
				ctx := context.Background()
				ref := f.resolveRef(tc.ref)
				want := Revision(tc.display, f.c[tc.commit])
				head, err := RemoteHead(ctx, tr.url, ref, tr.auth)
				if err != nil {
					t.Fatalf("RemoteHead: %v", err)
				}
				if head != want {
					t.Fatalf("RemoteHead = %s, want %s", head, want)
				}
				dir := filepath.Join(t.TempDir(), "checkout")
				c, err := Checkout(ctx, tr.url, ref, tr.auth, dir, CheckoutOptions{})
				if err != nil {
					t.Fatalf("Checkout: %v", err)
				}
				if c.Revision != head || c.Hash != f.c[tc.commit] {
					t.Fatalf("Checkout = %s (%s), want %s", c.Revision, c.Hash, head)
				}
				if got := readFile(t, dir, "version.txt"); got != tc.version {
					t.Fatalf("version.txt = %q, want %q", got, tc.version)
				}
				if tc.tag == "" && c.Tag != nil || tc.tag != "" && (c.Tag == nil || c.Tag.Name != tc.tag) {
					t.Fatalf("Tag = %+v, want annotated tag %q", c.Tag, tc.tag)
				}
				if !strings.HasPrefix(c.Message, "version ") || c.Author.Email == "" || len(c.Encoded) == 0 {
					t.Fatalf("commit metadata missing: %+v", c)
				}
			})
		}
	}
}

// TestShallowCheckout proves branches and tags are fetched with depth 1 and commits with their history.
func TestShallowCheckout(t *testing.T) {
	t.Parallel()
	f := newFixture(t, false)
	url, auth := f.http.RepoURL("app"), f.httpAuth(t)
	for _, tc := range []struct {
		ref     Ref
		history int
	}{
		{Ref{Branch: "main"}, 1},
		{Ref{Tag: "v1.1.0"}, 1},
		{Ref{SemVer: "1.x"}, 1},
		{Ref{Commit: f.c["c2"], Branch: "main"}, 2},
	} {
		dir := t.TempDir()
		c, err := Checkout(context.Background(), url, tc.ref, auth, dir, CheckoutOptions{})
		if err != nil {
			t.Fatalf("%s: %v", tc.ref, err)
		}
		out, err := f.srv.GitCommand(dir, nil, "rev-list", "--count", c.Hash).Output()
		if err != nil {
			t.Fatalf("%s: rev-list: %v", tc.ref, err)
		}
		if got := strings.TrimSpace(string(out)); got != strconv.Itoa(tc.history) {
			t.Fatalf("%s: %s commits in the checkout, want %d", tc.ref, got, tc.history)
		}
	}
}

// TestRemoteHeadDoesNotFetch proves RemoteHead only lists references (no upload-pack request) and sees a
// new commit as soon as it is pushed.
func TestRemoteHeadDoesNotFetch(t *testing.T) {
	t.Parallel()
	f := newFixture(t, false)
	url, auth := f.http.RepoURL("app"), f.httpAuth(t)
	before := f.http.Stats()
	head, err := RemoteHead(context.Background(), url, Ref{Branch: "main"}, auth)
	if err != nil {
		t.Fatal(err)
	}
	after := f.http.Stats()
	if after.UploadPacks != before.UploadPacks || after.RefAdvertisements != before.RefAdvertisements+1 {
		t.Fatalf("RemoteHead made requests %+v -> %+v, want one reference listing and no fetch", before, after)
	}
	next := f.repo.CommitFiles(t, "main", map[string]string{"version.txt": "4"})
	moved, err := RemoteHead(context.Background(), url, Ref{Branch: "main"}, auth)
	if err != nil {
		t.Fatal(err)
	}
	if moved == head || moved != Revision("main", next) {
		t.Fatalf("RemoteHead after a push = %s (before %s), want main@sha1:%s", moved, head, next)
	}
}

func TestRemoteHeadOfCommitNeedsNoNetwork(t *testing.T) {
	t.Parallel()
	url := "http://127.0.0.1:" + closedPort(t) + "/app.git"
	hash := strings.Repeat("ab", 20)
	for ref, want := range map[Ref]string{
		{Commit: hash}:                   "sha1:" + hash,
		{Commit: hash, Branch: "main"}:   "main@sha1:" + hash,
		{Commit: hash, Tag: "v1.0.0"}:    "sha1:" + hash,
		{Commit: hash, Name: "refs/x/y"}: "sha1:" + hash,
	} {
		got, err := RemoteHead(context.Background(), url, ref, nil)
		if err != nil || got != want {
			t.Errorf("RemoteHead(%+v) = %q, %v; want %q", ref, got, err, want)
		}
	}
}

func TestNotFound(t *testing.T) {
	t.Parallel()
	f := newFixture(t, false)
	url, auth := f.http.RepoURL("app"), f.httpAuth(t)
	for _, tc := range []struct {
		ref     Ref
		message string
		remote  bool // RemoteHead fails too (a commit is not looked up remotely)
	}{
		{Ref{Branch: "nope"}, "branch 'nope' not found in " + url, true},
		{Ref{Tag: "v9"}, "tag 'v9' not found in " + url, true},
		{Ref{SemVer: ">=5.0.0"}, "no tag matches semver range '>=5.0.0' in " + url, true},
		{Ref{Name: "refs/pull/8/head"}, "reference 'refs/pull/8/head' not found in " + url, true},
		{Ref{Commit: f.c["feature"], Branch: "main"}, "commit '" + f.c["feature"] + "' not found on branch 'main' of " + url, false},
		{Ref{Commit: f.c["pr"]}, "commit '" + f.c["pr"] + "' not found on any branch of " + url, false},
		{Ref{Commit: f.c["c1"], Branch: "nope"}, "branch 'nope' not found in " + url, false},
	} {
		_, err := RemoteHead(context.Background(), url, tc.ref, auth)
		if tc.remote && (!errors.Is(err, ErrReferenceNotFound) || err.Error() != tc.message) {
			t.Errorf("RemoteHead(%s) error = %v, want %q", tc.ref, err, tc.message)
		}
		_, err = Checkout(context.Background(), url, tc.ref, auth, t.TempDir(), CheckoutOptions{})
		if !errors.Is(err, ErrReferenceNotFound) || err.Error() != tc.message {
			t.Errorf("Checkout(%s) error = %v, want %q", tc.ref, err, tc.message)
		}
	}
}

func TestWrongCredentials(t *testing.T) {
	t.Parallel()
	f := newFixture(t, true)
	ctx := context.Background()
	httpURL := f.http.RepoURL("app")
	otherKey := filepath.Join(t.TempDir(), "other")
	genSSHKey(t, otherKey, "")
	for name, tc := range map[string]struct {
		url  string
		data map[string][]byte
	}{
		"wrong password": {httpURL, map[string][]byte{SecretUsername: []byte(testUser), SecretPassword: []byte("wrong")}},
		"no credentials": {httpURL, nil},
		"wrong token":    {httpURL, map[string][]byte{SecretBearerToken: []byte("nope")}},
		"unknown ssh key": {f.ssh.RepoURL("app"), map[string][]byte{
			SecretIdentity: readBytes(t, otherKey), SecretKnownHosts: f.ssh.KnownHosts}},
	} {
		auth := mustAuth(t, tc.url, tc.data)
		_, err := RemoteHead(ctx, tc.url, Ref{Branch: "main"}, auth)
		if !errors.Is(err, ErrAuthentication) || !strings.Contains(err.Error(), "authentication to "+tc.url+" failed") {
			t.Errorf("%s: RemoteHead error = %v, want an authentication error", name, err)
		}
		_, err = Checkout(ctx, tc.url, Ref{Branch: "main"}, auth, t.TempDir(), CheckoutOptions{})
		if !errors.Is(err, ErrAuthentication) || !strings.Contains(err.Error(), "check the credentials") {
			t.Errorf("%s: Checkout error = %v, want an authentication error", name, err)
		}
	}
}

func TestUnreachableHost(t *testing.T) {
	t.Parallel()
	f := newFixture(t, true)
	port := closedPort(t)
	for name, tc := range map[string]struct {
		url  string
		auth *AuthOptions
	}{
		"http": {"http://127.0.0.1:" + port + "/app.git", nil},
		"ssh": {"ssh://git@127.0.0.1:" + port + "/app.git", mustAuth(t, "ssh://git@127.0.0.1:"+port+"/app.git",
			map[string][]byte{SecretIdentity: f.ssh.ClientKey, SecretKnownHosts: f.ssh.KnownHosts})},
	} {
		_, err := RemoteHead(context.Background(), tc.url, Ref{Branch: "main"}, tc.auth)
		if !errors.Is(err, ErrUnreachable) || !strings.Contains(err.Error(), "unable to reach "+tc.url) ||
			!strings.Contains(err.Error(), "connection refused") {
			t.Errorf("%s: RemoteHead error = %v, want unreachable", name, err)
		}
		_, err = Checkout(context.Background(), tc.url, Ref{Branch: "main"}, tc.auth, t.TempDir(), CheckoutOptions{})
		if !errors.Is(err, ErrUnreachable) {
			t.Errorf("%s: Checkout error = %v, want unreachable", name, err)
		}
	}
	// A server that stops answering mid-way is bounded by the context.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := RemoteHead(ctx, f.http.RepoURL("app"), Ref{Branch: "main"}, f.httpAuth(t)); err == nil {
		t.Fatal("RemoteHead with a cancelled context succeeded")
	}
}

func TestRepositoryNotFound(t *testing.T) {
	t.Parallel()
	f := newFixture(t, false)
	url := f.http.RepoURL("missing")
	_, err := RemoteHead(context.Background(), url, Ref{Branch: "main"}, mustAuth(t, url, map[string][]byte{
		SecretUsername: []byte(testUser), SecretPassword: []byte(testPassword)}))
	if !errors.Is(err, ErrRepositoryNotFound) {
		t.Fatalf("error = %v, want repository not found", err)
	}
}

func TestCheckoutModesLinksAndGitlinks(t *testing.T) {
	t.Parallel()
	f := newFixture(t, false)
	r := f.srv.CreateRepo(t, "modes")
	head := r.Commit(t, "main", gitserver.Change{
		Files:       map[string]string{"a/b/c.txt": "c"},
		Executables: map[string]string{"bin/run.sh": "#!/bin/sh\n"},
		Symlinks:    map[string]string{"a/outside": "../../../etc/passwd", "inside": "a/b/c.txt"},
		Gitlinks:    map[string]string{"vendor/mod": f.c["c1"]},
	})
	url := f.http.RepoURL("modes")
	dir := t.TempDir()
	if _, err := Checkout(context.Background(), url, Ref{Branch: "main"}, f.httpAuth(t), dir, CheckoutOptions{}); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(filepath.Join(dir, "bin", "run.sh")); err != nil || fi.Mode().Perm()&0o111 == 0 {
		t.Fatalf("run.sh: %v, %v; want an executable", fi, err)
	}
	if fi, err := os.Stat(filepath.Join(dir, "a", "b", "c.txt")); err != nil || fi.Mode().Perm()&0o111 != 0 {
		t.Fatalf("c.txt: %v, %v; want a plain file", fi, err)
	}
	for link, target := range map[string]string{"a/outside": "../../../etc/passwd", "inside": "a/b/c.txt"} {
		got, err := os.Readlink(filepath.Join(dir, filepath.FromSlash(link)))
		if err != nil || got != target {
			t.Fatalf("%s -> %q, %v; want a link to %q", link, got, err, target)
		}
	}
	if fi, err := os.Lstat(filepath.Join(dir, "vendor", "mod")); err != nil || !fi.IsDir() {
		t.Fatalf("gitlink vendor/mod: %v, %v; want an empty directory", fi, err)
	}
	out, err := f.srv.GitCommand(dir, nil, "rev-parse", "HEAD").Output()
	if err != nil || strings.TrimSpace(string(out)) != head {
		t.Fatalf("HEAD of the checkout = %s, %v; want %s", out, err, head)
	}
}

// TestCheckoutRefusesDotGitPaths serves trees that git's porcelain would never write (made with mktree):
// a .git directory at the root or deeper must not be checked out.
func TestCheckoutRefusesDotGitPaths(t *testing.T) {
	t.Parallel()
	f := newFixture(t, false)
	r := f.srv.CreateRepo(t, "evil")
	blob := r.GitWithInput(t, []byte("[core]\n\tfsmonitor = touch /tmp/pwned\n"), "hash-object", "-w", "--stdin")
	inner := r.GitWithInput(t, []byte("100644 blob "+blob+"\tconfig\n"), "mktree")
	for name, tree := range map[string]string{
		"root": r.GitWithInput(t, []byte("040000 tree "+inner+"\t.git\n"), "mktree"),
		"deep": r.GitWithInput(t, []byte("040000 tree "+r.GitWithInput(t, []byte("040000 tree "+inner+"\t.GiT\n"), "mktree")+"\tsub\n"), "mktree"),
	} {
		commit := r.GitWithInput(t, []byte("evil\n"), "commit-tree", tree)
		r.SetRef(t, "refs/heads/"+name, commit)
		dir := t.TempDir()
		_, err := Checkout(context.Background(), f.http.RepoURL("evil"), Ref{Branch: name}, f.httpAuth(t), dir, CheckoutOptions{})
		// go-git's tree walker refuses such paths itself; validTreePath is the second line of defence.
		if err == nil || !strings.Contains(strings.ToLower(err.Error()), `.git"`) {
			t.Fatalf("%s: error = %v, want the .git path refused", name, err)
		}
		if b, err := os.ReadFile(filepath.Join(dir, ".git", "config")); err == nil && strings.Contains(string(b), "fsmonitor") {
			t.Fatalf("%s: the tree's .git/config was written", name)
		}
	}
}

func TestValidTreePath(t *testing.T) {
	t.Parallel()
	for p, ok := range map[string]bool{
		"a/b.txt": true, ".github/workflows/x.yml": true, ".gitignore": true, "a/.gitmodules": true,
		".git": false, ".git/config": false, "a/.GIT/hooks/x": false, "git~1/x": false, "a/../b": false,
		"./a": false, "a//b": false, "": false, "a\x00b": false, "a\nb": false,
	} {
		if err := validTreePath(p); (err == nil) != ok {
			t.Errorf("validTreePath(%q) = %v, want ok=%v", p, err, ok)
		}
	}
}
