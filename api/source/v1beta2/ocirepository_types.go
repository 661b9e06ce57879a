/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package v1beta2

import (
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/fluxcd/pkg/apis/meta"
)

const (
	// OCIRepositoryKind is the kind name of OCIRepository objects.
	OCIRepositoryKind = "OCIRepository"

	// OCILayerExtract extracts the selected layer (a tarball) into the
	// Artifact.
	OCILayerExtract = "extract"

	// OCILayerCopy stores the selected layer as-is in the Artifact.
	OCILayerCopy = "copy"
)

// OCIRepositorySpec is the desired state of an OCIRepository in the
// deprecated v1beta2 schema.
type OCIRepositorySpec struct {
	// URL is the address of the OCI repository, e.g.
	// oci://ghcr.io/org/manifests/app.
	// +kubebuilder:validation:Pattern="^oci://.*$"
	// +required
	URL string `json:"url"`

	// Reference is the OCI reference to pull and watch. Defaults to the
	// 'latest' tag.
	// +optional
	Reference *OCIRepositoryRef `json:"ref,omitempty"`

	// LayerSelector chooses the layer of the OCI artifact to use. Defaults
	// to the first layer.
	// +optional
	LayerSelector *OCILayerSelector `json:"layerSelector,omitempty"`

	// Provider selects how to authenticate: 'generic', 'aws', 'azure' or
	// 'gcp'. Defaults to 'generic'.
	// +kubebuilder:validation:Enum=generic;aws;azure;gcp
	// +kubebuilder:default:=generic
	// +optional
	Provider string `json:"provider,omitempty"`

	// SecretRef names a Secret of type kubernetes.io/dockerconfigjson in the
	// same namespace with the registry credentials.
	// +optional
	SecretRef *meta.LocalObjectReference `json:"secretRef,omitempty"`

	// Verify configures the verification of the artifact signature.
	// +optional
	Verify *OCIRepositoryVerification `json:"verify,omitempty"`

	// ServiceAccountName names a ServiceAccount in the same namespace whose
	// image pull secrets are used to authenticate.
	// +optional
	ServiceAccountName string `json:"serviceAccountName,omitempty"`

	// CertSecretRef names a Secret of type Opaque or kubernetes.io/tls in
	// the same namespace with a client certificate and key (`tls.crt`,
	// `tls.key`) and/or a CA certificate (`ca.crt`) used to connect to the
	// registry. The older `certFile`, `keyFile` and `caFile` keys are
	// deprecated.
	// +optional
	CertSecretRef *meta.LocalObjectReference `json:"certSecretRef,omitempty"`

	// ProxySecretRef names a Secret in the same namespace with the proxy
	// settings used to reach the registry.
	// +optional
	ProxySecretRef *meta.LocalObjectReference `json:"proxySecretRef,omitempty"`

	// Interval is how often the repository is checked for new artifacts.
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:Pattern="^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$"
	// +required
	Interval metav1.Duration `json:"interval"`

	// Timeout bounds registry operations such as pulls. Defaults to 60s.
	// +kubebuilder:default="60s"
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:Pattern="^([0-9]+(\\.[0-9]+)?(ms|s|m))+$"
	// +optional
	Timeout *metav1.Duration `json:"timeout,omitempty"`

	// Ignore replaces the default exclusion patterns, written in the
	// .sourceignore (gitignore) format.
	// +optional
	Ignore *string `json:"ignore,omitempty"`

	// Insecure allows plain-HTTP (non-TLS) registries.
	// +optional
	Insecure bool `json:"insecure,omitempty"`

	// Suspend stops the reconciliation of this OCIRepository while true.
	// +optional
	Suspend bool `json:"suspend,omitempty"`
}

// OCIRepositoryRef is the OCI reference to pull. Digest wins over SemVer and
// SemVer over Tag.
type OCIRepositoryRef struct {
	// Digest is the manifest digest to pull, in the form 'sha256:<hex>'.
	// +optional
	Digest string `json:"digest,omitempty"`

	// SemVer is a semantic version range; the highest matching tag is
	// pulled.
	// +optional
	SemVer string `json:"semver,omitempty"`

	// SemverFilter is a regular expression that tags must match to be
	// considered for SemVer.
	// +optional
	SemverFilter string `json:"semverFilter,omitempty"`

	// Tag is the tag to pull. Defaults to 'latest'.
	// +optional
	Tag string `json:"tag,omitempty"`
}

