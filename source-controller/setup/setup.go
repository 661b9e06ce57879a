/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

// Package setup describes the source-controller: the API types it serves and how its reconcilers are registered. The
// source-controller binary runs it on its own; tide dev composes it with the other controllers in one process.
//
// The source-controller reconciles GitRepository, OCIRepository, HelmRepository, HelmChart and Bucket into artifacts.
package setup

import (
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	sourcev1 "github.com/tide-gitops/tide/api/source/v1"
	sourcev1beta2 "github.com/tide-gitops/tide/api/source/v1beta2"
	"github.com/tide-gitops/tide/internal/manager"
)

// Name is the controller's name: its field manager, leader election lease and event source.
const Name = "source-controller"

// +kubebuilder:rbac:groups="",resources=events,verbs=create;patch
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch
// +kubebuilder:rbac:groups=coordination.k8s.io,resources=leases,verbs=get;list;watch;create;update;patch;delete,namespace=flux-system
// +kubebuilder:rbac:groups=source.toolkit.fluxcd.io,resources=gitrepositories;ocirepositories;helmrepositories;helmcharts;buckets,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups=source.toolkit.fluxcd.io,resources=gitrepositories/status;ocirepositories/status;helmrepositories/status;helmcharts/status;buckets/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=source.toolkit.fluxcd.io,resources=gitrepositories/finalizers;ocirepositories/finalizers;helmrepositories/finalizers;helmcharts/finalizers;buckets/finalizers,verbs=update
// +kubebuilder:rbac:groups="",resources=secrets;serviceaccounts,verbs=get;list;watch

// Spec returns the source-controller's description for manager.Main.
func Spec() manager.Spec {
	return manager.Spec{
		Name: Name,
		AddToScheme: []func(*runtime.Scheme) error{
			sourcev1.AddToScheme,
			sourcev1beta2.AddToScheme,
		},
		Watched: []client.Object{
			&sourcev1.GitRepository{},
			&sourcev1.OCIRepository{},
			&sourcev1.HelmRepository{},
			&sourcev1.HelmChart{},
			&sourcev1.Bucket{},
		},
	}
}
