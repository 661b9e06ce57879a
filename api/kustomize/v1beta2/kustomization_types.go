/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package v1beta2

import (
	"time"

	"github.com/fluxcd/pkg/apis/kustomize"
	"github.com/fluxcd/pkg/apis/meta"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

const (
	// KustomizationKind is the kind name of the Kustomization API.
	KustomizationKind = "Kustomization"
)

// KustomizationSpec is the desired state of a v1beta2 Kustomization.
type KustomizationSpec struct {
	// CommonMetadata holds labels and annotations that are set on every
	// object the Kustomization applies, overriding keys of the same name.
	// +optional
	CommonMetadata *CommonMetadata `json:"commonMetadata,omitempty"`

	// DependsOn lists Kustomizations that must be ready before this one is
	// reconciled.
	// +optional
	DependsOn []meta.NamespacedObjectReference `json:"dependsOn,omitempty"`

	// Decryption configures how encrypted Secrets in the manifests are
	// decrypted before they are applied.
	// +optional
	Decryption *Decryption `json:"decryption,omitempty"`

	// Interval is the period between two reconciliations of this
	// Kustomization.
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:Pattern="^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$"
	// +required
	Interval metav1.Duration `json:"interval"`

	// RetryInterval is the period after which a failed reconciliation is
	// retried. Defaults to Interval when unset.
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:Pattern="^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$"
	// +optional
	RetryInterval *metav1.Duration `json:"retryInterval,omitempty"`

	// KubeConfig references the credentials of a remote cluster to apply the
	// manifests to.
	// +optional
	KubeConfig *meta.KubeConfigReference `json:"kubeConfig,omitempty"`

	// Path is the directory inside the source artifact that holds the
	// kustomization.yaml or the plain manifests. Defaults to the artifact
	// root.
	// +optional
	Path string `json:"path,omitempty"`

	// PostBuild configures the variable substitution performed on the
	// manifests after the Kustomize build.
	// +optional
	PostBuild *PostBuild `json:"postBuild,omitempty"`

	// Prune enables garbage collection of objects that were applied before
	// and are no longer part of the build output.
	// +required
	Prune bool `json:"prune"`

	// HealthChecks lists objects whose health is assessed after apply.
	// +optional
	HealthChecks []meta.NamespacedObjectKindReference `json:"healthChecks,omitempty"`

	// Patches holds inline strategic merge or JSON 6902 patches, each with an
	// optional target selector.
	// +optional
	Patches []kustomize.Patch `json:"patches,omitempty"`

	// PatchesStrategicMerge holds inline strategic merge patches.
	// Deprecated: use Patches.
	// +optional
	PatchesStrategicMerge []apiextensionsv1.JSON `json:"patchesStrategicMerge,omitempty"`

	// PatchesJSON6902 holds JSON 6902 patches with their targets.
	// Deprecated: use Patches.
	// +optional
	PatchesJSON6902 []kustomize.JSON6902Patch `json:"patchesJson6902,omitempty"`

	// Images overrides image names, tags or digests in the manifests.
	// +optional
	Images []kustomize.Image `json:"images,omitempty"`

	// ServiceAccountName is the Kubernetes service account impersonated when
	// applying the manifests.
	// +optional
	ServiceAccountName string `json:"serviceAccountName,omitempty"`

	// SourceRef points to the source object that produces the artifact with
	// the manifests.
	// +required
	SourceRef CrossNamespaceSourceReference `json:"sourceRef"`

	// Suspend stops future reconciliations of this Kustomization. Defaults
	// to false.
	// +optional
	Suspend bool `json:"suspend,omitempty"`

	// TargetNamespace sets, or overrides, the namespace of all namespaced
	// objects in the build output.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=63
	// +optional
	TargetNamespace string `json:"targetNamespace,omitempty"`

	// Timeout bounds the validation, apply and health check steps.
	// Defaults to Interval.
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:Pattern="^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$"
	// +optional
	Timeout *metav1.Duration `json:"timeout,omitempty"`

	// Force recreates objects whose update fails because an immutable field
	// changed.
	// +kubebuilder:default:=false
	// +optional
	Force bool `json:"force,omitempty"`

	// Wait makes the controller assess the health of every applied object;
	// when true, HealthChecks is ignored. Defaults to false.
	// +optional
	Wait bool `json:"wait,omitempty"`

	// Validation is accepted for compatibility and ignored.
	// Deprecated: not used in v1beta2.
	// +kubebuilder:validation:Enum=none;client;server
	// +optional
	Validation string `json:"validation,omitempty"`

	// Components lists paths, relative to Path, of Kustomize components to
	// include in the build.
	// +optional
	Components []string `json:"components,omitempty"`
}

// KustomizationStatus is the observed state of a v1beta2 Kustomization.
type KustomizationStatus struct {
	meta.ReconcileRequestStatus `json:",inline"`

	// ObservedGeneration is the generation last handled by the controller.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// Conditions holds the conditions of the Kustomization.
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty"`

	// LastAppliedRevision is the source artifact revision that was last
	// applied successfully.
	// +optional
	LastAppliedRevision string `json:"lastAppliedRevision,omitempty"`

	// LastAttemptedRevision is the source artifact revision of the last
	// reconciliation attempt.
	// +optional
	LastAttemptedRevision string `json:"lastAttemptedRevision,omitempty"`

	// Inventory lists the objects that were applied successfully.
	// +optional
	Inventory *ResourceInventory `json:"inventory,omitempty"`
}

// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=ks
// +kubebuilder:deprecatedversion:warning="kustomize.toolkit.fluxcd.io/v1beta2 Kustomization is deprecated, upgrade to v1"
// +kubebuilder:printcolumn:name="Age",type="date",JSONPath=".metadata.creationTimestamp"
// +kubebuilder:printcolumn:name="Ready",type="string",JSONPath=".status.conditions[?(@.type==\"Ready\")].status"
// +kubebuilder:printcolumn:name="Status",type="string",JSONPath=".status.conditions[?(@.type==\"Ready\")].message"

// Kustomization builds the manifests of a source artifact with Kustomize and
// applies them to the cluster. This version is deprecated in favour of v1.
type Kustomization struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec KustomizationSpec `json:"spec,omitempty"`
	// +kubebuilder:default:={"observedGeneration":-1}
	Status KustomizationStatus `json:"status,omitempty"`
}

