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
	// GitRepositoryKind is the kind name of GitRepository objects.
	GitRepositoryKind = "GitRepository"

	// GitProviderGeneric authenticates with the credentials of spec.secretRef.
	GitProviderGeneric string = "generic"

	// GitProviderAzure authenticates to Azure DevOps with workload identity.
	GitProviderAzure string = "azure"

	// GitProviderGitHub authenticates as a GitHub App.
	GitProviderGitHub string = "github"

	// GitProviderAWS authenticates to AWS CodeCommit with IAM credentials.
	GitProviderAWS string = "aws"
)

// GitVerificationMode tells which Git objects have their signature verified.
type GitVerificationMode string

const (
	// ModeGitHEAD verifies the commit HEAD points to after checkout.
	ModeGitHEAD GitVerificationMode = "HEAD"

	// ModeGitTag verifies the tag object named by the checkout reference.
	ModeGitTag GitVerificationMode = "Tag"

	// ModeGitTagAndHEAD verifies both the tag object and the commit it
	// points to.
	ModeGitTagAndHEAD GitVerificationMode = "TagAndHEAD"
)

// Valid reports whether the mode is one of the canonical modes.
func (m GitVerificationMode) Valid() bool {
	switch m {
	case ModeGitHEAD, ModeGitTag, ModeGitTagAndHEAD:
		return true
	default:
		return false
	}
}

// GitRepositorySpec is the desired state of a GitRepository: which Git
// repository and reference to fetch and how to turn it into an Artifact.
// +kubebuilder:validation:XValidation:rule="!has(self.serviceAccountName) || (has(self.provider) && (self.provider == 'azure' || self.provider == 'aws'))",message="serviceAccountName can only be set when provider is 'azure' or 'aws'"
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

	// Provider selects how to authenticate: 'generic' (spec.secretRef),
	// 'azure', 'github' or 'aws'. Defaults to 'generic' when omitted.
	// +kubebuilder:validation:Enum=generic;aws;azure;github
	// +optional
	Provider string `json:"provider,omitempty"`

	// ServiceAccountName names a Kubernetes ServiceAccount in the same
	// namespace whose identity is used to authenticate. Only valid with the
	// 'azure' and 'aws' providers.
	// +optional
	ServiceAccountName string `json:"serviceAccountName,omitempty"`

	// Interval is how often the repository is checked for new revisions.
	// The controller may add some jitter.
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

	// Verification configures the verification of commit and/or tag
	// signatures.
	// +optional
	Verification *GitRepositoryVerification `json:"verify,omitempty"`

	// ProxySecretRef names a Secret in the same namespace with the proxy
	// settings (`address`, and optionally `username` and `password`) used
	// to reach the Git server.
	// +optional
	ProxySecretRef *meta.LocalObjectReference `json:"proxySecretRef,omitempty"`

	// Ignore replaces the default exclusion patterns, written in the
	// .sourceignore (gitignore) format.
	// +optional
	Ignore *string `json:"ignore,omitempty"`

	// Suspend stops the reconciliation of this GitRepository while true.
	// +optional
	Suspend bool `json:"suspend,omitempty"`

	// RecurseSubmodules initializes all submodules of the repository with
	// their default settings.
	// +optional
	RecurseSubmodules bool `json:"recurseSubmodules,omitempty"`

	// Include lists other GitRepositories whose Artifacts are copied into
	// the Artifact of this one.
	// +optional
	Include []GitRepositoryInclude `json:"include,omitempty"`

	// SparseCheckout lists the directories to check out. When set, only
	// those directories end up in the Artifact.
	// +optional
	SparseCheckout []string `json:"sparseCheckout,omitempty"`
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

// GitRepositoryVerification configures the verification of Git signatures.
type GitRepositoryVerification struct {
	// Mode selects which Git objects are verified. "head" is accepted as a
	// legacy spelling of "HEAD".
	// +kubebuilder:validation:Enum=head;HEAD;Tag;TagAndHEAD
	// +kubebuilder:default:=HEAD
	// +optional
	Mode GitVerificationMode `json:"mode,omitempty"`

	// SecretRef names a Secret in the same namespace with the public keys of
	// the trusted authors: PGP keys under keys ending in `.asc`, SSH keys
	// under keys ending in `.sshpub`.
	// +required
	SecretRef meta.LocalObjectReference `json:"secretRef"`
}

// GetMode returns the verification mode, mapping the legacy "head" and an
// empty value to ModeGitHEAD.
func (in *GitRepositoryVerification) GetMode() GitVerificationMode {
	if in.Mode.Valid() {
		return in.Mode
	}
	return ModeGitHEAD
}

// VerifyHEAD reports whether the commit HEAD points to must be verified.
func (in *GitRepositoryVerification) VerifyHEAD() bool {
	m := in.GetMode()
	return m == ModeGitHEAD || m == ModeGitTagAndHEAD
}

// VerifyTag reports whether the tag object must be verified.
func (in *GitRepositoryVerification) VerifyTag() bool {
	m := in.GetMode()
	return m == ModeGitTag || m == ModeGitTagAndHEAD
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

	// Artifact is the output of the last successful reconciliation.
	// +optional
	Artifact *meta.Artifact `json:"artifact,omitempty"`

	// IncludedArtifacts are the Artifacts of spec.include as they were
	// last included successfully.
	// +optional
	IncludedArtifacts []*meta.Artifact `json:"includedArtifacts,omitempty"`

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

	// ObservedSparseCheckout is the spec.sparseCheckout value the current
	// Artifact was built with.
	// +optional
	ObservedSparseCheckout []string `json:"observedSparseCheckout,omitempty"`

	// SourceVerificationMode is the verification mode that was last applied,
	// i.e. which Git objects have been verified.
	// +optional
	SourceVerificationMode *GitVerificationMode `json:"sourceVerificationMode,omitempty"`

	meta.ReconcileRequestStatus `json:",inline"`
}

// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:storageversion
// +kubebuilder:resource:shortName=gitrepo,categories=all;fluxcd;fluxcd-sources
// +kubebuilder:metadata:annotations="kustomize.toolkit.fluxcd.io/substitute=disabled"
// +kubebuilder:printcolumn:name="URL",type=string,JSONPath=`.spec.url`
// +kubebuilder:printcolumn:name="Age",type="date",JSONPath=".metadata.creationTimestamp"
// +kubebuilder:printcolumn:name="Ready",type="string",JSONPath=".status.conditions[?(@.type==\"Ready\")].status"
// +kubebuilder:printcolumn:name="Status",type="string",JSONPath=".status.conditions[?(@.type==\"Ready\")].message"

// GitRepository fetches a Git repository at a reference and publishes its
// content as an Artifact.
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

// GetProvider returns spec.provider, defaulting to GitProviderGeneric.
func (in *GitRepository) GetProvider() string {
	if in.Spec.Provider == "" {
		return GitProviderGeneric
	}
	return in.Spec.Provider
}

// GetTimeout returns spec.timeout, defaulting to one minute.
func (in *GitRepository) GetTimeout() time.Duration {
	if in.Spec.Timeout != nil && in.Spec.Timeout.Duration > 0 {
		return in.Spec.Timeout.Duration
	}
	return time.Minute
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
