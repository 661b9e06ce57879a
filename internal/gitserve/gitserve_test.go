/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package gitserve

import (
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// gitEnv isolates the git CLI from the user's configuration and gives it an identity.
func gitEnv(home string) []string {
	return []string{
		"HOME=" + home, "PATH=" + os.Getenv("PATH"),
		"GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null", "GIT_TERMINAL_PROMPT=0",
		"GIT_AUTHOR_NAME=test", "GIT_AUTHOR_EMAIL=test@example.com",
		"GIT_COMMITTER_NAME=test", "GIT_COMMITTER_EMAIL=test@example.com",
	}
}

func git(t *testing.T, dir string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = gitEnv(t.TempDir())
	out, err := cmd.CombinedOutput()
	return strings.TrimSpace(string(out)), err
}

func mustGit(t *testing.T, dir string, args ...string) string {
	t.Helper()
	out, err := git(t, dir, args...)
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// workTree creates root/name as a work tree with one commit on main holding README.md.
func workTree(t *testing.T, root, name string) string {
	t.Helper()
	dir := filepath.Join(root, name)
	mustGit(t, "", "init", "--quiet", "--initial-branch=main", dir)
	if err := os.WriteFile(filepath.Join(dir, "README.md"), []byte("hello\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	mustGit(t, dir, "add", "README.md")
	mustGit(t, dir, "commit", "--quiet", "-m", "first")
	return dir
}

type counter struct {
	mu     sync.Mutex
	counts map[Event]int
}

func (c *counter) observe(e Event) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.counts[e]++
}

func (c *counter) get(e Event) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.counts[e]
}

// TestCloneAndPushBareRepository: with basic auth and pushes allowed, a client clones a bare repository,
// pushes a commit, and the commit is in the served repository; each step is observed.
func TestCloneAndPushBareRepository(t *testing.T) {
	root := t.TempDir()
	seed := workTree(t, t.TempDir(), "seed")
	mustGit(t, "", "clone", "--quiet", "--bare", seed, filepath.Join(root, "org", "app.git"))
	c := &counter{counts: map[Event]int{}}
	h, err := New(Options{Root: root, Username: "alice", Password: "s3cret", ReceivePack: true, Observe: c.observe})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	url := strings.Replace(srv.URL, "http://", "http://alice:s3cret@", 1) + "/org/app.git"

	clone := filepath.Join(t.TempDir(), "clone")
	mustGit(t, "", "clone", "--quiet", url, clone)
	if b, err := os.ReadFile(filepath.Join(clone, "README.md")); err != nil || string(b) != "hello\n" {
		t.Fatalf("README.md after clone = %q, %v", b, err)
	}
	if err := os.WriteFile(filepath.Join(clone, "new.txt"), []byte("pushed\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	mustGit(t, clone, "add", "new.txt")
	mustGit(t, clone, "commit", "--quiet", "-m", "second")
	mustGit(t, clone, "push", "--quiet", "origin", "HEAD:main")

	want := mustGit(t, clone, "rev-parse", "HEAD")
	if got := mustGit(t, filepath.Join(root, "org", "app.git"), "rev-parse", "refs/heads/main"); got != want {
		t.Errorf("served repository's main = %s, want the pushed %s", got, want)
	}
	for e, name := range map[Event]string{RefAdvertisement: "ref advertisements", UploadPack: "upload-packs", ReceivePack: "receive-packs"} {
		if c.get(e) == 0 {
			t.Errorf("no %s observed", name)
		}
	}
}

// TestServesWorkTreeReadOnly: a work tree is served as /<name> (what tide dev does with its demo repository);
// without ReceivePack a push is refused and the repository is unchanged.
func TestServesWorkTreeReadOnly(t *testing.T) {
	root := t.TempDir()
	served := workTree(t, root, "demo")
	h, err := New(Options{Root: root})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()

	clone := filepath.Join(t.TempDir(), "clone")
	mustGit(t, "", "clone", "--quiet", srv.URL+"/demo", clone)
	head := mustGit(t, served, "rev-parse", "HEAD")
	if got := mustGit(t, clone, "rev-parse", "HEAD"); got != head {
		t.Fatalf("cloned HEAD = %s, want %s", got, head)
	}
	mustGit(t, clone, "commit", "--quiet", "--allow-empty", "-m", "refused")
	if out, err := git(t, clone, "push", "origin", "HEAD:refs/heads/other"); err == nil {
		t.Fatalf("push to a read-only server succeeded:\n%s", out)
	}
	if out, err := git(t, served, "rev-parse", "--verify", "--quiet", "refs/heads/other"); err == nil {
		t.Errorf("refused push created refs/heads/other = %s", out)
	}
}

// TestRejectsWrongCredentials: a client without or with wrong credentials gets 401; a bearer token works.
func TestRejectsWrongCredentials(t *testing.T) {
	root := t.TempDir()
	workTree(t, root, "demo")
	c := &counter{counts: map[Event]int{}}
	h, err := New(Options{Root: root, Username: "alice", Password: "s3cret", BearerToken: "tok", Observe: c.observe})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()

	for _, url := range []string{srv.URL + "/demo", strings.Replace(srv.URL, "http://", "http://alice:wrong@", 1) + "/demo"} {
		if out, err := git(t, "", "ls-remote", url); err == nil {
			t.Errorf("ls-remote %s succeeded without valid credentials:\n%s", url, out)
		}
	}
	if c.get(Unauthorized) < 2 {
		t.Errorf("unauthorized requests observed = %d, want at least 2", c.get(Unauthorized))
	}
	if out, err := git(t, "", "-c", "http.extraHeader=Authorization: Bearer tok", "ls-remote", srv.URL+"/demo"); err != nil ||
		!strings.Contains(out, "refs/heads/main") {
		t.Errorf("ls-remote with the bearer token: %v\n%s", err, out)
	}
}

func TestNewNeedsRoot(t *testing.T) {
	if _, err := New(Options{}); err == nil {
		t.Fatal("New without a root succeeded")
	}
}
