/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package oci

import (
	"context"
	"fmt"
	"io"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	sourcev1 "github.com/tide-gitops/tide/api/source/v1"
)

// Manifest annotations that Flux copies into status.artifact.metadata and shows as the artifact's origin.
const (
	// AnnotationSource is the URL of the source (e.g. the Git repository) the artifact was built from.
	AnnotationSource = "org.opencontainers.image.source"
	// AnnotationRevision is the source revision (e.g. "main@sha1:<hash>") the artifact was built from.
	AnnotationRevision = "org.opencontainers.image.revision"
	// AnnotationCreated is when the artifact was built.
	AnnotationCreated = "org.opencontainers.image.created"
)

// LayerSelector chooses the layer of an artifact and what the reconciler does with it.
type LayerSelector struct {
	// MediaType selects the first layer of this media type; empty selects the first layer.
	MediaType string
	// Operation is sourcev1.OCILayerExtract (unpack the tar.gz layer) or sourcev1.OCILayerCopy (store the
	// blob as is).
	Operation string
}

// NewLayerSelector reads spec.layerSelector (nil allowed), defaulting the operation to extract. Errors wrap
// ErrInvalid.
func NewLayerSelector(s *sourcev1.OCILayerSelector) (LayerSelector, error) {
	sel := LayerSelector{Operation: sourcev1.OCILayerExtract}
	if s == nil {
		return sel, nil
	}
	sel.MediaType = strings.TrimSpace(s.MediaType)
	switch s.Operation {
	case "":
	case sourcev1.OCILayerExtract, sourcev1.OCILayerCopy:
		sel.Operation = s.Operation
	default:
		return LayerSelector{}, invalid(nil, "spec.layerSelector.operation '%s' must be '%s' or '%s'",
			s.Operation, sourcev1.OCILayerExtract, sourcev1.OCILayerCopy)
	}
	return sel, nil
}

// Layer is the selected layer of a pulled artifact. Reading it streams the raw (compressed) blob from the
// registry and fails if the content does not match the layer's digest and size; Close it when done.
type Layer struct {
	io.ReadCloser
	// MediaType is the layer's media type, e.g. application/vnd.cncf.flux.content.v1.tar+gzip.
	MediaType string
	// Digest is the blob digest, "sha256:<hex>".
	Digest string
	// Size is the blob size in bytes.
	Size int64
	// Operation is what the selector asked for: sourcev1.OCILayerExtract or sourcev1.OCILayerCopy.
	Operation string
	// ManifestAnnotations are the annotations of the artifact's manifest, for status.artifact.metadata.
	ManifestAnnotations map[string]string
}

// Source returns the org.opencontainers.image.source annotation of the manifest.
func (l *Layer) Source() string { return l.ManifestAnnotations[AnnotationSource] }

// SourceRevision returns the org.opencontainers.image.revision annotation of the manifest.
func (l *Layer) SourceRevision() string { return l.ManifestAnnotations[AnnotationRevision] }

// Pull fetches the manifest of the resolved revision (by digest, so it is exactly what Resolve saw), picks
// the layer per the selector and opens its blob. For an image index it uses the linux/amd64 image, as
// go-containerregistry does. ctx must stay alive until the layer has been read.
func Pull(ctx context.Context, o Options, rev Revision, sel LayerSelector) (*Layer, error) {
	if _, err := v1.NewHash(rev.Digest); err != nil {
		return nil, fmt.Errorf("pulling %s: the revision '%s' has no manifest digest: %w", o.URL, rev, err)
	}
	if sel.Operation == "" {
		sel.Operation = sourcev1.OCILayerExtract
	}
	c, err := newClient(ctx, o)
	if err != nil {
		return nil, err
	}
	ref := c.repo.Digest(rev.Digest)
	what := "pulling " + ref.Name()
	if rev.Tag != "" {
		what = fmt.Sprintf("pulling %s (tag '%s')", ref.Name(), rev.Tag)
	}
	desc, err := remote.Get(ref, c.opts...)
	if err != nil {
		return nil, registryError(what, c.withCreds, err)
	}
	img, err := desc.Image()
	if err != nil {
		return nil, fmt.Errorf("%s: reading the manifest: %w", what, err)
	}
	manifest, err := img.Manifest()
	if err != nil {
		return nil, fmt.Errorf("%s: parsing the manifest: %w", what, err)
	}
	chosen, err := selectLayer(manifest.Layers, sel.MediaType)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	layer, err := img.LayerByDigest(chosen.Digest)
	if err != nil {
		return nil, fmt.Errorf("%s: finding layer %s: %w", what, chosen.Digest, err)
	}
	blob, err := layer.Compressed()
	if err != nil {
		return nil, registryError(fmt.Sprintf("%s: fetching layer %s", what, chosen.Digest), c.withCreds, err)
	}
	return &Layer{
		ReadCloser:          blob,
		MediaType:           string(chosen.MediaType),
		Digest:              chosen.Digest.String(),
		Size:                chosen.Size,
		Operation:           sel.Operation,
		ManifestAnnotations: manifest.Annotations,
	}, nil
}

// selectLayer returns the first layer, or the first of mediaType when it is set. Errors wrap ErrNoLayer.
func selectLayer(layers []v1.Descriptor, mediaType string) (v1.Descriptor, error) {
	if len(layers) == 0 {
		return v1.Descriptor{}, &kindError{kind: ErrNoLayer, msg: "the artifact has no layers"}
	}
	if mediaType == "" {
		return layers[0], nil
	}
	var seen []string
	for _, l := range layers {
		if string(l.MediaType) == mediaType {
			return l, nil
		}
		seen = append(seen, string(l.MediaType))
	}
	return v1.Descriptor{}, &kindError{kind: ErrNoLayer, msg: fmt.Sprintf(
		"the artifact has no layer of media type '%s' (its layers: %s)", mediaType, strings.Join(seen, ", "))}
}
