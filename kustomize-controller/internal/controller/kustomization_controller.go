/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

// Package controller holds the kustomize-controller's reconciler: it builds a Kustomization from its source's
// artifact, applies the result with server-side apply, prunes what left it and checks its health.
package controller

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/fluxcd/pkg/apis/meta"
	"github.com/fluxcd/pkg/runtime/conditions"
	runtimectrl "github.com/fluxcd/pkg/runtime/controller"
	"github.com/fluxcd/pkg/runtime/jitter"
	"github.com/fluxcd/pkg/runtime/predicates"
	"github.com/fluxcd/pkg/ssa"
	corev1 "k8s.io/api/core/v1"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/rest"
	kuberecorder "k8s.io/client-go/tools/record"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/predicate"

	kustomizev1 "github.com/tide-gitops/tide/api/kustomize/v1"
	sourcev1 "github.com/tide-gitops/tide/api/source/v1"
	"github.com/tide-gitops/tide/internal/artifact"
	"github.com/tide-gitops/tide/internal/reconcile"
	"github.com/tide-gitops/tide/kustomize-controller/internal/apply"
	"github.com/tide-gitops/tide/kustomize-controller/internal/build"
)

// sourceIndexKey indexes Kustomizations by their source, as "<Kind>/<namespace>/<name>".
const sourceIndexKey = ".spec.sourceRef"

// The reconciler's RBAC: Kustomizations, their sources, substitution variables and impersonation.
// +kubebuilder:rbac:groups=kustomize.toolkit.fluxcd.io,resources=kustomizations,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups=kustomize.toolkit.fluxcd.io,resources=kustomizations/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=kustomize.toolkit.fluxcd.io,resources=kustomizations/finalizers,verbs=update
// +kubebuilder:rbac:groups=source.toolkit.fluxcd.io,resources=gitrepositories;ocirepositories;buckets,verbs=get;list;watch
// +kubebuilder:rbac:groups="",resources=secrets;configmaps,verbs=get;list;watch
// +kubebuilder:rbac:groups="",resources=serviceaccounts,verbs=get;list;watch;impersonate

// KustomizationReconciler reconciles Kustomizations: dependencies, source artifact, build, server-side
// apply, prune, health checks, then one status write.
type KustomizationReconciler struct {
	// Client reads Kustomizations and sources from the manager's cache and writes their status.
	client.Client
	// APIReader reads ConfigMaps and Secrets of substituteFrom without caching them.
	APIReader client.Reader
	// Config is the controller's REST config; applies use it, impersonating a service account when set.
	Config *rest.Config
	// Mapper maps kinds to resources for the apply clients.
	Mapper apimeta.RESTMapper
	// Scheme is the scheme of the apply clients.
	Scheme *runtime.Scheme
	// EventRecorder emits the Kustomizations' events.
	EventRecorder kuberecorder.EventRecorder
	// Metrics records Flux's reconcile duration metric; the zero value records nothing.
	Metrics runtimectrl.Metrics
	// ControllerName is the field owner of status writes.
	ControllerName string
	// HTTPClient downloads artifacts; nil means a client with a five-minute timeout.
	HTTPClient *http.Client
	// BuildCache keeps builds by artifact digest; nil disables caching.
	BuildCache *build.Cache
	// Artifacts keeps extracted artifacts by digest, shared by the Kustomizations of one source; nil extracts
	// each artifact into a temporary directory per build.
	Artifacts *artifact.Shared

	// AllowRemoteBases lets kustomize fetch remote bases (--no-remote-bases=false).
	AllowRemoteBases bool
	// DefaultServiceAccount is impersonated when spec.serviceAccountName is empty (--default-service-account).
	DefaultServiceAccount string
	// NoCrossNamespaceRefs refuses sources in another namespace (--no-cross-namespace-refs).
	NoCrossNamespaceRefs bool
	// StrictSubstitution fails a build on a variable with no value and no default.
	StrictSubstitution bool
	// SOPSAgeSecret names a Secret whose age identities every Kustomization with spec.decryption may decrypt
	// with, after its own keys (--sops-age-secret, in the controller's namespace); empty for none.
	SOPSAgeSecret types.NamespacedName
	// AdditiveCELDependencyCheck makes a dependency with a readyExpr pass the default checks (Ready for its
	// generation, at the source revision) as well as the expression, instead of the expression alone
	// (--additive-cel-dependency-check, Flux's AdditiveCELDependencyCheck feature gate).
	AdditiveCELDependencyCheck bool
	// RequeueDependency is how long to wait before retrying when a dependency is not ready.
	RequeueDependency time.Duration
	// KubeConfigOpts say which kubeconfig features spec.kubeConfig Secrets may use (--insecure-kubeconfig-*).
	KubeConfigOpts KubeConfigOptions

	clientsMu sync.Mutex
	clients   map[string]client.Client
	remote    remoteClients
}

