/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package v1beta2

// AccessFrom is an access control list that lets objects in other namespaces
// refer to the object that carries it, selected by the labels of their namespace.
type AccessFrom struct {
	// NamespaceSelectors lists the namespace selectors this ACL grants access to.
	// A namespace matching any one of them is allowed.
	// +required
	NamespaceSelectors []NamespaceSelector `json:"namespaceSelectors"`
}

// NamespaceSelector picks namespaces by their labels.
type NamespaceSelector struct {
	// MatchLabels is a set of label key/value pairs a namespace must all carry
	// to be selected. An empty set selects every namespace of the cluster.
	// +optional
	MatchLabels map[string]string `json:"matchLabels,omitempty"`
}

// ImageRef identifies one image: its repository name, its tag and optionally
// its digest.
type ImageRef struct {
	// Name is the image name without tag or digest, e.g. `ghcr.io/org/app`.
	// +required
	Name string `json:"name"`

	// Tag is the tag of the image.
	// +required
	Tag string `json:"tag"`

	// Digest is the content digest of the image, when known.
	// +optional
	Digest string `json:"digest,omitempty"`
}

// String renders the reference as `name:tag`, followed by `@digest` when a
// digest is set.
func (in *ImageRef) String() string {
	s := in.Name + ":" + in.Tag
	if in.Digest != "" {
		s += "@" + in.Digest
	}
	return s
}
