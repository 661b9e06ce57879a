/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package apply

import (
	"fmt"

	"github.com/fluxcd/pkg/ssa/jsondiff"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	kustomizev1 "github.com/tide-gitops/tide/api/kustomize/v1"
)

// Drift ignore rules (ApplyOptions.DriftIgnoreRules, spec.driftIgnoreRules) are enforced by ssa on its path:
// its dry-run diff leaves the ignored paths out, and when an object is applied for another difference, an
// ignored field that drifted is kept at its live value (or left out when another apply manager owns it).
//
// The fast path never writes, so it cannot revert an ignored field; it only decides which objects are
// unchanged. For an object matched by a rule, it compares the desired configuration without the ignored
// paths with the live object: a difference in an ignored field alone is then reported unchanged (as ssa
// would report it), and any other difference sends the object to ssa's path, which keeps the ignored fields.
// Objects that do not exist yet are created in full, as Flux creates them.

// ignoredPaths returns the JSON pointers of the rules that match both the desired and the live object. ssa
// matches its rules against the dry-run result, which holds the desired metadata merged into the live
// metadata: matching both is the conservative reading (a rule ignored here only sends the object to ssa).
func ignoredPaths(rules jsondiff.CompiledIgnoreRules, desired, live *unstructured.Unstructured) []string {
	var paths []string
	for sel, p := range rules {
		if sel.MatchUnstructured(desired) && sel.MatchUnstructured(live) {
			paths = append(paths, p...)
		}
	}
	return paths
}

// unchangedIgnoring reports whether every field of desired, except the paths of the rules matching it, has
// the same value in live (see subset). A false answer is always safe: the object takes ssa's path.
func unchangedIgnoring(rules jsondiff.CompiledIgnoreRules, desired, live *unstructured.Unstructured) bool {
	paths := ignoredPaths(rules, desired, live)
	if len(paths) == 0 {
		return subset(desired.Object, live.Object, false)
	}
	d := desired.DeepCopy()
	if err := jsondiff.ApplyPatchToUnstructured(d, jsondiff.GenerateRemovePatch(paths...)); err != nil {
		return false
	}
	return subset(d.Object, live.Object, false)
}

// IgnoreRules converts spec.driftIgnoreRules to ssa's rules, refusing a target whose patterns do not compile.
func IgnoreRules(spec []kustomizev1.DriftIgnoreRule) ([]jsondiff.IgnoreRule, error) {
	rules := make([]jsondiff.IgnoreRule, 0, len(spec))
	for i, r := range spec {
		rule := jsondiff.IgnoreRule{Paths: r.Paths}
		if t := r.Target; t != nil {
			rule.Selector = &jsondiff.Selector{Group: t.Group, Version: t.Version, Kind: t.Kind, Name: t.Name,
				Namespace: t.Namespace, AnnotationSelector: t.AnnotationSelector, LabelSelector: t.LabelSelector}
		}
		if _, err := jsondiff.NewSelectorRegex(rule.Selector); err != nil {
			return nil, fmt.Errorf("invalid spec.driftIgnoreRules[%d].target: %w", i, err)
		}
		rules = append(rules, rule)
	}
	return rules, nil
}
