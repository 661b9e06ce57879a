/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

// Package controller holds the source-controller's reconcilers: one per kind, sharing the status and storage
// handling in this file.
package controller

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/fluxcd/pkg/apis/meta"
	"github.com/fluxcd/pkg/runtime/conditions"
	runtimectrl "github.com/fluxcd/pkg/runtime/controller"
	"github.com/fluxcd/pkg/runtime/jitter"
	corev1 "k8s.io/api/core/v1"
	kuberecorder "k8s.io/client-go/tools/record"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/log"

	sourcev1 "github.com/tide-gitops/tide/api/source/v1"
	"github.com/tide-gitops/tide/internal/reconcile"
	"github.com/tide-gitops/tide/source-controller/internal/storage"
)

// sourceObject is what every source kind implements.
type sourceObject interface {
	client.Object
	conditions.Setter
	GetRequeueAfter() time.Duration
	GetArtifact() *meta.Artifact
}

// failureConditions are the negative-polarity conditions a failed step sets; a success clears them.
var failureConditions = []string{
	sourcev1.FetchFailedCondition, sourcev1.BuildFailedCondition, sourcev1.StorageOperationFailedCondition,
	sourcev1.IncludeUnavailableCondition,
}

// stepError is a failed reconcile step: the condition it sets, the reason, and whether retrying can help
// before the spec changes.
type stepError struct {
	condition string
	reason    string
	err       error
	stalled   bool
}

func (e *stepError) Error() string { return e.err.Error() }
func (e *stepError) Unwrap() error { return e.err }

func fetchFailed(reason string, err error) *stepError {
	return &stepError{condition: sourcev1.FetchFailedCondition, reason: reason, err: err}
}

func stalled(condition, reason string, err error) *stepError {
	return &stepError{condition: condition, reason: reason, err: err, stalled: true}
}

// SourceReconciler is the part every source reconciler shares.
type SourceReconciler struct {
	client.Client
	// Metrics records Flux's reconcile duration metric; the zero value records nothing.
	Metrics        runtimectrl.Metrics
	EventRecorder  kuberecorder.EventRecorder
	Storage        *storage.Storage
	ControllerName string
}

// NewSourceReconciler returns the shared part of the source reconcilers.
func NewSourceReconciler(c client.Client, recorder kuberecorder.EventRecorder, st *storage.Storage, name string) SourceReconciler {
	return SourceReconciler{Client: c, EventRecorder: recorder, Storage: st, ControllerName: name}
}

// sourceState gives the shared reconcile skeleton the kind-specific fields it needs.
type sourceState struct {
	suspended          bool
	observedGeneration *int64
	requests           *meta.ReconcileRequestStatus
}

// reconcileSource runs the fixed order every source kind follows: fetch (ignoring NotFound), deletion and
// finalizer, suspension, then the kind's work. The status is patched once, at the end, whatever the outcome.
func (r *SourceReconciler) reconcileSource(ctx context.Context, req ctrl.Request, obj sourceObject,
	state func() sourceState, work func(context.Context) (string, error)) (ctrl.Result, error) {
	if err := r.Get(ctx, req.NamespacedName, obj); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	// gotk_reconcile_duration_seconds, as Flux; removed for an object being deleted.
	defer r.Metrics.RecordDuration(ctx, obj, time.Now())
	if !obj.GetDeletionTimestamp().IsZero() {
		return r.reconcileDelete(ctx, obj)
	}
	st := state()
	if st.suspended {
		log.FromContext(ctx).V(1).Info("reconciliation is suspended")
		return ctrl.Result{}, nil
	}
	base := r.beginReconcile(obj)
	handleReconcileRequest(obj, st.requests)
	msg, err := work(ctx)
	return r.finishReconcile(ctx, obj, st.observedGeneration, base, msg, err)
}

// recordArtifact finishes a newly stored artifact: links it as the object's latest, lets set put it (and the
// latest URL) on the status with the observed configuration, marks ArtifactInStorage, emits NewArtifact when
// the content changed, and collects old artifacts. noun is "revision" or "digest", as Flux words the message.
func (r *SourceReconciler) recordArtifact(ctx context.Context, obj sourceObject, art *meta.Artifact, noun string,
	set func(art *meta.Artifact, latestURL string)) string {
	prev := obj.GetArtifact()
	isNew := prev == nil || prev.Digest != art.Digest
	url, err := r.Storage.Symlink(*art, "latest.tar.gz")
	if err != nil {
		log.FromContext(ctx).Error(err, "updating the latest artifact link")
	}
	set(art, url)
	msg := fmt.Sprintf("stored artifact for %s '%s'", noun, art.Revision)
	conditions.Delete(obj, sourcev1.ArtifactOutdatedCondition)
	conditions.MarkTrue(obj, sourcev1.ArtifactInStorageCondition, meta.SucceededReason, "%s", msg)
	if isNew {
		r.recordNewArtifact(obj, art, msg)
	}
	r.garbageCollect(ctx, obj)
	return msg
}

