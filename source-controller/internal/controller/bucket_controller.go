/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package controller

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/fluxcd/pkg/apis/meta"
	"github.com/fluxcd/pkg/runtime/conditions"
	"github.com/fluxcd/pkg/runtime/predicates"
	corev1 "k8s.io/api/core/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/predicate"

	sourcev1 "github.com/tide-gitops/tide/api/source/v1"
	"github.com/tide-gitops/tide/source-controller/internal/bucket"
	"github.com/tide-gitops/tide/source-controller/internal/sourceignore"
)

// maxSourceIgnoreSize bounds the .sourceignore object read from a bucket.
const maxSourceIgnoreSize = 1 << 20

// +kubebuilder:rbac:groups=source.toolkit.fluxcd.io,resources=buckets,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups=source.toolkit.fluxcd.io,resources=buckets/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=source.toolkit.fluxcd.io,resources=buckets/finalizers,verbs=update
// +kubebuilder:rbac:groups="",resources=secrets,verbs=get;list;watch

// BucketReconciler turns the objects of an S3-compatible bucket (under a prefix) into artifacts.
type BucketReconciler struct {
	SourceReconciler
}

// SetupWithManager registers the reconciler.
func (r *BucketReconciler) SetupWithManager(mgr ctrl.Manager, opts controller.Options) error {
	return ctrl.NewControllerManagedBy(mgr).
		For(&sourcev1.Bucket{}, builder.WithPredicates(
			predicate.Or(predicate.GenerationChangedPredicate{}, predicates.ReconcileRequestedPredicate{}))).
		WithOptions(opts).
		Complete(r)
}

// Reconcile follows the fixed order every source reconciler shares; see SourceReconciler.reconcileSource.
func (r *BucketReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	obj := &sourcev1.Bucket{}
	return r.reconcileSource(ctx, req, obj, func() sourceState {
		return sourceState{suspended: obj.Spec.Suspend, observedGeneration: &obj.Status.ObservedGeneration,
			requests: &obj.Status.ReconcileRequestStatus}
	}, func(ctx context.Context) (string, error) { return r.reconcile(ctx, obj) })
}

// reconcile lists the bucket (cheap: keys and ETags), and downloads and stores it only when the index digest
// or the ignore rules changed.
func (r *BucketReconciler) reconcile(ctx context.Context, obj *sourcev1.Bucket) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, obj.GetTimeout())
	defer cancel()
	c, err := r.bucketClient(ctx, obj)
	if err != nil {
		return "", err
	}
	ignoreFile, _, err := c.ReadObject(ctx, bucket.SourceIgnoreKey, maxSourceIgnoreSize)
	if err != nil {
		return "", bucketFailure(fmt.Errorf("reading %s: %w", bucket.SourceIgnoreKey, err))
	}
	ignore, err := sourceignore.NewKeyFilter(bytes.NewReader(ignoreFile), obj.Spec.Ignore)
	if err != nil {
		return "", stalled(sourcev1.BuildFailedCondition, "InvalidIgnoreRules", fmt.Errorf("reading ignore rules: %w", err))
	}
	index, err := c.List(ctx, ignore)
	if err != nil {
		return "", bucketFailure(fmt.Errorf("listing bucket '%s': %w", obj.Spec.BucketName, err))
	}
	revision := bucket.Revision(index)
	if r.artifactUpToDate(obj, revision) && equalStringPtr(obj.Status.ObservedIgnore, obj.Spec.Ignore) {
		conditions.Delete(obj, sourcev1.ArtifactOutdatedCondition)
		return fmt.Sprintf("stored artifact for revision '%s'", revision), nil
	}
	dir, err := os.MkdirTemp("", "bucket-")
	if err != nil {
		return "", stalled(sourcev1.StorageOperationFailedCondition, sourcev1.DirCreationFailedReason, err)
	}
	defer os.RemoveAll(dir)
	fetched, err := c.Download(ctx, index, dir)
	if err != nil {
		return "", bucketFailure(fmt.Errorf("downloading from bucket '%s': %w", obj.Spec.BucketName, err))
	}
	revision = bucket.Revision(fetched)
	art := r.Storage.NewArtifactFor(sourcev1.BucketKind, obj.Namespace, obj.Name, revision,
		revisionFileName(revision)+".tar.gz")
	if err := r.Storage.Archive(&art, dir, nil); err != nil {
		return "", &stepError{condition: sourcev1.StorageOperationFailedCondition,
			reason: sourcev1.ArchiveOperationFailedReason, err: fmt.Errorf("storing artifact: %w", err)}
	}
	return r.recordArtifact(ctx, obj, &art, "revision", func(art *meta.Artifact, url string) {
		obj.Status.Artifact, obj.Status.URL = art, url
		obj.Status.ObservedIgnore = obj.Spec.Ignore
	}), nil
}

// bucketClient reads the Secrets the spec refers to and builds the S3 client.
func (r *BucketReconciler) bucketClient(ctx context.Context, obj *sourcev1.Bucket) (*bucket.Client, error) {
	var secrets bucket.Secrets
	for _, ref := range []struct {
		ref *meta.LocalObjectReference
		dst **corev1.Secret
	}{{obj.Spec.SecretRef, &secrets.Auth}, {obj.Spec.CertSecretRef, &secrets.TLS}, {obj.Spec.ProxySecretRef, &secrets.Proxy}} {
		if ref.ref == nil {
			continue
		}
		s, err := r.getSecret(ctx, obj.Namespace, ref.ref.Name)
		if err != nil {
			return nil, fetchFailed(sourcev1.AuthenticationFailedReason, err)
		}
		*ref.dst = s
	}
	opts, err := bucket.OptionsFromSpec(&obj.Spec, secrets)
	if err != nil {
		return nil, stalled(sourcev1.FetchFailedCondition, sourcev1.URLInvalidReason, err)
	}
	c, err := bucket.New(opts)
	if err != nil {
		return nil, stalled(sourcev1.FetchFailedCondition, sourcev1.URLInvalidReason, err)
	}
	return c, nil
}

// bucketFailure classifies a bucket error for the conditions.
func bucketFailure(err error) error {
	switch {
	case errors.Is(err, bucket.ErrAuthentication):
		return fetchFailed(sourcev1.AuthenticationFailedReason, err)
	case errors.Is(err, bucket.ErrUnsupported):
		return stalled(sourcev1.FetchFailedCondition, sourcev1.BucketOperationFailedReason, err)
	default:
		return fetchFailed(sourcev1.BucketOperationFailedReason, err)
	}
}
