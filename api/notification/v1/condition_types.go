/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package v1

import "github.com/fluxcd/pkg/apis/meta"

// NotificationFinalizer is the finalizer set on notification objects.
const NotificationFinalizer = "finalizers.fluxcd.io"

// Condition types set on notification objects (Receivers, and the v1beta2
// Alerts and Providers).
const (
	// ReadyCondition reports whether the object is ready to handle events.
	ReadyCondition string = meta.ReadyCondition

	// ReconcilingCondition is present while a reconciliation is in progress.
	ReconcilingCondition string = meta.ReconcilingCondition

	// StalledCondition is present when the reconciliation cannot make
	// progress without a change to the object.
	StalledCondition string = meta.StalledCondition
)

// Condition reasons set on notification objects.
const (
	// SucceededReason means the object was reconciled successfully.
	SucceededReason string = meta.SucceededReason

	// ProgressingReason means a reconciliation is running.
	ProgressingReason string = meta.ProgressingReason

	// SuspendedReason means the object is suspended.
	SuspendedReason string = meta.SuspendedReason

	// InitializedReason means the object has been initialized.
	InitializedReason string = "Initialized"

	// ValidationFailedReason means part of the spec failed validation.
	ValidationFailedReason string = "ValidationFailed"

	// TokenNotFoundReason means the Receiver's token Secret, or its 'token'
	// key, could not be found.
	TokenNotFoundReason string = "TokenNotFound"

	// InvalidConfigReason means part of the configuration cannot be used,
	// for example an invalid regular expression.
	InvalidConfigReason string = "InvalidConfig"

	// InvalidCELExpressionReason means a CEL expression in the spec (such as
	// a Receiver's resourceFilter) does not compile.
	InvalidCELExpressionReason string = meta.InvalidCELExpressionReason

	// NotificationDispatchFailedReason means sending a notification to a
	// provider failed.
	NotificationDispatchFailedReason string = "NotificationDispatchFailed"

	// SourceFetchFailedReason means the object involved in an event could
	// not be fetched to evaluate an Alert's matchLabels.
	SourceFetchFailedReason string = "SourceFetchFailed"

	// MetadataAppendFailedReason means event metadata could not be merged
	// because keys conflict between metadata sources.
	MetadataAppendFailedReason string = "MetadataAppendFailed"
)
