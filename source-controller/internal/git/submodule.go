/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package git

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	gogit "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/plumbing/transport"
)

// maxSubmoduleDepth bounds the nesting of submodules, as git's default recursion does.
const maxSubmoduleDepth = 10

// submodule is one entry of .gitmodules with the commit the superproject records for it.
type submodule struct {
	path string
	url  string
	hash plumbing.Hash
}

// updateSubmodules checks out the submodules of the commit at HEAD of repo (in dir), recursively. With
// sparse directories, only submodules inside them are checked out. Credentials go to submodules on the same
// host as the superproject only (SSH keys to any SSH host, as known_hosts decides).
func updateSubmodules(ctx context.Context, repo *gogit.Repository, dir, parentURL string, auth *AuthOptions,
	sparse []string, depth int) error {
	subs, err := listSubmodules(repo, parentURL, sparse)
	if err != nil || len(subs) == 0 {
		return err
	}
	if depth == 0 {
		return fmt.Errorf("submodules nested more than %d levels deep", maxSubmoduleDepth)
	}
	for _, s := range subs {
		subDir, err := submoduleDir(dir, s.path)
		if err != nil {
			return err
		}
		subAuth, err := submoduleAuth(auth, parentURL, s.url)
		if err != nil {
			return fmt.Errorf("submodule '%s': %w", s.path, err)
		}
		subRepo, closeRepo, err := checkoutSubmodule(ctx, subDir, s, subAuth)
		if err != nil {
			return fmt.Errorf("submodule '%s' (%s): %w", s.path, s.url, err)
		}
		err = updateSubmodules(ctx, subRepo, subDir, s.url, subAuth, nil, depth-1)
		closeRepo()
		if err != nil {
			return err
		}
	}
	return nil
}

// listSubmodules reads .gitmodules and the gitlinks from the tree of HEAD.
func listSubmodules(repo *gogit.Repository, parentURL string, sparse []string) ([]submodule, error) {
	head, err := repo.Head()
	if err != nil {
		return nil, err
	}
	c, err := repo.CommitObject(head.Hash())
	if err != nil {
		return nil, err
	}
	tree, err := c.Tree()
	if err != nil {
		return nil, err
	}
	f, err := tree.File(".gitmodules")
	if errors.Is(err, object.ErrFileNotFound) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	content, err := f.Contents()
	if err != nil {
		return nil, err
	}
	mods := config.NewModules()
	if err := mods.Unmarshal([]byte(content)); err != nil {
		return nil, fmt.Errorf("reading .gitmodules: %w", err)
	}
	var subs []submodule
	for _, m := range mods.Submodules {
		if !inSparse(m.Path, sparse) {
			continue
		}
		entry, err := tree.FindEntry(m.Path)
		if err != nil || entry.Mode != filemode.Submodule {
			continue // as git does, a .gitmodules entry without a gitlink is ignored
		}
		u, err := submoduleURL(parentURL, m.URL)
		if err != nil {
			return nil, fmt.Errorf("submodule '%s': %w", m.Path, err)
		}
		subs = append(subs, submodule{path: m.Path, url: u, hash: entry.Hash})
	}
	sort.Slice(subs, func(i, j int) bool { return subs[i].path < subs[j].path })
	return subs, nil
}

func inSparse(p string, sparse []string) bool {
	if len(sparse) == 0 {
		return true
	}
	for _, d := range sparse {
		d = strings.Trim(strings.TrimPrefix(d, "./"), "/")
		if d == "" || p == d || strings.HasPrefix(p, d+"/") {
			return true
		}
	}
	return false
}

// submoduleURL resolves a .gitmodules URL: relative ones ("../lib.git") against the superproject's URL,
// scp-like ones ("git@host:org/lib.git") to ssh://. Only http, https and ssh are allowed, so a repository
// cannot make the controller read local paths.
func submoduleURL(parentURL, raw string) (string, error) {
	if strings.HasPrefix(raw, "./") || strings.HasPrefix(raw, "../") {
		u, err := url.Parse(parentURL)
		if err != nil {
			return "", err
		}
		u.Path = path.Join(u.Path, raw)
		return u.String(), nil
	}
	ep, err := transport.NewEndpoint(raw)
	if err != nil {
		return "", fmt.Errorf("invalid URL '%s': %w", raw, err)
	}
	switch ep.Protocol {
	case "http", "https":
		return raw, nil
	case "ssh":
		if strings.HasPrefix(raw, "ssh://") {
			return raw, nil
		}
		return ep.String(), nil
	}
	return "", fmt.Errorf("unsupported URL '%s': submodules must use http, https or ssh", raw)
}

