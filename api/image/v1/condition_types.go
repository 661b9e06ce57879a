/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package v1

// ImageFinalizer is the finalizer the image controllers put on ImageRepository,
// ImagePolicy and ImageUpdateAutomation objects so they can clean up before deletion.
const ImageFinalizer = "finalizers.fluxcd.io"

// Condition reasons reported by the image reflection controller
// (ImageRepository and ImagePolicy). The condition types themselves are the
// generic ones from github.com/fluxcd/pkg/apis/meta (Ready, Reconciling, Stalled).
const (
	// ImageURLInvalidReason means spec.image of an ImageRepository could not be
	// parsed as an image repository reference.
	ImageURLInvalidReason string = "ImageURLInvalid"

	// DependencyNotReadyReason means an object this one relies on (for an
	// ImagePolicy, the referenced ImageRepository) has not produced a usable result yet.
	DependencyNotReadyReason string = "DependencyNotReady"

	// AuthenticationFailedReason means the registry credentials were missing,
	// malformed or rejected by the registry.
	AuthenticationFailedReason string = "AuthenticationFailed"

	// ReadOperationFailedReason means reading data the reconciler needs (for
	// example the stored tags of a repository) failed.
	ReadOperationFailedReason string = "ReadOperationFailed"

	// IntervalNotConfiguredReason means an interval is needed for the requested
	// behaviour but none is set.
	IntervalNotConfiguredReason string = "IntervalNotConfigured"
)

// Condition reasons reported by the image update automation controller
// (ImageUpdateAutomation).
const (
	// InvalidUpdateStrategyReason means spec.update names a strategy, or a
	// combination of settings, that cannot be applied.
	InvalidUpdateStrategyReason string = "InvalidUpdateStrategy"

	// InvalidSourceConfigReason means the source reference or the git settings
	// of the automation are not usable.
	InvalidSourceConfigReason string = "InvalidSourceConfiguration"

	// SourceManagerFailedReason means preparing the working copy of the source
	// (resolving, authenticating, cloning) failed.
	SourceManagerFailedReason string = "SourceManagerFailed"

	// GitOperationFailedReason means a git operation such as commit or push failed.
	GitOperationFailedReason string = "GitOperationFailed"

	// UpdateFailedReason means rewriting the files in the working copy failed.
	UpdateFailedReason string = "UpdateFailed"

	// InvalidPolicySelectorReason means spec.policySelector could not be
	// turned into a label selector.
	InvalidPolicySelectorReason string = "InvalidPolicySelector"

	// RemovedTemplateFieldReason means the commit message template uses a
	// template field that is no longer supported (for example `.Updated`).
	RemovedTemplateFieldReason string = "RemovedTemplateField"
)
