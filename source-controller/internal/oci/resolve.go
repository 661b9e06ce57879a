/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package oci

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strings"

	"github.com/Masterminds/semver/v3"
	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

// DefaultTag is the tag resolved when the reference names none.
const DefaultTag = "latest"

// Revision is a resolved artifact: the manifest digest and the tag it was found under.
type Revision struct {
	// Tag is the tag that was resolved (from spec.ref.tag, spec.ref.semver or the default), empty when the
	// reference was a digest.
	Tag string
	// Digest is the manifest digest, "sha256:<hex>".
	Digest string
	// Reference is the full reference that was resolved, e.g. "ghcr.io/org/app:1.1.0", for messages.
	Reference string
}

// String returns the revision as Flux writes it in status.artifact.revision: "<tag>@sha256:<hex>", or
// "sha256:<hex>" for a digest reference.
func (r Revision) String() string {
	if r.Tag == "" {
		return r.Digest
	}
	return r.Tag + "@" + r.Digest
}

// client holds what every registry request of one call needs.
type client struct {
	repo      name.Repository
	opts      []remote.Option
	withCreds bool
}

// newClient validates the options and prepares transport and credentials. ctx bounds every request.
func newClient(ctx context.Context, o Options) (*client, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	repo, err := ParseURL(o.URL, o.Insecure)
	if err != nil {
		return nil, err
	}
	tr, err := o.transport()
	if err != nil {
		return nil, err
	}
	auth, err := credentialsFor(o.DockerConfigs, repo)
	if err != nil {
		return nil, err
	}
	return &client{
		repo: repo,
		opts: []remote.Option{
			remote.WithContext(ctx),
			remote.WithTransport(tr),
			remote.WithAuth(auth),
			remote.WithUserAgent(o.userAgent()),
		},
		withCreds: auth != authn.Anonymous,
	}, nil
}

// Resolve finds the manifest digest that the options' reference points to, without pulling it: a tag
// listing when the reference is a semver range, then a HEAD request for the manifest (a GET only when the
// registry does not answer HEAD). Compare the result's String() with the stored Artifact's revision to skip
// pulling an unchanged artifact.
func Resolve(ctx context.Context, o Options) (Revision, error) {
	c, err := newClient(ctx, o)
	if err != nil {
		return Revision{}, err
	}
	ref, tag, err := c.reference(o.Ref)
	if err != nil {
		return Revision{}, err
	}
	what := fmt.Sprintf("resolving tag '%s' of %s", tag, c.repo.Name())
	if tag == "" {
		what = "resolving " + ref.Name()
	}
	desc, err := remote.Head(ref, c.opts...)
	if err != nil {
		var terr *transport.Error
		if !errors.As(err, &terr) || terr.StatusCode == http.StatusUnauthorized ||
			terr.StatusCode == http.StatusForbidden || terr.StatusCode == http.StatusNotFound {
			return Revision{}, registryError(what, c.withCreds, err)
		}
		// Some registries do not answer HEAD for manifests: fetch the manifest instead.
		full, gerr := remote.Get(ref, c.opts...)
		if gerr != nil {
			return Revision{}, registryError(what, c.withCreds, gerr)
		}
		desc = &full.Descriptor
	}
	return Revision{Tag: tag, Digest: desc.Digest.String(), Reference: ref.Name()}, nil
}

// reference picks the reference to resolve with Flux's precedence: digest, then semver, then tag, then
// "latest". It returns the tag too (empty for a digest).
func (c *client) reference(r Ref) (name.Reference, string, error) {
	switch {
	case r.Digest != "":
		return c.repo.Digest(r.Digest), "", nil
	case r.SemVer != "":
		tags, err := remote.List(c.repo, c.opts...)
		if err != nil {
			return nil, "", registryError("listing tags of "+c.repo.Name(), c.withCreds, err)
		}
		tag, err := LatestSemverTag(tags, r.SemVer, r.SemverFilter)
		if err != nil {
			return nil, "", fmt.Errorf("%s: %w", c.repo.Name(), err)
		}
		return c.repo.Tag(tag), tag, nil
	case r.Tag != "":
		return c.repo.Tag(r.Tag), r.Tag, nil
	default:
		return c.repo.Tag(DefaultTag), DefaultTag, nil
	}
}

// LatestSemverTag returns the tag with the highest version in the semver range constraint, among the tags
// that match the regular expression filter (all tags when filter is empty). Tags are read as strict
// semantic versions with an optional "v" prefix; other tags are ignored. Ties keep the first tag listed.
// Errors wrap ErrInvalid (bad range or filter) or ErrNotFound (no tag matches).
func LatestSemverTag(tags []string, constraint, filter string) (string, error) {
	c, err := semver.NewConstraint(constraint)
	if err != nil {
		return "", invalid(err, "spec.ref.semver '%s' is not a semver range", constraint)
	}
	var re *regexp.Regexp
	if filter != "" {
		if re, err = regexp.Compile(filter); err != nil {
			return "", invalid(err, "spec.ref.semverFilter '%s' is not a regular expression", filter)
		}
	}
	type candidate struct {
		tag string
		v   *semver.Version
	}
	var matches []candidate
	for _, t := range tags {
		if re != nil && !re.MatchString(t) {
			continue
		}
		v, err := parseTagVersion(t)
		if err != nil || !c.Check(v) {
			continue
		}
		matches = append(matches, candidate{tag: t, v: v})
	}
	if len(matches) == 0 {
		msg := fmt.Sprintf("no tag matches semver '%s'", constraint)
		if filter != "" {
			msg += fmt.Sprintf(" with semverFilter '%s'", filter)
		}
		return "", &kindError{kind: ErrNotFound, msg: fmt.Sprintf("%s (%d tags listed)", msg, len(tags))}
	}
	sort.SliceStable(matches, func(i, j int) bool { return matches[i].v.GreaterThan(matches[j].v) })
	return matches[0].tag, nil
}

// parseTagVersion reads a tag as a strict semantic version, allowing a "v" prefix as Flux does.
func parseTagVersion(tag string) (*semver.Version, error) {
	if _, err := semver.StrictNewVersion(strings.TrimPrefix(tag, "v")); err != nil {
		return nil, err
	}
	return semver.NewVersion(tag)
}