// submoduleAuth picks the credentials for a submodule URL.
func submoduleAuth(parent *AuthOptions, parentURL, subURL string) (*AuthOptions, error) {
	su, err := url.Parse(subURL)
	if err != nil {
		return nil, err
	}
	if parent == nil {
		if su.Scheme == "ssh" {
			return nil, errors.New("SSH submodules need a secretRef with 'identity' and 'known_hosts'")
		}
		return nil, nil
	}
	pu, err := url.Parse(parentURL)
	if err != nil {
		return nil, err
	}
	switch {
	case su.Scheme == "ssh" && parent.Scheme == "ssh":
		a := *parent
		a.Username = su.User.Username()
		if a.Username == "" {
			a.Username = "git"
		}
		a.method = nil
		return &a, nil
	case su.Scheme == "ssh":
		return nil, fmt.Errorf("the submodule uses SSH but the secret holds no SSH key")
	case su.Scheme == pu.Scheme && su.Host == pu.Host:
		return parent, nil
	}
	return &AuthOptions{Scheme: su.Scheme, CA: parent.CA, Proxy: parent.Proxy}, nil
}

// submoduleDir returns where a submodule is checked out, refusing paths that leave dir, directly or
// through a symbolic link in the superproject.
func submoduleDir(dir, rel string) (string, error) {
	if !filepath.IsLocal(filepath.FromSlash(rel)) {
		return "", fmt.Errorf("submodule path '%s' is outside the repository", rel)
	}
	cur := dir
	for _, part := range strings.Split(filepath.FromSlash(rel), string(filepath.Separator)) {
		cur = filepath.Join(cur, part)
		fi, err := os.Lstat(cur)
		if errors.Is(err, os.ErrNotExist) {
			break
		}
		if err != nil {
			return "", err
		}
		if fi.Mode()&os.ModeSymlink != 0 || !fi.IsDir() {
			return "", fmt.Errorf("submodule path '%s' goes through '%s', which is not a directory", rel, cur)
		}
	}
	return filepath.Join(dir, filepath.FromSlash(rel)), nil
}

// checkoutSubmodule fetches the submodule's commit, as shallow as the server allows: the branch tips first,
// then the commit itself, then the full history. Close the returned repository with the returned function.
func checkoutSubmodule(ctx context.Context, dir string, s submodule, auth *AuthOptions) (*gogit.Repository, func(), error) {
	heads := config.RefSpec(fmt.Sprintf("+refs/heads/*:refs/remotes/%s/*", remoteName))
	attempts := []struct {
		depth int
		specs []config.RefSpec
	}{
		{1, []config.RefSpec{heads}},
		{1, []config.RefSpec{config.RefSpec(fmt.Sprintf("+%s:refs/remotes/%s/submodule", s.hash, remoteName))}},
		{0, []config.RefSpec{heads, "+refs/tags/*:refs/tags/*"}},
	}
	var repo *gogit.Repository
	closeRepo := func() {}
	for i, a := range attempts {
		if repo == nil || a.depth == 0 {
			closeRepo()
			if err := os.RemoveAll(dir); err != nil {
				return nil, nil, err
			}
			var err error
			if repo, closeRepo, err = initRepo(dir, s.url); err != nil {
				return nil, nil, err
			}
		}
		err := fetch(ctx, repo, s.url, auth, a.depth, a.specs...)
		if err != nil && (i == 0 || errors.Is(err, ErrAuthentication) || errors.Is(err, ErrUnreachable)) {
			closeRepo()
			return nil, nil, err
		}
		if _, err := repo.CommitObject(s.hash); err == nil {
			if err := materialize(repo, s.hash, dir, nil); err != nil {
				closeRepo()
				return nil, nil, err
			}
			return repo, closeRepo, nil
		}
	}
	closeRepo()
	return nil, nil, notFound("commit %s not found in %s", s.hash, s.url)
}
