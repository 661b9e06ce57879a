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
	// GitRepositoryKind is the kind name of GitRepository objects.
	GitRepositoryKind = "GitRepository"

	// GoGitImplementation is the go-git Git client (the only one left).
	GoGitImplementation = "go-git"

	// LibGit2Implementation is the retired libgit2 Git client; still
	// accepted in manifests.
	LibGit2Implementation = "libgit2"
)

// GitRepositorySpec is the desired state of a GitRepository in the
// deprecated v1beta2 schema.
type GitRepositorySpec struct {
	// URL is the address of the Git repository, using the http, https or
	// ssh scheme.
	// +kubebuilder:validation:Pattern="^(http|https|ssh)://.*$"
	// +required
	URL string `json:"url"`

	// SecretRef names a Secret in the same namespace with the credentials
	// for the repository: `username` and `password` (or `bearerToken`) for
	// HTTPS, `identity` and `known_hosts` for SSH.
	// +optional
	SecretRef *meta.LocalObjectReference `json:"secretRef,omitempty"`

	// Interval is how often the repository is checked for new revisions.
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:Pattern="^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$"
	// +required
	Interval metav1.Duration `json:"interval"`

	// Timeout bounds Git operations such as clone. Defaults to 60s.
	// +kubebuilder:default="60s"
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:Pattern="^([0-9]+(\\.[0-9]+)?(ms|s|m))+$"
	// +optional
	Timeout *metav1.Duration `json:"timeout,omitempty"`

	// Reference is the Git reference to check out and watch. Defaults to the
	// 'master' branch.
	// +optional
	Reference *GitRepositoryRef `json:"ref,omitempty"`

	// Verification configures the verification of the HEAD commit
	// signature.
	// +optional
	Verification *GitRepositoryVerification `json:"verify,omitempty"`

	// Ignore replaces the default exclusion patterns, written in the
	// .sourceignore (gitignore) format.
	// +optional
	Ignore *string `json:"ignore,omitempty"`

	// Suspend stops the reconciliation of this GitRepository while true.
	// +optional
	Suspend bool `json:"suspend,omitempty"`

	// GitImplementation selects the Git client library: 'go-git' (default)
	// or 'libgit2'.
	// Deprecated: only go-git is used; the value is ignored.
	// +kubebuilder:validation:Enum=go-git;libgit2
	// +kubebuilder:default:=go-git
	// +optional
	GitImplementation string `json:"gitImplementation,omitempty"`

	// RecurseSubmodules initializes all submodules of the repository with
	// their default settings.
	// +optional
	RecurseSubmodules bool `json:"recurseSubmodules,omitempty"`

	// Include lists other GitRepositories whose Artifacts are copied into
	// the Artifact of this one.
	// +optional
	Include []GitRepositoryInclude `json:"include,omitempty"`

	// AccessFrom is a provisional access control list for cross-namespace
	// references; Flux accepts but does not enforce it.
	// +optional
	AccessFrom *AccessFrom `json:"accessFrom,omitempty"`
}

// GitRepositoryInclude names a GitRepository in the same namespace whose
// Artifact content is copied into the including Artifact, and where.
type GitRepositoryInclude struct {
	// GitRepositoryRef names the GitRepository to include.
	// +required
	GitRepositoryRef meta.LocalObjectReference `json:"repository"`

	// FromPath is the directory of the included Artifact to copy. Defaults to
	// its root.
	// +optional
	FromPath string `json:"fromPath,omitempty"`

	// ToPath is the destination directory in the including Artifact.
	// Defaults to the name of the included GitRepository.
	// +optional
	ToPath string `json:"toPath,omitempty"`
}

// GetFromPath returns the directory to copy from.
func (in *GitRepositoryInclude) GetFromPath() string {
	return in.FromPath
}

// GetToPath returns the directory to copy to, defaulting to the name of the
// included GitRepository.
func (in *GitRepositoryInclude) GetToPath() string {
	if in.ToPath == "" {
		return in.GitRepositoryRef.Name
	}
	return in.ToPath
}

// GitRepositoryRef is the Git reference to resolve and check out. When more
// than one field is set, commit wins over name, name over semver, semver over
// tag and tag over branch.
type GitRepositoryRef struct {
	// Branch to check out. Defaults to 'master' when no other field is set.
	// +optional
	Branch string `json:"branch,omitempty"`

	// Tag to check out.
	// +optional
	Tag string `json:"tag,omitempty"`

	// SemVer is a semantic version range; the highest matching tag is
	// checked out.
	// +optional
	SemVer string `json:"semver,omitempty"`

	// Name is a full Git reference to check out, e.g. "refs/heads/main",
	// "refs/tags/v1.0.0" or "refs/pull/42/head".
	// +optional
	Name string `json:"name,omitempty"`

	// Commit is the SHA of the commit to check out. Combined with Branch, a
	// shallow clone of that branch is made and the commit must be on it.
	// +optional
	Commit string `json:"commit,omitempty"`
}

