/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package controller

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/fluxcd/pkg/apis/meta"
	"github.com/fluxcd/pkg/runtime/conditions"
	"github.com/fluxcd/pkg/runtime/predicates"
	corev1 "k8s.io/api/core/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/predicate"

	sourcev1 "github.com/tide-gitops/tide/api/source/v1"
	"github.com/tide-gitops/tide/internal/artifact"
	"github.com/tide-gitops/tide/source-controller/internal/oci"
	"github.com/tide-gitops/tide/source-controller/internal/sourceignore"
)

// VerificationNotSupportedReason says that spec.verify asks for a signature check tide cannot do yet.
const VerificationNotSupportedReason = "VerificationNotSupported"

// +kubebuilder:rbac:groups=source.toolkit.fluxcd.io,resources=ocirepositories,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups=source.toolkit.fluxcd.io,resources=ocirepositories/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=source.toolkit.fluxcd.io,resources=ocirepositories/finalizers,verbs=update
// +kubebuilder:rbac:groups="",resources=secrets;serviceaccounts,verbs=get;list;watch

// OCIRepositoryReconciler turns OCI artifacts into source artifacts.
type OCIRepositoryReconciler struct {
	SourceReconciler
}

// SetupWithManager registers the reconciler.
func (r *OCIRepositoryReconciler) SetupWithManager(mgr ctrl.Manager, opts controller.Options) error {
	return ctrl.NewControllerManagedBy(mgr).
		For(&sourcev1.OCIRepository{}, builder.WithPredicates(
			predicate.Or(predicate.GenerationChangedPredicate{}, predicates.ReconcileRequestedPredicate{}))).
		WithOptions(opts).
		Complete(r)
}

// Reconcile follows the fixed order every source reconciler shares; see SourceReconciler.reconcileSource.
func (r *OCIRepositoryReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	obj := &sourcev1.OCIRepository{}
	return r.reconcileSource(ctx, req, obj, func() sourceState {
		return sourceState{suspended: obj.Spec.Suspend, observedGeneration: &obj.Status.ObservedGeneration,
			requests: &obj.Status.ReconcileRequestStatus}
	}, func(ctx context.Context) (string, error) { return r.reconcile(ctx, obj) })
}

func (r *OCIRepositoryReconciler) reconcile(ctx context.Context, obj *sourcev1.OCIRepository) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, obj.GetTimeout())
	defer cancel()
	if obj.Spec.Verify != nil {
		// Never hand out an artifact whose signature was asked for and not checked.
		conditions.MarkFalse(obj, sourcev1.SourceVerifiedCondition, VerificationNotSupportedReason,
			"verification with %s is not supported by tide yet", obj.Spec.Verify.Provider)
		return "", stalled(sourcev1.SourceVerifiedCondition, VerificationNotSupportedReason, fmt.Errorf(
			"spec.verify (%s) is not supported by tide yet: remove it to use the artifact unverified", obj.Spec.Verify.Provider))
	}
	conditions.Delete(obj, sourcev1.SourceVerifiedCondition)
	opts, err := r.ociOptions(ctx, obj)
	if err != nil {
		return "", err
	}
	sel, err := oci.NewLayerSelector(obj.Spec.LayerSelector)
	if err != nil {
		return "", stalled(sourcev1.FetchFailedCondition, sourcev1.OCILayerOperationFailedReason, err)
	}
	rev, err := oci.Resolve(ctx, opts)
	if err != nil {
		return "", ociFailure(fmt.Errorf("resolving %s: %w", obj.Spec.URL, err))
	}
	revision := rev.String()
	if r.artifactUpToDate(obj, revision) && equalStringPtr(obj.Status.ObservedIgnore, obj.Spec.Ignore) &&
		equalLayerSelector(obj.Status.ObservedLayerSelector, obj.Spec.LayerSelector) {
		conditions.Delete(obj, sourcev1.ArtifactOutdatedCondition)
		return fmt.Sprintf("stored artifact for digest '%s'", revision), nil
	}
	layer, err := oci.Pull(ctx, opts, rev, sel)
	if err != nil {
		return "", ociFailure(fmt.Errorf("pulling %s: %w", revision, err))
	}
	defer layer.Close()
	art := r.Storage.NewArtifactFor(sourcev1.OCIRepositoryKind, obj.Namespace, obj.Name, revision,
		revisionFileName(rev.Digest)+".tar.gz")
	if err := r.storeLayer(obj, &art, layer); err != nil {
		return "", err
	}
	art.Metadata = layer.ManifestAnnotations
	return r.recordArtifact(ctx, obj, &art, "digest", func(art *meta.Artifact, url string) {
		obj.Status.Artifact, obj.Status.URL = art, url
		obj.Status.ObservedIgnore = obj.Spec.Ignore
		obj.Status.ObservedLayerSelector = obj.Spec.LayerSelector.DeepCopy()
	}), nil
}

