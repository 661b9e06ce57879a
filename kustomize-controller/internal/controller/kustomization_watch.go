/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package controller

import (
	"context"
	"fmt"

	"github.com/fluxcd/pkg/apis/meta"
	"github.com/fluxcd/pkg/runtime/conditions"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/predicate"

	kustomizev1 "github.com/tide-gitops/tide/api/kustomize/v1"
	"github.com/tide-gitops/tide/kustomize-controller/internal/apply"
)

// applyManager returns the apply.Manager of obj, talking to the cluster of spec.kubeConfig when set, else to
// the controller's own, as the service account of spec.serviceAccountName (or --default-service-account) when
// one is set, else as the controller (or the kubeconfig's user). Apply, prune and health checks all use it;
// opts add to it (the custom health checks of spec.healthCheckExprs).
func (r *KustomizationReconciler) applyManager(ctx context.Context, obj *kustomizev1.Kustomization,
	opts ...apply.Option) (*apply.Manager, error) {
	sa := obj.Spec.ServiceAccountName
	if sa == "" {
		sa = r.DefaultServiceAccount
	}
	user := ""
	if sa != "" {
		user = fmt.Sprintf("system:serviceaccount:%s:%s", obj.Namespace, sa)
	}
	owner := types.NamespacedName{Namespace: obj.Namespace, Name: obj.Name}
	if obj.Spec.KubeConfig != nil {
		c, err := r.remoteClient(ctx, obj, user)
		if err != nil {
			return nil, err
		}
		return apply.New(c, owner, opts...), nil
	}
	r.remote.forget(owner)
	c, err := r.clientFor(user)
	if err != nil {
		return nil, failed(meta.ReconciliationFailedReason, err)
	}
	return apply.New(c, owner, opts...), nil
}

// clientFor returns an uncached client acting as user (the controller itself when empty), creating it on
// first use. Clients are kept per user so that their connections are reused.
func (r *KustomizationReconciler) clientFor(user string) (client.Client, error) {
	r.clientsMu.Lock()
	defer r.clientsMu.Unlock()
	if c, ok := r.clients[user]; ok {
		return c, nil
	}
	cfg := rest.CopyConfig(r.Config)
	if user != "" {
		cfg.Impersonate = rest.ImpersonationConfig{UserName: user}
	}
	c, err := client.New(cfg, client.Options{Scheme: r.Scheme, Mapper: r.Mapper})
	if err != nil {
		if user == "" {
			return nil, fmt.Errorf("creating the apply client: %w", err)
		}
		return nil, fmt.Errorf("creating a client impersonating %s: %w", user, err)
	}
	if r.clients == nil {
		r.clients = map[string]client.Client{}
	}
	r.clients[user] = c
	return c, nil
}

// sourceIndexValue indexes a Kustomization by "<Kind>/<namespace>/<name>" of its source.
func sourceIndexValue(o client.Object) []string {
	return []string{sourceOf(o.(*kustomizev1.Kustomization))}
}

// sourceOf is the "<Kind>/<namespace>/<name>" of a Kustomization's source, in its own namespace when the
// reference names none.
func sourceOf(k *kustomizev1.Kustomization) string {
	ns := k.Spec.SourceRef.Namespace
	if ns == "" {
		ns = k.Namespace
	}
	return sourceKey(k.Spec.SourceRef.Kind, ns, k.Spec.SourceRef.Name)
}

func sourceKey(kind, namespace, name string) string {
	return kind + "/" + namespace + "/" + name
}

// requestsForSource returns the map function enqueueing the Kustomizations whose source is the given
// object of kind.
func (r *KustomizationReconciler) requestsForSource(kind string) func(context.Context, client.Object) []ctrl.Request {
	return func(ctx context.Context, src client.Object) []ctrl.Request {
		var list kustomizev1.KustomizationList
		key := sourceKey(kind, src.GetNamespace(), src.GetName())
		if err := r.List(ctx, &list, client.MatchingFields{sourceIndexKey: key}); err != nil {
			log.FromContext(ctx).Error(err, "listing Kustomizations of source", "source", key)
			return nil
		}
		reqs := make([]ctrl.Request, 0, len(list.Items))
		for _, k := range list.Items {
			reqs = append(reqs, ctrl.Request{NamespacedName: types.NamespacedName{Namespace: k.Namespace, Name: k.Name}})
		}
		return reqs
	}
}