// SetupWithManager registers the reconciler. Kustomizations are reconciled on spec changes, on
// reconcile.fluxcd.io/requestedAt, every interval, and when their source gets a new artifact revision.
func (r *KustomizationReconciler) SetupWithManager(ctx context.Context, mgr ctrl.Manager, opts controller.Options) error {
	if err := mgr.GetFieldIndexer().IndexField(ctx, &kustomizev1.Kustomization{}, sourceIndexKey, sourceIndexValue); err != nil {
		return fmt.Errorf("indexing Kustomizations by source: %w", err)
	}
	if err := mgr.GetFieldIndexer().IndexField(ctx, &kustomizev1.Kustomization{}, dependsOnIndexKey, dependsOnIndexValue); err != nil {
		return fmt.Errorf("indexing Kustomizations by dependency: %w", err)
	}
	changed := builder.WithPredicates(artifactRevisionChanged{})
	return ctrl.NewControllerManagedBy(mgr).
		For(&kustomizev1.Kustomization{}, builder.WithPredicates(
			predicate.Or(predicate.GenerationChangedPredicate{}, predicates.ReconcileRequestedPredicate{}))).
		Watches(&kustomizev1.Kustomization{}, handler.EnqueueRequestsFromMapFunc(r.requestsForDependents),
			builder.WithPredicates(becameReady{})).
		Watches(&sourcev1.GitRepository{}, handler.EnqueueRequestsFromMapFunc(r.requestsForSource(sourcev1.GitRepositoryKind)), changed).
		Watches(&sourcev1.OCIRepository{}, handler.EnqueueRequestsFromMapFunc(r.requestsForSource(sourcev1.OCIRepositoryKind)), changed).
		Watches(&sourcev1.Bucket{}, handler.EnqueueRequestsFromMapFunc(r.requestsForSource(sourcev1.BucketKind)), changed).
		WithOptions(opts).
		Complete(r)
}

// Reconcile fetches the Kustomization, handles deletion and suspension, then runs the steps in order; the
// status is written once, at the end, whatever the outcome.
func (r *KustomizationReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	obj := &kustomizev1.Kustomization{}
	if err := r.Get(ctx, req.NamespacedName, obj); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	// gotk_reconcile_duration_seconds, as Flux; removed for an object being deleted.
	defer r.Metrics.RecordDuration(ctx, obj, time.Now())
	if !obj.GetDeletionTimestamp().IsZero() {
		return r.reconcileDelete(ctx, obj)
	}
	if obj.Spec.Suspend {
		log.FromContext(ctx).V(1).Info("reconciliation is suspended")
		return ctrl.Result{}, nil
	}
	base := obj.DeepCopy()
	controllerutil.AddFinalizer(obj, kustomizev1.KustomizationFinalizer)
	if v, ok := meta.ReconcileAnnotationValue(obj.GetAnnotations()); ok {
		obj.Status.SetLastHandledReconcileRequest(v)
	}
	times := newStepTimes()
	snap := &snapshot{}
	msg, err := r.reconcile(ctx, obj, times, snap)
	result := r.summarize(obj, msg, err)
	snap.record(obj, times.total())
	obj.Status.ObservedGeneration = obj.GetGeneration()
	perr := reconcile.Persist(ctx, r.Client, obj, base, r.ControllerName)
	times.done("status")
	logFinished(ctx, times, result, err)
	if perr != nil {
		return result, client.IgnoreNotFound(perr)
	}
	return result, nil
}

