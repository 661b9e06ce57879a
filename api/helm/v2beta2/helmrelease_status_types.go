/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package v2beta2

import (
	"github.com/fluxcd/pkg/apis/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// ReleaseAction is a Helm action that produces a release.
type ReleaseAction string

const (
	// ReleaseActionInstall is a Helm install.
	ReleaseActionInstall ReleaseAction = "install"
	// ReleaseActionUpgrade is a Helm upgrade.
	ReleaseActionUpgrade ReleaseAction = "upgrade"
)

// HelmReleaseStatus is the observed state of a HelmRelease.
type HelmReleaseStatus struct {
	// ObservedGeneration is the last generation that was reconciled to a
	// ready or stalled state.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// ObservedPostRenderersDigest is the digest of spec.postRenderers used
	// by the last successful release.
	// +optional
	ObservedPostRenderersDigest string `json:"observedPostRenderersDigest,omitempty"`

	// LastAttemptedGeneration is the last generation the controller tried to reconcile.
	// +optional
	LastAttemptedGeneration int64 `json:"lastAttemptedGeneration,omitempty"`

	// Conditions describe the current state of the HelmRelease.
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty"`

	// HelmChart is the '<namespace>/<name>' of the HelmChart the controller
	// created from spec.chart.
	// +optional
	HelmChart string `json:"helmChart,omitempty"`

	// StorageNamespace is the namespace of the Helm storage of the current release.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=63
	// +optional
	StorageNamespace string `json:"storageNamespace,omitempty"`

	// History lists the releases made by the controller, newest first, back
	// to the last successful one.
	// +optional
	History Snapshots `json:"history,omitempty"`

	// LastAttemptedReleaseAction is the last release action tried; it decides
	// which remediation configuration is active.
	// +kubebuilder:validation:Enum=install;upgrade
	// +optional
	LastAttemptedReleaseAction ReleaseAction `json:"lastAttemptedReleaseAction,omitempty"`

	// Failures counts reconciliation failures for the current desired state;
	// reset after success.
	// +optional
	Failures int64 `json:"failures,omitempty"`

	// InstallFailures counts install failures for the current desired state;
	// reset after success.
	// +optional
	InstallFailures int64 `json:"installFailures,omitempty"`

	// UpgradeFailures counts upgrade failures for the current desired state;
	// reset after success.
	// +optional
	UpgradeFailures int64 `json:"upgradeFailures,omitempty"`

	// LastAppliedRevision is the source revision of the last successful release.
	//
	// Deprecated: the revision is recorded in History.
	// +optional
	LastAppliedRevision string `json:"lastAppliedRevision,omitempty"`

	// LastAttemptedRevision is the chart version of the last attempt. For
	// OCIRepository sources the first 12 characters of the artifact digest
	// are appended, e.g. '1.2.3+1234567890ab'.
	// +optional
	LastAttemptedRevision string `json:"lastAttemptedRevision,omitempty"`

	// LastAttemptedRevisionDigest is the artifact digest of the last attempt;
	// only set for OCIRepository sources.
	// +optional
	LastAttemptedRevisionDigest string `json:"lastAttemptedRevisionDigest,omitempty"`

	// LastAttemptedValuesChecksum is the SHA1 checksum of the values of the last attempt.
	//
	// Deprecated: use LastAttemptedConfigDigest.
	// +optional
	LastAttemptedValuesChecksum string `json:"lastAttemptedValuesChecksum,omitempty"`

	// LastReleaseRevision is the revision of the last successful Helm release.
	//
	// Deprecated: use History.
	// +optional
	LastReleaseRevision int `json:"lastReleaseRevision,omitempty"`

	// LastAttemptedConfigDigest is the digest of the values of the last attempt.
	// +optional
	LastAttemptedConfigDigest string `json:"lastAttemptedConfigDigest,omitempty"`

	// LastHandledForceAt is the last reconcile.fluxcd.io/forceAt annotation
	// value acted upon.
	// +optional
	LastHandledForceAt string `json:"lastHandledForceAt,omitempty"`

	// LastHandledResetAt is the last reconcile.fluxcd.io/resetAt annotation
	// value acted upon.
	// +optional
	LastHandledResetAt string `json:"lastHandledResetAt,omitempty"`

	meta.ReconcileRequestStatus `json:",inline"`
}

// Snapshots is a release history.
type Snapshots []*Snapshot

// Snapshot records the state of one Helm release as handled by the controller.
type Snapshot struct {
	// APIVersion identifies how Digest was computed, so the computation can
	// change later.
	// +optional
	APIVersion string `json:"apiVersion,omitempty"`

	// Digest is the '<algo>:<checksum>' of the release object in storage.
	// +required
	Digest string `json:"digest"`

	// Name of the release.
	// +required
	Name string `json:"name"`

	// Namespace the release is deployed to.
	// +required
	Namespace string `json:"namespace"`

	// Version of the release object in storage.
	// +required
	Version int `json:"version"`

	// Status of the release, as reported by Helm (e.g. deployed, failed).
	// +required
	Status string `json:"status"`

	// ChartName is the name of the chart of the release.
	// +required
	ChartName string `json:"chartName"`

	// ChartVersion is the version of the chart of the release.
	// +required
	ChartVersion string `json:"chartVersion"`

	// AppVersion is the app version of the chart of the release.
	// +optional
	AppVersion string `json:"appVersion,omitempty"`

	// ConfigDigest is the '<algo>:<checksum>' of the values of the release.
	// +required
	ConfigDigest string `json:"configDigest"`

	// FirstDeployed is when the release was first deployed.
	// +required
	FirstDeployed metav1.Time `json:"firstDeployed"`

	// LastDeployed is when the release was last deployed.
	// +required
	LastDeployed metav1.Time `json:"lastDeployed"`

	// Deleted is when the release was deleted.
	// +optional
	Deleted metav1.Time `json:"deleted,omitempty"`

	// TestHooks are the test hooks of the release as observed by the
	// controller, by name. An empty map means the release was tested and has
	// no tests; nil means it was not tested.
	// +optional
	TestHooks *map[string]*TestHookStatus `json:"testHooks,omitempty"`

	// OCIDigest is the digest of the OCI artifact the chart came from.
	// +optional
	OCIDigest string `json:"ociDigest,omitempty"`
}

// TestHookStatus is the observed state of one test hook.
type TestHookStatus struct {
	// LastStarted is when the hook last started.
	// +optional
	LastStarted metav1.Time `json:"lastStarted,omitempty"`

	// LastCompleted is when the hook last completed.
	// +optional
	LastCompleted metav1.Time `json:"lastCompleted,omitempty"`

	// Phase of the hook (e.g. Succeeded, Failed).
	// +optional
	Phase string `json:"phase,omitempty"`
}