// reconcileDelete removes the object's artifacts from storage, then its finalizer.
func (r *SourceReconciler) reconcileDelete(ctx context.Context, obj sourceObject) (ctrl.Result, error) {
	if !controllerutil.ContainsFinalizer(obj, sourcev1.SourceFinalizer) {
		return ctrl.Result{}, nil
	}
	if art := obj.GetArtifact(); art != nil {
		if err := r.Storage.RemoveAll(*art); err != nil {
			return ctrl.Result{}, fmt.Errorf("removing artifacts of %s: %w", client.ObjectKeyFromObject(obj), err)
		}
	}
	base := obj.DeepCopyObject().(client.Object)
	controllerutil.RemoveFinalizer(obj, sourcev1.SourceFinalizer)
	if err := r.Patch(ctx, obj, client.MergeFrom(base)); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	return ctrl.Result{}, nil
}

// beginReconcile returns the object as fetched, the base of the patches finishReconcile computes, and adds the
// finalizer (persisted by the same final write, so a new object costs no extra requeue).
func (r *SourceReconciler) beginReconcile(obj sourceObject) client.Object {
	base := obj.DeepCopyObject().(client.Object)
	controllerutil.AddFinalizer(obj, sourcev1.SourceFinalizer)
	return base
}

// finishReconcile records the outcome on the object's conditions, patches the status once, emits a warning
// event for a failure, and returns when to reconcile next.
//
// observedGeneration points at the object's status.observedGeneration: an attempt on this generation was made,
// whatever its outcome, so kstatus reads Ready/Reconciling/Stalled as being about the current spec.
func (r *SourceReconciler) finishReconcile(ctx context.Context, obj sourceObject, observedGeneration *int64,
	base client.Object, readyMessage string, stepErr error) (ctrl.Result, error) {
	result, retErr := r.summarize(obj, readyMessage, stepErr)
	*observedGeneration = obj.GetGeneration()
	if err := reconcile.Persist(ctx, r.Client, obj, base, r.ControllerName); err != nil {
		retErr = errors.Join(retErr, client.IgnoreNotFound(err))
	}
	return result, retErr
}

// summarize sets Ready, Reconciling and Stalled from the outcome of the reconcile, following kstatus.
func (r *SourceReconciler) summarize(obj sourceObject, readyMessage string, err error) (ctrl.Result, error) {
	if err == nil {
		for _, c := range append(failureConditions, meta.ReconcilingCondition, meta.StalledCondition) {
			conditions.Delete(obj, c)
		}
		conditions.MarkTrue(obj, meta.ReadyCondition, meta.SucceededReason, "%s", readyMessage)
		return ctrl.Result{RequeueAfter: jitter.JitteredIntervalDuration(obj.GetRequeueAfter())}, nil
	}
	var se *stepError
	if !errors.As(err, &se) {
		se = &stepError{condition: sourcev1.FetchFailedCondition, reason: meta.FailedReason, err: err}
	}
	conditions.MarkTrue(obj, se.condition, se.reason, "%s", se.err.Error())
	conditions.MarkFalse(obj, meta.ReadyCondition, se.reason, "%s", se.err.Error())
	r.EventRecorder.Event(obj, corev1.EventTypeWarning, se.reason, se.err.Error())
	if se.stalled {
		conditions.Delete(obj, meta.ReconcilingCondition)
		conditions.MarkStalled(obj, se.reason, "%s", se.err.Error())
		// Retrying cannot help until the spec changes, which triggers a new reconcile.
		return ctrl.Result{}, nil
	}
	conditions.Delete(obj, meta.StalledCondition)
	conditions.MarkReconciling(obj, meta.ProgressingWithRetryReason, "%s", se.err.Error())
	return ctrl.Result{}, se.err
}

// recordNewArtifact emits the event of a new revision in storage.
func (r *SourceReconciler) recordNewArtifact(obj sourceObject, art *meta.Artifact, message string) {
	r.EventRecorder.AnnotatedEventf(obj, map[string]string{"revision": art.Revision, "digest": art.Digest},
		corev1.EventTypeNormal, "NewArtifact", "%s", message)
}

// garbageCollect removes old artifacts of the object; a failure is logged, never fatal: the current artifact
// is in place.
func (r *SourceReconciler) garbageCollect(ctx context.Context, obj sourceObject) {
	art := obj.GetArtifact()
	if art == nil {
		return
	}
	deleted, err := r.Storage.GarbageCollect(ctx, *art)
	if err != nil {
		log.FromContext(ctx).Error(err, "garbage collecting old artifacts")
		return
	}
	if len(deleted) > 0 {
		log.FromContext(ctx).V(1).Info("garbage collected old artifacts", "files", deleted)
	}
}

// artifactUpToDate tells whether the stored artifact is for revision and still on disk.
func (r *SourceReconciler) artifactUpToDate(obj sourceObject, revision string) bool {
	art := obj.GetArtifact()
	return art != nil && art.Revision == revision && r.Storage.ArtifactExist(*art)
}

// handleReconcileRequest records that a reconcile.fluxcd.io/requestedAt annotation was handled.
func handleReconcileRequest(obj client.Object, status *meta.ReconcileRequestStatus) {
	if v, ok := meta.ReconcileAnnotationValue(obj.GetAnnotations()); ok {
		status.SetLastHandledReconcileRequest(v)
	}
}