// OCILayerSelector chooses a layer of an OCI artifact and how to store it.
type OCILayerSelector struct {
	// MediaType is the media type of the layer to select; the first layer
	// with that type is used.
	// +optional
	MediaType string `json:"mediaType,omitempty"`

	// Operation is 'extract' (default: unpack the compressed layer into the
	// Artifact) or 'copy' (store the compressed layer unchanged).
	// +kubebuilder:validation:Enum=extract;copy
	// +optional
	Operation string `json:"operation,omitempty"`
}

// OCIRepositoryStatus is the observed state of an OCIRepository.
type OCIRepositoryStatus struct {
	// ObservedGeneration is the last generation of the object the controller
	// has acted on.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// Conditions holds the conditions of the OCIRepository.
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty"`

	// URL is the download address of the latest Artifact.
	// +optional
	URL string `json:"url,omitempty"`

	// Artifact is the output of the last successful reconciliation.
	// +optional
	Artifact *meta.Artifact `json:"artifact,omitempty"`

	// ContentConfigChecksum is a checksum ('<algo>:<hex>') of the settings
	// that shape the Artifact content.
	// Deprecated: replaced by the observed* fields.
	// +optional
	ContentConfigChecksum string `json:"contentConfigChecksum,omitempty"`

	// ObservedIgnore is the spec.ignore value the current Artifact was built
	// with.
	// +optional
	ObservedIgnore *string `json:"observedIgnore,omitempty"`

	// ObservedLayerSelector is the spec.layerSelector value the current
	// Artifact was built with.
	// +optional
	ObservedLayerSelector *OCILayerSelector `json:"observedLayerSelector,omitempty"`

	meta.ReconcileRequestStatus `json:",inline"`
}

// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:deprecatedversion:warning="source.toolkit.fluxcd.io/v1beta2 OCIRepository is deprecated, upgrade to v1"
// +kubebuilder:resource:shortName=ocirepo,categories=all;fluxcd;fluxcd-sources
// +kubebuilder:printcolumn:name="URL",type=string,JSONPath=`.spec.url`
// +kubebuilder:printcolumn:name="Age",type="date",JSONPath=".metadata.creationTimestamp"
// +kubebuilder:printcolumn:name="Ready",type="string",JSONPath=".status.conditions[?(@.type==\"Ready\")].status"
// +kubebuilder:printcolumn:name="Status",type="string",JSONPath=".status.conditions[?(@.type==\"Ready\")].message"

// OCIRepository pulls an OCI artifact from a container registry and
// publishes its content as an Artifact (deprecated v1beta2 schema).
type OCIRepository struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec is the desired state of the OCIRepository.
	// +optional
	Spec OCIRepositorySpec `json:"spec,omitempty"`

	// Status is the observed state of the OCIRepository.
	// +kubebuilder:default={"observedGeneration":-1}
	// +optional
	Status OCIRepositoryStatus `json:"status,omitempty"`
}

// GetConditions returns the status conditions of the object.
func (in *OCIRepository) GetConditions() []metav1.Condition {
	return in.Status.Conditions
}

// SetConditions replaces the status conditions of the object.
func (in *OCIRepository) SetConditions(conditions []metav1.Condition) {
	in.Status.Conditions = conditions
}

// GetRequeueAfter returns spec.interval.
func (in *OCIRepository) GetRequeueAfter() time.Duration {
	return in.Spec.Interval.Duration
}

// GetArtifact returns the Artifact recorded in the status, or nil.
func (in *OCIRepository) GetArtifact() *meta.Artifact {
	return in.Status.Artifact
}

// +kubebuilder:object:root=true

// OCIRepositoryList is a list of OCIRepository objects.
type OCIRepositoryList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []OCIRepository `json:"items"`
}

func init() {
	SchemeBuilder.Register(&OCIRepository{}, &OCIRepositoryList{})
}