// GitRepositoryVerification configures the verification of Git signatures
// in the v1beta2 schema, which only knows the 'head' mode.
type GitRepositoryVerification struct {
	// Mode selects which Git object is verified; only 'head' is supported.
	// +kubebuilder:validation:Enum=head
	// +required
	Mode string `json:"mode"`

	// SecretRef names a Secret in the same namespace with the public keys of
	// the trusted authors.
	// +required
	SecretRef meta.LocalObjectReference `json:"secretRef"`
}

// GitRepositoryStatus is the observed state of a GitRepository.
type GitRepositoryStatus struct {
	// ObservedGeneration is the last generation of the object the controller
	// has acted on.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// Conditions holds the conditions of the GitRepository.
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty"`

	// URL is the download address of the latest Artifact (best effort; use
	// the Artifact for precise data).
	// +optional
	URL string `json:"url,omitempty"`

	// Artifact is the output of the last successful reconciliation.
	// +optional
	Artifact *meta.Artifact `json:"artifact,omitempty"`

	// IncludedArtifacts are the Artifacts of spec.include as they were
	// last included successfully.
	// +optional
	IncludedArtifacts []*meta.Artifact `json:"includedArtifacts,omitempty"`

	// ContentConfigChecksum is a checksum ('<algo>:<hex>') of the settings
	// that shape the Artifact content.
	// Deprecated: replaced by the observed* fields.
	// +optional
	ContentConfigChecksum string `json:"contentConfigChecksum,omitempty"`

	// ObservedIgnore is the spec.ignore value the current Artifact was built
	// with.
	// +optional
	ObservedIgnore *string `json:"observedIgnore,omitempty"`

	// ObservedRecurseSubmodules is the spec.recurseSubmodules value the
	// current Artifact was built with.
	// +optional
	ObservedRecurseSubmodules bool `json:"observedRecurseSubmodules,omitempty"`

	// ObservedInclude is the spec.include value the current Artifact was
	// built with.
	// +optional
	ObservedInclude []GitRepositoryInclude `json:"observedInclude,omitempty"`

	meta.ReconcileRequestStatus `json:",inline"`
}

// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:deprecatedversion:warning="source.toolkit.fluxcd.io/v1beta2 GitRepository is deprecated, upgrade to v1"
// +kubebuilder:resource:shortName=gitrepo,categories=all;fluxcd;fluxcd-sources
// +kubebuilder:printcolumn:name="URL",type=string,JSONPath=`.spec.url`
// +kubebuilder:printcolumn:name="Age",type="date",JSONPath=".metadata.creationTimestamp"
// +kubebuilder:printcolumn:name="Ready",type="string",JSONPath=".status.conditions[?(@.type==\"Ready\")].status"
// +kubebuilder:printcolumn:name="Status",type="string",JSONPath=".status.conditions[?(@.type==\"Ready\")].message"

// GitRepository fetches a Git repository at a reference and publishes its
// content as an Artifact (deprecated v1beta2 schema).
type GitRepository struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec is the desired state of the GitRepository.
	// +optional
	Spec GitRepositorySpec `json:"spec,omitempty"`

	// Status is the observed state of the GitRepository.
	// +kubebuilder:default={"observedGeneration":-1}
	// +optional
	Status GitRepositoryStatus `json:"status,omitempty"`
}

// GetConditions returns the status conditions of the object.
func (in *GitRepository) GetConditions() []metav1.Condition {
	return in.Status.Conditions
}

// SetConditions replaces the status conditions of the object.
func (in *GitRepository) SetConditions(conditions []metav1.Condition) {
	in.Status.Conditions = conditions
}

// GetRequeueAfter returns spec.interval.
func (in *GitRepository) GetRequeueAfter() time.Duration {
	return in.Spec.Interval.Duration
}

// GetArtifact returns the Artifact recorded in the status, or nil.
func (in *GitRepository) GetArtifact() *meta.Artifact {
	return in.Status.Artifact
}

// +kubebuilder:object:root=true

// GitRepositoryList is a list of GitRepository objects.
type GitRepositoryList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []GitRepository `json:"items"`
}

func init() {
	SchemeBuilder.Register(&GitRepository{}, &GitRepositoryList{})
}