// logFinished logs the outcome of a reconcile as Flux does ("Reconciliation finished in 1.2s, next run in
// 10m0s"), with how long each step took.
func logFinished(ctx context.Context, times *stepTimes, result ctrl.Result, err error) {
	logger := log.FromContext(ctx).WithValues(times.steps...)
	if err != nil {
		logger.Error(err, fmt.Sprintf("Reconciliation failed after %s, next try in %s", times.total(), result.RequeueAfter))
		return
	}
	logger.Info(fmt.Sprintf("Reconciliation finished in %s, next run in %s", times.total(), result.RequeueAfter))
}

// stepError is a failed reconcile step: the Ready reason, and whether retrying can help before the spec
// changes (stalled) or when to retry (requeueAfter, zero for the retry interval; a stalled error with a
// requeueAfter is checked again then, for inputs that are not watched, such as a kubeconfig Secret).
type stepError struct {
	reason       string
	err          error
	stalled      bool
	requeueAfter time.Duration
}

func (e *stepError) Error() string { return e.err.Error() }
func (e *stepError) Unwrap() error { return e.err }

// failed returns a step error that is retried after the retry interval.
func failed(reason string, err error) *stepError { return &stepError{reason: reason, err: err} }

// stalledError returns a step error that is not retried until the spec changes.
func stalledError(reason string, err error) *stepError {
	return &stepError{reason: reason, err: err, stalled: true}
}

// summarize sets Ready, Reconciling and Stalled from the outcome, following kstatus, emits a warning event
// for a failure and returns when to reconcile next. Failures are retried by requeueing, not by returning an
// error, so the retry interval is honoured instead of the rate limiter's backoff.
func (r *KustomizationReconciler) summarize(obj *kustomizev1.Kustomization, readyMessage string, err error) ctrl.Result {
	if err == nil {
		conditions.Delete(obj, meta.ReconcilingCondition)
		conditions.Delete(obj, meta.StalledCondition)
		conditions.MarkTrue(obj, meta.ReadyCondition, meta.ReconciliationSucceededReason, "%s", readyMessage)
		return ctrl.Result{RequeueAfter: jitter.JitteredIntervalDuration(obj.GetRequeueAfter())}
	}
	var se *stepError
	if !errors.As(err, &se) {
		se = failed(meta.ReconciliationFailedReason, err)
	}
	msg := truncate(se.err.Error())
	conditions.MarkFalse(obj, meta.ReadyCondition, se.reason, "%s", msg)
	r.EventRecorder.AnnotatedEventf(obj, revisionAnnotations(obj), corev1.EventTypeWarning, se.reason, "%s", msg)
	if se.stalled {
		conditions.Delete(obj, meta.ReconcilingCondition)
		conditions.MarkStalled(obj, se.reason, "%s", msg)
		return ctrl.Result{RequeueAfter: se.requeueAfter}
	}
	conditions.Delete(obj, meta.StalledCondition)
	conditions.MarkReconciling(obj, meta.ProgressingWithRetryReason, "%s", msg)
	if se.requeueAfter > 0 {
		return ctrl.Result{RequeueAfter: se.requeueAfter}
	}
	return ctrl.Result{RequeueAfter: obj.GetRetryInterval()}
}

// truncate bounds a condition message to what the CRD accepts.
func truncate(msg string) string {
	if len(msg) > kustomizev1.MaxConditionMessageLength {
		return msg[:kustomizev1.MaxConditionMessageLength-3] + "..."
	}
	return msg
}

// revisionAnnotations are the event annotations naming the revision being reconciled, as Flux sets them.
func revisionAnnotations(obj *kustomizev1.Kustomization) map[string]string {
	if obj.Status.LastAttemptedRevision == "" {
		return nil
	}
	return map[string]string{kustomizev1.GroupVersion.Group + "/revision": obj.Status.LastAttemptedRevision}
}

