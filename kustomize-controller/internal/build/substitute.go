/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package build

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	kustomizev1 "github.com/tide-gitops/tide/api/kustomize/v1"
)

// varName is the rule Flux applies to substitution variable names.
var varName = regexp.MustCompile(`^[_[:alpha:]][_[:alpha:][:digit:]]*$`)

// MergeVars returns the variables of a post-build substitution as Flux computes them: the data of each
// substituteFrom source in order, a later source overriding an earlier one, then spec.postBuild.substitute
// overriding them all. Newlines are removed from every value, as Flux does. The caller reads the ConfigMaps
// and Secrets (see VarsFromConfigMap and VarsFromSecret) and decides what a missing optional source means.
func MergeVars(sources []map[string]string, inline map[string]string) map[string]string {
	vars := map[string]string{}
	for _, src := range sources {
		for k, v := range src {
			vars[k] = strings.ReplaceAll(v, "\n", "")
		}
	}
	for k, v := range inline {
		vars[k] = strings.ReplaceAll(v, "\n", "")
	}
	return vars
}

// VarsFromConfigMap returns the data of a ConfigMap named in substituteFrom.
func VarsFromConfigMap(cm *corev1.ConfigMap) map[string]string {
	return cm.Data
}

// VarsFromSecret returns the decoded data of a Secret named in substituteFrom.
func VarsFromSecret(s *corev1.Secret) map[string]string {
	out := make(map[string]string, len(s.Data)+len(s.StringData))
	for k, v := range s.Data {
		out[k] = string(v)
	}
	for k, v := range s.StringData {
		out[k] = v
	}
	return out
}

// validateVars refuses variable names that Flux refuses.
func validateVars(vars map[string]string) error {
	var bad []string
	for k := range vars {
		if !varName.MatchString(k) {
			bad = append(bad, k)
		}
	}
	if len(bad) > 0 {
		sort.Strings(bad)
		return fmt.Errorf("substitution variable name %q is invalid: it must match %s", bad[0], varName)
	}
	return nil
}

// substitutionDisabled reports whether an object opted out with the kustomize.toolkit.fluxcd.io/substitute:
// disabled label or annotation.
func substitutionDisabled(obj *unstructured.Unstructured) bool {
	return obj.GetAnnotations()[kustomizev1.SubstituteAnnotation] == kustomizev1.DisabledValue ||
		obj.GetLabels()[kustomizev1.SubstituteAnnotation] == kustomizev1.DisabledValue
}

// objectRef names an object in messages as Kind/namespace/name.
func objectRef(obj *unstructured.Unstructured) string {
	if ns := obj.GetNamespace(); ns != "" {
		return obj.GetKind() + "/" + ns + "/" + obj.GetName()
	}
	return obj.GetKind() + "/" + obj.GetName()
}

// Substitute runs Flux's post-build variable substitution on each object in place. As in Flux, the
// object's YAML text (as kustomize prints it: keys sorted, quotes only where needed) is substituted and parsed
// again, so "replicas: ${n}" becomes a number, and so does a label "${v}" whose value looks like one (Flux
// behaves the same). An unset variable becomes "" unless strict is true, when it fails naming the variable and
// the object. Objects with the substitute: disabled opt-out are left alone, and nothing happens when vars is
// empty (Flux's rule).
func Substitute(objs []*unstructured.Unstructured, vars map[string]string, strict bool) error {
	if len(vars) == 0 {
		return nil
	}
	if err := validateVars(vars); err != nil {
		return err
	}
	for i, obj := range objs {
		if substitutionDisabled(obj) {
			continue
		}
		out, err := substituteObject(obj, vars, strict)
		if err != nil {
			return err
		}
		objs[i].Object = out.Object
	}
	return nil
}

// substituteObject substitutes vars in the YAML text of obj and returns the decoded result.
func substituteObject(obj *unstructured.Unstructured, vars map[string]string, strict bool) (*unstructured.Unstructured, error) {
	text, err := yaml.Marshal(obj.Object)
	if err != nil {
		return nil, fmt.Errorf("%s: encoding for substitution: %w", objectRef(obj), err)
	}
	e := expander{strict: strict, lookup: func(k string) (string, bool) {
		v, ok := vars[k]
		return v, ok
	}}
	out, err := e.expand(string(text))
	if err != nil {
		return nil, fmt.Errorf("post-build substitution of %s failed: %w", objectRef(obj), err)
	}
	js, err := yaml.YAMLToJSON([]byte(out))
	if err != nil {
		return nil, fmt.Errorf("post-build substitution of %s produced invalid YAML: %w", objectRef(obj), err)
	}
	u := &unstructured.Unstructured{}
	if err := u.UnmarshalJSON(js); err != nil {
		return nil, fmt.Errorf("post-build substitution of %s produced an invalid object: %w", objectRef(obj), err)
	}
	return u, nil
}
