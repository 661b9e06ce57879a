/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package e2e

import (
	"strings"
	"testing"
	"time"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	kustomizev1 "github.com/tide-gitops/tide/api/kustomize/v1"
	sourcev1 "github.com/tide-gitops/tide/api/source/v1"
)

// TestOldVersionReadAsStorageVersion: an object written in a served older version is stored and read back in
// the storage version with its common fields intact and the storage version's defaults, as with Flux (whose
// CRDs also convert with strategy None).
func TestOldVersionReadAsStorageVersion(t *testing.T) {
	ctx := testContext(t, time.Minute)
	for _, doc := range []string{
		`apiVersion: source.toolkit.fluxcd.io/v1beta2
kind: GitRepository
metadata: {name: old-git, namespace: flux-system}
spec: {interval: 1m, url: "https://example.com/org/repo", ref: {branch: main}, gitImplementation: go-git}`,
		`apiVersion: kustomize.toolkit.fluxcd.io/v1beta2
kind: Kustomization
metadata: {name: old-ks, namespace: flux-system}
spec: {interval: 10m, path: ./kustomize, prune: true, sourceRef: {kind: GitRepository, name: old-git}, targetNamespace: default}`,
	} {
		obj := &unstructured.Unstructured{}
		if err := yaml.Unmarshal([]byte(doc), &obj.Object); err != nil {
			t.Fatal(err)
		}
		if err := env.Client.Create(ctx, obj); err != nil {
			t.Fatalf("creating %s %s: %v", obj.GetAPIVersion(), obj.GetKind(), err)
		}
		t.Cleanup(func() { _ = env.Client.Delete(ctx, obj) })
	}

	var git sourcev1.GitRepository
	if err := env.Client.Get(ctx, client.ObjectKey{Namespace: "flux-system", Name: "old-git"}, &git); err != nil {
		t.Fatal(err)
	}
	if git.Spec.URL != "https://example.com/org/repo" || git.Spec.Reference == nil || git.Spec.Reference.Branch != "main" {
		t.Errorf("v1 view of the v1beta2 GitRepository lost fields: %+v", git.Spec)
	}
	if git.Spec.Timeout == nil || git.Spec.Timeout.Duration != time.Minute {
		t.Errorf("timeout default = %v, want 60s", git.Spec.Timeout)
	}
	if git.Status.ObservedGeneration != -1 {
		t.Errorf("status.observedGeneration default = %d, want -1", git.Status.ObservedGeneration)
	}

	var ks kustomizev1.Kustomization
	if err := env.Client.Get(ctx, client.ObjectKey{Namespace: "flux-system", Name: "old-ks"}, &ks); err != nil {
		t.Fatal(err)
	}
	if ks.Spec.Path != "./kustomize" || !ks.Spec.Prune || ks.Spec.TargetNamespace != "default" || ks.Spec.SourceRef.Name != "old-git" {
		t.Errorf("v1 view of the v1beta2 Kustomization lost fields: %+v", ks.Spec)
	}
}

// TestCRDConventions: each kind has exactly one storage version, older versions warn that they are deprecated,
// every version prints Age, and versions with status conditions print Ready and Status and have the status
// subresource.
func TestCRDConventions(t *testing.T) {
	ctx := testContext(t, time.Minute)
	var crds apiextensionsv1.CustomResourceDefinitionList
	if err := env.Client.List(ctx, &crds); err != nil {
		t.Fatal(err)
	}
	kinds := 0
	for _, crd := range crds.Items {
		if !strings.HasSuffix(crd.Spec.Group, ".toolkit.fluxcd.io") {
			continue
		}
		kinds++
		if !isEstablished(crd) {
			t.Errorf("%s is not established", crd.Name)
		}
		storage := 0
		for _, v := range crd.Spec.Versions {
			where := crd.Spec.Names.Kind + " " + v.Name
			if v.Storage {
				storage++
			} else if !v.Deprecated || v.DeprecationWarning == nil {
				t.Errorf("%s is served but not the storage version, and has no deprecation warning", where)
			}
			cols := map[string]bool{}
			for _, c := range v.AdditionalPrinterColumns {
				cols[c.Name] = true
			}
			if !cols["Age"] {
				t.Errorf("%s has no Age column", where)
			}
			status, hasStatus := v.Schema.OpenAPIV3Schema.Properties["status"]
			if _, hasConditions := status.Properties["conditions"]; hasStatus && hasConditions {
				if !cols["Ready"] || !cols["Status"] {
					t.Errorf("%s has conditions but no Ready/Status columns: %v", where, cols)
				}
				if v.Subresources == nil || v.Subresources.Status == nil {
					t.Errorf("%s has a status but no status subresource", where)
				}
			}
		}
		if storage != 1 {
			t.Errorf("%s has %d storage versions", crd.Name, storage)
		}
	}
	if kinds != 13 {
		t.Errorf("found %d tide CRDs, want 13", kinds)
	}
}

func isEstablished(crd apiextensionsv1.CustomResourceDefinition) bool {
	for _, c := range crd.Status.Conditions {
		if c.Type == apiextensionsv1.Established && c.Status == apiextensionsv1.ConditionTrue {
			return true
		}
	}
	return false
}
