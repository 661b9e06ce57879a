/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package v1beta2

import (
	"time"

	"github.com/fluxcd/pkg/apis/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// ImagePolicyKind is the kind name of ImagePolicy objects.
const ImagePolicyKind = "ImagePolicy"

// DefaultDigestRefreshInterval is how often the digest of the selected tag is
// refreshed when digestReflectionPolicy is Always and no interval is given.
const DefaultDigestRefreshInterval = 10 * time.Minute

// ImagePolicySpec describes how to pick the latest image from the tags of an
// ImageRepository.
// +kubebuilder:validation:XValidation:rule="!has(self.interval) || (has(self.digestReflectionPolicy) && self.digestReflectionPolicy == 'Always')",message="spec.interval is only accepted when spec.digestReflectionPolicy is set to 'Always'"
// +kubebuilder:validation:XValidation:rule="has(self.interval) || !has(self.digestReflectionPolicy) || self.digestReflectionPolicy != 'Always'",message="spec.interval must be set when spec.digestReflectionPolicy is set to 'Always'"
type ImagePolicySpec struct {
	// ImageRepositoryRef refers to the ImageRepository whose scanned tags
	// the policy chooses from. It may name another namespace if that
	// ImageRepository allows it in spec.accessFrom.
	// +required
	ImageRepositoryRef meta.NamespacedObjectReference `json:"imageRepositoryRef"`

	// Policy is the ordering rule used to select the latest tag.
	// +required
	Policy ImagePolicyChoice `json:"policy"`

	// FilterTags narrows the tags considered by the policy. Without it every
	// scanned tag is ordered and compared.
	// +optional
	FilterTags *TagFilter `json:"filterTags,omitempty"`

	// DigestReflectionPolicy controls `.status.latestRef.digest`:
	// Never leaves it empty; IfNotPresent fills it with the digest of the
	// selected image when it is empty and the selected image did not change;
	// Always keeps it up to date with the registry, refreshed every
	// spec.interval. Defaults to Never.
	// +kubebuilder:default:=Never
	// +optional
	DigestReflectionPolicy ReflectionPolicy `json:"digestReflectionPolicy,omitempty"`

	// Interval is how often the digest of the selected tag is looked up
	// again. It is only accepted, and then required, when
	// digestReflectionPolicy is Always.
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:Pattern="^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$"
	// +optional
	Interval *metav1.Duration `json:"interval,omitempty"`

	// Suspend stops further reconciliations of the policy while true; one
	// already running is not interrupted. Defaults to false.
	// +optional
	Suspend bool `json:"suspend,omitempty"`
}

// ReflectionPolicy says whether and when a value observed in the registry is
// copied into a field of the object.
// +kubebuilder:validation:Enum=Always;IfNotPresent;Never
type ReflectionPolicy string

const (
	// ReflectAlways copies the registry value every time, overwriting what is there.
	ReflectAlways ReflectionPolicy = "Always"
	// ReflectIfNotPresent copies the registry value only into an empty field
	// and never overwrites it afterwards.
	ReflectIfNotPresent ReflectionPolicy = "IfNotPresent"
	// ReflectNever never copies the value.
	ReflectNever ReflectionPolicy = "Never"
)

// ImagePolicyChoice holds the ordering rule of a policy. One of its members
// is expected to be set; the controller reports an error otherwise.
type ImagePolicyChoice struct {
	// SemVer selects the highest tag that is a semantic version within a range.
	// +optional
	SemVer *SemVerPolicy `json:"semver,omitempty"`

	// Alphabetical orders tags as strings.
	// +optional
	Alphabetical *AlphabeticalPolicy `json:"alphabetical,omitempty"`

	// Numerical orders tags as numbers.
	// +optional
	Numerical *NumericalPolicy `json:"numerical,omitempty"`
}

// SemVerPolicy selects tags by semantic version.
type SemVerPolicy struct {
	// Range is a semantic version constraint, e.g. `>=1.0.0 <2.0.0` or
	// `5.1.x`; the highest tag satisfying it is selected.
	// +required
	Range string `json:"range"`
}

// AlphabeticalPolicy orders tags lexically.
type AlphabeticalPolicy struct {
	// Order is the sort direction: with tags a..z, `asc` selects z and
	// `desc` selects a. Defaults to asc.
	// +kubebuilder:default:="asc"
	// +kubebuilder:validation:Enum=asc;desc
	// +optional
	Order string `json:"order,omitempty"`
}

// NumericalPolicy orders tags as numbers.
type NumericalPolicy struct {
	// Order is the sort direction: with tags 0..9, `asc` selects 9 and
	// `desc` selects 0. Defaults to asc.
	// +kubebuilder:default:="asc"
	// +kubebuilder:validation:Enum=asc;desc
	// +optional
	Order string `json:"order,omitempty"`
}

// TagFilter selects, and optionally rewrites, the tags a policy compares.
type TagFilter struct {
	// Pattern is a regular expression; only tags matching it are considered.
	// +optional
	Pattern string `json:"pattern"`

	// Extract is a replacement template (e.g. `$ts` for a named group `ts`)
	// built from the capture groups of Pattern; the result is what the
	// policy compares instead of the full tag.
	// +optional
	Extract string `json:"extract"`
}

// ImagePolicyStatus is the observed state of an ImagePolicy.
type ImagePolicyStatus struct {
	// LatestRef is the image selected by the policy among the filtered and
	// ordered tags of the image repository.
	// +optional
	LatestRef *ImageRef `json:"latestRef,omitempty"`

	// ObservedPreviousRef is the value latestRef had before its last change,
	// so that the previous and current selections can be compared.
	// +optional
	ObservedPreviousRef *ImageRef `json:"observedPreviousRef,omitempty"`

	// ObservedGeneration is the metadata.generation last reconciled.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// Conditions describe the current state of the object (Ready, Reconciling, Stalled).
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty"`

	meta.ReconcileRequestStatus `json:",inline"`
}

// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:deprecatedversion:warning="image.toolkit.fluxcd.io/v1beta2 ImagePolicy is deprecated, upgrade to v1"
// +kubebuilder:resource:shortName=imgpol;imagepol,categories=all;fluxcd;fluxcd-images
// +kubebuilder:printcolumn:name="Image",type="string",JSONPath=".status.latestRef.name"
// +kubebuilder:printcolumn:name="Tag",type="string",JSONPath=".status.latestRef.tag"
// +kubebuilder:printcolumn:name="Ready",type="string",JSONPath=".status.conditions[?(@.type==\"Ready\")].status"
// +kubebuilder:printcolumn:name="Status",type="string",JSONPath=".status.conditions[?(@.type==\"Ready\")].message"
// +kubebuilder:printcolumn:name="Age",type="date",JSONPath=".metadata.creationTimestamp"

// ImagePolicy selects the latest image of an ImageRepository according to an
// ordering rule and reports it in its status.
type ImagePolicy struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec is the desired state.
	// +optional
	Spec ImagePolicySpec `json:"spec,omitempty"`

	// Status is the observed state.
	// +kubebuilder:default:={"observedGeneration":-1}
	// +optional
	Status ImagePolicyStatus `json:"status,omitempty"`
}

