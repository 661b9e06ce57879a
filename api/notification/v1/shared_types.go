/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package v1

// CrossNamespaceObjectReference selects one or more Flux objects, possibly in
// other namespaces. It is used by Receivers (objects to reconcile on a
// webhook call) and Alerts (objects whose events are forwarded).
type CrossNamespaceObjectReference struct {
	// APIVersion of the referent.
	// +optional
	APIVersion string `json:"apiVersion,omitempty"`

	// Kind of the referent.
	// +kubebuilder:validation:Enum=Bucket;GitRepository;Kustomization;HelmRelease;HelmChart;HelmRepository;ImageRepository;ImagePolicy;ImageUpdateAutomation;OCIRepository;ArtifactGenerator;ExternalArtifact
	// +required
	Kind string `json:"kind"`

	// Name of the referent. '*' selects every object of the kind.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +required
	Name string `json:"name"`

	// Namespace of the referent. Defaults to the namespace of the object
	// holding the reference. '*' selects all namespaces and requires the
	// name to be '*' as well.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +optional
	Namespace string `json:"namespace,omitempty"`

	// MatchLabels narrows a '*' name selection to objects carrying all of
	// these labels.
	// +optional
	MatchLabels map[string]string `json:"matchLabels,omitempty"`
}
