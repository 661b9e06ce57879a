/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package git

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/go-git/go-billy/v5/osfs"
	gogit "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/cache"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/storage/filesystem"
)

// CheckoutOptions tune Checkout.
type CheckoutOptions struct {
	// RecurseSubmodules also checks out the submodules, recursively.
	RecurseSubmodules bool
	// SparseCheckout, when not empty, limits the working tree to these directories.
	SparseCheckout []string
}

// remoteName is the name of the remote in checked-out repositories.
const remoteName = "origin"

// Checkout fetches ref from url into the empty (or missing) directory dir and checks it out, returning the
// commit. Branches, tags, semver ranges and reference names are fetched shallow (depth 1) and alone; a
// commit is looked up in the full history of its branch, or of all branches when no branch is set. dir
// keeps its .git directory (and those of submodules): leave them out of archives.
func Checkout(ctx context.Context, url string, ref Ref, auth *AuthOptions, dir string, opts CheckoutOptions) (*Commit, error) {
	if err := ref.Validate(); err != nil {
		return nil, err
	}
	repo, closeRepo, err := initRepo(dir, url)
	if err != nil {
		return nil, err
	}
	defer closeRepo()
	var commit *Commit
	if ref.Kind() == KindCommit {
		commit, err = fetchCommit(ctx, repo, url, ref, auth)
	} else {
		commit, err = fetchRef(ctx, repo, url, ref, auth)
	}
	if err != nil {
		return nil, err
	}
	if err := materialize(repo, plumbing.NewHash(commit.Hash), dir, opts.SparseCheckout); err != nil {
		return nil, fmt.Errorf("checking out %s: %w", commit.Revision, err)
	}
	if opts.RecurseSubmodules {
		if err := updateSubmodules(ctx, repo, dir, url, auth, opts.SparseCheckout, maxSubmoduleDepth); err != nil {
			return nil, err
		}
	}
	return commit, nil
}

// fetch runs one fetch of refspecs from the remote; depth 0 fetches the full history.
func fetch(ctx context.Context, repo *gogit.Repository, url string, auth *AuthOptions, depth int, specs ...config.RefSpec) error {
	method, err := auth.methodFor(url)
	if err != nil {
		return err
	}
	err = repo.FetchContext(ctx, &gogit.FetchOptions{
		RemoteName:   remoteName,
		RefSpecs:     specs,
		Depth:        depth,
		Auth:         method,
		Tags:         gogit.NoTags,
		CABundle:     auth.caBundle(),
		ProxyOptions: auth.proxy(),
	})
	if err != nil && !errors.Is(err, gogit.NoErrAlreadyUpToDate) {
		return classify(url, err)
	}
	return nil
}

// fetchRef fetches a branch, tag, semver match or named reference with depth 1.
func fetchRef(ctx context.Context, repo *gogit.Repository, url string, ref Ref, auth *AuthOptions) (*Commit, error) {
	t, err := targetOf(ctx, url, ref, auth)
	if err != nil {
		return nil, err
	}
	local := localRef(t.refName)
	spec := config.RefSpec(fmt.Sprintf("+%s:%s", t.refName, local))
	if err := fetch(ctx, repo, url, auth, 1, spec); err != nil {
		if errors.Is(err, ErrReferenceNotFound) {
			return nil, notFound("%s not found in %s", ref, url)
		}
		return nil, err
	}
	r, err := repo.Reference(local, true)
	if err != nil {
		return nil, fmt.Errorf("reading fetched %s: %w", t.refName, err)
	}
	return peel(repo, r.Hash(), t.refName.String(), t.display)
}

// targetOf names the remote reference to fetch; only a semver range needs the remote's list of tags.
func targetOf(ctx context.Context, url string, ref Ref, auth *AuthOptions) (target, error) {
	switch ref.Kind() {
	case KindSemVer:
		refs, err := listRemote(ctx, url, auth)
		if err != nil {
			return target{}, err
		}
		t, err := refs.resolve(ref)
		if err != nil {
			return target{}, fmt.Errorf("%w in %s", err, url)
		}
		return t, nil
	case KindName:
		return target{refName: plumbing.ReferenceName(ref.Name), display: ref.Name}, nil
	case KindTag:
		return target{refName: plumbing.NewTagReferenceName(ref.Tag), display: ref.Tag}, nil
	default:
		return target{refName: plumbing.NewBranchReferenceName(ref.branch()), display: ref.branch()}, nil
	}
}