// GetConditions returns the status conditions of the object.
func (in *ImagePolicy) GetConditions() []metav1.Condition {
	return in.Status.Conditions
}

// SetConditions replaces the status conditions of the object.
func (in *ImagePolicy) SetConditions(conditions []metav1.Condition) {
	in.Status.Conditions = conditions
}

// GetDigestReflectionPolicy returns spec.digestReflectionPolicy, or ReflectNever when unset.
func (in *ImagePolicy) GetDigestReflectionPolicy() ReflectionPolicy {
	if in.Spec.DigestReflectionPolicy != "" {
		return in.Spec.DigestReflectionPolicy
	}
	return ReflectNever
}

// GetInterval returns the digest refresh period. It is non-zero only when the
// digest reflection policy is Always: spec.interval, or
// DefaultDigestRefreshInterval when that is unset or zero.
func (in *ImagePolicy) GetInterval() time.Duration {
	if in.GetDigestReflectionPolicy() != ReflectAlways {
		return 0
	}
	if in.Spec.Interval == nil || in.Spec.Interval.Duration == 0 {
		return DefaultDigestRefreshInterval
	}
	return in.Spec.Interval.Duration
}

// GetRequeueAfter returns GetInterval(). An ImagePolicy has no schedule of its
// own otherwise: zero means it is reconciled only when it or its
// ImageRepository changes.
func (in *ImagePolicy) GetRequeueAfter() time.Duration {
	return in.GetInterval()
}

// +kubebuilder:object:root=true

// ImagePolicyList is a list of ImagePolicy objects.
type ImagePolicyList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []ImagePolicy `json:"items"`
}

func init() {
	SchemeBuilder.Register(&ImagePolicy{}, &ImagePolicyList{})
}
