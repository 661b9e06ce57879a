/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package v2

import (
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// DefaultRetryInterval is the time between two attempts of the RetryOnFailure
// strategy when no retryInterval is set.
const DefaultRetryInterval = 5 * time.Minute

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

// ReleaseStrategyName selects how failures of an install or upgrade are handled.
type ReleaseStrategyName string

const (
	// RemediateOnFailure applies the remediation configuration of the
	// action (retries, rollback or uninstall). This is the default.
	RemediateOnFailure ReleaseStrategyName = "RemediateOnFailure"

	// RetryOnFailure retries the failed action (as an upgrade) after
	// retryInterval, indefinitely and without remediation.
	RetryOnFailure ReleaseStrategyName = "RetryOnFailure"
)

// ServerSideApplyMode selects whether an upgrade or rollback uses server-side apply.
type ServerSideApplyMode string

const (
	// ServerSideApplyEnabled always uses server-side apply.
	ServerSideApplyEnabled ServerSideApplyMode = "enabled"

	// ServerSideApplyDisabled always uses client-side (three-way merge) apply.
	ServerSideApplyDisabled ServerSideApplyMode = "disabled"

	// ServerSideApplyAuto uses whatever the previous release used. This is the default.
	ServerSideApplyAuto ServerSideApplyMode = "auto"
)

// DeletionPropagation values accepted by Uninstall.DeletionPropagation.
const (
	DeletionPropagationBackground = "background"
	DeletionPropagationForeground = "foreground"
	DeletionPropagationOrphan     = "orphan"
)

// Remediation is implemented by InstallRemediation and UpgradeRemediation so
// the controller can handle both the same way.
// +kubebuilder:object:generate=false
type Remediation interface {
	// GetRetries returns the configured number of retries (negative means unlimited).
	GetRetries() int
	// MustIgnoreTestFailures returns whether test failures are ignored,
	// given the default from spec.test.ignoreFailures.
	MustIgnoreTestFailures(bool) bool
	// MustRemediateLastFailure returns whether the last failure is remediated
	// once no retries remain.
	MustRemediateLastFailure() bool
	// GetStrategy returns the remediation action.
	GetStrategy() RemediationStrategy
	// GetFailureCount returns the failure counter this remediation uses.
	GetFailureCount(hr *HelmRelease) int64
	// IncrementFailureCount increments that counter.
	IncrementFailureCount(hr *HelmRelease)
	// RetriesExhausted reports whether no retries are left.
	RetriesExhausted(hr *HelmRelease) bool
}

// Strategy is implemented by InstallStrategy and UpgradeStrategy.
// +kubebuilder:object:generate=false
type Strategy interface {
	// GetRetryInterval returns the time between attempts of RetryOnFailure.
	GetRetryInterval() time.Duration
}

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

	// Strategy selects how install failures are handled. Defaults to
	// RemediateOnFailure.
	// +optional
	Strategy *InstallStrategy `json:"strategy,omitempty"`

	// DisableTakeOwnership stops the install from adopting objects that
	// already exist in the cluster. Defaults to false.
	// +optional
	DisableTakeOwnership bool `json:"disableTakeOwnership,omitempty"`

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

	// DisableSchemaValidation skips validating the values against the
	// chart's JSON schema.
	// +optional
	DisableSchemaValidation bool `json:"disableSchemaValidation,omitempty"`

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

	// ServerSideApply makes the install use server-side apply. Defaults to
	// true (false when the UseHelm3Defaults feature gate is on).
	// +optional
	ServerSideApply *bool `json:"serverSideApply,omitempty"`
}

// GetTimeout returns the install timeout, or the given fallback.
func (in Install) GetTimeout(fallback metav1.Duration) metav1.Duration {
	if in.Timeout == nil {
		return fallback
	}
	return *in.Timeout
}

// GetRemediation returns the install remediation configuration (zero value if unset).
func (in Install) GetRemediation() Remediation {
	if in.Remediation == nil {
		return InstallRemediation{}
	}
	return *in.Remediation
}

// GetStrategyName returns the configured install strategy, or RemediateOnFailure.
func (in Install) GetStrategyName() ReleaseStrategyName {
	if in.Strategy == nil || in.Strategy.Name == "" {
		return RemediateOnFailure
	}
	return in.Strategy.Name
}

