/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package v1

import (
	"time"

	"github.com/fluxcd/pkg/apis/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// ImageRepositoryKind is the kind name of ImageRepository objects.
const ImageRepositoryKind = "ImageRepository"

// DefaultExclusionList is the tag exclusion list used when
// spec.exclusionList is not set: it drops cosign signature tags.
var DefaultExclusionList = []string{"^.*\\.sig$"}

// Registry authentication providers accepted in ImageRepositorySpec.Provider.
const (
	// GenericProvider authenticates with spec.secretRef, the pull secrets of
	// spec.serviceAccountName, or anonymously.
	GenericProvider string = "generic"
	// AWSProvider obtains credentials for Amazon ECR from the environment.
	AWSProvider string = "aws"
	// AzureProvider obtains credentials for Azure Container Registry from the environment.
	AzureProvider string = "azure"
	// GCPProvider obtains credentials for Google Artifact/Container Registry from the environment.
	GCPProvider string = "gcp"
)

// ImageRepositorySpec describes an image repository to scan for tags and how
// to reach it.
type ImageRepositorySpec struct {
	// Image is the image repository to scan, e.g. `ghcr.io/org/app` or
	// `alpine` (which is expanded to its canonical Docker Hub form).
	// +required
	Image string `json:"image,omitempty"`

	// Interval is the time between two scans of the repository.
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:Pattern="^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$"
	// +required
	Interval metav1.Duration `json:"interval,omitempty"`

	// Timeout bounds the duration of one scan. It defaults to the interval.
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:Pattern="^([0-9]+(\\.[0-9]+)?(ms|s|m))+$"
	// +optional
	Timeout *metav1.Duration `json:"timeout,omitempty"`

	// SecretRef names a Secret in the same namespace holding registry
	// credentials, in the format produced by
	// `kubectl create secret docker-registry`.
	// +optional
	SecretRef *meta.LocalObjectReference `json:"secretRef,omitempty"`

	// ProxySecretRef names a Secret in the same namespace holding the proxy
	// settings (address, and optionally username and password) to use when
	// talking to the registry.
	// +optional
	ProxySecretRef *meta.LocalObjectReference `json:"proxySecretRef,omitempty"`

	// ServiceAccountName is a Kubernetes ServiceAccount in the same namespace
	// whose image pull secrets are used to authenticate to the registry.
	// +kubebuilder:validation:MaxLength=253
	// +optional
	ServiceAccountName string `json:"serviceAccountName,omitempty"`

	// CertSecretRef names a Secret in the same namespace with TLS material
	// for the registry connection: a client certificate and key (`tls.crt`,
	// `tls.key`) for mutual TLS and/or a CA certificate (`ca.crt`) to trust a
	// private certificate authority. The Secret must be of type `Opaque` or
	// `kubernetes.io/tls`. The legacy keys `caFile`, `certFile` and `keyFile`
	// are deprecated.
	// +optional
	CertSecretRef *meta.LocalObjectReference `json:"certSecretRef,omitempty"`

	// Suspend stops further scans while true; a scan already running is not
	// interrupted. Defaults to false.
	// +optional
	Suspend bool `json:"suspend,omitempty"`

	// AccessFrom lists the namespaces, by label, whose ImagePolicies may refer
	// to this ImageRepository across namespaces.
	// +optional
	AccessFrom *AccessFrom `json:"accessFrom,omitempty"`

	// ExclusionList holds regular expressions; tags matching any of them are
	// dropped from the scan result and never stored.
	// +kubebuilder:default:={"^.*\\.sig$"}
	// +kubebuilder:validation:MaxItems:=25
	// +optional
	ExclusionList []string `json:"exclusionList,omitempty"`

	// Provider selects how registry credentials are obtained: 'generic'
	// (secretRef / service account pull secrets), or the cloud identity of
	// 'aws', 'azure' or 'gcp'. Defaults to 'generic'.
	// +kubebuilder:validation:Enum=generic;aws;azure;gcp
	// +kubebuilder:default:=generic
	// +optional
	Provider string `json:"provider,omitempty"`

	// Insecure permits scanning a registry served over plain HTTP.
	// +optional
	Insecure bool `json:"insecure,omitempty"`
}

// ScanResult summarises the latest scan of an image repository.
type ScanResult struct {
	// Revision is a stable digest of the set of tags that were found.
	// +optional
	Revision string `json:"revision"`

	// TagCount is how many tags the scan found (after exclusions).
	// +required
	TagCount int `json:"tagCount"`

	// ScanTime is when the scan ran.
	// +optional
	ScanTime metav1.Time `json:"scanTime"`

	// LatestTags is a sample of the tags found: the first ten of all tags
	// sorted in descending alphabetical order.
	// +optional
	LatestTags []string `json:"latestTags,omitempty"`
}

// ImageRepositoryStatus is the observed state of an ImageRepository.
type ImageRepositoryStatus struct {
	// Conditions describe the current state of the object (Ready, Reconciling, Stalled).
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty"`

	// ObservedGeneration is the metadata.generation last reconciled.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// CanonicalImageName is spec.image with all implied parts spelled out,
	// e.g. `docker.io/library/alpine` for `alpine`.
	// +optional
	CanonicalImageName string `json:"canonicalImageName,omitempty"`

	// LastScanResult summarises the most recent successful scan.
	// +optional
	LastScanResult *ScanResult `json:"lastScanResult,omitempty"`

	// ObservedExclusionList is the exclusion list that was in force for the
	// scan recorded in lastScanResult.
	// +optional
	ObservedExclusionList []string `json:"observedExclusionList,omitempty"`

	meta.ReconcileRequestStatus `json:",inline"`
}

// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:storageversion
// +kubebuilder:resource:shortName=imgrepo;imagerepo,categories=all;fluxcd;fluxcd-images
// +kubebuilder:printcolumn:name="Image",type="string",JSONPath=".spec.image"
// +kubebuilder:printcolumn:name="Tags",type="string",JSONPath=".status.lastScanResult.tagCount"
// +kubebuilder:printcolumn:name="Ready",type="string",JSONPath=".status.conditions[?(@.type==\"Ready\")].status"
// +kubebuilder:printcolumn:name="Status",type="string",JSONPath=".status.conditions[?(@.type==\"Ready\")].message"
// +kubebuilder:printcolumn:name="Last scan",type="string",JSONPath=".status.lastScanResult.scanTime",priority=1
// +kubebuilder:printcolumn:name="Age",type="date",JSONPath=".metadata.creationTimestamp"

// ImageRepository scans an image repository on a schedule and records the
// tags it finds, for ImagePolicies to choose from.
type ImageRepository struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec is the desired state.
	// +optional
	Spec ImageRepositorySpec `json:"spec,omitempty"`

	// Status is the observed state.
	// +kubebuilder:default:={"observedGeneration":-1}
	// +optional
	Status ImageRepositoryStatus `json:"status,omitempty"`
}

