/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package oci

import (
	"regexp"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"

	sourcev1 "github.com/tide-gitops/tide/api/source/v1"
)

// tagPattern is the grammar of an OCI tag.
var tagPattern = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$`)

// ParseURL parses an OCIRepository URL, oci://<host>/<path>, into a repository. A URL without a host names
// Docker Hub, as with docker pull. A tag or digest in the URL is an error: they belong in spec.ref. insecure
// lets the repository be reached over plain HTTP. Errors wrap ErrInvalid.
func ParseURL(url string, insecure bool) (name.Repository, error) {
	rest, ok := strings.CutPrefix(url, sourcev1.OCIRepositoryPrefix)
	if !ok || rest == "" {
		return name.Repository{}, invalid(nil, "URL '%s' must be in the form 'oci://<host>/<org>/<repo>'", url)
	}
	if _, digest, found := strings.Cut(rest, "@"); found {
		return name.Repository{}, invalid(nil, "URL '%s' must not contain a digest; remove '@%s' and set "+
			"spec.ref.digest", url, digest)
	}
	if slash := strings.IndexByte(rest, '/'); slash >= 0 {
		if _, tag, found := strings.Cut(rest[slash:], ":"); found {
			return name.Repository{}, invalid(nil, "URL '%s' must not contain a tag; remove ':%s' and set "+
				"spec.ref.tag", url, tag)
		}
	}
	var opts []name.Option
	if insecure {
		opts = append(opts, name.Insecure)
	}
	repo, err := name.NewRepository(rest, opts...)
	if err != nil {
		return name.Repository{}, invalid(err, "URL '%s' is not a valid OCI repository address", url)
	}
	return repo, nil
}

// validTag reports whether tag is a valid OCI tag.
func validTag(tag string) bool { return tagPattern.MatchString(tag) }
