/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package v1

import (
	"time"

	"k8s.io/apimachinery/pkg/runtime"

	"github.com/fluxcd/pkg/apis/meta"
)

const (
	// SourceIndexKey is the field index key under which objects are indexed
	// by the source they reference.
	SourceIndexKey string = ".metadata.source"
)

// Source is implemented by every kind of the source.toolkit.fluxcd.io group:
// it gives generic access to the produced Artifact and to the reconcile
// interval.
// +k8s:deepcopy-gen=false
type Source interface {
	runtime.Object
	// GetRequeueAfter returns how long to wait before reconciling the
	// source again.
	GetRequeueAfter() time.Duration
	// GetArtifact returns the last Artifact recorded in the status, or nil.
	GetArtifact() *meta.Artifact
}

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

const (
	// VerificationProviderCosign verifies OCI artifacts signed with Sigstore
	// Cosign (static keys or keyless).
	VerificationProviderCosign string = "cosign"

	// VerificationProviderNotation verifies OCI artifacts signed with
	// Notary Project Notation.
	VerificationProviderNotation string = "notation"
)

// OCIRepositoryVerification configures how the signature of an OCI artifact
// (or OCI Helm chart) is verified before it is accepted.
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
