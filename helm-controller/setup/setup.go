/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

// Package setup describes the helm-controller: the API types it serves and how its reconcilers are registered. The
// helm-controller binary runs it on its own; tide dev composes it with the other controllers in one process.
//
// The helm-controller installs, upgrades, tests and rolls back HelmReleases with the Helm SDK.
//
// Installing arbitrary charts needs more than this role: manifests/ binds the controller's service account to
// cluster-admin through the tide-reconciler ClusterRoleBinding; tenants restrict it with spec.serviceAccountName.
package setup

import (
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	helmv2 "github.com/tide-gitops/tide/api/helm/v2"
	helmv2beta2 "github.com/tide-gitops/tide/api/helm/v2beta2"
	sourcev1 "github.com/tide-gitops/tide/api/source/v1"
	"github.com/tide-gitops/tide/internal/manager"
)

// Name is the controller's name: its field manager, leader election lease and event source.
const Name = "helm-controller"

// +kubebuilder:rbac:groups="",resources=events,verbs=create;patch
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch
// +kubebuilder:rbac:groups=coordination.k8s.io,resources=leases,verbs=get;list;watch;create;update;patch;delete,namespace=flux-system
// +kubebuilder:rbac:groups=helm.toolkit.fluxcd.io,resources=helmreleases,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups=helm.toolkit.fluxcd.io,resources=helmreleases/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=helm.toolkit.fluxcd.io,resources=helmreleases/finalizers,verbs=update
// +kubebuilder:rbac:groups=source.toolkit.fluxcd.io,resources=helmcharts,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups=source.toolkit.fluxcd.io,resources=helmrepositories;gitrepositories;ocirepositories;buckets,verbs=get;list;watch
// +kubebuilder:rbac:groups="",resources=secrets;configmaps,verbs=get;list;watch
// +kubebuilder:rbac:groups="",resources=serviceaccounts,verbs=get;list;watch;impersonate

// Spec returns the helm-controller's description for manager.Main.
func Spec() manager.Spec {
	return manager.Spec{
		Name: Name,
		AddToScheme: []func(*runtime.Scheme) error{
			helmv2.AddToScheme,
			helmv2beta2.AddToScheme,
			sourcev1.AddToScheme,
		},
		Watched: []client.Object{
			&helmv2.HelmRelease{},
		},
	}
}
