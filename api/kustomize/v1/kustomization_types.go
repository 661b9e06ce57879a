/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package v1

import (
	"time"

	"github.com/fluxcd/pkg/apis/kustomize"
	"github.com/fluxcd/pkg/apis/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

const (
	// KustomizationKind is the kind name of the Kustomization API.
	KustomizationKind = "Kustomization"

	// KustomizationFinalizer is the finalizer the controller sets on a
	// Kustomization so that it can garbage collect on deletion.
	KustomizationFinalizer = "finalizers.fluxcd.io"

	// MaxConditionMessageLength is the longest message the controller writes
	// into a status condition; longer messages are truncated.
	MaxConditionMessageLength = 20000

	// DeletionPolicyMirrorPrune deletes the managed objects on deletion of the
	// Kustomization when spec.prune is true, and orphans them otherwise.
	DeletionPolicyMirrorPrune = "MirrorPrune"

	// DeletionPolicyDelete always deletes the managed objects when the
	// Kustomization is deleted.
	DeletionPolicyDelete = "Delete"

	// DeletionPolicyWaitForTermination deletes the managed objects and waits
	// for them to be gone before the Kustomization is released.
	DeletionPolicyWaitForTermination = "WaitForTermination"

	// DeletionPolicyOrphan leaves the managed objects in the cluster when the
	// Kustomization is deleted.
	DeletionPolicyOrphan = "Orphan"
)

// KustomizationSpec is the desired state of a Kustomization: where to find
// the manifests, how to build them with Kustomize, and how to apply them.
type KustomizationSpec struct {
	// CommonMetadata holds labels and annotations that are set on every
	// object the Kustomization applies, overriding keys of the same name.
	// +optional
	CommonMetadata *CommonMetadata `json:"commonMetadata,omitempty"`

	// DependsOn lists Kustomizations that must be ready before this one is
	// reconciled. Each entry may carry a CEL readiness expression.
	// +optional
	DependsOn []meta.DependencyReference `json:"dependsOn,omitempty"`

	// Decryption configures how encrypted Secrets in the manifests are
	// decrypted before they are applied.
	// +optional
	Decryption *Decryption `json:"decryption,omitempty"`

	// Interval is the period between two reconciliations of this
	// Kustomization. The controller may add some jitter.
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
	// manifests to. Combined with ServiceAccountName, the controller
	// impersonates that account on the remote cluster.
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

	// DeletionPolicy controls what happens to the managed objects when the
	// Kustomization is deleted. One of MirrorPrune (the default, follows
	// Prune), Delete, WaitForTermination or Orphan.
	// +kubebuilder:validation:Enum=MirrorPrune;Delete;WaitForTermination;Orphan
	// +optional
	DeletionPolicy string `json:"deletionPolicy,omitempty"`

	// HealthChecks lists objects whose health is assessed after apply.
	// +optional
	HealthChecks []meta.NamespacedObjectKindReference `json:"healthChecks,omitempty"`

	// NamePrefix is prepended to the names of all managed objects.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=200
	// +optional
	NamePrefix string `json:"namePrefix,omitempty"`

	// NameSuffix is appended to the names of all managed objects.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=200
	// +optional
	NameSuffix string `json:"nameSuffix,omitempty"`

	// Patches holds inline strategic merge or JSON 6902 patches, each with an
	// optional target selector.
	// +optional
	Patches []kustomize.Patch `json:"patches,omitempty"`

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

	// Suspend stops future reconciliations of this Kustomization; a run that
	// already started is not interrupted. Defaults to false.
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

	// Components lists paths, relative to Path, of Kustomize components to
	// include in the build.
	// +optional
	Components []string `json:"components,omitempty"`

	// IgnoreMissingComponents drops component paths that do not exist in the
	// source instead of failing the build.
	// +optional
	IgnoreMissingComponents bool `json:"ignoreMissingComponents,omitempty"`

	// HealthCheckExprs holds CEL expressions that decide the health of
	// custom resources. They are evaluated only when Wait or HealthChecks is
	// set.
	// +optional
	HealthCheckExprs []kustomize.CustomHealthCheck `json:"healthCheckExprs,omitempty"`

	// DriftIgnoreRules lists JSON pointer paths that drift detection and
	// correction leave alone, optionally restricted to selected objects.
	// +optional
	DriftIgnoreRules []DriftIgnoreRule `json:"driftIgnoreRules,omitempty"`
}

// KustomizationStatus is the observed state of a Kustomization.
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

	// LastAppliedOriginRevision is the origin revision recorded in the
	// metadata of the artifact that was last applied successfully (for OCI
	// artifacts, the org.opencontainers.image.revision annotation).
	// +optional
	LastAppliedOriginRevision string `json:"lastAppliedOriginRevision,omitempty"`

	// LastAttemptedRevision is the source artifact revision of the last
	// reconciliation attempt.
	// +optional
	LastAttemptedRevision string `json:"lastAttemptedRevision,omitempty"`

	// Inventory lists the objects that were applied successfully.
	// +optional
	Inventory *ResourceInventory `json:"inventory,omitempty"`

	// History keeps snapshots of recent reconciliations, most recent first.
	// +optional
	History meta.History `json:"history,omitempty"`
}

// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:storageversion
// +kubebuilder:resource:shortName=ks
// +kubebuilder:printcolumn:name="Age",type="date",JSONPath=".metadata.creationTimestamp"
// +kubebuilder:printcolumn:name="Ready",type="string",JSONPath=".status.conditions[?(@.type==\"Ready\")].status"
// +kubebuilder:printcolumn:name="Status",type="string",JSONPath=".status.conditions[?(@.type==\"Ready\")].message"

// Kustomization builds the manifests of a source artifact with Kustomize and
// applies them to the cluster.
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

// GetRetryInterval returns the period after which a failed reconciliation is
// retried: spec.retryInterval, or spec.interval when unset.
func (in *Kustomization) GetRetryInterval() time.Duration {
	if in.Spec.RetryInterval != nil {
		return in.Spec.RetryInterval.Duration
	}
	return in.GetRequeueAfter()
}

// GetTimeout returns the timeout of the apply and health check steps:
// spec.timeout when set, otherwise spec.interval minus 30s, and never less
// than 30s.
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

// GetDeletionPolicy returns spec.deletionPolicy, defaulting to MirrorPrune.
func (in *Kustomization) GetDeletionPolicy() string {
	if in.Spec.DeletionPolicy == "" {
		return DeletionPolicyMirrorPrune
	}
	return in.Spec.DeletionPolicy
}

// GetDependsOn returns the dependencies of the Kustomization. It makes the
// type satisfy meta.ObjectWithDependencies.
func (in *Kustomization) GetDependsOn() []meta.DependencyReference {
	return in.Spec.DependsOn
}

// GetDependsOnRefs returns the dependencies as plain namespaced references,
// without their readiness expressions.
func (in *Kustomization) GetDependsOnRefs() []meta.NamespacedObjectReference {
	refs := make([]meta.NamespacedObjectReference, 0, len(in.Spec.DependsOn))
	for _, d := range in.Spec.DependsOn {
		refs = append(refs, meta.NamespacedObjectReference{Name: d.Name, Namespace: d.Namespace})
	}
	return refs
}
