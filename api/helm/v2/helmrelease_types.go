/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package v2

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/fluxcd/pkg/apis/kustomize"
	"github.com/fluxcd/pkg/apis/meta"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

const (
	// HelmReleaseKind is the kind name of HelmRelease objects.
	HelmReleaseKind = "HelmRelease"

	// HelmReleaseFinalizer is added to a HelmRelease on first reconciliation
	// and removed once its release has been cleaned up on deletion.
	HelmReleaseFinalizer = "finalizers.fluxcd.io"

	// ResetRequestAnnotation, when set to the same token as
	// meta.ReconcileRequestAnnotation, resets the failure counters so a
	// stalled release is retried.
	ResetRequestAnnotation = "reconcile.fluxcd.io/resetAt"

	// DefaultMaxHistory is the number of Helm release revisions kept when
	// spec.maxHistory is not set.
	DefaultMaxHistory = 5

	// DefaultTimeout is the timeout of Helm actions when spec.timeout is not set.
	DefaultTimeout = 5 * time.Minute

	// MaxReleaseNameLength is the longest release name Helm accepts.
	MaxReleaseNameLength = 53
)

// HelmReleaseSpec is the desired state of a Helm release.
// +kubebuilder:validation:XValidation:rule="has(self.chart) != has(self.chartRef)",message="either chart or chartRef must be set"
type HelmReleaseSpec struct {
	// Chart is a template of the HelmChart the controller creates to fetch
	// the chart. Exactly one of Chart and ChartRef must be set.
	// +optional
	Chart *HelmChartTemplate `json:"chart,omitempty"`

	// ChartRef points at an existing source object (OCIRepository,
	// HelmChart or ExternalArtifact) whose artifact is the chart. Exactly
	// one of Chart and ChartRef must be set.
	// +optional
	ChartRef *CrossNamespaceSourceReference `json:"chartRef,omitempty"`

	// Interval at which the release is reconciled.
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:Pattern="^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$"
	// +required
	Interval metav1.Duration `json:"interval"`

	// KubeConfig makes the release target a remote cluster. Combined with
	// ServiceAccountName, that account is impersonated on the remote cluster.
	// +optional
	KubeConfig *meta.KubeConfigReference `json:"kubeConfig,omitempty"`

	// Suspend stops the reconciliation of this HelmRelease; reconciliations
	// already running are not affected. Defaults to false.
	// +optional
	Suspend bool `json:"suspend,omitempty"`

	// ReleaseName is the Helm release name. Defaults to
	// '[<targetNamespace>-]<name>'; the controller shortens a default name
	// longer than 53 characters with a hash suffix.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=53
	// +optional
	ReleaseName string `json:"releaseName,omitempty"`

	// TargetNamespace is the namespace the release is installed into.
	// Defaults to the namespace of the HelmRelease.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=63
	// +optional
	TargetNamespace string `json:"targetNamespace,omitempty"`

	// StorageNamespace is the namespace where Helm stores release
	// information. Defaults to the namespace of the HelmRelease.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=63
	// +optional
	StorageNamespace string `json:"storageNamespace,omitempty"`

	// DependsOn lists objects (by default HelmReleases) that must be ready
	// before this HelmRelease is reconciled.
	// +optional
	DependsOn []DependencyReference `json:"dependsOn,omitempty"`

	// Timeout for each Kubernetes operation (such as hook Jobs) of a Helm
	// action. Defaults to '5m0s'.
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:Pattern="^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$"
	// +optional
	Timeout *metav1.Duration `json:"timeout,omitempty"`

	// MaxHistory is the number of release revisions Helm keeps; 0 means
	// unlimited. Defaults to 5.
	// +optional
	MaxHistory *int `json:"maxHistory,omitempty"`

	// ServiceAccountName is the service account impersonated when
	// reconciling this HelmRelease.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +optional
	ServiceAccountName string `json:"serviceAccountName,omitempty"`

	// PersistentClient reuses one Kubernetes client for a whole
	// reconciliation instead of one per Helm action step. This is faster,
	// but charts creating CRDs outside Helm's CRD handling may then not see
	// them in later hooks. Defaults to true.
	// +optional
	PersistentClient *bool `json:"persistentClient,omitempty"`

	// DriftDetection configures detection (and correction) of differences
	// between the release manifest and the cluster.
	// +optional
	DriftDetection *DriftDetection `json:"driftDetection,omitempty"`

	// Install configures Helm install actions.
	// +optional
	Install *Install `json:"install,omitempty"`

	// Upgrade configures Helm upgrade actions.
	// +optional
	Upgrade *Upgrade `json:"upgrade,omitempty"`

	// Test configures Helm test actions.
	// +optional
	Test *Test `json:"test,omitempty"`

	// Rollback configures Helm rollback actions.
	// +optional
	Rollback *Rollback `json:"rollback,omitempty"`

	// Uninstall configures Helm uninstall actions.
	// +optional
	Uninstall *Uninstall `json:"uninstall,omitempty"`

	// ValuesFrom lists ConfigMap and Secret keys holding values, merged in
	// order before Values.
	// +optional
	ValuesFrom []ValuesReference `json:"valuesFrom,omitempty"`

	// Values are inline values for the release, merged over ValuesFrom.
	// +kubebuilder:pruning:PreserveUnknownFields
	// +optional
	Values *apiextensionsv1.JSON `json:"values,omitempty"`

	// PostRenderers are applied, in order, to the rendered manifests.
	// +optional
	PostRenderers []PostRenderer `json:"postRenderers,omitempty"`

	// CommonMetadata holds labels and annotations added to every object of
	// the release (through a post-renderer).
	// +optional
	CommonMetadata *CommonMetadata `json:"commonMetadata,omitempty"`

	// WaitStrategy selects how Helm waits for applied objects to become ready.
	// +optional
	WaitStrategy *WaitStrategy `json:"waitStrategy,omitempty"`

	// HealthCheckExprs are CEL health checks for custom resources of the
	// release. They apply only when the action waits and a kstatus based
	// wait strategy is in use.
	// +optional
	HealthCheckExprs []kustomize.CustomHealthCheck `json:"healthCheckExprs,omitempty"`
}

// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:storageversion
// +kubebuilder:resource:shortName=hr
// +kubebuilder:printcolumn:name="Age",type="date",JSONPath=".metadata.creationTimestamp"
// +kubebuilder:printcolumn:name="Ready",type="string",JSONPath=".status.conditions[?(@.type==\"Ready\")].status"
// +kubebuilder:printcolumn:name="Status",type="string",JSONPath=".status.conditions[?(@.type==\"Ready\")].message"

// HelmRelease declares a Helm release that the controller installs,
// upgrades, tests and keeps in sync with the cluster.
type HelmRelease struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec HelmReleaseSpec `json:"spec,omitempty"`
	// +kubebuilder:default:={"observedGeneration":-1}
	Status HelmReleaseStatus `json:"status,omitempty"`
}

// GetConditions returns the status conditions.
func (in *HelmRelease) GetConditions() []metav1.Condition {
	return in.Status.Conditions
}

// SetConditions replaces the status conditions.
func (in *HelmRelease) SetConditions(conditions []metav1.Condition) {
	in.Status.Conditions = conditions
}

// GetRequeueAfter returns spec.interval.
func (in *HelmRelease) GetRequeueAfter() time.Duration {
	return in.Spec.Interval.Duration
}

// GetDependsOn returns spec.dependsOn in the form used by the fluxcd/pkg
// dependency helpers. The apiVersion, kind and ready fields are not part of
// that form; callers that support dependencies other than HelmReleases must
// read Spec.DependsOn.
func (in *HelmRelease) GetDependsOn() []meta.DependencyReference {
	if len(in.Spec.DependsOn) == 0 {
		return nil
	}
	out := make([]meta.DependencyReference, 0, len(in.Spec.DependsOn))
	for _, d := range in.Spec.DependsOn {
		out = append(out, meta.DependencyReference{Name: d.Name, Namespace: d.Namespace, ReadyExpr: d.ReadyExpr})
	}
	return out
}

// GetLastHandledForceRequestStatus returns a pointer to
// status.lastHandledForceAt, for meta.ShouldHandleForceRequest.
func (in *HelmRelease) GetLastHandledForceRequestStatus() *string {
	return &in.Status.LastHandledForceAt
}

// GetLastHandledResetRequestStatus returns a pointer to status.lastHandledResetAt.
func (in *HelmRelease) GetLastHandledResetRequestStatus() *string {
	return &in.Status.LastHandledResetAt
}

// GetLastHandledReconcileRequest returns status.lastHandledReconcileAt.
func (in *HelmRelease) GetLastHandledReconcileRequest() string {
	return in.Status.GetLastHandledReconcileRequest()
}

// HasChartRef reports whether spec.chartRef is set.
func (in *HelmRelease) HasChartRef() bool {
	return in.Spec.ChartRef != nil
}

// HasChartTemplate reports whether spec.chart is set.
func (in *HelmRelease) HasChartTemplate() bool {
	return in.Spec.Chart != nil
}

// GetDriftDetection returns spec.driftDetection, or its zero value.
func (in *HelmRelease) GetDriftDetection() DriftDetection {
	if in.Spec.DriftDetection == nil {
		return DriftDetection{}
	}
	return *in.Spec.DriftDetection
}