// reconcileDelete deletes the managed objects when the deletion policy says so (deletesObjects), waits for
// them to be gone with WaitForTermination, then removes the finalizer. A failed prune keeps the finalizer and is
// retried.
func (r *KustomizationReconciler) reconcileDelete(ctx context.Context, obj *kustomizev1.Kustomization) (ctrl.Result, error) {
	if !controllerutil.ContainsFinalizer(obj, kustomizev1.KustomizationFinalizer) {
		return ctrl.Result{}, nil
	}
	if inv := obj.Status.Inventory; deletesObjects(obj) && inv != nil && len(inv.Entries) > 0 {
		m, err := r.applyManager(ctx, obj)
		if err != nil {
			r.EventRecorder.Event(obj, corev1.EventTypeWarning, meta.PruneFailedReason, pruneBlockedMessage(obj, err))
			return ctrl.Result{}, err
		}
		cs, err := m.Prune(ctx, inv.Entries, pruneOptions())
		if err != nil {
			r.EventRecorder.Event(obj, corev1.EventTypeWarning, meta.PruneFailedReason, err.Error())
			return ctrl.Result{}, fmt.Errorf("pruning the objects of %s: %w", client.ObjectKeyFromObject(obj), err)
		}
		if msg := changeSummary(cs); msg != "" {
			r.EventRecorder.Event(obj, corev1.EventTypeNormal, "Pruned", msg)
		}
		if obj.GetDeletionPolicy() == kustomizev1.DeletionPolicyWaitForTermination {
			if err := r.waitForTermination(ctx, obj, m, cs); err != nil {
				return ctrl.Result{}, err
			}
		}
	}
	r.remote.forget(client.ObjectKeyFromObject(obj))
	base := obj.DeepCopy()
	controllerutil.RemoveFinalizer(obj, kustomizev1.KustomizationFinalizer)
	if err := r.Patch(ctx, obj, client.MergeFrom(base)); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	return ctrl.Result{}, nil
}

// deletesObjects tells whether deleting the Kustomization deletes its objects: never while it is suspended
// (as in Flux, suspending then deleting is how a Kustomization is removed and its objects kept), otherwise with
// deletion policy MirrorPrune (the default) when spec.prune is set, always with Delete and
// WaitForTermination, never with Orphan.
func deletesObjects(obj *kustomizev1.Kustomization) bool {
	if obj.Spec.Suspend {
		return false
	}
	switch obj.GetDeletionPolicy() {
	case kustomizev1.DeletionPolicyMirrorPrune:
		return obj.Spec.Prune
	case kustomizev1.DeletionPolicyDelete, kustomizev1.DeletionPolicyWaitForTermination:
		return true
	default:
		return false
	}
}

// terminationPoll is how often deletion policy WaitForTermination checks whether the objects are gone.
const terminationPoll = 2 * time.Second

// waitForTermination waits, up to spec.timeout, until the deleted objects are gone (their own finalizers
// done), as Flux does for deletion policy WaitForTermination; when the time is up, a warning event names the
// objects still terminating and the Kustomization is released all the same. It fails only when ctx ends (the
// controller stops): the next start waits again.
func (r *KustomizationReconciler) waitForTermination(ctx context.Context, obj *kustomizev1.Kustomization, m *apply.Manager, cs *ssa.ChangeSet) error {
	wctx, cancel := context.WithTimeout(ctx, obj.GetTimeout())
	defer cancel()
	pending, err := m.WaitForTermination(wctx, cs, terminationPoll)
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if err == nil {
		return nil
	}
	msg := err.Error()
	if len(pending) > 0 {
		msg = fmt.Sprintf("%s still terminating after %s: %s", strings.Join(pending, ", "),
			obj.GetTimeout(), "the finalizer is removed, the objects stay until their own finalizers are done")
	}
	r.EventRecorder.Event(obj, corev1.EventTypeWarning, "TerminationTimeout", msg)
	return nil
}
