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
	// BucketKind is the kind name of Bucket objects.
	BucketKind = "Bucket"

	// BucketProviderGeneric is any S3-compatible object storage.
	BucketProviderGeneric string = "generic"

	// BucketProviderAmazon is AWS S3, with credentials from the environment
	// or workload identity.
	BucketProviderAmazon string = "aws"

	// BucketProviderGoogle is Google Cloud Storage, with workload identity.
	BucketProviderGoogle string = "gcp"

	// BucketProviderAzure is Azure Blob Storage, with a service principal,
	// managed identity or shared key.
	BucketProviderAzure string = "azure"

	// STSProviderAmazon fetches temporary credentials from AWS STS.
	STSProviderAmazon string = "aws"

	// STSProviderLDAP fetches temporary credentials from a MinIO STS using
	// LDAP credentials.
	STSProviderLDAP string = "ldap"
)

// BucketSpec is the desired state of a Bucket: which object storage bucket to
// fetch and how to turn it into an Artifact.
// +kubebuilder:validation:XValidation:rule="self.provider == 'aws' || self.provider == 'generic' || !has(self.sts)",message="STS configuration is only supported for the 'aws' and 'generic' Bucket providers"
// +kubebuilder:validation:XValidation:rule="self.provider != 'aws' || !has(self.sts) || self.sts.provider == 'aws'",message="'aws' is the only supported STS provider for the 'aws' Bucket provider"
// +kubebuilder:validation:XValidation:rule="self.provider != 'generic' || !has(self.sts) || self.sts.provider == 'ldap'",message="'ldap' is the only supported STS provider for the 'generic' Bucket provider"
// +kubebuilder:validation:XValidation:rule="!has(self.sts) || self.sts.provider != 'aws' || !has(self.sts.secretRef)",message="spec.sts.secretRef is not required for the 'aws' STS provider"
// +kubebuilder:validation:XValidation:rule="!has(self.sts) || self.sts.provider != 'aws' || !has(self.sts.certSecretRef)",message="spec.sts.certSecretRef is not required for the 'aws' STS provider"
// +kubebuilder:validation:XValidation:rule="self.provider != 'generic' || !has(self.serviceAccountName)",message="ServiceAccountName is not supported for the 'generic' Bucket provider"
// +kubebuilder:validation:XValidation:rule="!has(self.secretRef) || !has(self.serviceAccountName)",message="cannot set both .spec.secretRef and .spec.serviceAccountName"
type BucketSpec struct {
	// Provider of the object storage: 'generic' (S3-compatible, default),
	// 'aws', 'gcp' or 'azure'.
	// +kubebuilder:validation:Enum=generic;aws;gcp;azure
	// +kubebuilder:default:=generic
	// +optional
	Provider string `json:"provider,omitempty"`

	// BucketName is the name of the bucket.
	// +required
	BucketName string `json:"bucketName"`

	// Endpoint is the address of the object storage service.
	// +required
	Endpoint string `json:"endpoint"`

	// STS configures a Security Token Service to obtain temporary
	// credentials. Only supported with the 'aws' and 'generic' providers.
	// +optional
	STS *BucketSTSSpec `json:"sts,omitempty"`

	// Insecure allows a plain-HTTP (non-TLS) endpoint.
	// +optional
	Insecure bool `json:"insecure,omitempty"`

	// Region of the endpoint the bucket is located in.
	// +optional
	Region string `json:"region,omitempty"`

	// Prefix limits the objects fetched to those whose key starts with it
	// (server-side filtering).
	// +optional
	Prefix string `json:"prefix,omitempty"`

	// SecretRef names a Secret in the same namespace with the credentials
	// for the bucket.
	// +optional
	SecretRef *meta.LocalObjectReference `json:"secretRef,omitempty"`

	// ServiceAccountName names a ServiceAccount in the same namespace whose
	// cloud workload identity is used to authenticate. Not supported with
	// the 'generic' provider, and exclusive with spec.secretRef.
	// +optional
	ServiceAccountName string `json:"serviceAccountName,omitempty"`

	// CertSecretRef names a Secret of type Opaque or kubernetes.io/tls in
	// the same namespace with a client certificate and key (`tls.crt`,
	// `tls.key`) and/or a CA certificate (`ca.crt`) used to connect to the
	// endpoint. Only supported with the 'generic' provider.
	// +optional
	CertSecretRef *meta.LocalObjectReference `json:"certSecretRef,omitempty"`

	// ProxySecretRef names a Secret in the same namespace with the proxy
	// settings used to reach the endpoint.
	// +optional
	ProxySecretRef *meta.LocalObjectReference `json:"proxySecretRef,omitempty"`

	// Interval is how often the bucket is checked for changes. The
	// controller may add some jitter.
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:Pattern="^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$"
	// +required
	Interval metav1.Duration `json:"interval"`

	// Timeout bounds fetch operations. Defaults to 60s.
	// +kubebuilder:default="60s"
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:Pattern="^([0-9]+(\\.[0-9]+)?(ms|s|m))+$"
	// +optional
	Timeout *metav1.Duration `json:"timeout,omitempty"`

	// Ignore replaces the default exclusion patterns, written in the
	// .sourceignore (gitignore) format.
	// +optional
	Ignore *string `json:"ignore,omitempty"`

	// Suspend stops the reconciliation of this Bucket while true.
	// +optional
	Suspend bool `json:"suspend,omitempty"`
}

