/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package v1

import "github.com/fluxcd/pkg/apis/meta"

// Condition types set on a Kustomization.
const (
	// ReadyCondition reports whether the last reconciliation succeeded.
	ReadyCondition string = meta.ReadyCondition

	// ReconcilingCondition is present while a reconciliation is in progress.
	ReconcilingCondition string = meta.ReconcilingCondition

	// StalledCondition is present when the reconciliation cannot make
	// progress without a change to the object.
	StalledCondition string = meta.StalledCondition

	// HealthyCondition reports the result of the last health assessment.
	HealthyCondition string = meta.HealthyCondition
)

// Condition reasons set on a Kustomization.
const (
	// ProgressingReason means a reconciliation is running.
	ProgressingReason string = meta.ProgressingReason

	// ProgressingWithRetryReason means a reconciliation failed and will be
	// retried.
	ProgressingWithRetryReason string = meta.ProgressingWithRetryReason

	// SucceededReason is a generic success reason.
	SucceededReason string = meta.SucceededReason

	// FailedReason is a generic failure reason.
	FailedReason string = meta.FailedReason

	// SuspendedReason means the Kustomization is suspended.
	SuspendedReason string = meta.SuspendedReason

	// ArtifactFailedReason means the source artifact could not be fetched.
	ArtifactFailedReason string = meta.ArtifactFailedReason

	// BuildFailedReason means the Kustomize build, decryption or variable
	// substitution failed.
	BuildFailedReason string = meta.BuildFailedReason

	// HealthCheckFailedReason means at least one health check failed.
	HealthCheckFailedReason string = meta.HealthCheckFailedReason

	// HealthCheckCanceledReason means the health assessment was canceled,
	// for example because a newer revision arrived.
	HealthCheckCanceledReason string = meta.HealthCheckCanceledReason

	// DependencyNotReadyReason means a Kustomization listed in dependsOn is
	// not ready.
	DependencyNotReadyReason string = meta.DependencyNotReadyReason

	// PruneFailedReason means garbage collection of stale objects failed.
	PruneFailedReason string = meta.PruneFailedReason

	// ReconciliationSucceededReason means the manifests were applied.
	ReconciliationSucceededReason string = meta.ReconciliationSucceededReason

	// ReconciliationFailedReason means applying the manifests failed.
	ReconciliationFailedReason string = meta.ReconciliationFailedReason

	// InvalidCELExpressionReason means a CEL expression in the spec
	// (healthCheckExprs, dependsOn readyExpr) does not compile.
	InvalidCELExpressionReason string = meta.InvalidCELExpressionReason

	// AccessDeniedReason means a cross-namespace reference is not allowed.
	AccessDeniedReason string = "AccessDenied"
)
