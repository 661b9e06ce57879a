/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package v1beta2

import (
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/fluxcd/pkg/apis/meta"
)

const (
	// HelmChartKind is the kind name of HelmChart objects.
	HelmChartKind = "HelmChart"

	// ReconcileStrategyChartVersion makes a new Artifact only when the
	// chart version changes.
	ReconcileStrategyChartVersion string = "ChartVersion"

	// ReconcileStrategyRevision makes a new Artifact whenever the revision
	// of the source changes.
	ReconcileStrategyRevision string = "Revision"
)

// HelmChartSpec is the desired state of a HelmChart in the deprecated
// v1beta2 schema.
type HelmChartSpec struct {
	// Chart is the name of the chart in a HelmRepository, or its path in a
	// GitRepository or Bucket.
	// +required
	Chart string `json:"chart"`

	// Version is a semantic version range selecting the chart version.
	// Ignored for charts from GitRepository and Bucket sources. Defaults to
	// the latest version.
	// +kubebuilder:default:=*
	// +optional
	Version string `json:"version,omitempty"`

	// SourceRef is the source holding the chart, in the same namespace.
	// +required
	SourceRef LocalHelmChartSourceReference `json:"sourceRef"`

	// Interval is how often the source is checked for a new chart.
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:Pattern="^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$"
	// +required
	Interval metav1.Duration `json:"interval"`

	// ReconcileStrategy decides what triggers a new Artifact: 'ChartVersion'
	// (default) or 'Revision' of the source.
	// +kubebuilder:validation:Enum=ChartVersion;Revision
	// +kubebuilder:default:=ChartVersion
	// +optional
	ReconcileStrategy string `json:"reconcileStrategy,omitempty"`

	// ValuesFiles lists values files, relative to the source root, merged in
	// order (later files win) to become the chart's default values.
	// +optional
	ValuesFiles []string `json:"valuesFiles,omitempty"`

	// ValuesFile is a single values file merged before ValuesFiles.
	// Deprecated: use ValuesFiles.
	// +optional
	ValuesFile string `json:"valuesFile,omitempty"`

	// IgnoreMissingValuesFiles skips values files that do not exist instead
	// of failing.
	// +optional
	IgnoreMissingValuesFiles bool `json:"ignoreMissingValuesFiles,omitempty"`

	// Suspend stops the reconciliation of this HelmChart while true.
	// +optional
	Suspend bool `json:"suspend,omitempty"`

	// AccessFrom is a provisional access control list for cross-namespace
	// references; Flux accepts but does not enforce it.
	// +optional
	AccessFrom *AccessFrom `json:"accessFrom,omitempty"`

	// Verify configures the signature verification of the chart. Only
	// supported for charts from a HelmRepository of type 'oci'.
	// +optional
	Verify *OCIRepositoryVerification `json:"verify,omitempty"`
}

// LocalHelmChartSourceReference names the source of a chart in the same
// namespace.
type LocalHelmChartSourceReference struct {
	// APIVersion of the source.
	// +optional
	APIVersion string `json:"apiVersion,omitempty"`

	// Kind of the source: HelmRepository, GitRepository or Bucket.
	// +kubebuilder:validation:Enum=HelmRepository;GitRepository;Bucket
	// +required
	Kind string `json:"kind"`

	// Name of the source.
	// +required
	Name string `json:"name"`
}

// HelmChartStatus is the observed state of a HelmChart.
type HelmChartStatus struct {
	// ObservedGeneration is the last generation of the object the controller
	// has acted on.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// ObservedSourceArtifactRevision is the revision of the source Artifact
	// last observed.
	// +optional
	ObservedSourceArtifactRevision string `json:"observedSourceArtifactRevision,omitempty"`

	// ObservedChartName is the chart name last resolved from the chart
	// reference.
	// +optional
	ObservedChartName string `json:"observedChartName,omitempty"`

	// ObservedValuesFiles are the values files used by the last successful
	// reconciliation.
	// +optional
	ObservedValuesFiles []string `json:"observedValuesFiles,omitempty"`

	// Conditions holds the conditions of the HelmChart.
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty"`

	// URL is the download address of the latest Artifact (best effort; use
	// the Artifact for precise data).
	// +optional
	URL string `json:"url,omitempty"`

	// Artifact is the output of the last successful reconciliation.
	// +optional
	Artifact *meta.Artifact `json:"artifact,omitempty"`

	meta.ReconcileRequestStatus `json:",inline"`
}

// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:deprecatedversion:warning="source.toolkit.fluxcd.io/v1beta2 HelmChart is deprecated, upgrade to v1"
// +kubebuilder:resource:shortName=hc;helmchart,categories=all;fluxcd;fluxcd-sources
// +kubebuilder:printcolumn:name="Chart",type=string,JSONPath=`.spec.chart`
// +kubebuilder:printcolumn:name="Version",type=string,JSONPath=`.spec.version`
// +kubebuilder:printcolumn:name="Source Kind",type=string,JSONPath=`.spec.sourceRef.kind`
// +kubebuilder:printcolumn:name="Source Name",type=string,JSONPath=`.spec.sourceRef.name`
// +kubebuilder:printcolumn:name="Age",type="date",JSONPath=".metadata.creationTimestamp"
// +kubebuilder:printcolumn:name="Ready",type="string",JSONPath=".status.conditions[?(@.type==\"Ready\")].status"
// +kubebuilder:printcolumn:name="Status",type="string",JSONPath=".status.conditions[?(@.type==\"Ready\")].message"

// HelmChart fetches or packages a Helm chart from a source and publishes it
// as an Artifact (deprecated v1beta2 schema).
type HelmChart struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec is the desired state of the HelmChart.
	// +optional
	Spec HelmChartSpec `json:"spec,omitempty"`

	// Status is the observed state of the HelmChart.
	// +kubebuilder:default={"observedGeneration":-1}
	// +optional
	Status HelmChartStatus `json:"status,omitempty"`
}

// GetConditions returns the status conditions of the object.
func (in *HelmChart) GetConditions() []metav1.Condition {
	return in.Status.Conditions
}

// SetConditions replaces the status conditions of the object.
func (in *HelmChart) SetConditions(conditions []metav1.Condition) {
	in.Status.Conditions = conditions
}

// GetRequeueAfter returns spec.interval.
func (in *HelmChart) GetRequeueAfter() time.Duration {
	return in.Spec.Interval.Duration
}

// GetArtifact returns the Artifact recorded in the status, or nil.
func (in *HelmChart) GetArtifact() *meta.Artifact {
	return in.Status.Artifact
}

// +kubebuilder:object:root=true

// HelmChartList is a list of HelmChart objects.
type HelmChartList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []HelmChart `json:"items"`
}

func init() {
	SchemeBuilder.Register(&HelmChart{}, &HelmChartList{})
}