// GetInstall returns spec.install, or its zero value.
func (in *HelmRelease) GetInstall() Install {
	if in.Spec.Install == nil {
		return Install{}
	}
	return *in.Spec.Install
}

// GetUpgrade returns spec.upgrade, or its zero value.
func (in *HelmRelease) GetUpgrade() Upgrade {
	if in.Spec.Upgrade == nil {
		return Upgrade{}
	}
	return *in.Spec.Upgrade
}

// GetTest returns spec.test, or its zero value.
func (in *HelmRelease) GetTest() Test {
	if in.Spec.Test == nil {
		return Test{}
	}
	return *in.Spec.Test
}

// GetRollback returns spec.rollback, or its zero value.
func (in *HelmRelease) GetRollback() Rollback {
	if in.Spec.Rollback == nil {
		return Rollback{}
	}
	return *in.Spec.Rollback
}

// GetUninstall returns spec.uninstall, or its zero value.
func (in *HelmRelease) GetUninstall() Uninstall {
	if in.Spec.Uninstall == nil {
		return Uninstall{}
	}
	return *in.Spec.Uninstall
}

// GetActiveRemediation returns the remediation configuration of the last
// attempted release action, or nil when no action was attempted yet.
func (in *HelmRelease) GetActiveRemediation() Remediation {
	switch in.Status.LastAttemptedReleaseAction {
	case ReleaseActionInstall:
		return in.GetInstall().GetRemediation()
	case ReleaseActionUpgrade:
		return in.GetUpgrade().GetRemediation()
	default:
		return nil
	}
}

// GetActiveStrategyName returns the failure strategy of the last attempted
// release action, or RemediateOnFailure.
func (in *HelmRelease) GetActiveStrategyName() ReleaseStrategyName {
	switch in.Status.LastAttemptedReleaseAction {
	case ReleaseActionInstall:
		return in.GetInstall().GetStrategyName()
	case ReleaseActionUpgrade:
		return in.GetUpgrade().GetStrategyName()
	default:
		return RemediateOnFailure
	}
}

// GetValues decodes spec.values into a map; it returns nil when unset or not an object.
func (in *HelmRelease) GetValues() map[string]any {
	if in.Spec.Values == nil || len(in.Spec.Values.Raw) == 0 {
		return nil
	}
	var values map[string]any
	if err := json.Unmarshal(in.Spec.Values.Raw, &values); err != nil {
		return nil
	}
	return values
}

// GetReleaseName returns spec.releaseName, or '[<targetNamespace>-]<name>'.
// The default may exceed MaxReleaseNameLength; the controller shortens it.
func (in *HelmRelease) GetReleaseName() string {
	if in.Spec.ReleaseName != "" {
		return in.Spec.ReleaseName
	}
	if in.Spec.TargetNamespace != "" {
		return in.Spec.TargetNamespace + "-" + in.Name
	}
	return in.Name
}

// GetReleaseNamespace returns spec.targetNamespace, or the object's namespace.
func (in *HelmRelease) GetReleaseNamespace() string {
	if in.Spec.TargetNamespace != "" {
		return in.Spec.TargetNamespace
	}
	return in.Namespace
}

// GetStorageNamespace returns spec.storageNamespace, or the object's namespace.
func (in *HelmRelease) GetStorageNamespace() string {
	if in.Spec.StorageNamespace != "" {
		return in.Spec.StorageNamespace
	}
	return in.Namespace
}

// GetHelmChartName returns the name of the HelmChart generated from
// spec.chart: '<namespace>-<name>'.
func (in *HelmRelease) GetHelmChartName() string {
	return strings.Join([]string{in.Namespace, in.Name}, "-")
}

// GetTimeout returns spec.timeout, or DefaultTimeout.
func (in *HelmRelease) GetTimeout() metav1.Duration {
	if in.Spec.Timeout == nil {
		return metav1.Duration{Duration: DefaultTimeout}
	}
	return *in.Spec.Timeout
}

// GetMaxHistory returns spec.maxHistory, or DefaultMaxHistory.
func (in *HelmRelease) GetMaxHistory() int {
	if in.Spec.MaxHistory == nil {
		return DefaultMaxHistory
	}
	return *in.Spec.MaxHistory
}

// UsePersistentClient returns spec.persistentClient, or true.
func (in *HelmRelease) UsePersistentClient() bool {
	return in.Spec.PersistentClient == nil || *in.Spec.PersistentClient
}

// +kubebuilder:object:root=true

// HelmReleaseList is a list of HelmRelease objects.
type HelmReleaseList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []HelmRelease `json:"items"`
}

func init() {
	SchemeBuilder.Register(&HelmRelease{}, &HelmReleaseList{})
}
