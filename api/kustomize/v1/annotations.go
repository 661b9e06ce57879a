/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package v1

// Labels the controller sets on every object it applies, recording which
// Kustomization owns it.
const (
	// NameLabel holds the name of the owning Kustomization.
	NameLabel = "kustomize.toolkit.fluxcd.io/name"

	// NamespaceLabel holds the namespace of the owning Kustomization.
	NamespaceLabel = "kustomize.toolkit.fluxcd.io/namespace"
)

// Annotations (or labels) users put on objects in their manifests to change
// how the controller treats them.
const (
	// ReconcileAnnotation set to DisabledValue makes the controller skip
	// the object on apply, whether the annotation is in the manifest or on
	// the object in the cluster.
	ReconcileAnnotation = "kustomize.toolkit.fluxcd.io/reconcile"

	// PruneAnnotation set to DisabledValue keeps the object in the cluster
	// when it is garbage collected or the Kustomization is deleted.
	PruneAnnotation = "kustomize.toolkit.fluxcd.io/prune"

	// SSAAnnotation selects the server-side apply policy of the object:
	// OverrideValue, MergeValue, IfNotPresentValue or IgnoreValue.
	SSAAnnotation = "kustomize.toolkit.fluxcd.io/ssa"

	// SubstituteAnnotation set to DisabledValue excludes the object from
	// post-build variable substitution.
	SubstituteAnnotation = "kustomize.toolkit.fluxcd.io/substitute"

	// ForceAnnotation set to EnabledValue makes the controller recreate the
	// object when an immutable field changed, as if spec.force were true.
	ForceAnnotation = "kustomize.toolkit.fluxcd.io/force"
)

// Values of the annotations above. The controller compares them without
// regard to case.
const (
	// EnabledValue turns a per-object behaviour on.
	EnabledValue = "enabled"

	// DisabledValue turns a per-object behaviour off.
	DisabledValue = "disabled"

	// OverrideValue is the default server-side apply policy: the object is
	// applied and drift is corrected.
	OverrideValue = "Override"

	// MergeValue applies the object but keeps fields set by other managers.
	MergeValue = "Merge"

	// IfNotPresentValue creates the object only if it does not exist.
	IfNotPresentValue = "IfNotPresent"

	// IgnoreValue never applies the object.
	IgnoreValue = "Ignore"
)
