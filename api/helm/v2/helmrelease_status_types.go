/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package v2

import (
	"fmt"
	"sort"
	"strings"

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

// Release statuses and test phases recorded in a Snapshot (as reported by Helm).
const (
	// SnapshotStatusDeployed marks the release currently deployed.
	SnapshotStatusDeployed = "deployed"
	// SnapshotStatusSuperseded marks a release replaced by a newer one.
	SnapshotStatusSuperseded = "superseded"
	// SnapshotStatusFailed marks a release whose action failed.
	SnapshotStatusFailed = "failed"
	// TestHookPhaseFailed is the phase of a test hook that failed.
	TestHookPhaseFailed = "Failed"
	// TestHookPhaseSucceeded is the phase of a test hook that passed.
	TestHookPhaseSucceeded = "Succeeded"
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

	// ObservedCommonMetadataDigest is the digest of spec.commonMetadata used
	// by the last successful release.
	// +optional
	ObservedCommonMetadataDigest string `json:"observedCommonMetadataDigest,omitempty"`

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
	// which retry or remediation configuration is active.
	// +kubebuilder:validation:Enum=install;upgrade
	// +optional
	LastAttemptedReleaseAction ReleaseAction `json:"lastAttemptedReleaseAction,omitempty"`

	// LastAttemptedReleaseActionDuration is how long the last release action took.
	// +optional
	LastAttemptedReleaseActionDuration *metav1.Duration `json:"lastAttemptedReleaseActionDuration,omitempty"`

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

	// Inventory lists the objects applied by the current release (chart CRDs
	// included, hooks excluded).
	// +optional
	Inventory *ResourceInventory `json:"inventory,omitempty"`

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

// ClearHistory empties the release history.
func (in *HelmReleaseStatus) ClearHistory() {
	in.History = nil
}

// ClearFailures resets all failure counters.
func (in *HelmReleaseStatus) ClearFailures() {
	in.Failures = 0
	in.InstallFailures = 0
	in.UpgradeFailures = 0
}

// GetHelmChart splits HelmChart into namespace and name; both are empty when
// it is unset or malformed.
func (in HelmReleaseStatus) GetHelmChart() (namespace, name string) {
	ns, n, ok := strings.Cut(in.HelmChart, "/")
	if !ok {
		return "", ""
	}
	return ns, n
}

// GetLastAttemptedRevision returns LastAttemptedRevision.
func (in *HelmReleaseStatus) GetLastAttemptedRevision() string {
	return in.LastAttemptedRevision
}

// ResourceInventory lists Kubernetes objects applied by a release.
type ResourceInventory struct {
	// Entries are the object references.
	// +required
	Entries []ResourceRef `json:"entries"`
}

// ResourceRef identifies one object of an inventory.
type ResourceRef struct {
	// ID is '<namespace>_<name>_<group>_<kind>' of the object.
	// +required
	ID string `json:"id"`

	// Version is the API version of the object's kind.
	// +required
	Version string `json:"v"`
}

// Snapshots is a release history.
type Snapshots []*Snapshot

// Len returns the number of snapshots.
func (in Snapshots) Len() int {
	return len(in)
}

// SortByVersion orders the snapshots by release version, newest first.
func (in Snapshots) SortByVersion() {
	sort.SliceStable(in, func(i, j int) bool {
		return in[i].Version > in[j].Version
	})
}

// Latest returns the snapshot with the highest version, or nil.
func (in Snapshots) Latest() *Snapshot {
	if len(in) == 0 {
		return nil
	}
	in.SortByVersion()
	return in[0]
}

// Previous returns the newest snapshot older than Latest whose status is
// deployed or superseded, skipping snapshots with a failed test unless
// ignoreTests is true. It returns nil when there is none.
func (in Snapshots) Previous(ignoreTests bool) *Snapshot {
	if len(in) < 2 {
		return nil
	}
	in.SortByVersion()
	for _, s := range in[1:] {
		if s.isRollbackTarget(ignoreTests) {
			return s
		}
	}
	return nil
}

// Truncate drops every snapshot older than the Previous one. Without such a
// snapshot, it keeps at most the newest DefaultMaxHistory snapshots.
func (in *Snapshots) Truncate(ignoreTests bool) {
	if in.Len() < 2 {
		return
	}
	in.SortByVersion()
	for i, s := range (*in)[1:] {
		if s.isRollbackTarget(ignoreTests) {
			*in = (*in)[:i+2]
			return
		}
	}
	if in.Len() > DefaultMaxHistory {
		*in = (*in)[:DefaultMaxHistory]
	}
}

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

	// Action that created this snapshot (install, upgrade, rollback, ...).
	// +optional
	Action string `json:"action,omitempty"`

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

// FullReleaseName returns '<namespace>/<name>.v<version>'.
func (in *Snapshot) FullReleaseName() string {
	if in == nil {
		return ""
	}
	return fmt.Sprintf("%s/%s.v%d", in.Namespace, in.Name, in.Version)
}

// VersionedChartName returns '<chart name>@<chart version>'.
func (in *Snapshot) VersionedChartName() string {
	if in == nil {
		return ""
	}
	return in.ChartName + "@" + in.ChartVersion
}

// HasBeenTested reports whether tests were run (TestHooks is non-nil, possibly empty).
func (in *Snapshot) HasBeenTested() bool {
	return in != nil && in.TestHooks != nil
}

// GetTestHooks returns the test hooks, or nil.
func (in *Snapshot) GetTestHooks() map[string]*TestHookStatus {
	if in == nil || in.TestHooks == nil {
		return nil
	}
	return *in.TestHooks
}

// SetTestHooks records the test hooks; a nil map is ignored.
func (in *Snapshot) SetTestHooks(hooks map[string]*TestHookStatus) {
	if in == nil || hooks == nil {
		return
	}
	in.TestHooks = &hooks
}

// HasTestInPhase reports whether a test hook is in the given phase.
func (in *Snapshot) HasTestInPhase(phase string) bool {
	for _, h := range in.GetTestHooks() {
		if h != nil && h.Phase == phase {
			return true
		}
	}
	return false
}

// Targets reports whether the snapshot is of the given release name, namespace and version.
func (in *Snapshot) Targets(name, namespace string, version int) bool {
	return in != nil && in.Name == name && in.Namespace == namespace && in.Version == version
}

func (in *Snapshot) isRollbackTarget(ignoreTests bool) bool {
	if in.Status != SnapshotStatusDeployed && in.Status != SnapshotStatusSuperseded {
		return false
	}
	return ignoreTests || !in.HasTestInPhase(TestHookPhaseFailed)
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
