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

// ImageUpdateAutomationKind is the kind name of ImageUpdateAutomation objects.
const ImageUpdateAutomationKind = "ImageUpdateAutomation"

// ImageUpdateAutomationSpec describes which Git repository to update, how to
// rewrite its files from the selected images, and how to commit and push.
type ImageUpdateAutomationSpec struct {
	// SourceRef refers to the GitRepository that gives the URL and
	// credentials of the repository to update.
	// +required
	SourceRef CrossNamespaceSourceReference `json:"sourceRef"`

	// GitSpec holds the Git settings: what to check out, how to commit and
	// where to push. It is optional in the schema but needed in practice,
	// since Git is the only supported source.
	// +optional
	GitSpec *GitSpec `json:"git,omitempty"`

	// Interval is the minimum time between two automation runs.
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:Pattern="^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$"
	// +required
	Interval metav1.Duration `json:"interval"`

	// PolicySelector restricts, by label, which ImagePolicies of the
	// namespace are applied. All of them are applied when it is unset.
	// +optional
	PolicySelector *metav1.LabelSelector `json:"policySelector,omitempty"`

	// Update says how the files of the repository are rewritten. Leave it
	// out to use the default Setters strategy on the whole repository.
	// +kubebuilder:default:={"strategy":"Setters"}
	// +optional
	Update *UpdateStrategy `json:"update,omitempty"`

	// Suspend stops further automation runs while true. Defaults to false.
	// +optional
	Suspend bool `json:"suspend,omitempty"`
}

// CrossNamespaceSourceReference locates the source object, possibly in
// another namespace.
type CrossNamespaceSourceReference struct {
	// APIVersion of the referent.
	// +optional
	APIVersion string `json:"apiVersion,omitempty"`

	// Kind of the referent. Only GitRepository is supported.
	// +kubebuilder:validation:Enum=GitRepository
	// +kubebuilder:default:=GitRepository
	// +required
	Kind string `json:"kind"`

	// Name of the referent.
	// +required
	Name string `json:"name"`

	// Namespace of the referent; defaults to the namespace of the
	// ImageUpdateAutomation.
	// +optional
	Namespace string `json:"namespace,omitempty"`
}

// String renders the reference as `Kind/namespace/name`, or `Kind/name` when
// no namespace is set.
func (in *CrossNamespaceSourceReference) String() string {
	if in.Namespace != "" {
		return in.Kind + "/" + in.Namespace + "/" + in.Name
	}
	return in.Kind + "/" + in.Name
}

// GitSpec holds the Git specific settings of an automation.
type GitSpec struct {
	// Checkout says what to clone before making changes. When unset, the
	// spec.ref of the referenced GitRepository (or its default) is used.
	// +optional
	Checkout *GitCheckoutSpec `json:"checkout,omitempty"`

	// Commit says how commits are made.
	// +required
	Commit CommitSpec `json:"commit"`

	// Push says where commits are pushed. When unset, they are pushed back
	// to the branch that was checked out.
	// +optional
	Push *PushSpec `json:"push,omitempty"`
}

// HasRefspec reports whether a push refspec is configured.
func (in GitSpec) HasRefspec() bool {
	return in.Push != nil && in.Push.Refspec != ""
}

// GitCheckoutSpec says which Git reference to clone.
type GitCheckoutSpec struct {
	// Reference is the branch, tag, semver range, reference name or commit
	// to clone.
	// +required
	Reference GitRepositoryRef `json:"ref"`
}

// GitRepositoryRef names a Git reference to check out. It has the same
// fields as the spec.ref of a GitRepository.
type GitRepositoryRef struct {
	// Branch to check out; `master` is used when no field is set.
	// +optional
	Branch string `json:"branch,omitempty"`

	// Tag to check out; takes precedence over Branch.
	// +optional
	Tag string `json:"tag,omitempty"`

	// SemVer is a semantic version range; the highest matching tag is
	// checked out. Takes precedence over Tag.
	// +optional
	SemVer string `json:"semver,omitempty"`

	// Name is a full Git reference such as `refs/heads/main`,
	// `refs/tags/v1.0.0` or `refs/pull/42/head`; takes precedence over
	// Branch, Tag and SemVer.
	// +optional
	Name string `json:"name,omitempty"`

	// Commit is a commit SHA to check out; takes precedence over every other
	// field. Combined with Branch, the branch is cloned shallowly and must
	// contain the commit.
	// +optional
	Commit string `json:"commit,omitempty"`
}

// CommitSpec says how changes are committed.
type CommitSpec struct {
	// Author is the identity written as the author of commits.
	// +required
	Author CommitUser `json:"author"`

	// SigningKey references an OpenPGP key used to sign the commits.
	// +optional
	SigningKey *SigningKey `json:"signingKey,omitempty"`

	// MessageTemplate is a Go text/template for the commit message, rendered
	// with the details of the changes. The `.Updated` field is no longer
	// available; use `.Changed`.
	// +optional
	MessageTemplate string `json:"messageTemplate,omitempty"`

	// MessageTemplateValues are extra key/value pairs made available to the
	// message template.
	// +optional
	MessageTemplateValues map[string]string `json:"messageTemplateValues,omitempty"`
}

// CommitUser is a Git identity.
type CommitUser struct {
	// Name of the commit author.
	// +optional
	Name string `json:"name,omitempty"`

	// Email of the commit author.
	// +required
	Email string `json:"email"`
}

