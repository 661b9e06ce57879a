/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package v2beta2

import (
	"github.com/fluxcd/pkg/apis/kustomize"
	"github.com/fluxcd/pkg/apis/meta"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// HelmChartTemplate describes the HelmChart object the controller creates
// (in the namespace of the referenced source) to obtain the chart of a release.
type HelmChartTemplate struct {
	// ObjectMeta holds labels and annotations to put on the generated HelmChart.
	// +optional
	ObjectMeta *HelmChartTemplateObjectMeta `json:"metadata,omitempty"`

	// Spec holds the fields copied into the spec of the generated HelmChart.
	// +required
	Spec HelmChartTemplateSpec `json:"spec"`
}

// HelmChartTemplateObjectMeta is the subset of object metadata that can be
// templated onto the generated HelmChart.
type HelmChartTemplateObjectMeta struct {
	// Labels to set on the generated HelmChart.
	// More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/
	// +optional
	Labels map[string]string `json:"labels,omitempty"`

	// Annotations to set on the generated HelmChart.
	// More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/annotations/
	// +optional
	Annotations map[string]string `json:"annotations,omitempty"`
}

// HelmChartTemplateSpec holds the HelmChart spec fields a HelmRelease can set.
type HelmChartTemplateSpec struct {
	// Chart is the chart name (for a HelmRepository) or the path of the chart
	// directory or packaged chart inside the source (GitRepository, Bucket).
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=2048
	// +required
	Chart string `json:"chart"`

	// Version is a SemVer version or range selecting the chart version; it
	// is ignored for GitRepository and Bucket sources. Defaults to the latest
	// version ('*').
	// +kubebuilder:default:=*
	// +optional
	Version string `json:"version,omitempty"`

	// SourceRef points at the source holding the chart.
	// +required
	SourceRef CrossNamespaceObjectReference `json:"sourceRef"`

	// Interval at which the generated HelmChart checks its source for
	// changes. Defaults to the interval of the HelmRelease.
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:Pattern="^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$"
	// +optional
	Interval *metav1.Duration `json:"interval,omitempty"`

	// ReconcileStrategy decides what produces a new chart artifact:
	// 'ChartVersion' (a new version in Chart.yaml) or 'Revision' (any new
	// revision of the source). Defaults to 'ChartVersion'.
	// +kubebuilder:validation:Enum=ChartVersion;Revision
	// +kubebuilder:default:=ChartVersion
	// +optional
	ReconcileStrategy string `json:"reconcileStrategy,omitempty"`

	// ValuesFiles lists values files, relative to the source root, merged in
	// order (later files win) to form the chart's default values.
	// +optional
	ValuesFiles []string `json:"valuesFiles,omitempty"`

	// ValuesFile is a single values file, relative to the source root,
	// merged before ValuesFiles.
	//
	// Deprecated: use ValuesFiles.
	// +optional
	ValuesFile string `json:"valuesFile,omitempty"`

	// IgnoreMissingValuesFiles skips entries of ValuesFiles that do not exist
	// instead of failing.
	// +optional
	IgnoreMissingValuesFiles bool `json:"ignoreMissingValuesFiles,omitempty"`

	// Verify configures signature verification of the chart. Only OCI
	// sources are supported; dependencies not bundled in the chart are not
	// verified.
	// +optional
	Verify *HelmChartTemplateVerification `json:"verify,omitempty"`
}

// HelmChartTemplateVerification configures verification of an OCI chart signature.
type HelmChartTemplateVerification struct {
	// Provider is the signing technology to verify against.
	// +kubebuilder:validation:Enum=cosign;notation
	// +kubebuilder:default:=cosign
	// +required
	Provider string `json:"provider"`

	// SecretRef names a Secret in the namespace of the generated HelmChart
	// holding the trusted public keys or certificates.
	// +optional
	SecretRef *meta.LocalObjectReference `json:"secretRef,omitempty"`
}

// CrossNamespaceObjectReference points at the source of a chart template.
type CrossNamespaceObjectReference struct {
	// APIVersion of the source.
	// +optional
	APIVersion string `json:"apiVersion,omitempty"`

	// Kind of the source. Not required by the v2beta2 schema, but the
	// controller cannot resolve a source without it.
	// +kubebuilder:validation:Enum=HelmRepository;GitRepository;Bucket
	// +optional
	Kind string `json:"kind,omitempty"`

	// Name of the source.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +required
	Name string `json:"name"`

	// Namespace of the source; defaults to the namespace of the HelmRelease.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=63
	// +optional
	Namespace string `json:"namespace,omitempty"`
}

// CrossNamespaceSourceReference points at a source object whose artifact is
// a Helm chart (spec.chartRef).
type CrossNamespaceSourceReference struct {
	// APIVersion of the source.
	// +optional
	APIVersion string `json:"apiVersion,omitempty"`

	// Kind of the source.
	// +kubebuilder:validation:Enum=OCIRepository;HelmChart
	// +required
	Kind string `json:"kind"`

	// Name of the source.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +required
	Name string `json:"name"`

	// Namespace of the source; defaults to the namespace of the HelmRelease.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=63
	// +optional
	Namespace string `json:"namespace,omitempty"`
}

// ValuesReference points at a ConfigMap or Secret key holding Helm values.
// +kubebuilder:object:generate=false
type ValuesReference = meta.ValuesReference

// DriftDetectionMode selects how differences between the release manifest
// and the cluster are handled.
type DriftDetectionMode string

const (
	// DriftDetectionEnabled detects drift and corrects it.
	DriftDetectionEnabled DriftDetectionMode = "enabled"

	// DriftDetectionWarn detects drift and only reports it with an event.
	DriftDetectionWarn DriftDetectionMode = "warn"

	// DriftDetectionDisabled does not look for drift. This is the default.
	DriftDetectionDisabled DriftDetectionMode = "disabled"
)

// DriftDetection configures the comparison of the manifest in the Helm storage
// with the objects in the cluster.
type DriftDetection struct {
	// Mode selects whether drift is corrected ('enabled'), only reported
	// ('warn') or not looked for ('disabled'). Defaults to 'disabled'.
	// +kubebuilder:validation:Enum=enabled;warn;disabled
	// +optional
	Mode DriftDetectionMode `json:"mode,omitempty"`

	// Ignore lists rules for changes to leave out of the comparison.
	// +optional
	Ignore []IgnoreRule `json:"ignore,omitempty"`
}

// IgnoreRule excludes JSON pointer paths from drift detection, optionally only
// for the objects matched by a selector.
type IgnoreRule struct {
	// Paths are JSON Pointers (RFC 6901) into an object that are ignored.
	// +required
	Paths []string `json:"paths"`

	// Target restricts the rule to matching objects; without it the paths are
	// ignored in every object of the release.
	// +optional
	Target *kustomize.Selector `json:"target,omitempty"`
}

// PostRenderer is one step of post-processing applied to the rendered chart.
type PostRenderer struct {
	// Kustomize applies patches and image overrides to the rendered manifests.
	// +optional
	Kustomize *Kustomize `json:"kustomize,omitempty"`
}

// Kustomize is the built-in Kustomize post-renderer.
type Kustomize struct {
	// Patches are strategic merge or JSON 6902 patches, each optionally
	// restricted to the objects matched by a target selector.
	// +optional
	Patches []kustomize.Patch `json:"patches,omitempty"`

	// PatchesStrategicMerge are strategic merge patches given as inline objects.
	//
	// Deprecated: use Patches.
	// +optional
	PatchesStrategicMerge []apiextensionsv1.JSON `json:"patchesStrategicMerge,omitempty"`

	// PatchesJSON6902 are JSON 6902 patches with their targets.
	//
	// Deprecated: use Patches.
	// +optional
	PatchesJSON6902 []kustomize.JSON6902Patch `json:"patchesJson6902,omitempty"`

	// Images override image names, tags or digests in the rendered manifests.
	// +optional
	Images []kustomize.Image `json:"images,omitempty"`
}
