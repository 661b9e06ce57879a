/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/tide-gitops/tide/examples"
)

// The demo's Git repository: a work tree in the state directory, served as http://127.0.0.1:PORT/demo.
const (
	demoRepoName = "demo"
	demoBranch   = "main"
)

// demoRepo is the demo's work tree, where the user edits and commits.
type demoRepo struct {
	dir string
}

// prepareDemoRepo returns the demo repository of the state directory, creating it on the first run: a copy of
// examples/demo (built into the binary) committed on main. It is created next to its place and renamed into
// it, so an interrupted first run leaves no half-made repository behind.
func prepareDemoRepo(stateDir string, p *progress) (*demoRepo, error) {
	r := &demoRepo{dir: filepath.Join(stateDir, demoRepoName)}
	if _, err := os.Stat(filepath.Join(r.dir, ".git")); err == nil {
		return r, nil
	}
	if _, err := os.Stat(r.dir); err == nil {
		return nil, fmt.Errorf("%s exists but is not a Git repository: move it away and run tide dev again to get a fresh demo", r.dir)
	}
	tmp := r.dir + ".new"
	if err := os.RemoveAll(tmp); err != nil {
		return nil, err
	}
	if err := copyEmbeddedDemo(tmp); err != nil {
		return nil, err
	}
	if err := initRepo(tmp); err != nil {
		return nil, err
	}
	if err := os.Rename(tmp, r.dir); err != nil {
		return nil, fmt.Errorf("creating the demo repository: %w", err)
	}
	p.ok("created the demo repository %s from examples/demo", r.dir)
	return r, nil
}

// copyEmbeddedDemo writes the demo's files into dir.
func copyEmbeddedDemo(dir string) error {
	sub, err := fs.Sub(examples.Demo, examples.DemoRoot)
	if err != nil {
		return err
	}
	if err := os.CopyFS(dir, sub); err != nil {
		return fmt.Errorf("copying the demo into %s: %w", dir, err)
	}
	return nil
}

// initRepo makes dir a repository with everything in it committed on the demo branch, as "tide dev" (the
// user's Git identity may not be configured yet) and unsigned (signing could prompt).
func initRepo(dir string) error {
	env := []string{
		"GIT_AUTHOR_NAME=tide dev", "GIT_AUTHOR_EMAIL=tide-dev@localhost",
		"GIT_COMMITTER_NAME=tide dev", "GIT_COMMITTER_EMAIL=tide-dev@localhost",
	}
	for _, args := range [][]string{
		{"init", "--quiet", "--initial-branch=" + demoBranch},
		{"add", "--all"},
		{"-c", "commit.gpgsign=false", "commit", "--quiet", "--no-verify", "-m", "tide dev demo from examples/demo"},
	} {
		if err := runGit(dir, env, args...); err != nil {
			return fmt.Errorf("creating the demo repository: %w", err)
		}
	}
	return nil
}

func runGit(dir string, env []string, args ...string) error {
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		if errors.Is(err, exec.ErrNotFound) {
			return fmt.Errorf("tide dev needs the git CLI: %w", err)
		}
		return fmt.Errorf("git %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return nil
}

// watch checks the demo branch every interval and calls moved with the new commit when it changed since the
// previous check (the first check only notes where it is). It returns when ctx ends.
func (r *demoRepo) watch(ctx context.Context, interval time.Duration, moved func(commit string)) {
	last, _ := r.head()
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		// An error is a ref being rewritten right now, or a repository the user broke: try again next time.
		if commit, err := r.head(); err == nil && commit != last {
			last = commit
			moved(commit)
		}
	}
}

// head returns the commit of the demo branch, read from the loose ref or, after `git gc`, from packed-refs,
// without starting git once a second.
func (r *demoRepo) head() (string, error) {
	gitDir := filepath.Join(r.dir, ".git")
	ref := "refs/heads/" + demoBranch
	b, err := os.ReadFile(filepath.Join(gitDir, filepath.FromSlash(ref)))
	if err == nil {
		return validCommit(strings.TrimSpace(string(b)))
	}
	if !errors.Is(err, os.ErrNotExist) {
		return "", err
	}
	f, err := os.Open(filepath.Join(gitDir, "packed-refs"))
	if err != nil {
		return "", fmt.Errorf("reading %s of %s: %w", ref, r.dir, err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if commit, name, ok := strings.Cut(sc.Text(), " "); ok && name == ref {
			return validCommit(commit)
		}
	}
	if err := sc.Err(); err != nil {
		return "", err
	}
	return "", fmt.Errorf("%s has no branch %s", r.dir, demoBranch)
}

// validCommit returns s when it is a full SHA-1 or SHA-256 commit id.
func validCommit(s string) (string, error) {
	if len(s) != 40 && len(s) != 64 {
		return "", fmt.Errorf("%q is not a commit id", s)
	}
	for _, c := range s {
		if !strings.ContainsRune("0123456789abcdef", c) {
			return "", fmt.Errorf("%q is not a commit id", s)
		}
	}
	return s, nil
}
