/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package controller

import (
	"context"
	"fmt"
	"os"
	"slices"

	"github.com/fluxcd/pkg/apis/meta"
	"github.com/fluxcd/pkg/runtime/conditions"
	"github.com/fluxcd/pkg/runtime/predicates"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/predicate"

	sourcev1 "github.com/tide-gitops/tide/api/source/v1"
	"github.com/tide-gitops/tide/source-controller/internal/git"
	"github.com/tide-gitops/tide/source-controller/internal/sourceignore"
)

// includeIndexKey indexes GitRepositories by the names of the GitRepositories they include.
const includeIndexKey = ".spec.include.repository.name"

// +kubebuilder:rbac:groups=source.toolkit.fluxcd.io,resources=gitrepositories,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups=source.toolkit.fluxcd.io,resources=gitrepositories/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=source.toolkit.fluxcd.io,resources=gitrepositories/finalizers,verbs=update
// +kubebuilder:rbac:groups="",resources=secrets,verbs=get;list;watch

// GitRepositoryReconciler turns the revisions of Git repositories into artifacts.
type GitRepositoryReconciler struct {
	SourceReconciler
}

// SetupWithManager registers the reconciler. Objects are reconciled on spec changes, on
// reconcile.fluxcd.io/requestedAt, every interval, and when a GitRepository they include gets a new artifact.
func (r *GitRepositoryReconciler) SetupWithManager(ctx context.Context, mgr ctrl.Manager, opts controller.Options) error {
	if err := mgr.GetFieldIndexer().IndexField(ctx, &sourcev1.GitRepository{}, includeIndexKey, includedNames); err != nil {
		return fmt.Errorf("indexing GitRepository includes: %w", err)
	}
	return ctrl.NewControllerManagedBy(mgr).
		For(&sourcev1.GitRepository{}, builder.WithPredicates(
			predicate.Or(predicate.GenerationChangedPredicate{}, predicates.ReconcileRequestedPredicate{}))).
		Watches(&sourcev1.GitRepository{}, handler.EnqueueRequestsFromMapFunc(r.requestsForIncluders),
			builder.WithPredicates(artifactRevisionChanged{})).
		WithOptions(opts).
		Complete(r)
}

// Reconcile fetches the object, handles deletion and suspension, then fetches the source and stores its
// artifact; the status is patched once, at the end, whatever the outcome.
func (r *GitRepositoryReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	obj := &sourcev1.GitRepository{}
	return r.reconcileSource(ctx, req, obj, func() sourceState {
		return sourceState{suspended: obj.Spec.Suspend, observedGeneration: &obj.Status.ObservedGeneration,
			requests: &obj.Status.ReconcileRequestStatus}
	}, func(ctx context.Context) (string, error) { return r.reconcile(ctx, obj) })
}

// reconcile resolves the remote head and, when it or the artifact's configuration changed, checks the
// repository out and stores a new artifact. It returns the Ready message.
func (r *GitRepositoryReconciler) reconcile(ctx context.Context, obj *sourcev1.GitRepository) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, obj.GetTimeout())
	defer cancel()

	auth, err := r.gitAuth(ctx, obj)
	if err != nil {
		return "", err
	}
	ref := refFromSpec(obj.Spec.Reference)
	includes, err := r.resolveIncludes(ctx, obj)
	if err != nil {
		return "", err
	}
	revision, err := git.RemoteHead(ctx, obj.Spec.URL, ref, auth)
	if err != nil {
		return "", fetchFailed(gitFailureReason(err), fmt.Errorf("resolving %s: %w", describeRef(ref), err))
	}
	if r.artifactUpToDate(obj, revision) && !artifactConfigChanged(obj, includes) {
		conditions.Delete(obj, sourcev1.ArtifactOutdatedCondition)
		return fmt.Sprintf("stored artifact for revision '%s'", revision), nil
	}
	if obj.GetArtifact() != nil {
		conditions.MarkTrue(obj, sourcev1.ArtifactOutdatedCondition, "NewRevision", "new upstream revision '%s'", revision)
	}

	dir, err := os.MkdirTemp("", "gitrepository-")
	if err != nil {
		return "", stalled(sourcev1.StorageOperationFailedCondition, sourcev1.DirCreationFailedReason, err)
	}
	defer os.RemoveAll(dir)
	commit, err := git.Checkout(ctx, obj.Spec.URL, ref, auth, dir, git.CheckoutOptions{
		RecurseSubmodules: obj.Spec.RecurseSubmodules,
		SparseCheckout:    obj.Spec.SparseCheckout,
	})
	if err != nil {
		return "", fetchFailed(gitFailureReason(err), fmt.Errorf("checking out %s: %w", describeRef(ref), err))
	}
	if err := r.verify(ctx, obj, commit); err != nil {
		return "", err
	}
	if err := r.copyIncludes(dir, includes); err != nil {
		return "", err
	}
	return r.storeArtifact(ctx, obj, dir, commit.Revision, includes)
}