// artifactSource is what every source kind implements.
type artifactSource interface {
	client.Object
	GetArtifact() *meta.Artifact
}

// artifactRevisionChanged passes source updates that change the artifact's revision or digest.
type artifactRevisionChanged struct{ predicate.Funcs }

// Update passes an update that sets a new artifact.
func (artifactRevisionChanged) Update(e event.UpdateEvent) bool {
	oldSrc, ok1 := e.ObjectOld.(artifactSource)
	newSrc, ok2 := e.ObjectNew.(artifactSource)
	if !ok1 || !ok2 || newSrc.GetArtifact() == nil {
		return false
	}
	o, n := oldSrc.GetArtifact(), newSrc.GetArtifact()
	return o == nil || o.Revision != n.Revision || o.Digest != n.Digest
}

// Create ignores creations: a Kustomization created with its source is reconciled on its own creation.
func (artifactRevisionChanged) Create(event.CreateEvent) bool { return false }

// Delete ignores deletions.
func (artifactRevisionChanged) Delete(event.DeleteEvent) bool { return false }

// Generic ignores generic events.
func (artifactRevisionChanged) Generic(event.GenericEvent) bool { return false }

// dependsOnIndexKey indexes Kustomizations by the "<namespace>/<name>" of each Kustomization they depend on.
const dependsOnIndexKey = ".spec.dependsOn"

func dependsOnIndexValue(o client.Object) []string {
	k := o.(*kustomizev1.Kustomization)
	deps := make([]string, 0, len(k.Spec.DependsOn))
	for _, d := range k.Spec.DependsOn {
		ns := d.Namespace
		if ns == "" {
			ns = k.Namespace
		}
		deps = append(deps, ns+"/"+d.Name)
	}
	return deps
}

// requestsForDependents enqueues the Kustomizations that depend on obj, so they start as soon as it is Ready
// rather than at their next --requeue-dependency retry.
func (r *KustomizationReconciler) requestsForDependents(ctx context.Context, obj client.Object) []ctrl.Request {
	var list kustomizev1.KustomizationList
	if err := r.List(ctx, &list, client.MatchingFields{dependsOnIndexKey: obj.GetNamespace() + "/" + obj.GetName()}); err != nil {
		log.FromContext(ctx).Error(err, "listing the dependents of", "kustomization", client.ObjectKeyFromObject(obj))
		return nil
	}
	reqs := make([]ctrl.Request, 0, len(list.Items))
	for _, item := range list.Items {
		reqs = append(reqs, ctrl.Request{NamespacedName: client.ObjectKeyFromObject(&item)})
	}
	return reqs
}

// becameReady passes updates after which a Kustomization is Ready for its generation with a revision it was not
// Ready with before: the moments its dependents may proceed.
type becameReady struct{ predicate.Funcs }

func (becameReady) Update(e event.UpdateEvent) bool {
	oldK, ok1 := e.ObjectOld.(*kustomizev1.Kustomization)
	newK, ok2 := e.ObjectNew.(*kustomizev1.Kustomization)
	if !ok1 || !ok2 || !readyForGeneration(newK) {
		return false
	}
	return !readyForGeneration(oldK) || oldK.Status.LastAppliedRevision != newK.Status.LastAppliedRevision
}

func (becameReady) Create(event.CreateEvent) bool   { return false }
func (becameReady) Delete(event.DeleteEvent) bool   { return false }
func (becameReady) Generic(event.GenericEvent) bool { return false }

func readyForGeneration(k *kustomizev1.Kustomization) bool {
	return conditions.IsReady(k) && k.Status.ObservedGeneration == k.Generation
}
