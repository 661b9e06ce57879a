/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package git

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/tide-gitops/tide/internal/testserver/gitserver"
)

// listFiles returns the regular files under dir (slash-separated, sorted), skipping .git directories.
func listFiles(t *testing.T, dir string) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == ".git" {
			return filepath.SkipDir
		}
		if d.Type().IsRegular() {
			rel, _ := filepath.Rel(dir, p)
			files = append(files, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(files)
	return files
}

func TestSparseCheckout(t *testing.T) {
	t.Parallel()
	f := newFixture(t, false)
	r := f.srv.CreateRepo(t, "mono")
	r.CommitFiles(t, "main", map[string]string{
		"README.md": "root", "apps/a/x.yaml": "x", "apps/b/y.yaml": "y", "infra/z.yaml": "z", "infra/sub/w.yaml": "w",
	})
	url := f.http.RepoURL("mono")
	auth := mustAuth(t, url, map[string][]byte{SecretUsername: []byte(testUser), SecretPassword: []byte(testPassword)})
	for _, tc := range []struct {
		sparse []string
		want   string
	}{
		{nil, "README.md apps/a/x.yaml apps/b/y.yaml infra/sub/w.yaml infra/z.yaml"},
		{[]string{"apps/a", "infra"}, "apps/a/x.yaml infra/sub/w.yaml infra/z.yaml"},
		{[]string{"apps/b"}, "apps/b/y.yaml"},
	} {
		dir := t.TempDir()
		c, err := Checkout(context.Background(), url, Ref{Branch: "main"}, auth, dir, CheckoutOptions{SparseCheckout: tc.sparse})
		if err != nil {
			t.Fatalf("sparse %v: %v", tc.sparse, err)
		}
		if got := strings.Join(listFiles(t, dir), " "); got != tc.want {
			t.Errorf("sparse %v: files = %s, want %s", tc.sparse, got, tc.want)
		}
		if c.Revision != Revision("main", r.Head(t, "main")) {
			t.Errorf("sparse %v: revision %s", tc.sparse, c.Revision)
		}
	}
}

// submoduleFixture: app2 has vendor/lib (relative URL, at lib's tip, which itself has the submodule
// deps/nested) and third/lib (absolute URL, pinned to lib's first commit, behind its tip). Every repository
// needs the same basic credentials.
func submoduleFixture(t *testing.T) (*fixture, string) {
	f := newFixture(t, false)
	nested := f.srv.CreateRepo(t, "nested")
	n1 := nested.CommitFiles(t, "main", map[string]string{"n.txt": "n"})
	lib := f.srv.CreateRepo(t, "lib")
	l1 := lib.CommitFiles(t, "main", map[string]string{"lib.txt": "1"})
	l2 := lib.Commit(t, "main", gitserver.Change{
		Files:    map[string]string{"lib.txt": "2", ".gitmodules": "[submodule \"nested\"]\n\tpath = deps/nested\n\turl = ../nested.git\n"},
		Gitlinks: map[string]string{"deps/nested": n1},
	})
	app := f.srv.CreateRepo(t, "app2")
	app.Commit(t, "main", gitserver.Change{
		Files: map[string]string{
			"app.txt": "app",
			".gitmodules": "[submodule \"lib\"]\n\tpath = vendor/lib\n\turl = ../lib.git\n" +
				"[submodule \"old\"]\n\tpath = third/lib\n\turl = " + f.http.RepoURL("lib") + "\n",
		},
		Gitlinks: map[string]string{"vendor/lib": l2, "third/lib": l1},
	})
	return f, f.http.RepoURL("app2")
}

func TestSubmodules(t *testing.T) {
	t.Parallel()
	_, url := submoduleFixture(t)
	auth := mustAuth(t, url, map[string][]byte{SecretUsername: []byte(testUser), SecretPassword: []byte(testPassword)})
	for _, tc := range []struct {
		opts CheckoutOptions
		want string
	}{
		{CheckoutOptions{}, ".gitmodules app.txt"},
		{CheckoutOptions{RecurseSubmodules: true},
			".gitmodules app.txt third/lib/lib.txt vendor/lib/.gitmodules vendor/lib/deps/nested/n.txt vendor/lib/lib.txt"},
		{CheckoutOptions{RecurseSubmodules: true, SparseCheckout: []string{"vendor"}},
			"vendor/lib/.gitmodules vendor/lib/deps/nested/n.txt vendor/lib/lib.txt"},
	} {
		dir := t.TempDir()
		if _, err := Checkout(context.Background(), url, Ref{Branch: "main"}, auth, dir, tc.opts); err != nil {
			t.Fatalf("%+v: %v", tc.opts, err)
		}
		if got := strings.Join(listFiles(t, dir), " "); got != tc.want {
			t.Errorf("%+v: files = %s\nwant %s", tc.opts, got, tc.want)
		}
		if tc.opts.RecurseSubmodules && len(tc.opts.SparseCheckout) == 0 {
			if v := readFile(t, dir, "third/lib/lib.txt"); v != "1" {
				t.Errorf("pinned submodule has lib.txt %q, want the first commit's 1", v)
			}
			// The commit behind the tip was fetched alone, shallow, not with lib's whole history.
			if _, err := os.Stat(filepath.Join(dir, "third", "lib", ".git", "shallow")); err != nil {
				t.Errorf("pinned submodule is not a shallow clone: %v", err)
			}
		}
	}
}

func TestSubmoduleURLs(t *testing.T) {
	t.Parallel()
	const parent = "https://git.example.com/org/app.git"
	for _, tc := range []struct{ raw, want, err string }{
		{"../lib.git", "https://git.example.com/org/lib.git", ""},
		{"./lib.git", "https://git.example.com/org/app.git/lib.git", ""},
		{"../../other/lib", "https://git.example.com/other/lib", ""},
		{"https://github.com/x/y.git", "https://github.com/x/y.git", ""},
		{"ssh://git@github.com/x/y.git", "ssh://git@github.com/x/y.git", ""},
		{"git@github.com:x/y.git", "ssh://git@github.com/x/y.git", ""},
		{"file:///etc/passwd", "", "submodules must use http, https or ssh"},
		{"/srv/git/lib.git", "", "submodules must use http, https or ssh"},
		{"git://example.com/x", "", "submodules must use http, https or ssh"},
	} {
		got, err := submoduleURL(parent, tc.raw)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("submoduleURL(%q) = %q, %v; want error %q", tc.raw, got, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("submoduleURL(%q) = %q, %v; want %q", tc.raw, got, err, tc.want)
		}
	}
}

func TestSubmoduleAuth(t *testing.T) {
	t.Parallel()
	parent := &AuthOptions{Scheme: "https", Username: "u", Password: "p", CA: []byte("ca")}
	same, err := submoduleAuth(parent, "https://git.example.com/a.git", "https://git.example.com/b.git")
	if err != nil || same != parent {
		t.Fatalf("same host: %+v, %v; want the parent's credentials", same, err)
	}
	other, err := submoduleAuth(parent, "https://git.example.com/a.git", "https://evil.example.com/b.git")
	if err != nil || other.Username != "" || string(other.CA) != "ca" {
		t.Fatalf("other host: %+v, %v; want no credentials but the CA", other, err)
	}
	if _, err := submoduleAuth(parent, "https://git.example.com/a.git", "ssh://git@git.example.com/b.git"); err == nil {
		t.Fatal("an SSH submodule of an HTTPS repository got credentials")
	}
	if _, err := submoduleAuth(nil, "https://git.example.com/a.git", "ssh://git@git.example.com/b.git"); err == nil {
		t.Fatal("an SSH submodule without a secret did not fail")
	}
}

func TestSubmoduleDirStaysInside(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.Symlink(t.TempDir(), filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"../x", "/abs", "link/sub", "link"} {
		if got, err := submoduleDir(dir, p); err == nil {
			t.Errorf("submoduleDir(%q) = %s, want an error", p, got)
		}
	}
	if got, err := submoduleDir(dir, "vendor/lib"); err != nil || got != filepath.Join(dir, "vendor", "lib") {
		t.Errorf("submoduleDir(vendor/lib) = %s, %v", got, err)
	}
}

func TestSubmoduleWithForbiddenURL(t *testing.T) {
	t.Parallel()
	f := newFixture(t, false)
	r := f.srv.CreateRepo(t, "evil")
	r.Commit(t, "main", gitserver.Change{
		Files:    map[string]string{".gitmodules": "[submodule \"x\"]\n\tpath = x\n\turl = file://" + f.srv.Root() + "/app.git\n"},
		Gitlinks: map[string]string{"x": f.c["c1"]},
	})
	url := f.http.RepoURL("evil")
	auth := mustAuth(t, url, map[string][]byte{SecretUsername: []byte(testUser), SecretPassword: []byte(testPassword)})
	_, err := Checkout(context.Background(), url, Ref{Branch: "main"}, auth, t.TempDir(), CheckoutOptions{RecurseSubmodules: true})
	if err == nil || !strings.Contains(err.Error(), "submodules must use http, https or ssh") {
		t.Fatalf("error = %v, want the file URL refused", err)
	}
}

// TestSubmoduleFullFetchFallback: when the server refuses to send a commit that is not a branch tip, the
// pinned submodule commit is found in the full history instead.
func TestSubmoduleFullFetchFallback(t *testing.T) {
	t.Parallel()
	f, url := submoduleFixture(t)
	f.srv.Repo(t, "lib").Git(t, "config", "uploadpack.allowReachableSHA1InWant", "false")
	auth := mustAuth(t, url, map[string][]byte{SecretUsername: []byte(testUser), SecretPassword: []byte(testPassword)})
	dir := t.TempDir()
	if _, err := Checkout(context.Background(), url, Ref{Branch: "main"}, auth, dir, CheckoutOptions{RecurseSubmodules: true}); err != nil {
		t.Fatal(err)
	}
	if v := readFile(t, dir, "third/lib/lib.txt"); v != "1" {
		t.Fatalf("pinned submodule has lib.txt %q, want 1", v)
	}
	if _, err := os.Stat(filepath.Join(dir, "third", "lib", ".git", "shallow")); !os.IsNotExist(err) {
		t.Fatalf("pinned submodule should come from a full fetch: %v", err)
	}
}
