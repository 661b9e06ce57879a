/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

// Package preview shows what the kustomize-controller would do with a Kustomization if its source held a
// local directory: the objects it would apply (Build) and how they differ from the cluster (Differ). It is
// what `tide build kustomization` and `tide diff kustomization` run, and it wraps the controller's own build
// and apply code, so that a preview matches what the controller applies: the same kustomize settings,
// post-build substitution, ownership labels and applied-digest annotation, and the same server-side apply
// field manager.
package preview

import (
	"context"

	"github.com/fluxcd/pkg/ssa"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	kustomizev1 "github.com/tide-gitops/tide/api/kustomize/v1"
	"github.com/tide-gitops/tide/kustomize-controller/internal/apply"
	"github.com/tide-gitops/tide/kustomize-controller/internal/build"
)

// DigestAnnotation is the annotation in which the controller records a digest of what it applied.
const DigestAnnotation = apply.DigestAnnotation

// BuildOptions are the settings of Build that the controller takes from its flags.
type BuildOptions struct {
	// Vars are the post-build substitution variables (see Vars and InlineVars); used when spec.postBuild is
	// set.
	Vars map[string]string
	// StrictSubstitution fails on a variable with no value and no default instead of substituting ""
	// (off in the controller).
	StrictSubstitution bool
	// AllowRemoteBases lets kustomize fetch remote bases (the controller's --no-remote-bases=false).
	AllowRemoteBases bool
}

// Build builds ks.Spec.Path of the directory root as the controller builds its source's artifact, and returns
// the objects as the controller sends them to the API server: labelled as owned by ks and annotated with
// DigestAnnotation. It reads nothing from the cluster. SOPS-encrypted values are left as they are.
func Build(ctx context.Context, root string, ks *kustomizev1.Kustomization, opts BuildOptions) ([]*unstructured.Unstructured, error) {
	objs, err := build.Build(ctx, root, &ks.Spec, build.Options{
		AllowRemoteBases:   opts.AllowRemoteBases,
		Vars:               opts.Vars,
		StrictSubstitution: opts.StrictSubstitution,
	})
	if err != nil {
		return nil, err
	}
	return apply.Prepare(objs, owner(ks))
}

// Vars reads the post-build substitution variables of ks from the cluster as the controller does:
// spec.postBuild.substituteFrom (optional ConfigMaps and Secrets may be missing) merged with
// spec.postBuild.substitute.
func Vars(ctx context.Context, r client.Reader, ks *kustomizev1.Kustomization) (map[string]string, error) {
	return build.ReadVars(ctx, r, ks.Namespace, ks.Spec.PostBuild)
}

// InlineVars returns the variables of spec.postBuild.substitute alone, for a build that cannot read the
// cluster.
func InlineVars(ks *kustomizev1.Kustomization) map[string]string {
	if ks.Spec.PostBuild == nil {
		return nil
	}
	return build.MergeVars(nil, ks.Spec.PostBuild.Substitute)
}

// Differ compares the objects of a Build with the cluster through server-side apply dry-runs as FieldManager.
type Differ struct {
	ks *kustomizev1.Kustomization
	m  *apply.Manager
}

// NewDiffer returns a Differ for ks that talks to the cluster through c.
func NewDiffer(c client.Client, ks *kustomizev1.Kustomization) *Differ {
	return &Differ{ks: ks, m: apply.New(c, owner(ks))}
}

// Diff dry-runs one object of a Build, honouring spec.force and the per-object annotations the controller
// honours. It returns the action the controller would take (ssa.CreatedAction, ssa.ConfiguredAction,
// ssa.UnchangedAction or ssa.SkippedAction) and, for a configured object, the live object and the object as
// it would be after the apply (without managedFields; a Secret's data values are masked). Paths of
// spec.driftIgnoreRules are not reported, as the controller does not correct them.
func (d *Differ) Diff(ctx context.Context, obj *unstructured.Unstructured) (ssa.Action, *unstructured.Unstructured, *unstructured.Unstructured, error) {
	rules, err := apply.IgnoreRules(d.ks.Spec.DriftIgnoreRules)
	if err != nil {
		return "", nil, nil, err
	}
	return d.m.Diff(ctx, obj, d.ks.Spec.Force, rules)
}

// Pruned returns the live objects the controller would delete after applying objs: with spec.prune, the
// objects of status.inventory that are not in objs and that prune may delete (they carry the ownership
// labels and do not opt out). Without spec.prune it returns nothing.
func (d *Differ) Pruned(ctx context.Context, objs []*unstructured.Unstructured) ([]*unstructured.Unstructured, error) {
	if !d.ks.Spec.Prune || d.ks.Status.Inventory == nil {
		return nil, nil
	}
	stale := apply.Diff(d.ks.Status.Inventory, apply.InventoryFromObjects(objs))
	return d.m.PruneCandidates(ctx, stale)
}

func owner(ks *kustomizev1.Kustomization) types.NamespacedName {
	return types.NamespacedName{Namespace: ks.Namespace, Name: ks.Name}
}
