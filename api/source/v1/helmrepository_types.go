/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package v1

import (
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/fluxcd/pkg/apis/meta"
)

const (
	// HelmRepositoryKind is the kind name of HelmRepository objects.
	HelmRepositoryKind = "HelmRepository"

	// HelmRepositoryURLIndexKey is the field index key under which
	// HelmRepositories are indexed by spec.url.
	HelmRepositoryURLIndexKey = ".metadata.helmRepositoryURL"

	// HelmRepositoryTypeDefault is a classic Helm repository serving an
	// index.yaml over HTTP/S. It is used when spec.type is empty.
	HelmRepositoryTypeDefault = "default"

	// HelmRepositoryTypeOCI is a Helm repository hosted in an OCI registry.
	HelmRepositoryTypeOCI = "oci"
)

// HelmRepositorySpec is the desired state of a HelmRepository.
type HelmRepositorySpec struct {
	// URL is the address of the Helm repository: http(s):// for an index
	// based repository, oci:// for an OCI registry.
	// +kubebuilder:validation:Pattern="^(http|https|oci)://.*$"
	// +required
	URL string `json:"url"`

	// SecretRef names a Secret in the same namespace with the credentials
	// for the repository (`username` and `password`). TLS keys in this
	// Secret (`certFile`, `keyFile`, `caFile`) are deprecated in favour of
	// spec.certSecretRef.
	// +optional
	SecretRef *meta.LocalObjectReference `json:"secretRef,omitempty"`

	// CertSecretRef names a Secret of type Opaque or kubernetes.io/tls in
	// the same namespace with a client certificate and key (`tls.crt`,
	// `tls.key`) and/or a CA certificate (`ca.crt`). It takes precedence
	// over TLS data found in spec.secretRef.
	// +optional
	CertSecretRef *meta.LocalObjectReference `json:"certSecretRef,omitempty"`

	// PassCredentials sends the credentials of spec.secretRef also to hosts
	// other than the one of spec.url, e.g. when chart URLs in the index
	// point elsewhere. Use with care.
	// +optional
	PassCredentials bool `json:"passCredentials,omitempty"`

	// Interval is how often the repository index is fetched. The controller
	// may add some jitter.
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:Pattern="^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$"
	// +optional
	Interval metav1.Duration `json:"interval,omitempty"`

	// Insecure allows plain-HTTP (non-TLS) registries. Only used when
	// spec.type is 'oci'.
	// +optional
	Insecure bool `json:"insecure,omitempty"`

	// Timeout bounds the index download, and for OCI repositories the chart
	// pulls of the HelmCharts using it. Defaults to 60s.
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:Pattern="^([0-9]+(\\.[0-9]+)?(ms|s|m))+$"
	// +optional
	Timeout *metav1.Duration `json:"timeout,omitempty"`

	// Suspend stops the reconciliation of this HelmRepository while true.
	// +optional
	Suspend bool `json:"suspend,omitempty"`

	// AccessFrom is a provisional access control list for cross-namespace
	// references; Flux accepts but does not enforce it.
	// +optional
	AccessFrom *AccessFrom `json:"accessFrom,omitempty"`

	// Type of the repository: 'default' or 'oci'. With 'oci', spec.url must
	// start with oci://.
	// +kubebuilder:validation:Enum=default;oci
	// +optional
	Type string `json:"type,omitempty"`

	// Provider selects how to authenticate to an OCI repository: 'generic',
	// 'aws', 'azure' or 'gcp'. Only used when spec.type is 'oci'. Defaults
	// to 'generic'.
	// +kubebuilder:validation:Enum=generic;aws;azure;gcp
	// +kubebuilder:default:=generic
	// +optional
	Provider string `json:"provider,omitempty"`
}

// HelmRepositoryStatus is the observed state of a HelmRepository.
type HelmRepositoryStatus struct {
	// ObservedGeneration is the last generation of the object the controller
	// has acted on.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// Conditions holds the conditions of the HelmRepository.
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty"`

	// URL is the download address of the latest Artifact (best effort; use
	// the Artifact for precise data).
	// +optional
	URL string `json:"url,omitempty"`

	// Artifact is the output of the last successful reconciliation.
	// +optional
	Artifact *meta.Artifact `json:"artifact,omitempty"`

	meta.ReconcileRequestStatus `json:",inline"`
}

// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:storageversion
// +kubebuilder:resource:shortName=helmrepo,categories=all;fluxcd;fluxcd-sources
// +kubebuilder:metadata:annotations="kustomize.toolkit.fluxcd.io/substitute=disabled"
// +kubebuilder:printcolumn:name="URL",type=string,JSONPath=`.spec.url`
// +kubebuilder:printcolumn:name="Age",type="date",JSONPath=".metadata.creationTimestamp"
// +kubebuilder:printcolumn:name="Ready",type="string",JSONPath=".status.conditions[?(@.type==\"Ready\")].status"
// +kubebuilder:printcolumn:name="Status",type="string",JSONPath=".status.conditions[?(@.type==\"Ready\")].message"

// HelmRepository fetches the index of a Helm repository, or points at an OCI
// registry hosting Helm charts.
type HelmRepository struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec is the desired state of the HelmRepository.
	// +optional
	Spec HelmRepositorySpec `json:"spec,omitempty"`

	// Status is the observed state of the HelmRepository.
	// +kubebuilder:default={"observedGeneration":-1}
	// +optional
	Status HelmRepositoryStatus `json:"status,omitempty"`
}

// GetConditions returns the status conditions of the object.
func (in *HelmRepository) GetConditions() []metav1.Condition {
	return in.Status.Conditions
}

// SetConditions replaces the status conditions of the object.
func (in *HelmRepository) SetConditions(conditions []metav1.Condition) {
	in.Status.Conditions = conditions
}

// GetRequeueAfter returns spec.interval, or one minute when it is unset
// (spec.interval is optional for HelmRepositories).
func (in *HelmRepository) GetRequeueAfter() time.Duration {
	if in.Spec.Interval.Duration > 0 {
		return in.Spec.Interval.Duration
	}
	return time.Minute
}

// GetTimeout returns spec.timeout, defaulting to one minute.
func (in *HelmRepository) GetTimeout() time.Duration {
	if in.Spec.Timeout != nil && in.Spec.Timeout.Duration > 0 {
		return in.Spec.Timeout.Duration
	}
	return time.Minute
}

// GetArtifact returns the Artifact recorded in the status, or nil.
func (in *HelmRepository) GetArtifact() *meta.Artifact {
	return in.Status.Artifact
}

// +kubebuilder:object:root=true

// HelmRepositoryList is a list of HelmRepository objects.
type HelmRepositoryList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []HelmRepository `json:"items"`
}

func init() {
	SchemeBuilder.Register(&HelmRepository{}, &HelmRepositoryList{})
}
