/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package v1

import (
	"fmt"

	"github.com/fluxcd/pkg/apis/kustomize"
	"github.com/fluxcd/pkg/apis/meta"
)

// CrossNamespaceSourceReference identifies the source object, possibly in
// another namespace, whose artifact a Kustomization builds.
type CrossNamespaceSourceReference struct {
	// APIVersion of the referent.
	// +optional
	APIVersion string `json:"apiVersion,omitempty"`

	// Kind of the referent.
	// +kubebuilder:validation:Enum=OCIRepository;GitRepository;Bucket;ExternalArtifact
	// +required
	Kind string `json:"kind"`

	// Name of the referent.
	// +required
	Name string `json:"name"`

	// Namespace of the referent. Defaults to the namespace of the
	// Kustomization.
	// +optional
	Namespace string `json:"namespace,omitempty"`
}

// String renders the reference as Kind/Name or Kind/Namespace/Name.
func (in *CrossNamespaceSourceReference) String() string {
	if in.Namespace != "" {
		return fmt.Sprintf("%s/%s/%s", in.Kind, in.Namespace, in.Name)
	}
	return fmt.Sprintf("%s/%s", in.Kind, in.Name)
}

// CommonMetadata holds labels and annotations added to every applied object.
type CommonMetadata struct {
	// Annotations to set on every applied object.
	// +optional
	Annotations map[string]string `json:"annotations,omitempty"`

	// Labels to set on every applied object.
	// +optional
	Labels map[string]string `json:"labels,omitempty"`
}

// Decryption configures the decryption of encrypted manifests.
type Decryption struct {
	// Provider is the decryption engine.
	// +kubebuilder:validation:Enum=sops
	// +required
	Provider string `json:"provider"`

	// ServiceAccountName is the service account whose identity is used to
	// reach cloud KMS services. Static credentials found in the Secret
	// referenced by SecretRef take precedence.
	// +optional
	ServiceAccountName string `json:"serviceAccountName,omitempty"`

	// SecretRef names a Secret, in the Kustomization's namespace, holding
	// private keys (OpenPGP, age) or cloud credentials used for decryption.
	// +optional
	SecretRef *meta.LocalObjectReference `json:"secretRef,omitempty"`
}

// PostBuild configures the variable substitution done on the build output.
type PostBuild struct {
	// Substitute maps variable names to values. Variables written as
	// ${name} in the manifests are replaced; bash-style forms such as
	// ${name:=default} are supported.
	// +optional
	Substitute map[string]string `json:"substitute,omitempty"`

	// SubstituteFrom lists ConfigMaps and Secrets whose data keys and values
	// supply further substitution variables.
	// +optional
	SubstituteFrom []SubstituteReference `json:"substituteFrom,omitempty"`
}

// SubstituteReference points to a ConfigMap or Secret holding substitution
// variables.
type SubstituteReference struct {
	// Kind of the referent, Secret or ConfigMap.
	// +kubebuilder:validation:Enum=Secret;ConfigMap
	// +required
	Kind string `json:"kind"`

	// Name of the referent, in the Kustomization's namespace.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +required
	Name string `json:"name"`

	// Optional tolerates a missing referent, treating it as empty.
	// +kubebuilder:default:=false
	// +optional
	Optional bool `json:"optional,omitempty"`
}

// DriftIgnoreRule excludes JSON pointer paths of selected objects from drift
// detection and correction.
type DriftIgnoreRule struct {
	// Paths are RFC 6901 JSON pointers to ignore.
	// +required
	Paths []string `json:"paths"`

	// Target selects the objects the rule applies to; all objects when
	// unset.
	// +optional
	Target *kustomize.Selector `json:"target,omitempty"`
}

// ResourceInventory lists the objects applied by a Kustomization.
type ResourceInventory struct {
	// Entries are the references of the applied objects.
	Entries []ResourceRef `json:"entries"`
}

// ResourceRef identifies one applied object.
type ResourceRef struct {
	// ID is the object's identity in the form
	// '<namespace>_<name>_<group>_<kind>'.
	ID string `json:"id"`

	// Version is the API version of the object's kind.
	Version string `json:"v"`
}
