/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package v1

// SourceFinalizer is the finalizer the source controller puts on the objects
// it manages, so that their Artifacts are garbage collected on deletion.
const SourceFinalizer = "finalizers.fluxcd.io"

// Condition types set on source objects, in addition to the generic Ready,
// Reconciling and Stalled types of github.com/fluxcd/pkg/apis/meta.
const (
	// ArtifactInStorageCondition reports whether the Artifact of the source
	// is present in the storage. It is only set once an Artifact has been
	// stored successfully.
	ArtifactInStorageCondition string = "ArtifactInStorage"

	// ArtifactOutdatedCondition reports that the Artifact in the storage no
	// longer matches the desired state of the source. It has abnormal-true
	// polarity: it is only present while True.
	ArtifactOutdatedCondition string = "ArtifactOutdated"

	// SourceVerifiedCondition reports the outcome of the signature or
	// integrity verification of the upstream source. It is only present when
	// verification is configured.
	SourceVerifiedCondition string = "SourceVerified"

	// FetchFailedCondition reports a transient or persistent failure to fetch
	// from the upstream source; the stored Artifact may be outdated. It has
	// abnormal-true polarity.
	FetchFailedCondition string = "FetchFailed"

	// BuildFailedCondition reports a transient or persistent failure to build
	// the Artifact of the source. It has abnormal-true polarity.
	BuildFailedCondition string = "BuildFailed"

	// StorageOperationFailedCondition reports a failure of a storage
	// (filesystem) operation during reconciliation. It has abnormal-true
	// polarity.
	StorageOperationFailedCondition string = "StorageOperationFailed"

	// IncludeUnavailableCondition reports that one of the GitRepositories
	// listed in spec.include does not exist or has no Artifact yet. It has
	// abnormal-true polarity.
	IncludeUnavailableCondition string = "IncludeUnavailable"
)

// Reasons used with the conditions above. They are a convenience for
// controllers and observers, not part of the declarative API.
const (
	// URLInvalidReason signals that the URL of the source is invalid.
	URLInvalidReason string = "URLInvalid"

	// AuthenticationFailedReason signals that the referenced Secret lacks
	// required fields or that the credentials were rejected.
	AuthenticationFailedReason string = "AuthenticationFailed"

	// VerificationError signals that the verification of the source failed.
	VerificationError string = "VerificationError"

	// DirCreationFailedReason signals that creating a directory failed.
	DirCreationFailedReason string = "DirectoryCreationFailed"

	// StatOperationFailedReason signals that a stat operation on a path
	// failed.
	StatOperationFailedReason string = "StatOperationFailed"

	// ReadOperationFailedReason signals that a read operation failed.
	ReadOperationFailedReason string = "ReadOperationFailed"

	// AcquireLockFailedReason signals that acquiring a storage lock failed.
	AcquireLockFailedReason string = "AcquireLockFailed"

	// InvalidPathReason signals that a path is invalid.
	InvalidPathReason string = "InvalidPath"

	// ArchiveOperationFailedReason signals that archiving the Artifact
	// failed.
	ArchiveOperationFailedReason string = "ArchiveOperationFailed"

	// SymlinkUpdateFailedReason signals that updating the latest-Artifact
	// symlink failed.
	SymlinkUpdateFailedReason string = "SymlinkUpdateFailed"

	// ArtifactUpToDateReason signals that the stored Artifact already matches
	// the upstream source.
	ArtifactUpToDateReason string = "ArtifactUpToDate"

	// CacheOperationFailedReason signals that a cache operation failed.
	CacheOperationFailedReason string = "CacheOperationFailed"

	// PatchOperationFailedReason signals that patching a Kubernetes object
	// failed.
	PatchOperationFailedReason string = "PatchOperationFailed"

	// GitOperationSucceedReason signals that a Git operation (clone,
	// checkout, ...) succeeded.
	GitOperationSucceedReason string = "GitOperationSucceeded"

	// GitOperationFailedReason signals that a Git operation (clone,
	// checkout, ...) failed.
	GitOperationFailedReason string = "GitOperationFailed"

	// BucketOperationSucceededReason signals that listing and fetching the
	// objects of a Bucket succeeded.
	BucketOperationSucceededReason string = "BucketOperationSucceeded"

	// BucketOperationFailedReason signals that listing or fetching the
	// objects of a Bucket failed.
	BucketOperationFailedReason string = "BucketOperationFailed"

	// IndexationFailedReason signals that fetching or loading the index of a
	// HelmRepository failed.
	IndexationFailedReason string = "IndexationFailed"

	// ChartPullSucceededReason signals that pulling a Helm chart succeeded.
	ChartPullSucceededReason string = "ChartPullSucceeded"

	// ChartPackageSucceededReason signals that packaging a Helm chart from
	// a GitRepository or Bucket succeeded.
	ChartPackageSucceededReason string = "ChartPackageSucceeded"

	// OCIPullFailedReason signals that pulling an OCI artifact failed.
	OCIPullFailedReason string = "OCIArtifactPullFailed"

	// OCILayerOperationFailedReason signals that extracting or copying a
	// layer of an OCI artifact failed.
	OCILayerOperationFailedReason string = "OCIArtifactLayerOperationFailed"
)
