/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package controller

import (
	"context"
	"fmt"

	"github.com/fluxcd/pkg/apis/meta"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"

	kustomizev1 "github.com/tide-gitops/tide/api/kustomize/v1"
	"github.com/tide-gitops/tide/kustomize-controller/internal/build"
	"github.com/tide-gitops/tide/kustomize-controller/internal/decrypt"
)

// decryptor returns the decryptor of spec.decryption, nil without it. Its keys are those of the Secret named
// by spec.decryption.secretRef in the Kustomization's namespace, then the age identities of the controller's
// --sops-age-secret, both read uncached; with neither it holds none, and decrypting anything fails with a
// message saying so. Failures are BuildFailed, as in Flux.
func (r *KustomizationReconciler) decryptor(ctx context.Context, obj *kustomizev1.Kustomization) (build.Decryptor, error) {
	spec := obj.Spec.Decryption
	if spec == nil {
		return nil, nil
	}
	if spec.Provider != decrypt.Provider {
		return nil, stalledError(meta.BuildFailedReason, fmt.Errorf(
			"spec.decryption.provider %q is not supported: use %q", spec.Provider, decrypt.Provider))
	}
	var (
		name string
		data map[string][]byte
	)
	if spec.SecretRef != nil {
		key := types.NamespacedName{Namespace: obj.Namespace, Name: spec.SecretRef.Name}
		secret, err := r.decryptionSecret(ctx, key, "decryption Secret")
		if err != nil {
			return nil, err
		}
		name, data = key.String(), secret.Data
	}
	d, err := decrypt.New(name, data)
	if err != nil {
		return nil, failed(meta.BuildFailedReason, err)
	}
	if r.SOPSAgeSecret.Name != "" {
		secret, err := r.decryptionSecret(ctx, r.SOPSAgeSecret, "--sops-age-secret Secret")
		if err != nil {
			return nil, err
		}
		if err := d.AddAgeFallback(r.SOPSAgeSecret.String(), secret.Data); err != nil {
			return nil, failed(meta.BuildFailedReason, err)
		}
	}
	return d, nil
}

// decryptionSecret reads a Secret of keys, uncached; what names it in messages.
func (r *KustomizationReconciler) decryptionSecret(ctx context.Context, key types.NamespacedName, what string) (*corev1.Secret, error) {
	secret := &corev1.Secret{}
	if err := r.APIReader.Get(ctx, key, secret); err != nil {
		if apierrors.IsNotFound(err) {
			return nil, failed(meta.BuildFailedReason, fmt.Errorf("%s '%s' not found", what, key))
		}
		return nil, failed(meta.BuildFailedReason, fmt.Errorf("reading %s '%s': %w", what, key, err))
	}
	return secret, nil
}

// refuseEncrypted fails on a SOPS-encrypted Secret left in the objects (no spec.decryption), as Flux does
// before applying anything, unless it opted out with kustomize.toolkit.fluxcd.io/decrypt: disabled.
func refuseEncrypted(objs []*unstructured.Unstructured) error {
	for _, o := range objs {
		if decrypt.IsEncryptedSecret(o) && !decrypt.DecryptionDisabled(o) {
			return failed(meta.ReconciliationFailedReason, fmt.Errorf(
				"%s is SOPS encrypted, configuring decryption is required for this secret to be reconciled", objectName(o)))
		}
	}
	return nil
}

// objectName names an object as Flux does in messages: Kind/namespace/name.
func objectName(o *unstructured.Unstructured) string {
	if ns := o.GetNamespace(); ns != "" {
		return fmt.Sprintf("%s/%s/%s", o.GetKind(), ns, o.GetName())
	}
	return fmt.Sprintf("%s/%s", o.GetKind(), o.GetName())
}