// localRef is where a fetched remote reference is stored: tags as tags, everything else under the remote's
// namespace so that nothing can clash with HEAD.
func localRef(remote plumbing.ReferenceName) plumbing.ReferenceName {
	if remote.IsTag() {
		return remote
	}
	return plumbing.ReferenceName("refs/remotes/" + remoteName + "/" + strings.TrimPrefix(remote.String(), "refs/"))
}

// peel follows annotated tags from hash to the commit, recording the outermost tag.
func peel(repo *gogit.Repository, hash plumbing.Hash, reference, display string) (*Commit, error) {
	var tag *Tag
	for range 10 {
		obj, err := repo.Object(plumbing.AnyObject, hash)
		if err != nil {
			return nil, fmt.Errorf("reading object %s of %s: %w", hash, reference, err)
		}
		switch o := obj.(type) {
		case *object.Tag:
			if tag == nil {
				if tag, err = newTag(o); err != nil {
					return nil, err
				}
			}
			hash = o.Target
		case *object.Commit:
			c, err := newCommit(o, reference, display)
			if err != nil {
				return nil, err
			}
			c.Tag = tag
			return c, nil
		default:
			return nil, fmt.Errorf("%s points to a %s, not a commit", reference, obj.Type())
		}
	}
	return nil, fmt.Errorf("%s: too many nested tags", reference)
}

// fetchCommit fetches the history of the commit's branch (or of every branch) and finds the commit in it.
func fetchCommit(ctx context.Context, repo *gogit.Repository, url string, ref Ref, auth *AuthOptions) (*Commit, error) {
	spec := config.RefSpec(fmt.Sprintf("+refs/heads/*:refs/remotes/%s/*", remoteName))
	reference := ""
	if ref.Branch != "" {
		reference = plumbing.NewBranchReferenceName(ref.Branch).String()
		spec = config.RefSpec(fmt.Sprintf("+%s:%s", reference, localRef(plumbing.ReferenceName(reference))))
	}
	if err := fetch(ctx, repo, url, auth, 0, spec); err != nil {
		if errors.Is(err, ErrReferenceNotFound) && ref.Branch != "" {
			return nil, notFound("branch '%s' not found in %s", ref.Branch, url)
		}
		return nil, err
	}
	c, err := repo.CommitObject(plumbing.NewHash(ref.Commit))
	if err != nil {
		if ref.Branch != "" {
			return nil, notFound("commit '%s' not found on branch '%s' of %s", ref.Commit, ref.Branch, url)
		}
		return nil, notFound("commit '%s' not found on any branch of %s", ref.Commit, url)
	}
	return newCommit(c, reference, ref.Branch)
}

// initRepo creates an empty repository in dir with the remote url. Its object
// storage keeps pack files open, which matters when thousands of files are checked out; call the returned
// function to close them.
func initRepo(dir, remoteURL string) (*gogit.Repository, func(), error) {
	wt := osfs.New(dir)
	dot, err := wt.Chroot(gogit.GitDirName)
	if err != nil {
		return nil, nil, err
	}
	st := filesystem.NewStorageWithOptions(dot, cache.NewObjectLRUDefault(), filesystem.Options{KeepDescriptors: true})
	closeRepo := func() { _ = st.Close() }
	repo, err := gogit.Init(st, wt)
	if err != nil {
		closeRepo()
		return nil, nil, fmt.Errorf("creating repository in %s: %w", dir, err)
	}
	if _, err := repo.CreateRemote(&config.RemoteConfig{Name: remoteName, URLs: []string{remoteURL}}); err != nil {
		closeRepo()
		return nil, nil, fmt.Errorf("adding remote %s: %w", remoteURL, err)
	}
	return repo, closeRepo, nil
}
