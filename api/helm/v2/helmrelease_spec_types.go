/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package v2

import (
	"github.com/fluxcd/pkg/apis/kustomize"
	"github.com/fluxcd/pkg/apis/meta"
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

// GetInterval returns the interval for the generated HelmChart, falling back
// to the given value (normally the HelmRelease interval).
func (in HelmChartTemplate) GetInterval(fallback metav1.Duration) metav1.Duration {
	if in.Spec.Interval == nil {
		return fallback
	}
	return *in.Spec.Interval
}

// GetNamespace returns the namespace of the source, and therefore of the
// generated HelmChart, falling back to the given namespace.
func (in HelmChartTemplate) GetNamespace(fallback string) string {
	if in.Spec.SourceRef.Namespace == "" {
		return fallback
	}
	return in.Spec.SourceRef.Namespace
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
	// order (later files win) to form the chart's default values. When set,
	// the chart's own values.yaml is only used if it is listed.
	// +optional
	ValuesFiles []string `json:"valuesFiles,omitempty"`

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

	// Kind of the source.
	// +kubebuilder:validation:Enum=HelmRepository;GitRepository;Bucket
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

// CrossNamespaceSourceReference points at a source object whose artifact is
// a Helm chart (spec.chartRef).
type CrossNamespaceSourceReference struct {
	// APIVersion of the source.
	// +optional
	APIVersion string `json:"apiVersion,omitempty"`

	// Kind of the source.
	// +kubebuilder:validation:Enum=OCIRepository;HelmChart;ExternalArtifact
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

// DependencyReference names an object that must be ready before the
// HelmRelease is reconciled. Without apiVersion and kind it refers to another
// HelmRelease.
type DependencyReference struct {
	// APIVersion of the dependency; defaults to the HelmRelease API version
	// when the dependency is a HelmRelease.
	// +optional
	APIVersion string `json:"apiVersion,omitempty"`

	// Kind of the dependency; defaults to HelmRelease.
	// +optional
	Kind string `json:"kind,omitempty"`

	// Name of the dependency.
	// +required
	Name string `json:"name"`

	// Namespace of the dependency; defaults to the namespace of the HelmRelease.
	// +optional
	Namespace string `json:"namespace,omitempty"`

	// Ready tells whether the Ready condition of the dependency must be True.
	// Defaults to true for HelmRelease dependencies.
	// +optional
	Ready *bool `json:"ready,omitempty"`

	// ReadyExpr is a CEL expression deciding whether the dependency is ready;
	// `dep` is the dependency and `self` the HelmRelease. It replaces the
	// built-in check unless the AdditiveCELDependencyCheck feature is on.
	// +optional
	ReadyExpr string `json:"readyExpr,omitempty"`
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

const (
	// DriftDetectionMetadataKey is the label or annotation that, set to
	// DriftDetectionDisabledValue on a rendered object, excludes that object
	// from drift detection.
	DriftDetectionMetadataKey = "helm.toolkit.fluxcd.io/driftDetection"

	// DriftDetectionDisabledValue is the value of DriftDetectionMetadataKey
	// that disables drift detection for an object.
	DriftDetectionDisabledValue = "disabled"
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

// GetMode returns the configured mode, or DriftDetectionDisabled.
func (in DriftDetection) GetMode() DriftDetectionMode {
	if in.Mode == "" {
		return DriftDetectionDisabled
	}
	return in.Mode
}

// MustDetectChanges reports whether drift has to be looked for (mode enabled or warn).
func (in DriftDetection) MustDetectChanges() bool {
	m := in.GetMode()
	return m == DriftDetectionEnabled || m == DriftDetectionWarn
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

	// Images override image names, tags or digests in the rendered manifests.
	// +optional
	Images []kustomize.Image `json:"images,omitempty"`
}

// CommonMetadata holds labels and annotations added to every object of the release.
type CommonMetadata struct {
	// Labels to add to every object; they override labels with the same key.
	// +optional
	Labels map[string]string `json:"labels,omitempty"`

	// Annotations to add to every object; they override annotations with the same key.
	// +optional
	Annotations map[string]string `json:"annotations,omitempty"`
}

// WaitStrategyName names the way Helm waits for applied objects to become ready.
type WaitStrategyName string

const (
	// WaitStrategyWatcher waits with kstatus using watches.
	WaitStrategyWatcher WaitStrategyName = "watcher"

	// WaitStrategyPoller waits with kstatus by polling object status.
	WaitStrategyPoller WaitStrategyName = "poller"

	// WaitStrategyLegacy uses the readiness logic of Helm 3.
	WaitStrategyLegacy WaitStrategyName = "legacy"
)

// WaitStrategy configures how Helm waits for applied objects to become ready.
type WaitStrategy struct {
	// Name of the wait strategy: 'watcher' or 'poller' (kstatus based) or
	// 'legacy' (Helm 3 logic).
	// +kubebuilder:validation:Enum=watcher;poller;legacy
	// +required
	Name WaitStrategyName `json:"name"`
}