// +kubebuilder:object:root=true

// KustomizationList is a list of Kustomizations.
type KustomizationList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []Kustomization `json:"items"`
}

func init() {
	SchemeBuilder.Register(&Kustomization{}, &KustomizationList{})
}

// GetConditions returns the status conditions of the Kustomization.
func (in *Kustomization) GetConditions() []metav1.Condition {
	return in.Status.Conditions
}

// SetConditions replaces the status conditions of the Kustomization.
func (in *Kustomization) SetConditions(conditions []metav1.Condition) {
	in.Status.Conditions = conditions
}

// GetRequeueAfter returns the period after which the Kustomization is
// reconciled again.
func (in *Kustomization) GetRequeueAfter() time.Duration {
	return in.Spec.Interval.Duration
}

// GetRetryInterval returns spec.retryInterval, or spec.interval when unset.
func (in *Kustomization) GetRetryInterval() time.Duration {
	if in.Spec.RetryInterval != nil {
		return in.Spec.RetryInterval.Duration
	}
	return in.GetRequeueAfter()
}

// GetTimeout returns spec.timeout when set, otherwise spec.interval minus
// 30s, and never less than 30s.
func (in *Kustomization) GetTimeout() time.Duration {
	timeout := in.Spec.Interval.Duration - 30*time.Second
	if in.Spec.Timeout != nil {
		timeout = in.Spec.Timeout.Duration
	}
	if timeout < 30*time.Second {
		return 30 * time.Second
	}
	return timeout
}

// GetDependsOn returns the dependencies of the Kustomization as
// meta.DependencyReference values (without readiness expressions, which this
// version does not have), so the type satisfies meta.ObjectWithDependencies.
func (in *Kustomization) GetDependsOn() []meta.DependencyReference {
	deps := make([]meta.DependencyReference, 0, len(in.Spec.DependsOn))
	for _, d := range in.Spec.DependsOn {
		deps = append(deps, meta.DependencyReference{Name: d.Name, Namespace: d.Namespace})
	}
	return deps
}
