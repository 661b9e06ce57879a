/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package v2beta2

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// CRDsPolicy selects what happens to the CRDs in the chart's crds/ directory
// during an install or upgrade.
type CRDsPolicy string

const (
	// Skip leaves CRDs alone: none are created or replaced.
	Skip CRDsPolicy = "Skip"

	// Create creates missing CRDs and leaves existing ones unchanged.
	Create CRDsPolicy = "Create"

	// CreateReplace creates missing CRDs and replaces existing ones. CRDs
	// removed from the chart are never deleted.
	CreateReplace CRDsPolicy = "CreateReplace"
)

// RemediationStrategy is the action taken after a failed release.
type RemediationStrategy string

const (
	// RollbackRemediationStrategy rolls back to the previous release.
	RollbackRemediationStrategy RemediationStrategy = "rollback"

	// UninstallRemediationStrategy uninstalls the release.
	UninstallRemediationStrategy RemediationStrategy = "uninstall"
)

// Install configures the Helm install action.
type Install struct {
	// Timeout for each Kubernetes operation (such as hook Jobs) of the
	// install. Defaults to spec.timeout.
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:Pattern="^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$"
	// +optional
	Timeout *metav1.Duration `json:"timeout,omitempty"`

	// Remediation configures what happens when the install fails. By default
	// nothing is done.
	// +optional
	Remediation *InstallRemediation `json:"remediation,omitempty"`

	// DisableWait skips waiting for the installed objects to become ready.
	// +optional
	DisableWait bool `json:"disableWait,omitempty"`

	// DisableWaitForJobs skips waiting for Jobs of the release to complete.
	// +optional
	DisableWaitForJobs bool `json:"disableWaitForJobs,omitempty"`

	// DisableHooks prevents chart hooks from running during the install.
	// +optional
	DisableHooks bool `json:"disableHooks,omitempty"`

	// DisableOpenAPIValidation skips validating the rendered manifests
	// against the OpenAPI schema of the cluster.
	// +optional
	DisableOpenAPIValidation bool `json:"disableOpenAPIValidation,omitempty"`

	// Replace allows reusing the release name if it belongs to a deleted
	// release still present in the history.
	// +optional
	Replace bool `json:"replace,omitempty"`

	// SkipCRDs prevents installing the CRDs of the chart.
	//
	// Deprecated: use CRDs with the value Skip instead.
	// +optional
	SkipCRDs bool `json:"skipCRDs,omitempty"`

	// CRDs is the policy for the CRDs in the chart's crds/ directory during
	// install: 'Skip', 'Create' or 'CreateReplace'. Defaults to 'Create'.
	// +kubebuilder:validation:Enum=Skip;Create;CreateReplace
	// +optional
	CRDs CRDsPolicy `json:"crds,omitempty"`

	// CreateNamespace creates the target namespace if it does not exist. The
	// namespace is not removed on uninstall.
	// +optional
	CreateNamespace bool `json:"createNamespace,omitempty"`
}

// InstallRemediation configures the handling of a failed install.
type InstallRemediation struct {
	// Retries is the number of retries after a failure, with an uninstall
	// between attempts. Defaults to 0; a negative number means unlimited.
	// +optional
	Retries int `json:"retries,omitempty"`

	// IgnoreTestFailures skips remediation when tests run after the install
	// fail. Defaults to spec.test.ignoreFailures.
	// +optional
	IgnoreTestFailures *bool `json:"ignoreTestFailures,omitempty"`

	// RemediateLastFailure remediates (uninstalls) the last failure once no
	// retries remain. Defaults to false.
	// +optional
	RemediateLastFailure *bool `json:"remediateLastFailure,omitempty"`
}

// Upgrade configures the Helm upgrade action.
type Upgrade struct {
	// Timeout for each Kubernetes operation (such as hook Jobs) of the
	// upgrade. Defaults to spec.timeout.
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:Pattern="^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$"
	// +optional
	Timeout *metav1.Duration `json:"timeout,omitempty"`

	// Remediation configures what happens when the upgrade fails. By default
	// nothing is done.
	// +optional
	Remediation *UpgradeRemediation `json:"remediation,omitempty"`

	// DisableWait skips waiting for the upgraded objects to become ready.
	// +optional
	DisableWait bool `json:"disableWait,omitempty"`

	// DisableWaitForJobs skips waiting for Jobs of the release to complete.
	// +optional
	DisableWaitForJobs bool `json:"disableWaitForJobs,omitempty"`

	// DisableHooks prevents chart hooks from running during the upgrade.
	// +optional
	DisableHooks bool `json:"disableHooks,omitempty"`

	// DisableOpenAPIValidation skips validating the rendered manifests
	// against the OpenAPI schema of the cluster.
	// +optional
	DisableOpenAPIValidation bool `json:"disableOpenAPIValidation,omitempty"`

	// Force replaces objects instead of patching them.
	// +optional
	Force bool `json:"force,omitempty"`

	// PreserveValues reuses the values of the last release and merges the
	// values of the HelmRelease over them. This makes the HelmRelease
	// non-declarative.
	// +optional
	PreserveValues bool `json:"preserveValues,omitempty"`

	// CleanupOnFail deletes objects created by a failed upgrade.
	// +optional
	CleanupOnFail bool `json:"cleanupOnFail,omitempty"`

	// CRDs is the policy for the CRDs in the chart's crds/ directory during
	// upgrade: 'Skip', 'Create' or 'CreateReplace'. Defaults to 'Skip'.
	// +kubebuilder:validation:Enum=Skip;Create;CreateReplace
	// +optional
	CRDs CRDsPolicy `json:"crds,omitempty"`
}

