/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

// Package setup describes the kustomize-controller: the API types it serves and how its reconcilers are registered. The
// kustomize-controller binary runs it on its own; tide dev composes it with the other controllers in one process.
//
// The kustomize-controller builds Kustomizations from source artifacts and applies them with server-side apply.
//
// Applying arbitrary user workloads needs more than this role: manifests/ binds the controller's service
// account to cluster-admin through the tide-reconciler ClusterRoleBinding (as Flux's cluster-reconciler does);
// tenants restrict it with spec.serviceAccountName impersonation.
package setup

import (
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	kustomizev1 "github.com/tide-gitops/tide/api/kustomize/v1"
	kustomizev1beta2 "github.com/tide-gitops/tide/api/kustomize/v1beta2"
	sourcev1 "github.com/tide-gitops/tide/api/source/v1"
	"github.com/tide-gitops/tide/internal/manager"
)

// Name is the controller's name: its field manager, leader election lease and event source.
const Name = "kustomize-controller"

// +kubebuilder:rbac:groups="",resources=events,verbs=create;patch
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch
// +kubebuilder:rbac:groups=coordination.k8s.io,resources=leases,verbs=get;list;watch;create;update;patch;delete,namespace=flux-system
// +kubebuilder:rbac:groups=kustomize.toolkit.fluxcd.io,resources=kustomizations,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups=kustomize.toolkit.fluxcd.io,resources=kustomizations/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=kustomize.toolkit.fluxcd.io,resources=kustomizations/finalizers,verbs=update
// +kubebuilder:rbac:groups=source.toolkit.fluxcd.io,resources=gitrepositories;ocirepositories;buckets,verbs=get;list;watch
// +kubebuilder:rbac:groups="",resources=secrets;configmaps,verbs=get;list;watch
// +kubebuilder:rbac:groups="",resources=serviceaccounts,verbs=get;list;watch;impersonate

// Spec returns the kustomize-controller's description for manager.Main.
func Spec() manager.Spec {
	return manager.Spec{
		Name: Name,
		AddToScheme: []func(*runtime.Scheme) error{
			kustomizev1.AddToScheme,
			kustomizev1beta2.AddToScheme,
			sourcev1.AddToScheme,
		},
		Watched: []client.Object{
			&kustomizev1.Kustomization{},
		},
	}
}