// storeArtifact archives dir into storage as the artifact of revision and records it on the status.
func (r *GitRepositoryReconciler) storeArtifact(ctx context.Context, obj *sourcev1.GitRepository, dir, revision string,
	includes []include) (string, error) {
	filter, err := sourceignore.NewFilter(dir, obj.Spec.Ignore)
	if err != nil {
		return "", stalled(sourcev1.BuildFailedCondition, "InvalidIgnoreRules", fmt.Errorf("reading ignore rules: %w", err))
	}
	art := r.Storage.NewArtifactFor(sourcev1.GitRepositoryKind, obj.Namespace, obj.Name, revision,
		fmt.Sprintf("%s.tar.gz", revisionFileName(revision)))
	if err := r.Storage.Archive(&art, dir, filter); err != nil {
		return "", &stepError{condition: sourcev1.StorageOperationFailedCondition,
			reason: sourcev1.ArchiveOperationFailedReason, err: fmt.Errorf("storing artifact: %w", err)}
	}
	return r.recordArtifact(ctx, obj, &art, "revision", func(art *meta.Artifact, _ string) {
		obj.Status.Artifact = art
		obj.Status.IncludedArtifacts = includedArtifacts(includes)
		obj.Status.ObservedIgnore = obj.Spec.Ignore
		obj.Status.ObservedRecurseSubmodules = obj.Spec.RecurseSubmodules
		obj.Status.ObservedInclude = slices.Clone(obj.Spec.Include)
		obj.Status.ObservedSparseCheckout = slices.Clone(obj.Spec.SparseCheckout)
	}), nil
}

// artifactConfigChanged tells whether the artifact must be rebuilt although the revision is the same: the
// ignore rules, submodules, sparse checkout or included artifacts changed.
func artifactConfigChanged(obj *sourcev1.GitRepository, includes []include) bool {
	s := obj.Status
	if !equalStringPtr(s.ObservedIgnore, obj.Spec.Ignore) || s.ObservedRecurseSubmodules != obj.Spec.RecurseSubmodules ||
		!slices.Equal(s.ObservedSparseCheckout, obj.Spec.SparseCheckout) ||
		!slices.Equal(s.ObservedInclude, obj.Spec.Include) || len(s.IncludedArtifacts) != len(includes) {
		return true
	}
	for i, inc := range includes {
		if s.IncludedArtifacts[i] == nil || s.IncludedArtifacts[i].Digest != inc.artifact.Digest {
			return true
		}
	}
	return false
}

// gitAuth reads the credentials of spec.secretRef.
func (r *GitRepositoryReconciler) gitAuth(ctx context.Context, obj *sourcev1.GitRepository) (*git.AuthOptions, error) {
	var data map[string][]byte
	if obj.Spec.SecretRef != nil {
		secret, err := r.getSecret(ctx, obj.Namespace, obj.Spec.SecretRef.Name)
		if err != nil {
			return nil, fetchFailed(sourcev1.AuthenticationFailedReason, err)
		}
		data = secret.Data
	}
	auth, err := git.NewAuthOptions(obj.Spec.URL, data)
	if err != nil {
		return nil, stalled(sourcev1.FetchFailedCondition, sourcev1.AuthenticationFailedReason,
			fmt.Errorf("invalid credentials in Secret '%s': %w", secretName(obj.Spec.SecretRef), err))
	}
	return auth, nil
}

// requestsForIncluders enqueues the GitRepositories that include obj.
func (r *GitRepositoryReconciler) requestsForIncluders(ctx context.Context, obj client.Object) []ctrl.Request {
	var list sourcev1.GitRepositoryList
	if err := r.List(ctx, &list, client.InNamespace(obj.GetNamespace()),
		client.MatchingFields{includeIndexKey: obj.GetName()}); err != nil {
		log.FromContext(ctx).Error(err, "listing GitRepositories that include", "name", obj.GetName())
		return nil
	}
	reqs := make([]ctrl.Request, 0, len(list.Items))
	for _, item := range list.Items {
		reqs = append(reqs, ctrl.Request{NamespacedName: types.NamespacedName{Namespace: item.Namespace, Name: item.Name}})
	}
	return reqs
}

func includedNames(o client.Object) []string {
	repo := o.(*sourcev1.GitRepository)
	names := make([]string, 0, len(repo.Spec.Include))
	for _, inc := range repo.Spec.Include {
		names = append(names, inc.GitRepositoryRef.Name)
	}
	return names
}

// artifactRevisionChanged passes updates that change a source's artifact digest.
type artifactRevisionChanged struct{ predicate.Funcs }

func (artifactRevisionChanged) Update(e event.UpdateEvent) bool {
	oldSrc, ok1 := e.ObjectOld.(sourceObject)
	newSrc, ok2 := e.ObjectNew.(sourceObject)
	if !ok1 || !ok2 || newSrc.GetArtifact() == nil {
		return false
	}
	return oldSrc.GetArtifact() == nil || oldSrc.GetArtifact().Digest != newSrc.GetArtifact().Digest
}

func (artifactRevisionChanged) Create(event.CreateEvent) bool   { return false }
func (artifactRevisionChanged) Delete(event.DeleteEvent) bool   { return false }
func (artifactRevisionChanged) Generic(event.GenericEvent) bool { return false }
