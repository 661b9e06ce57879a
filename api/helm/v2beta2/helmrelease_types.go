/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package v2beta2

import (
	"time"

	"github.com/fluxcd/pkg/apis/meta"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// HelmReleaseKind is the kind name of HelmRelease objects.
const HelmReleaseKind = "HelmRelease"

// HelmReleaseSpec is the desired state of a Helm release.
// +kubebuilder:validation:XValidation:rule="has(self.chart) != has(self.chartRef)",message="either chart or chartRef must be set"
type HelmReleaseSpec struct {
	// Chart is a template of the HelmChart the controller creates to fetch
	// the chart. Exactly one of Chart and ChartRef must be set.
	// +optional
	Chart *HelmChartTemplate `json:"chart,omitempty"`

	// ChartRef points at an existing OCIRepository or HelmChart whose
	// artifact is the chart. Exactly one of Chart and ChartRef must be set.
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
	// '[<targetNamespace>-]<name>'.
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

	// DependsOn lists HelmReleases that must be ready before this one is reconciled.
	// +optional
	DependsOn []meta.NamespacedObjectReference `json:"dependsOn,omitempty"`

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
	// reconciliation instead of one per Helm action step. Defaults to true.
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
}

// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=hr
// +kubebuilder:deprecatedversion:warning="helm.toolkit.fluxcd.io/v2beta2 HelmRelease is deprecated, upgrade to v2"
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

// GetDependsOn returns spec.dependsOn.
func (in *HelmRelease) GetDependsOn() []meta.NamespacedObjectReference {
	return in.Spec.DependsOn
}

// HasChartRef reports whether spec.chartRef is set.
func (in *HelmRelease) HasChartRef() bool {
	return in.Spec.ChartRef != nil
}

// HasChartTemplate reports whether spec.chart is set.
func (in *HelmRelease) HasChartTemplate() bool {
	return in.Spec.Chart != nil
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