// storeLayer extracts the layer and archives it through the ignore rules, or copies it as it is.
func (r *OCIRepositoryReconciler) storeLayer(obj *sourcev1.OCIRepository, art *meta.Artifact, layer *oci.Layer) error {
	storageErr := func(err error) error {
		return &stepError{condition: sourcev1.StorageOperationFailedCondition, reason: sourcev1.ArchiveOperationFailedReason, err: err}
	}
	if layer.Operation == sourcev1.OCILayerCopy {
		if err := r.Storage.CopyFromReader(art, layer); err != nil {
			return storageErr(fmt.Errorf("storing layer %s: %w", layer.Digest, err))
		}
		return nil
	}
	dir, err := os.MkdirTemp("", "ocirepository-")
	if err != nil {
		return storageErr(err)
	}
	defer os.RemoveAll(dir)
	if err := artifact.Extract(layer, dir, artifact.ExtractOptions{}); err != nil {
		return &stepError{condition: sourcev1.FetchFailedCondition, reason: sourcev1.OCILayerOperationFailedReason,
			err: fmt.Errorf("extracting layer %s: %w", layer.Digest, err)}
	}
	filter, err := sourceignore.NewFilter(dir, obj.Spec.Ignore)
	if err != nil {
		return stalled(sourcev1.BuildFailedCondition, "InvalidIgnoreRules", fmt.Errorf("reading ignore rules: %w", err))
	}
	if err := r.Storage.Archive(art, dir, filter); err != nil {
		return storageErr(fmt.Errorf("storing artifact: %w", err))
	}
	return nil
}

// ociOptions reads the Secrets the spec refers to and validates the options.
func (r *OCIRepositoryReconciler) ociOptions(ctx context.Context, obj *sourcev1.OCIRepository) (oci.Options, error) {
	var secrets oci.Secrets
	if obj.Spec.SecretRef != nil {
		s, err := r.getSecret(ctx, obj.Namespace, obj.Spec.SecretRef.Name)
		if err != nil {
			return oci.Options{}, fetchFailed(sourcev1.AuthenticationFailedReason, err)
		}
		secrets.Auth = append(secrets.Auth, *s)
	}
	if obj.Spec.ServiceAccountName != "" {
		pullSecrets, err := r.imagePullSecrets(ctx, obj.Namespace, obj.Spec.ServiceAccountName)
		if err != nil {
			return oci.Options{}, fetchFailed(sourcev1.AuthenticationFailedReason, err)
		}
		secrets.Auth = append(secrets.Auth, pullSecrets...)
	}
	if obj.Spec.CertSecretRef != nil {
		s, err := r.getSecret(ctx, obj.Namespace, obj.Spec.CertSecretRef.Name)
		if err != nil {
			return oci.Options{}, fetchFailed(sourcev1.AuthenticationFailedReason, err)
		}
		secrets.Cert = s
	}
	opts, err := oci.NewOptions(&obj.Spec, secrets)
	if err != nil {
		if errors.Is(err, oci.ErrAuth) {
			return oci.Options{}, stalled(sourcev1.FetchFailedCondition, sourcev1.AuthenticationFailedReason, err)
		}
		return oci.Options{}, stalled(sourcev1.FetchFailedCondition, sourcev1.URLInvalidReason, err)
	}
	opts.UserAgent = "tide/" + r.ControllerName
	return opts, nil
}

// imagePullSecrets returns the pull secrets of a service account.
func (r *SourceReconciler) imagePullSecrets(ctx context.Context, namespace, name string) ([]corev1.Secret, error) {
	var sa corev1.ServiceAccount
	if err := r.Get(ctx, client.ObjectKey{Namespace: namespace, Name: name}, &sa); err != nil {
		return nil, fmt.Errorf("reading ServiceAccount '%s/%s': %w", namespace, name, err)
	}
	secrets := make([]corev1.Secret, 0, len(sa.ImagePullSecrets))
	for _, ref := range sa.ImagePullSecrets {
		s, err := r.getSecret(ctx, namespace, ref.Name)
		if err != nil {
			return nil, err
		}
		secrets = append(secrets, *s)
	}
	return secrets, nil
}

// ociFailure classifies an OCI error for the conditions.
func ociFailure(err error) error {
	switch {
	case errors.Is(err, oci.ErrAuth):
		return fetchFailed(sourcev1.AuthenticationFailedReason, err)
	case errors.Is(err, oci.ErrNoLayer):
		return fetchFailed(sourcev1.OCILayerOperationFailedReason, err)
	default:
		return fetchFailed(sourcev1.OCIPullFailedReason, err)
	}
}

func equalLayerSelector(a, b *sourcev1.OCILayerSelector) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.MediaType == b.MediaType && strings.EqualFold(a.Operation, b.Operation)
}
