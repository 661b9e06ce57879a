/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

// Package setup describes the image-reflector: the API types it serves and how its reconcilers are registered. The
// image-reflector binary runs it on its own; tide dev composes it with the other controllers in one process.
//
// The image-reflector scans image registries for tags (ImageRepository) and selects the latest image by policy (ImagePolicy).
package setup

import (
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	imagev1 "github.com/tide-gitops/tide/api/image/v1"
	imagev1beta2 "github.com/tide-gitops/tide/api/image/v1beta2"
	"github.com/tide-gitops/tide/internal/manager"
)

// Name is the controller's name: its field manager, leader election lease and event source.
const Name = "image-reflector"

// +kubebuilder:rbac:groups="",resources=events,verbs=create;patch
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch
// +kubebuilder:rbac:groups=coordination.k8s.io,resources=leases,verbs=get;list;watch;create;update;patch;delete,namespace=flux-system
// +kubebuilder:rbac:groups=image.toolkit.fluxcd.io,resources=imagerepositories;imagepolicies,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups=image.toolkit.fluxcd.io,resources=imagerepositories/status;imagepolicies/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=image.toolkit.fluxcd.io,resources=imagerepositories/finalizers;imagepolicies/finalizers,verbs=update
// +kubebuilder:rbac:groups="",resources=secrets;serviceaccounts,verbs=get;list;watch

// Spec returns the image-reflector's description for manager.Main.
func Spec() manager.Spec {
	return manager.Spec{
		Name: Name,
		AddToScheme: []func(*runtime.Scheme) error{
			imagev1.AddToScheme,
			imagev1beta2.AddToScheme,
		},
		Watched: []client.Object{
			&imagev1.ImageRepository{},
			&imagev1.ImagePolicy{},
		},
	}
}
