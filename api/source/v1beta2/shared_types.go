/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package v1beta2

import (
	"github.com/fluxcd/pkg/apis/meta"
)

// AccessFrom is an access control list that lets objects in other namespaces
// refer to the object that carries it, selected by the labels of their
// namespace.
// Flux keeps this field provisional: it is accepted but not enforced.
type AccessFrom struct {
	// NamespaceSelectors lists the namespace selectors this ACL grants access
	// to. A namespace matching any one of them is allowed.
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

// OCIRepositoryVerification configures how the signature of an OCI artifact
// (or OCI Helm chart) is verified. It has the same schema as in v1.
type OCIRepositoryVerification struct {
	// Provider names the signing technology used for the artifact.
	// +kubebuilder:validation:Enum=cosign;notation
	// +kubebuilder:default:=cosign
	// +required
	Provider string `json:"provider"`

	// SecretRef names a Secret in the same namespace holding the trusted
	// public keys (cosign) or certificates and trust policy (notation).
	// When omitted with cosign, keyless verification is performed.
	// +optional
	SecretRef *meta.LocalObjectReference `json:"secretRef,omitempty"`

	// MatchOIDCIdentity lists the identity matchers used for Cosign keyless
	// verification: the signature is accepted when any matcher matches the
	// issuer and subject of the signing certificate.
	// +optional
	MatchOIDCIdentity []OIDCIdentityMatch `json:"matchOIDCIdentity,omitempty"`

	// TrustedRootSecretRef names a Secret in the same namespace whose
	// `trusted_root.json` key holds a Sigstore trusted root, for verification
	// against self-hosted Sigstore infrastructure.
	// +optional
	TrustedRootSecretRef *meta.LocalObjectReference `json:"trustedRootSecretRef,omitempty"`
}

// OIDCIdentityMatch matches the OIDC issuer and subject recorded in a Fulcio
// signing certificate.
type OIDCIdentityMatch struct {
	// Issuer is a Go regular expression matched against the OIDC issuer.
	// +required
	Issuer string `json:"issuer"`

	// Subject is a Go regular expression matched against the identity
	// subject.
	// +required
	Subject string `json:"subject"`
}