// InstallStrategy selects how failures of the install action are handled.
// +kubebuilder:validation:XValidation:rule="!has(self.retryInterval) || self.name == 'RetryOnFailure'",message=".retryInterval can only be set when .name is 'RetryOnFailure'"
type InstallStrategy struct {
	// Name of the strategy.
	// +kubebuilder:validation:Enum=RemediateOnFailure;RetryOnFailure
	// +required
	Name ReleaseStrategyName `json:"name"`

	// RetryInterval is the time between retries of a failed install; only
	// valid with RetryOnFailure. Defaults to 5m.
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:Pattern="^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$"
	// +optional
	RetryInterval *metav1.Duration `json:"retryInterval,omitempty"`
}

// GetRetryInterval returns the retry interval, or DefaultRetryInterval.
func (in InstallStrategy) GetRetryInterval() time.Duration {
	if in.RetryInterval == nil {
		return DefaultRetryInterval
	}
	return in.RetryInterval.Duration
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

// GetRetries returns the number of retries.
func (in InstallRemediation) GetRetries() int { return in.Retries }

// MustIgnoreTestFailures returns IgnoreTestFailures, or def when unset.
func (in InstallRemediation) MustIgnoreTestFailures(def bool) bool {
	if in.IgnoreTestFailures == nil {
		return def
	}
	return *in.IgnoreTestFailures
}

// MustRemediateLastFailure returns RemediateLastFailure, or false when unset.
func (in InstallRemediation) MustRemediateLastFailure() bool {
	return in.RemediateLastFailure != nil && *in.RemediateLastFailure
}

// GetStrategy returns the remediation action for installs, which is always uninstall.
func (in InstallRemediation) GetStrategy() RemediationStrategy {
	return UninstallRemediationStrategy
}

// GetFailureCount returns status.installFailures.
func (in InstallRemediation) GetFailureCount(hr *HelmRelease) int64 {
	return hr.Status.InstallFailures
}

// IncrementFailureCount increments status.installFailures.
func (in InstallRemediation) IncrementFailureCount(hr *HelmRelease) {
	hr.Status.InstallFailures++
}

// RetriesExhausted reports whether the install failures exceed the retries.
func (in InstallRemediation) RetriesExhausted(hr *HelmRelease) bool {
	return in.Retries >= 0 && in.GetFailureCount(hr) > int64(in.Retries)
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

	// Strategy selects how upgrade failures are handled. Defaults to
	// RemediateOnFailure.
	// +optional
	Strategy *UpgradeStrategy `json:"strategy,omitempty"`

	// DisableTakeOwnership stops the upgrade from adopting objects that
	// already exist in the cluster. Defaults to false.
	// +optional
	DisableTakeOwnership bool `json:"disableTakeOwnership,omitempty"`

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

	// DisableSchemaValidation skips validating the values against the
	// chart's JSON schema.
	// +optional
	DisableSchemaValidation bool `json:"disableSchemaValidation,omitempty"`

	// Force replaces objects instead of patching them, avoiding three-way
	// merge conflicts of client-side apply. Ignored with server-side apply.
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

	// ServerSideApply selects server-side apply for the upgrade: 'enabled',
	// 'disabled' or 'auto' (same as the previous release). Defaults to 'auto'.
	// +kubebuilder:validation:Enum=enabled;disabled;auto
	// +optional
	ServerSideApply ServerSideApplyMode `json:"serverSideApply,omitempty"`
}

// GetTimeout returns the upgrade timeout, or the given fallback.
func (in Upgrade) GetTimeout(fallback metav1.Duration) metav1.Duration {
	if in.Timeout == nil {
		return fallback
	}
	return *in.Timeout
}

// GetRemediation returns the upgrade remediation configuration (zero value if unset).
func (in Upgrade) GetRemediation() Remediation {
	if in.Remediation == nil {
		return UpgradeRemediation{}
	}
	return *in.Remediation
}

// GetStrategyName returns the configured upgrade strategy, or RemediateOnFailure.
func (in Upgrade) GetStrategyName() ReleaseStrategyName {
	if in.Strategy == nil || in.Strategy.Name == "" {
		return RemediateOnFailure
	}
	return in.Strategy.Name
}

// GetServerSideApply returns the server-side apply mode, or ServerSideApplyAuto.
func (in Upgrade) GetServerSideApply() ServerSideApplyMode {
	if in.ServerSideApply == "" {
		return ServerSideApplyAuto
	}
	return in.ServerSideApply
}

// UpgradeStrategy selects how failures of the upgrade action are handled.
// +kubebuilder:validation:XValidation:rule="!has(self.retryInterval) || self.name == 'RetryOnFailure'",message=".retryInterval can only be set when .name is 'RetryOnFailure'"
type UpgradeStrategy struct {
	// Name of the strategy.
	// +kubebuilder:validation:Enum=RemediateOnFailure;RetryOnFailure
	// +required
	Name ReleaseStrategyName `json:"name"`

	// RetryInterval is the time between retries of a failed upgrade; only
	// valid with RetryOnFailure. Defaults to 5m.
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:Pattern="^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$"
	// +optional
	RetryInterval *metav1.Duration `json:"retryInterval,omitempty"`
}

// GetRetryInterval returns the retry interval, or DefaultRetryInterval.
func (in UpgradeStrategy) GetRetryInterval() time.Duration {
	if in.RetryInterval == nil {
		return DefaultRetryInterval
	}
	return in.RetryInterval.Duration
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

// GetRetries returns the number of retries.
func (in UpgradeRemediation) GetRetries() int { return in.Retries }

// MustIgnoreTestFailures returns IgnoreTestFailures, or def when unset.
func (in UpgradeRemediation) MustIgnoreTestFailures(def bool) bool {
	if in.IgnoreTestFailures == nil {
		return def
	}
	return *in.IgnoreTestFailures
}

// MustRemediateLastFailure returns RemediateLastFailure, or whether Retries
// is greater than 0 when unset.
func (in UpgradeRemediation) MustRemediateLastFailure() bool {
	if in.RemediateLastFailure == nil {
		return in.Retries > 0
	}
	return *in.RemediateLastFailure
}

// GetStrategy returns the remediation action, or rollback when unset.
func (in UpgradeRemediation) GetStrategy() RemediationStrategy {
	if in.Strategy == nil {
		return RollbackRemediationStrategy
	}
	return *in.Strategy
}

// GetFailureCount returns status.upgradeFailures.
func (in UpgradeRemediation) GetFailureCount(hr *HelmRelease) int64 {
	return hr.Status.UpgradeFailures
}

// IncrementFailureCount increments status.upgradeFailures.
func (in UpgradeRemediation) IncrementFailureCount(hr *HelmRelease) {
	hr.Status.UpgradeFailures++
}

// RetriesExhausted reports whether the upgrade failures exceed the retries.
func (in UpgradeRemediation) RetriesExhausted(hr *HelmRelease) bool {
	return in.Retries >= 0 && in.GetFailureCount(hr) > int64(in.Retries)
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

// GetTimeout returns the test timeout, or the given fallback.
func (in Test) GetTimeout(fallback metav1.Duration) metav1.Duration {
	if in.Timeout == nil {
		return fallback
	}
	return *in.Timeout
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

	// Recreate restarted the pods of managed workloads.
	//
	// Deprecated: it has no effect with the Helm 4 SDK and only causes a
	// warning when true.
	// +optional
	Recreate bool `json:"recreate,omitempty"`

	// Force replaces objects instead of patching them, avoiding three-way
	// merge conflicts of client-side apply. Ignored with server-side apply.
	// +optional
	Force bool `json:"force,omitempty"`

	// CleanupOnFail deletes objects created by a failed rollback.
	// +optional
	CleanupOnFail bool `json:"cleanupOnFail,omitempty"`

	// ServerSideApply selects server-side apply for the rollback: 'enabled',
	// 'disabled' or 'auto' (same as the release rolled back to). Defaults to 'auto'.
	// +kubebuilder:validation:Enum=enabled;disabled;auto
	// +optional
	ServerSideApply ServerSideApplyMode `json:"serverSideApply,omitempty"`
}

// GetTimeout returns the rollback timeout, or the given fallback.
func (in Rollback) GetTimeout(fallback metav1.Duration) metav1.Duration {
	if in.Timeout == nil {
		return fallback
	}
	return *in.Timeout
}

// GetServerSideApply returns the server-side apply mode, or ServerSideApplyAuto.
func (in Rollback) GetServerSideApply() ServerSideApplyMode {
	if in.ServerSideApply == "" {
		return ServerSideApplyAuto
	}
	return in.ServerSideApply
}

// Uninstall configures the Helm uninstall action, used for install remediation,
// upgrade remediation with the uninstall strategy, and deletion.
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

// GetTimeout returns the uninstall timeout, or the given fallback.
func (in Uninstall) GetTimeout(fallback metav1.Duration) metav1.Duration {
	if in.Timeout == nil {
		return fallback
	}
	return *in.Timeout
}

// GetDeletionPropagation returns the deletion propagation policy, or 'background'.
func (in Uninstall) GetDeletionPropagation() string {
	if in.DeletionPropagation == nil {
		return DeletionPropagationBackground
	}
	return *in.DeletionPropagation
}
