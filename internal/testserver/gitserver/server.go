/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

// Package gitserver runs real Git servers for tests: smart HTTP(S) through `git http-backend` (with optional
// basic or bearer authentication) and SSH through OpenSSH's sshd, both on 127.0.0.1. It also writes
// repositories directly with the git CLI: commits (optionally signed by a caller-supplied signer), branches,
// lightweight and annotated tags, and arbitrary refs.
//
//	srv := gitserver.New(t)
//	repo := srv.CreateRepo(t, "app")
//	head := repo.Commit(t, "main", gitserver.Change{Files: map[string]string{"README.md": "hello"}})
//	h := srv.StartHTTP(t, gitserver.HTTPOptions{Username: "u", Password: "p"})
//	url := h.RepoURL("app") // http://127.0.0.1:PORT/app.git
//
// The tests need the `git` CLI (with git-http-backend) and, for StartSSH, OpenSSH's sshd (Debian package
// openssh-server) and ssh-keygen (openssh-client).
package gitserver

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Server is a directory of bare repositories that the HTTP and SSH servers serve.
type Server struct {
	root string
	// home is an empty HOME for every git process, so the user's configuration never leaks in.
	home string
}

// New creates an empty repository root in a temporary directory removed when the test ends.
func New(t testing.TB) *Server {
	t.Helper()
	base := t.TempDir()
	s := &Server{root: filepath.Join(base, "repos"), home: filepath.Join(base, "home")}
	for _, d := range []string{s.root, s.home} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatalf("creating %s: %v", d, err)
		}
	}
	return s
}

// Root is the directory holding the bare repositories (`<name>.git`).
func (s *Server) Root() string { return s.root }

// Repo is a bare repository under the server root.
type Repo struct {
	s *Server
	// Name is the repository name without the `.git` suffix.
	Name string
	// Path is the absolute path of the bare repository.
	Path string
}

// CreateRepo creates the bare repository `<name>.git` whose HEAD points at the branch "main". The name may
// contain slashes ("org/app").
func (s *Server) CreateRepo(t testing.TB, name string) *Repo {
	t.Helper()
	r := &Repo{s: s, Name: name, Path: filepath.Join(s.root, filepath.FromSlash(name)+".git")}
	if _, err := os.Stat(r.Path); err == nil {
		t.Fatalf("repository %s already exists", r.Path)
	}
	s.mustGit(t, "", nil, nil, "init", "--quiet", "--bare", "--initial-branch=main", r.Path)
	// Let shallow and submodule fetches ask for any commit reachable from a ref, as hosted servers do.
	r.git(t, nil, nil, "config", "uploadpack.allowReachableSHA1InWant", "true")
	return r
}

// Repo returns the existing repository `<name>.git`.
func (s *Server) Repo(t testing.TB, name string) *Repo {
	t.Helper()
	r := &Repo{s: s, Name: name, Path: filepath.Join(s.root, filepath.FromSlash(name)+".git")}
	if _, err := os.Stat(r.Path); err != nil {
		t.Fatalf("repository %s: %v", name, err)
	}
	return r
}

// gitEnv is the environment of every git process the package starts: no system or global configuration and a
// fixed identity.
func (s *Server) gitEnv(extra []string) []string {
	env := []string{
		"HOME=" + s.home,
		"PATH=" + os.Getenv("PATH"),
		"GIT_CONFIG_NOSYSTEM=1",
		"GIT_CONFIG_GLOBAL=/dev/null",
		"GIT_TERMINAL_PROMPT=0",
		"GIT_AUTHOR_NAME=" + DefaultAuthorName,
		"GIT_AUTHOR_EMAIL=" + DefaultAuthorEmail,
		"GIT_COMMITTER_NAME=" + DefaultAuthorName,
		"GIT_COMMITTER_EMAIL=" + DefaultAuthorEmail,
	}
	return append(env, extra...)
}

// runGit runs git in dir and returns its trimmed standard output.
func (s *Server) runGit(dir string, env []string, stdin []byte, args ...string) (string, error) {
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = s.gitEnv(env)
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("git %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return strings.TrimSpace(stdout.String()), nil
}

func (s *Server) mustGit(t testing.TB, dir string, env []string, stdin []byte, args ...string) string {
	t.Helper()
	out, err := s.runGit(dir, env, stdin, args...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// git runs git against the bare repository.
func (r *Repo) git(t testing.TB, env []string, stdin []byte, args ...string) string {
	t.Helper()
	return r.s.mustGit(t, "", append([]string{"GIT_DIR=" + r.Path}, env...), stdin, args...)
}

// Git runs the git CLI against the bare repository (GIT_DIR set) and returns its trimmed output; the test
// fails when git does.
func (r *Repo) Git(t testing.TB, args ...string) string {
	t.Helper()
	return r.git(t, nil, nil, args...)
}

// GitWithInput runs the git CLI against the bare repository with stdin as its input, e.g. to build a tree
// with `git mktree` that git's porcelain would refuse.
func (r *Repo) GitWithInput(t testing.TB, stdin []byte, args ...string) string {
	t.Helper()
	return r.git(t, nil, stdin, args...)
}

// GitCommand returns a git command with the package's isolated environment (no user configuration), for
// tests that drive a client: clone, push, fetch. Extra environment entries are appended.
func (s *Server) GitCommand(dir string, env []string, args ...string) *exec.Cmd {
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = s.gitEnv(env)
	return cmd
}