// GetConditions returns the status conditions of the object.
func (in *ImageRepository) GetConditions() []metav1.Condition {
	return in.Status.Conditions
}

// SetConditions replaces the status conditions of the object.
func (in *ImageRepository) SetConditions(conditions []metav1.Condition) {
	in.Status.Conditions = conditions
}

// GetRequeueAfter returns how long to wait before the next scan: spec.interval.
func (in *ImageRepository) GetRequeueAfter() time.Duration {
	return in.Spec.Interval.Duration
}

// GetTimeout returns the scan timeout: spec.timeout when set, otherwise
// spec.interval, and never less than one second.
func (in *ImageRepository) GetTimeout() time.Duration {
	d := in.Spec.Interval.Duration
	if in.Spec.Timeout != nil {
		d = in.Spec.Timeout.Duration
	}
	return max(d, time.Second)
}

// GetExclusionList returns spec.exclusionList, or DefaultExclusionList when it is empty.
func (in *ImageRepository) GetExclusionList() []string {
	if len(in.Spec.ExclusionList) > 0 {
		return in.Spec.ExclusionList
	}
	return append([]string(nil), DefaultExclusionList...)
}

// GetProvider returns spec.provider, or GenericProvider when it is empty.
func (in *ImageRepository) GetProvider() string {
	if in.Spec.Provider != "" {
		return in.Spec.Provider
	}
	return GenericProvider
}

// +kubebuilder:object:root=true

// ImageRepositoryList is a list of ImageRepository objects.
type ImageRepositoryList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []ImageRepository `json:"items"`
}

func init() {
	SchemeBuilder.Register(&ImageRepository{}, &ImageRepositoryList{})
}