// SigningKey references a Secret holding the OpenPGP key used to sign commits.
type SigningKey struct {
	// SecretRef names a Secret in the namespace of the
	// ImageUpdateAutomation that contains `git.asc`, an ASCII-armored
	// OpenPGP key pair, and optionally `passphrase`.
	// +required
	SecretRef meta.LocalObjectReference `json:"secretRef,omitempty"`
}

// PushSpec says where commits are pushed.
type PushSpec struct {
	// Branch is the branch commits are pushed to. It is created from the
	// checked out branch when it does not exist yet.
	// +optional
	Branch string `json:"branch,omitempty"`

	// Refspec is a Git refspec used for the push, e.g.
	// `refs/heads/main:refs/heads/auto` or `HEAD:refs/for/main`. When Branch
	// is also set, both pushes happen.
	// +optional
	Refspec string `json:"refspec,omitempty"`

	// Options are Git push options (`git push -o`) sent to the server, e.g.
	// to open a merge request on GitLab.
	// +optional
	Options map[string]string `json:"options,omitempty"`
}

// UpdateStrategyName names a strategy for rewriting files.
// +kubebuilder:validation:Enum=Setters
type UpdateStrategyName string

const (
	// UpdateStrategySetters rewrites the YAML fields carrying an image
	// policy marker comment.
	UpdateStrategySetters UpdateStrategyName = "Setters"
)

// UpdateStrategy says how the files of the repository are rewritten.
type UpdateStrategy struct {
	// Strategy is the name of the update strategy. Defaults to Setters.
	// +kubebuilder:default:=Setters
	// +optional
	Strategy UpdateStrategyName `json:"strategy,omitempty"`

	// Path is the directory, relative to the repository root, whose files
	// are updated. Defaults to the repository root.
	// +optional
	Path string `json:"path,omitempty"`
}

// ObservedPolicies maps the name of each ImagePolicy that took part in an
// update run to the image it had selected.
type ObservedPolicies map[string]ImageRef

// ImageUpdateAutomationStatus is the observed state of an ImageUpdateAutomation.
type ImageUpdateAutomationStatus struct {
	// LastAutomationRunTime is when the automation last ran to completion,
	// whether or not it changed anything.
	// +optional
	LastAutomationRunTime *metav1.Time `json:"lastAutomationRunTime,omitempty"`

	// LastPushCommit is the SHA of the last commit this automation pushed.
	// +optional
	LastPushCommit string `json:"lastPushCommit,omitempty"`

	// LastPushTime is when this automation last pushed a change.
	// +optional
	LastPushTime *metav1.Time `json:"lastPushTime,omitempty"`

	// ObservedGeneration is the metadata.generation last reconciled.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// Conditions describe the current state of the object (Ready, Reconciling, Stalled).
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty"`

	// ObservedPolicies are the ImagePolicies, with their selected images,
	// considered by the last update run.
	// +optional
	ObservedPolicies ObservedPolicies `json:"observedPolicies,omitempty"`

	// ObservedSourceRevision is the source revision seen by the last run,
	// used to tell whether the source changed since.
	// +optional
	ObservedSourceRevision string `json:"observedSourceRevision,omitempty"`

	meta.ReconcileRequestStatus `json:",inline"`
}

// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:deprecatedversion:warning="image.toolkit.fluxcd.io/v1beta2 ImageUpdateAutomation is deprecated, upgrade to v1"
// +kubebuilder:resource:shortName=iua;imgupd;imgauto,categories=all;fluxcd;fluxcd-images
// +kubebuilder:printcolumn:name="Ready",type="string",JSONPath=".status.conditions[?(@.type==\"Ready\")].status"
// +kubebuilder:printcolumn:name="Status",type="string",JSONPath=".status.conditions[?(@.type==\"Ready\")].message"
// +kubebuilder:printcolumn:name="Last run",type="string",JSONPath=".status.lastAutomationRunTime",priority=1
// +kubebuilder:printcolumn:name="Age",type="date",JSONPath=".metadata.creationTimestamp"

// ImageUpdateAutomation periodically rewrites the files of a Git repository
// with the images selected by ImagePolicies, then commits and pushes the
// result.
type ImageUpdateAutomation struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec is the desired state.
	// +optional
	Spec ImageUpdateAutomationSpec `json:"spec,omitempty"`

	// Status is the observed state.
	// +kubebuilder:default:={"observedGeneration":-1}
	// +optional
	Status ImageUpdateAutomationStatus `json:"status,omitempty"`
}

// GetConditions returns the status conditions of the object.
func (in *ImageUpdateAutomation) GetConditions() []metav1.Condition {
	return in.Status.Conditions
}

// SetConditions replaces the status conditions of the object.
func (in *ImageUpdateAutomation) SetConditions(conditions []metav1.Condition) {
	in.Status.Conditions = conditions
}

// GetRequeueAfter returns how long to wait before the next run: spec.interval.
func (in *ImageUpdateAutomation) GetRequeueAfter() time.Duration {
	return in.Spec.Interval.Duration
}

// +kubebuilder:object:root=true

// ImageUpdateAutomationList is a list of ImageUpdateAutomation objects.
type ImageUpdateAutomationList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []ImageUpdateAutomation `json:"items"`
}

func init() {
	SchemeBuilder.Register(&ImageUpdateAutomation{}, &ImageUpdateAutomationList{})
}
