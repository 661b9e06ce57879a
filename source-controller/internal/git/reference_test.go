/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package git

import (
	"errors"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
)

func TestRefKindAndString(t *testing.T) {
	t.Parallel()
	hash := strings.Repeat("a", 40)
	for _, tc := range []struct {
		ref  Ref
		kind RefKind
		str  string
	}{
		{Ref{}, KindBranch, "branch 'master'"},
		{Ref{Branch: "main"}, KindBranch, "branch 'main'"},
		{Ref{Branch: "main", Tag: "v1"}, KindTag, "tag 'v1'"},
		{Ref{Tag: "v1", SemVer: ">=1"}, KindSemVer, "semver range '>=1'"},
		{Ref{SemVer: ">=1", Name: "refs/pull/1/head"}, KindName, "reference 'refs/pull/1/head'"},
		{Ref{Name: "refs/heads/x", Commit: hash}, KindCommit, "commit '" + hash + "'"},
		{Ref{Branch: "dev", Commit: hash}, KindCommit, "commit '" + hash + "' on branch 'dev'"},
	} {
		if got := tc.ref.Kind(); got != tc.kind {
			t.Errorf("%+v.Kind() = %s, want %s", tc.ref, got, tc.kind)
		}
		if got := tc.ref.String(); got != tc.str {
			t.Errorf("%+v.String() = %q, want %q", tc.ref, got, tc.str)
		}
		if err := tc.ref.Validate(); err != nil {
			t.Errorf("%+v.Validate() = %v", tc.ref, err)
		}
	}
}

func TestRefValidate(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		ref  Ref
		want string
	}{
		{Ref{Commit: "abc"}, "invalid commit 'abc': want the full 40-character SHA-1"},
		{Ref{Commit: strings.Repeat("g", 40)}, "not hexadecimal"},
		{Ref{Commit: strings.Repeat("a", 40), Branch: "a b"}, "invalid branch 'a b'"},
		{Ref{Name: "heads/main"}, "must start with 'refs/'"},
		{Ref{Name: "refs/heads/x..y"}, "invalid reference name"},
		{Ref{SemVer: "not a range"}, "invalid semver range 'not a range'"},
		{Ref{Tag: "v1:refs/heads/x"}, "invalid tag"},
		{Ref{Branch: "*"}, "invalid branch '*'"},
		{Ref{Branch: "-rf"}, "invalid branch '-rf'"},
	} {
		err := tc.ref.Validate()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v.Validate() = %v, want %q", tc.ref, err, tc.want)
		}
	}
}

func TestRevision(t *testing.T) {
	t.Parallel()
	h := strings.Repeat("0123456789", 4)
	for _, tc := range []struct{ name, want string }{
		{"main", "main@sha1:" + h},
		{"feature/x", "feature/x@sha1:" + h},
		{"refs/pull/1/head", "refs/pull/1/head@sha1:" + h},
		{"", "sha1:" + h},
	} {
		got := Revision(tc.name, h)
		if got != tc.want {
			t.Errorf("Revision(%q) = %q, want %q", tc.name, got, tc.want)
		}
		if RevisionHash(got) != h {
			t.Errorf("RevisionHash(%q) = %q", got, RevisionHash(got))
		}
	}
}

func TestHighestTag(t *testing.T) {
	t.Parallel()
	tags := []string{"v1.0.0", "1.0.1", "v1.2.0-rc.1", "v1.10.0", "v2.0.0", "latest", "v3.0.0-beta", "0.9", "v1.10.0-x"}
	var list []*plumbing.Reference
	for i, tag := range tags {
		list = append(list, plumbing.NewHashReference(plumbing.NewTagReferenceName(tag),
			plumbing.NewHash(strings.Repeat(string(rune('a'+i)), 40))))
	}
	rr := newRemoteRefs(list)
	for _, tc := range []struct{ rng, want string }{
		{"*", "v2.0.0"},
		{">=1.0.0 <2.0.0", "v1.10.0"},
		{"~1.0", "1.0.1"},
		{"1.2.x", ""},
		{">=1.2.0-0 <1.3.0", "v1.2.0-rc.1"},
		{">=3.0.0-0", "v3.0.0-beta"},
		{"<1", "0.9"},
		{">=4", ""},
	} {
		got, err := rr.highestTag(tc.rng)
		if tc.want == "" {
			if !errors.Is(err, ErrReferenceNotFound) {
				t.Errorf("highestTag(%q) = %q, %v; want not found", tc.rng, got, err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("highestTag(%q) = %q, %v; want %q", tc.rng, got, err, tc.want)
		}
	}
}

// TestHighestTagTies picks the same tag whatever the listing order when two tags have one version.
func TestHighestTagTies(t *testing.T) {
	t.Parallel()
	a := plumbing.NewHashReference("refs/tags/v1.0.0", plumbing.NewHash(strings.Repeat("a", 40)))
	b := plumbing.NewHashReference("refs/tags/1.0.0", plumbing.NewHash(strings.Repeat("b", 40)))
	for _, list := range [][]*plumbing.Reference{{a, b}, {b, a}} {
		got, err := newRemoteRefs(list).highestTag(">=1")
		if err != nil || got != "v1.0.0" {
			t.Fatalf("highestTag = %q, %v; want v1.0.0", got, err)
		}
	}
}

func TestRemoteRefsPeelAnnotatedTags(t *testing.T) {
	t.Parallel()
	tagObj, commit := plumbing.NewHash(strings.Repeat("1", 40)), plumbing.NewHash(strings.Repeat("2", 40))
	rr := newRemoteRefs([]*plumbing.Reference{
		plumbing.NewHashReference("refs/tags/v1", tagObj),
		plumbing.NewHashReference("refs/tags/v1^{}", commit),
		plumbing.NewSymbolicReference("HEAD", "refs/heads/main"),
	})
	tg, err := rr.resolve(Ref{Tag: "v1"})
	if err != nil || tg.hash != commit || tg.display != "v1" {
		t.Fatalf("resolve(tag v1) = %+v, %v; want the peeled commit", tg, err)
	}
}
