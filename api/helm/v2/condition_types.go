/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package v2

import "github.com/fluxcd/pkg/apis/meta"

// Condition types set on a HelmRelease. Ready, Reconciling and Stalled are the
// generic kstatus-compatible types shared by all toolkit kinds; the others are
// specific to Helm releases.
const (
	// ReadyCondition is True when the Helm release is installed, up to date
	// with the desired state and (when enabled) its tests passed.
	ReadyCondition string = meta.ReadyCondition

	// ReconcilingCondition is present (True) while the controller works on the
	// object, for example while a Helm action or drift correction is running.
	ReconcilingCondition string = meta.ReconcilingCondition

	// StalledCondition is present (True) when the controller gave up and needs
	// a change to the object (or a reset request) before it tries again.
	StalledCondition string = meta.StalledCondition

	// ReleasedCondition reports the outcome of the most recent install or
	// upgrade attempted for the current desired state.
	ReleasedCondition string = "Released"

	// TestSuccessCondition reports the outcome of the most recent Helm test
	// run for the current desired state.
	TestSuccessCondition string = "TestSuccess"

	// RemediatedCondition reports the outcome of the most recent remediation
	// (rollback or uninstall) that followed a failed install or upgrade.
	RemediatedCondition string = "Remediated"
)

// Condition reasons set on a HelmRelease.
const (
	// InstallSucceededReason means the Helm install action completed.
	InstallSucceededReason string = "InstallSucceeded"

	// InstallFailedReason means the Helm install action returned an error.
	InstallFailedReason string = "InstallFailed"

	// UpgradeSucceededReason means the Helm upgrade action completed.
	UpgradeSucceededReason string = "UpgradeSucceeded"

	// UpgradeFailedReason means the Helm upgrade action returned an error.
	UpgradeFailedReason string = "UpgradeFailed"

	// TestSucceededReason means every Helm test hook of the release passed.
	TestSucceededReason string = "TestSucceeded"

	// TestFailedReason means at least one Helm test hook of the release failed.
	TestFailedReason string = "TestFailed"

	// RollbackSucceededReason means the Helm rollback used as remediation completed.
	RollbackSucceededReason string = "RollbackSucceeded"

	// RollbackFailedReason means the Helm rollback used as remediation returned an error.
	RollbackFailedReason string = "RollbackFailed"

	// UninstallSucceededReason means the Helm uninstall (as remediation or on
	// deletion) completed.
	UninstallSucceededReason string = "UninstallSucceeded"

	// UninstallFailedReason means the Helm uninstall returned an error.
	UninstallFailedReason string = "UninstallFailed"

	// ArtifactFailedReason means the chart artifact of the referenced source
	// could not be obtained or loaded.
	ArtifactFailedReason string = meta.ArtifactFailedReason

	// InitFailedReason means the Helm action configuration (clients, storage,
	// kubeconfig, impersonation) could not be set up.
	InitFailedReason string = "InitFailed"

	// GetLastReleaseFailedReason means the latest release could not be read
	// from the Helm storage.
	GetLastReleaseFailedReason string = "GetLastReleaseFailed"

	// DependencyNotReadyReason means one of the objects listed in
	// spec.dependsOn is not ready yet.
	DependencyNotReadyReason string = meta.DependencyNotReadyReason

	// RetriesExceededReason means the remediation retries configured for the
	// last install or upgrade were used up; it is set on the Stalled condition.
	RetriesExceededReason string = "RetriesExceeded"

	// ReconciliationSucceededReason means a reconciliation completed without error.
	ReconciliationSucceededReason string = meta.ReconciliationSucceededReason

	// ReconciliationFailedReason means a reconciliation ended with an error
	// not covered by a more specific reason.
	ReconciliationFailedReason string = meta.ReconciliationFailedReason

	// ProgressingReason is used on Reconciling while work is under way.
	ProgressingReason string = meta.ProgressingReason

	// ProgressingWithRetryReason is used on Reconciling when the previous
	// attempt failed and another one is scheduled.
	ProgressingWithRetryReason string = meta.ProgressingWithRetryReason

	// SuspendedReason is used when spec.suspend stops reconciliation.
	SuspendedReason string = meta.SuspendedReason
)
