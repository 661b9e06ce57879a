/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package oci

import (
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/Masterminds/semver/v3"
	"github.com/google/go-containerregistry/pkg/name"

	sourcev1 "github.com/tide-gitops/tide/api/source/v1"
)

// FuzzParseURL checks that any spec.url either fails with ErrInvalid or names a repository that parses
// back to itself, and never keeps a tag or digest.
func FuzzParseURL(f *testing.F) {
	for _, s := range []string{
		"oci://ghcr.io/org/app", "oci://127.0.0.1:5000/a/b/c", "oci://nginx", "oci://", "oci://host:5000",
		"oci://ghcr.io/org/app:1.0", "oci://ghcr.io/app@sha256:00", "https://ghcr.io/a", "oci://[::1]:5000/app",
		"oci://a/../b", "oci://ghcr.io//app", "oci://GHCR.IO/app", "oci://h/a__b", "oci://h/a.-b",
	} {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, url string, insecure bool) {
		repo, err := ParseURL(url, insecure)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("error %v does not wrap ErrInvalid", err)
			}
			return
		}
		if strings.Contains(repo.RepositoryStr(), ":") || strings.Contains(repo.Name(), "@") {
			t.Fatalf("%q parsed to %q, which keeps a tag or digest", url, repo.Name())
		}
		again, err := ParseURL(sourcev1.OCIRepositoryPrefix+repo.Name(), insecure)
		if err != nil || again.Name() != repo.Name() {
			t.Fatalf("%q -> %q does not parse back (%q, %v)", url, repo.Name(), again.Name(), err)
		}
		if insecure && repo.Scheme() != "http" {
			t.Fatalf("insecure %q has scheme %s", url, repo.Scheme())
		}
	})
}

// FuzzParseDockerConfig checks that any Docker config either fails with ErrInvalid or yields entries with
// a lower-case host, and that matching credentials never panics.
func FuzzParseDockerConfig(f *testing.F) {
	for _, s := range []string{
		`{"auths":{"ghcr.io":{"auth":"dTpw"}}}`,
		`{"auths":{"https://index.docker.io/v1/":{"username":"u","password":"p"}}}`,
		`{"ghcr.io":{"auth":"dTpw"}}`,
		`{"auths":{"*.example.com:5000/org":{"identitytoken":"t"}}}`,
		`{"auths":null}`, `{"auths":{"":{}}}`, `{"auths":{"[::1]:5000":{"auth":"****"}}}`, `[]`, `null`, ``,
	} {
		f.Add([]byte(s), "ghcr.io/org/app")
	}
	f.Fuzz(func(t *testing.T, data []byte, repoName string) {
		entries, err := parseDockerConfig(data)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("error %v does not wrap ErrInvalid", err)
			}
			return
		}
		for _, e := range entries {
			if e.host == "" || e.host != strings.ToLower(e.host) {
				t.Fatalf("entry host %q is empty or not lower case", e.host)
			}
		}
		repo, err := name.NewRepository(repoName)
		if err != nil {
			return
		}
		if _, err := credentialsFor([][]byte{data}, repo); err != nil {
			t.Fatalf("credentialsFor failed on a config that parsed: %v", err)
		}
	})
}

// FuzzLatestSemverTag checks that the chosen tag is one of the listed tags, matches the filter and the
// range, and that no other eligible tag has a higher version.
func FuzzLatestSemverTag(f *testing.F) {
	f.Add("1.0.0\n1.1.0\n2.0.0-rc.1\nlatest", ">=1.0.0 <2.0.0", "")
	f.Add("v1.2.3\n1.2.3\nfoo", "*", `^v`)
	f.Add("1.0.0", "not a range", "")
	f.Add("1.0.0", "*", "(")
	f.Add("0.0.1-alpha+build\n0.0.1", ">=0.0.1-0", "")
	f.Fuzz(func(t *testing.T, list, constraint, filter string) {
		tags := strings.Split(list, "\n")
		got, err := LatestSemverTag(tags, constraint, filter)
		if err != nil {
			if !errors.Is(err, ErrInvalid) && !errors.Is(err, ErrNotFound) {
				t.Fatalf("error %v is neither ErrInvalid nor ErrNotFound", err)
			}
			return
		}
		c, err := semver.NewConstraint(constraint)
		if err != nil {
			t.Fatalf("accepted an invalid range %q", constraint)
		}
		v, err := parseTagVersion(got)
		if err != nil || !c.Check(v) {
			t.Fatalf("chose %q, which is not in range %q", got, constraint)
		}
		eligible := func(tag string) bool { return filter == "" || regexp.MustCompile(filter).MatchString(tag) }
		if !eligible(got) {
			t.Fatalf("chose %q, which does not match the filter %q", got, filter)
		}
		found := false
		for _, tag := range tags {
			found = found || tag == got
			if o, err := parseTagVersion(tag); err == nil && c.Check(o) && o.GreaterThan(v) && eligible(tag) {
				t.Fatalf("chose %q but %q is higher", got, tag)
			}
		}
		if !found {
			t.Fatalf("chose %q, which was not listed", got)
		}
	})
}
