/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package git

import (
	"encoding/hex"
	"fmt"
	"sort"
	"strings"

	"github.com/Masterminds/semver/v3"
	"github.com/go-git/go-git/v5/plumbing"
)

// DefaultBranch is the branch checked out when a Ref sets nothing, as in Flux.
const DefaultBranch = "master"

// Ref is the Git reference to resolve, mirroring GitRepository's spec.ref. When several fields are set,
// Commit wins over Name, Name over SemVer, SemVer over Tag and Tag over Branch; Commit may be combined with
// Branch, which limits the fetch to that branch.
type Ref struct {
	Branch string
	Tag    string
	SemVer string
	Name   string
	Commit string
}

// RefKind names which field of a Ref is in effect.
type RefKind string

// The kinds of reference, by the precedence of their Ref field.
const (
	KindCommit RefKind = "commit"
	KindName   RefKind = "name"
	KindSemVer RefKind = "semver"
	KindTag    RefKind = "tag"
	KindBranch RefKind = "branch"
)

// Kind returns the field in effect.
func (r Ref) Kind() RefKind {
	switch {
	case r.Commit != "":
		return KindCommit
	case r.Name != "":
		return KindName
	case r.SemVer != "":
		return KindSemVer
	case r.Tag != "":
		return KindTag
	default:
		return KindBranch
	}
}

// branch returns the branch, defaulting to DefaultBranch.
func (r Ref) branch() string {
	if r.Branch == "" {
		return DefaultBranch
	}
	return r.Branch
}

// String describes the reference in effect for messages: "branch 'main'", "semver range '>=1.0'".
func (r Ref) String() string {
	switch r.Kind() {
	case KindCommit:
		if r.Branch != "" {
			return fmt.Sprintf("commit '%s' on branch '%s'", r.Commit, r.Branch)
		}
		return fmt.Sprintf("commit '%s'", r.Commit)
	case KindName:
		return fmt.Sprintf("reference '%s'", r.Name)
	case KindSemVer:
		return fmt.Sprintf("semver range '%s'", r.SemVer)
	case KindTag:
		return fmt.Sprintf("tag '%s'", r.Tag)
	default:
		return fmt.Sprintf("branch '%s'", r.branch())
	}
}

// Validate checks the field in effect (and Branch alongside Commit): reference names must be valid Git
// reference names, Commit a full hexadecimal SHA-1 and SemVer a valid range.
func (r Ref) Validate() error {
	switch r.Kind() {
	case KindCommit:
		if len(r.Commit) != 40 {
			return fmt.Errorf("invalid commit '%s': want the full 40-character SHA-1", r.Commit)
		}
		if _, err := hex.DecodeString(r.Commit); err != nil {
			return fmt.Errorf("invalid commit '%s': not hexadecimal", r.Commit)
		}
		if r.Branch != "" {
			return validName("branch", r.Branch, plumbing.NewBranchReferenceName(r.Branch))
		}
	case KindName:
		if !strings.HasPrefix(r.Name, "refs/") {
			return fmt.Errorf("invalid reference name '%s': it must start with 'refs/', e.g. 'refs/heads/main'", r.Name)
		}
		return validName("reference name", r.Name, plumbing.ReferenceName(r.Name))
	case KindSemVer:
		if _, err := semver.NewConstraint(r.SemVer); err != nil {
			return fmt.Errorf("invalid semver range '%s': %w", r.SemVer, err)
		}
	case KindTag:
		return validName("tag", r.Tag, plumbing.NewTagReferenceName(r.Tag))
	default:
		return validName("branch", r.branch(), plumbing.NewBranchReferenceName(r.branch()))
	}
	return nil
}

func validName(what, value string, full plumbing.ReferenceName) error {
	if err := full.Validate(); err != nil {
		return fmt.Errorf("invalid %s '%s': not a valid Git reference name", what, value)
	}
	return nil
}

