/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

// Package git resolves and checks out the Git references of GitRepository objects with go-git: credentials
// from a Secret (HTTPS basic or bearer, SSH keys with known_hosts, custom CA, proxy), Flux's reference kinds
// and revision strings, a remote head lookup that needs no clone, shallow checkouts with sparse checkout and
// submodules, and OpenPGP and SSH signature verification of commits and tags.
package git

import (
	"context"
	"fmt"

	gogit "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/storage/memory"
)

// RemoteHead returns the revision ref resolves to on the remote ("main@sha1:<hash>"), listing the remote's
// references only (no clone): the controller compares it with its artifact to skip unchanged heads. A
// commit ref is returned as it is without contacting the remote. For a semver range it is the highest
// matching tag; annotated tags resolve to the commit they point to. The revision is the one Checkout
// returns for the same state of the remote.
func RemoteHead(ctx context.Context, url string, ref Ref, auth *AuthOptions) (string, error) {
	if err := ref.Validate(); err != nil {
		return "", err
	}
	if ref.Kind() == KindCommit {
		return Revision(ref.Branch, ref.Commit), nil
	}
	refs, err := listRemote(ctx, url, auth)
	if err != nil {
		return "", err
	}
	t, err := refs.resolve(ref)
	if err != nil {
		return "", fmt.Errorf("%w in %s", err, url)
	}
	return Revision(t.display, t.hash.String()), nil
}

// listRemote lists the remote's references with the peeled commits of annotated tags (git ls-remote).
func listRemote(ctx context.Context, url string, auth *AuthOptions) (remoteRefs, error) {
	method, err := auth.methodFor(url)
	if err != nil {
		return remoteRefs{}, err
	}
	remote := gogit.NewRemote(memory.NewStorage(), &config.RemoteConfig{Name: "origin", URLs: []string{url}})
	list, err := remote.ListContext(ctx, &gogit.ListOptions{
		Auth:          method,
		CABundle:      auth.caBundle(),
		ProxyOptions:  auth.proxy(),
		PeelingOption: gogit.AppendPeeled,
	})
	if err != nil {
		return remoteRefs{}, classify(url, err)
	}
	return newRemoteRefs(list), nil
}
