/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

// Package all registers every group-version tide serves, for clients that handle all kinds (the tide CLI, tests).
package all

import (
	"k8s.io/apimachinery/pkg/runtime"

	helmv2 "github.com/tide-gitops/tide/api/helm/v2"
	helmv2beta2 "github.com/tide-gitops/tide/api/helm/v2beta2"
	imagev1 "github.com/tide-gitops/tide/api/image/v1"
	imagev1beta2 "github.com/tide-gitops/tide/api/image/v1beta2"
	kustomizev1 "github.com/tide-gitops/tide/api/kustomize/v1"
	kustomizev1beta2 "github.com/tide-gitops/tide/api/kustomize/v1beta2"
	notificationv1 "github.com/tide-gitops/tide/api/notification/v1"
	notificationv1beta2 "github.com/tide-gitops/tide/api/notification/v1beta2"
	notificationv1beta3 "github.com/tide-gitops/tide/api/notification/v1beta3"
	sourcev1 "github.com/tide-gitops/tide/api/source/v1"
	sourcev1beta2 "github.com/tide-gitops/tide/api/source/v1beta2"
)

var builder = runtime.NewSchemeBuilder(
	sourcev1.AddToScheme, sourcev1beta2.AddToScheme,
	kustomizev1.AddToScheme, kustomizev1beta2.AddToScheme,
	helmv2.AddToScheme, helmv2beta2.AddToScheme,
	imagev1.AddToScheme, imagev1beta2.AddToScheme,
	notificationv1.AddToScheme, notificationv1beta3.AddToScheme, notificationv1beta2.AddToScheme,
)

// AddToScheme adds every tide group-version to s.
var AddToScheme = builder.AddToScheme