// Revision formats a revision as Flux does: "<name>@sha1:<hash>", or "sha1:<hash>" when name is empty.
// name is the branch or tag name, or the full reference name for Ref.Name.
func Revision(name, hash string) string {
	if name == "" {
		return "sha1:" + hash
	}
	return name + "@sha1:" + hash
}

// RevisionHash returns the commit hash of a revision string made by Revision ("main@sha1:abc" -> "abc").
func RevisionHash(revision string) string {
	if i := strings.LastIndex(revision, "sha1:"); i >= 0 {
		return revision[i+len("sha1:"):]
	}
	return revision
}

// target is a reference resolved against the remote: what to fetch and how to name the revision.
type target struct {
	// refName is the full remote reference name to fetch.
	refName plumbing.ReferenceName
	// display is the name used in the revision string.
	display string
	// hash is the commit the reference points to (peeled for annotated tags); zero when not listed yet.
	hash plumbing.Hash
}

// remoteRefs maps advertised reference names to hashes; for annotated tags peeled[name] is the commit.
type remoteRefs struct {
	refs   map[string]plumbing.Hash
	peeled map[string]plumbing.Hash
}

func newRemoteRefs(list []*plumbing.Reference) remoteRefs {
	rr := remoteRefs{refs: map[string]plumbing.Hash{}, peeled: map[string]plumbing.Hash{}}
	for _, ref := range list {
		if ref.Type() != plumbing.HashReference {
			continue
		}
		name := ref.Name().String()
		if base, ok := strings.CutSuffix(name, "^{}"); ok {
			rr.peeled[base] = ref.Hash()
			continue
		}
		rr.refs[name] = ref.Hash()
	}
	return rr
}

// commit returns the commit a listed reference points to.
func (rr remoteRefs) commit(name string) (plumbing.Hash, bool) {
	if h, ok := rr.peeled[name]; ok {
		return h, true
	}
	h, ok := rr.refs[name]
	return h, ok
}

// resolve finds the reference of r (not a commit) in the advertised references.
func (rr remoteRefs) resolve(r Ref) (target, error) {
	var t target
	switch r.Kind() {
	case KindName:
		t = target{refName: plumbing.ReferenceName(r.Name), display: r.Name}
	case KindSemVer:
		tag, err := rr.highestTag(r.SemVer)
		if err != nil {
			return target{}, err
		}
		t = target{refName: plumbing.NewTagReferenceName(tag), display: tag}
	case KindTag:
		t = target{refName: plumbing.NewTagReferenceName(r.Tag), display: r.Tag}
	default:
		t = target{refName: plumbing.NewBranchReferenceName(r.branch()), display: r.branch()}
	}
	h, ok := rr.commit(t.refName.String())
	if !ok {
		return target{}, notFound("%s not found", r)
	}
	t.hash = h
	return t, nil
}

// highestTag returns the tag with the highest version within the semver range. Tags that are not versions
// are ignored; "v1.2.3" and "1.2.3" are both versions. Of two tags with equal versions the name sorting last
// wins, so the choice does not depend on the order of the listing.
func (rr remoteRefs) highestTag(rangeSpec string) (string, error) {
	c, err := semver.NewConstraint(rangeSpec)
	if err != nil {
		return "", fmt.Errorf("invalid semver range '%s': %w", rangeSpec, err)
	}
	names := make([]string, 0, len(rr.refs))
	for name := range rr.refs {
		if tag, ok := strings.CutPrefix(name, "refs/tags/"); ok {
			names = append(names, tag)
		}
	}
	sort.Strings(names)
	var best string
	var bestV *semver.Version
	for _, tag := range names {
		v, err := semver.NewVersion(tag)
		if err != nil || !c.Check(v) {
			continue
		}
		if bestV == nil || !v.LessThan(bestV) {
			best, bestV = tag, v
		}
	}
	if bestV == nil {
		return "", notFound("no tag matches semver range '%s'", rangeSpec)
	}
	return best, nil
}
