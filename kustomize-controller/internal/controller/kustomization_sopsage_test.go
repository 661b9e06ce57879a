/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package controller

import (
	"context"
	"strings"
	"testing"

	"github.com/getsops/sops/v3/cmd/sops/formats"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/yaml"

	kustomizev1 "github.com/tide-gitops/tide/api/kustomize/v1"
)

// TestSOPSAgeSecret: with --sops-age-secret, a Kustomization whose spec.decryption names no Secret decrypts
// with the age identities of the controller-wide Secret (read from the API server); a missing one is a
// BuildFailed error naming it.
func TestSOPSAgeSecret(t *testing.T) {
	f := newSOPSFixture(t) // its "sops-age" Secret plays the controller-wide one
	password := secretValue(t, "password")
	manifest := &unstructured.Unstructured{}
	if err := yaml.Unmarshal([]byte(f.encrypt(t, secretManifest("db", password, "token"), formats.Yaml)), &manifest.Object); err != nil {
		t.Fatal(err)
	}
	k := &kustomizev1.Kustomization{ObjectMeta: metav1.ObjectMeta{Namespace: "apps", Name: "app"},
		Spec: kustomizev1.KustomizationSpec{Decryption: &kustomizev1.Decryption{Provider: "sops"}}}

	r := &KustomizationReconciler{APIReader: env.Client, SOPSAgeSecret: types.NamespacedName{Namespace: f.ns, Name: "sops-age"}}
	d, err := r.decryptor(context.Background(), k)
	if err != nil {
		t.Fatal(err)
	}
	plain, err := d.DecryptObject(manifest)
	if err != nil {
		t.Fatal(err)
	}
	if got, _, _ := unstructured.NestedString(plain.Object, "stringData", "password"); got != password {
		t.Errorf("decrypted password = %q", got)
	}

	r.SOPSAgeSecret.Name = "missing"
	_, err = r.decryptor(context.Background(), k)
	if err == nil || !strings.Contains(err.Error(), "--sops-age-secret Secret '"+f.ns+"/missing' not found") {
		t.Errorf("missing controller-wide Secret: %v", err)
	}
}
