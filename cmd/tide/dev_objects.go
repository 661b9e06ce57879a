/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/fluxcd/pkg/apis/meta"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	kustomizev1 "github.com/tide-gitops/tide/api/kustomize/v1"
	sourcev1 "github.com/tide-gitops/tide/api/source/v1"
	"github.com/tide-gitops/tide/internal/kube"
)

// demoSourceName is the GitRepository of the demo, in defaultNamespace.
const demoSourceName = "demo"

// demoKustomization is one Kustomization of the demo: an overlay of examples/demo and the namespace it
// deploys into.
type demoKustomization struct {
	name, path, namespace string
}

// demoKustomizations are the Kustomizations `tide dev` creates, one per overlay, in defaultNamespace.
var demoKustomizations = []demoKustomization{
	{name: "demo-dev", path: "./overlays/dev", namespace: "demo-dev"},
	{name: "demo-production", path: "./overlays/production", namespace: "demo-production"},
}

// applyDemoObjects applies (server-side) the namespace, the GitRepository for url and the Kustomizations,
// each asking for a reconcile now. It returns that request's token: an object that recorded it in
// status.lastHandledReconcileAt was reconciled by this run's controllers.
func (s *devSession) applyDemoObjects(ctx context.Context, url string) (string, error) {
	token := time.Now().UTC().Format(time.RFC3339Nano)
	var objs []*unstructured.Unstructured
	for _, obj := range demoObjects(url, token) {
		u, err := toUnstructured(obj)
		if err != nil {
			return "", err
		}
		objs = append(objs, u)
	}
	if _, err := kube.ApplyStaged(ctx, kube.NewResourceManager(s.c), objs, time.Minute); err != nil {
		return "", fmt.Errorf("creating the demo's GitRepository and Kustomizations: %w", err)
	}
	names := make([]string, 0, len(demoKustomizations))
	for _, ks := range demoKustomizations {
		names = append(names, defaultNamespace+"/"+ks.name)
	}
	s.p.ok("applied GitRepository %s/%s and Kustomizations %s (wait: false)",
		defaultNamespace, demoSourceName, strings.Join(names, ", "))
	return token, nil
}

// demoObjects are the objects of the demo. The Kustomizations do not wait for what they apply: on the local
// control plane, which has no nodes, no Deployment ever becomes available.
func demoObjects(url, token string) []client.Object {
	annotations := map[string]string{meta.ReconcileRequestAnnotation: token}
	objs := []client.Object{
		&corev1.Namespace{
			TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Namespace"},
			ObjectMeta: metav1.ObjectMeta{Name: defaultNamespace},
		},
		&sourcev1.GitRepository{
			TypeMeta:   metav1.TypeMeta{APIVersion: sourcev1.GroupVersion.String(), Kind: sourcev1.GitRepositoryKind},
			ObjectMeta: metav1.ObjectMeta{Name: demoSourceName, Namespace: defaultNamespace, Annotations: annotations},
			Spec: sourcev1.GitRepositorySpec{
				URL:       url,
				Reference: &sourcev1.GitRepositoryRef{Branch: demoBranch},
				// tide dev asks for a reconcile as soon as the branch moves; the interval is the fallback.
				Interval: metav1.Duration{Duration: time.Minute},
			},
		},
	}
	for _, ks := range demoKustomizations {
		objs = append(objs, &kustomizev1.Kustomization{
			TypeMeta:   metav1.TypeMeta{APIVersion: kustomizev1.GroupVersion.String(), Kind: kustomizev1.KustomizationKind},
			ObjectMeta: metav1.ObjectMeta{Name: ks.name, Namespace: defaultNamespace, Annotations: annotations},
			Spec: kustomizev1.KustomizationSpec{
				SourceRef:     kustomizev1.CrossNamespaceSourceReference{Kind: sourcev1.GitRepositoryKind, Name: demoSourceName},
				Path:          ks.path,
				Interval:      metav1.Duration{Duration: 10 * time.Minute},
				RetryInterval: &metav1.Duration{Duration: 15 * time.Second},
				Timeout:       &metav1.Duration{Duration: time.Minute},
				Prune:         true,
				Wait:          false,
			},
		})
	}
	return objs
}

// toUnstructured converts a typed object for server-side apply, without the empty status and creation time
// that the conversion adds.
func toUnstructured(obj client.Object) (*unstructured.Unstructured, error) {
	m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
	if err != nil {
		return nil, fmt.Errorf("converting %s %s: %w", obj.GetObjectKind().GroupVersionKind().Kind, obj.GetName(), err)
	}
	delete(m, "status")
	unstructured.RemoveNestedField(m, "metadata", "creationTimestamp")
	return &unstructured.Unstructured{Object: m}, nil
}