// BucketSTSSpec configures a Security Token Service from which temporary
// credentials for the bucket are obtained.
type BucketSTSSpec struct {
	// Provider of the Security Token Service: 'aws' or 'ldap'.
	// +kubebuilder:validation:Enum=aws;ldap
	// +required
	Provider string `json:"provider"`

	// Endpoint is the HTTP/S address of the Security Token Service.
	// +kubebuilder:validation:Pattern="^(http|https)://.*$"
	// +required
	Endpoint string `json:"endpoint"`

	// SecretRef names a Secret in the same namespace with the `username`
	// and `password` for the STS. Only supported with the 'ldap' provider.
	// +optional
	SecretRef *meta.LocalObjectReference `json:"secretRef,omitempty"`

	// CertSecretRef names a Secret of type Opaque or kubernetes.io/tls in
	// the same namespace with a client certificate and key and/or a CA
	// certificate used to connect to the STS. Only supported with the
	// 'ldap' provider.
	// +optional
	CertSecretRef *meta.LocalObjectReference `json:"certSecretRef,omitempty"`
}

// BucketStatus is the observed state of a Bucket.
type BucketStatus struct {
	// ObservedGeneration is the last generation of the object the controller
	// has acted on.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// Conditions holds the conditions of the Bucket.
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty"`

	// URL is the download address of the latest Artifact (best effort; use
	// the Artifact for precise data).
	// +optional
	URL string `json:"url,omitempty"`

	// Artifact is the output of the last successful reconciliation.
	// +optional
	Artifact *meta.Artifact `json:"artifact,omitempty"`

	// ObservedIgnore is the spec.ignore value the current Artifact was built
	// with.
	// +optional
	ObservedIgnore *string `json:"observedIgnore,omitempty"`

	meta.ReconcileRequestStatus `json:",inline"`
}

// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:storageversion
// +kubebuilder:resource:categories=all;fluxcd;fluxcd-sources
// +kubebuilder:printcolumn:name="Endpoint",type=string,JSONPath=`.spec.endpoint`
// +kubebuilder:printcolumn:name="Age",type="date",JSONPath=".metadata.creationTimestamp"
// +kubebuilder:printcolumn:name="Ready",type="string",JSONPath=".status.conditions[?(@.type==\"Ready\")].status"
// +kubebuilder:printcolumn:name="Status",type="string",JSONPath=".status.conditions[?(@.type==\"Ready\")].message"

// Bucket fetches the objects of an object storage bucket and publishes them
// as an Artifact.
type Bucket struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec is the desired state of the Bucket.
	// +optional
	Spec BucketSpec `json:"spec,omitempty"`

	// Status is the observed state of the Bucket.
	// +kubebuilder:default={"observedGeneration":-1}
	// +optional
	Status BucketStatus `json:"status,omitempty"`
}

// GetConditions returns the status conditions of the object.
func (in *Bucket) GetConditions() []metav1.Condition {
	return in.Status.Conditions
}

// SetConditions replaces the status conditions of the object.
func (in *Bucket) SetConditions(conditions []metav1.Condition) {
	in.Status.Conditions = conditions
}

// GetRequeueAfter returns spec.interval.
func (in *Bucket) GetRequeueAfter() time.Duration {
	return in.Spec.Interval.Duration
}

// GetArtifact returns the Artifact recorded in the status, or nil.
func (in *Bucket) GetArtifact() *meta.Artifact {
	return in.Status.Artifact
}

// GetTimeout returns spec.timeout, defaulting to one minute.
func (in *Bucket) GetTimeout() time.Duration {
	if in.Spec.Timeout != nil && in.Spec.Timeout.Duration > 0 {
		return in.Spec.Timeout.Duration
	}
	return time.Minute
}

// +kubebuilder:object:root=true

// BucketList is a list of Bucket objects.
type BucketList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []Bucket `json:"items"`
}

func init() {
	SchemeBuilder.Register(&Bucket{}, &BucketList{})
}
