/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package build

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	kustomizev1 "github.com/tide-gitops/tide/api/kustomize/v1"
)

// ReadVars returns the post-build substitution variables of a Kustomization in namespace: the ConfigMaps and
// Secrets of pb.SubstituteFrom read with r (an optional one may be missing), merged with pb.Substitute by
// MergeVars. It returns nil when pb is nil.
func ReadVars(ctx context.Context, r client.Reader, namespace string, pb *kustomizev1.PostBuild) (map[string]string, error) {
	if pb == nil {
		return nil, nil
	}
	sources := make([]map[string]string, 0, len(pb.SubstituteFrom))
	for _, ref := range pb.SubstituteFrom {
		key := types.NamespacedName{Namespace: namespace, Name: ref.Name}
		var (
			data map[string]string
			err  error
		)
		switch ref.Kind {
		case "ConfigMap":
			cm := &corev1.ConfigMap{}
			if err = r.Get(ctx, key, cm); err == nil {
				data = VarsFromConfigMap(cm)
			}
		case "Secret":
			s := &corev1.Secret{}
			if err = r.Get(ctx, key, s); err == nil {
				data = VarsFromSecret(s)
			}
		default:
			return nil, fmt.Errorf("postBuild.substituteFrom: kind %q is not supported: use ConfigMap or Secret", ref.Kind)
		}
		if apierrors.IsNotFound(err) && ref.Optional {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("postBuild.substituteFrom: reading %s '%s': %w", ref.Kind, key, err)
		}
		sources = append(sources, data)
	}
	return MergeVars(sources, pb.Substitute), nil
}