// UpgradeRemediation configures the handling of a failed upgrade.
type UpgradeRemediation struct {
	// Retries is the number of retries after a failure, with the remediation
	// strategy applied between attempts. Defaults to 0; a negative number
	// means unlimited.
	// +optional
	Retries int `json:"retries,omitempty"`

	// IgnoreTestFailures skips remediation when tests run after the upgrade
	// fail. Defaults to spec.test.ignoreFailures.
	// +optional
	IgnoreTestFailures *bool `json:"ignoreTestFailures,omitempty"`

	// RemediateLastFailure remediates the last failure once no retries
	// remain. Defaults to true when Retries is greater than 0, else false.
	// +optional
	RemediateLastFailure *bool `json:"remediateLastFailure,omitempty"`

	// Strategy is the remediation action: 'rollback' or 'uninstall'.
	// Defaults to 'rollback'.
	// +kubebuilder:validation:Enum=rollback;uninstall
	// +optional
	Strategy *RemediationStrategy `json:"strategy,omitempty"`
}

// Test configures the Helm test action.
type Test struct {
	// Enable runs the chart's tests after a successful install or upgrade.
	// +optional
	Enable bool `json:"enable,omitempty"`

	// Timeout for each Kubernetes operation of the test action. Defaults to
	// spec.timeout.
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:Pattern="^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$"
	// +optional
	Timeout *metav1.Duration `json:"timeout,omitempty"`

	// IgnoreFailures keeps failed tests from triggering remediation and from
	// affecting readiness. Can be overridden per action in
	// install.remediation and upgrade.remediation.
	// +optional
	IgnoreFailures bool `json:"ignoreFailures,omitempty"`

	// Filters select tests to run or to exclude.
	// +optional
	Filters []Filter `json:"filters,omitempty"`
}

// Filter includes or excludes one test by name.
type Filter struct {
	// Name of the test.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +required
	Name string `json:"name"`

	// Exclude leaves the named test out instead of selecting it.
	// +optional
	Exclude bool `json:"exclude,omitempty"`
}

// Rollback configures the Helm rollback action used for upgrade remediation.
type Rollback struct {
	// Timeout for each Kubernetes operation (such as hook Jobs) of the
	// rollback. Defaults to spec.timeout.
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:Pattern="^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$"
	// +optional
	Timeout *metav1.Duration `json:"timeout,omitempty"`

	// DisableWait skips waiting for the objects to become ready after the rollback.
	// +optional
	DisableWait bool `json:"disableWait,omitempty"`

	// DisableWaitForJobs skips waiting for Jobs to complete after the rollback.
	// +optional
	DisableWaitForJobs bool `json:"disableWaitForJobs,omitempty"`

	// DisableHooks prevents chart hooks from running during the rollback.
	// +optional
	DisableHooks bool `json:"disableHooks,omitempty"`

	// Recreate restarts the pods of managed workloads where applicable.
	// +optional
	Recreate bool `json:"recreate,omitempty"`

	// Force replaces objects instead of patching them.
	// +optional
	Force bool `json:"force,omitempty"`

	// CleanupOnFail deletes objects created by a failed rollback.
	// +optional
	CleanupOnFail bool `json:"cleanupOnFail,omitempty"`
}

// Uninstall configures the Helm uninstall action.
type Uninstall struct {
	// Timeout for each Kubernetes operation (such as hook Jobs) of the
	// uninstall. Defaults to spec.timeout.
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:Pattern="^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$"
	// +optional
	Timeout *metav1.Duration `json:"timeout,omitempty"`

	// DisableHooks prevents chart hooks from running during the uninstall.
	// +optional
	DisableHooks bool `json:"disableHooks,omitempty"`

	// KeepHistory removes the objects of the release but keeps its history,
	// marking the release as uninstalled.
	// +optional
	KeepHistory bool `json:"keepHistory,omitempty"`

	// DisableWait skips waiting for the objects to be deleted.
	// +optional
	DisableWait bool `json:"disableWait,omitempty"`

	// DeletionPropagation is the propagation policy used to delete the
	// objects: 'background', 'foreground' or 'orphan'.
	// +kubebuilder:default:=background
	// +kubebuilder:validation:Enum=background;foreground;orphan
	// +optional
	DeletionPropagation *string `json:"deletionPropagation,omitempty"`
}
