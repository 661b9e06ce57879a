/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

// Package setup describes the notification-controller: the API types it serves and how its reconcilers are registered. The
// notification-controller binary runs it on its own; tide dev composes it with the other controllers in one process.
//
// The notification-controller forwards events to Providers per Alert and turns incoming webhooks into reconcile requests (Receiver).
package setup

import (
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	notificationv1 "github.com/tide-gitops/tide/api/notification/v1"
	notificationv1beta2 "github.com/tide-gitops/tide/api/notification/v1beta2"
	notificationv1beta3 "github.com/tide-gitops/tide/api/notification/v1beta3"
	"github.com/tide-gitops/tide/internal/manager"
)

// Name is the controller's name: its field manager, leader election lease and event source.
const Name = "notification-controller"

// +kubebuilder:rbac:groups="",resources=events,verbs=create;patch
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch
// +kubebuilder:rbac:groups=coordination.k8s.io,resources=leases,verbs=get;list;watch;create;update;patch;delete,namespace=flux-system
// +kubebuilder:rbac:groups=notification.toolkit.fluxcd.io,resources=providers;alerts;receivers,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups=notification.toolkit.fluxcd.io,resources=providers/status;alerts/status;receivers/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=notification.toolkit.fluxcd.io,resources=providers/finalizers;alerts/finalizers;receivers/finalizers,verbs=update
// +kubebuilder:rbac:groups="",resources=secrets,verbs=get;list;watch
// +kubebuilder:rbac:groups=source.toolkit.fluxcd.io,resources=gitrepositories;ocirepositories;helmrepositories;helmcharts;buckets,verbs=get;list;watch;patch
// +kubebuilder:rbac:groups=kustomize.toolkit.fluxcd.io,resources=kustomizations,verbs=get;list;watch;patch
// +kubebuilder:rbac:groups=helm.toolkit.fluxcd.io,resources=helmreleases,verbs=get;list;watch;patch
// +kubebuilder:rbac:groups=image.toolkit.fluxcd.io,resources=imagerepositories;imagepolicies;imageupdateautomations,verbs=get;list;watch;patch

// Spec returns the notification-controller's description for manager.Main.
func Spec() manager.Spec {
	return manager.Spec{
		Name: Name,
		AddToScheme: []func(*runtime.Scheme) error{
			notificationv1.AddToScheme,
			notificationv1beta3.AddToScheme,
			notificationv1beta2.AddToScheme,
		},
		Watched: []client.Object{
			&notificationv1beta3.Provider{},
			&notificationv1beta3.Alert{},
			&notificationv1.Receiver{},
		},
	}
}
