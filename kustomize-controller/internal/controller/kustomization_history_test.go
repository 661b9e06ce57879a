/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package controller

import (
	"strings"
	"testing"

	"github.com/fluxcd/pkg/apis/meta"

	kustomizev1 "github.com/tide-gitops/tide/api/kustomize/v1"
)

// TestHistory: status.history keeps a snapshot per digest of the built objects and outcome, as Flux does: a
// reconcile of the same objects updates its snapshot (count, revision), other objects add one in front.
func TestHistory(t *testing.T) {
	f := newFixture(t)
	rev1 := f.publish(t, map[string]string{"app/cm.yaml": configMapYAML("cm", "v1")})
	k := f.kustomization(t, "app", "./app", func(k *kustomizev1.Kustomization) { k.Spec.TargetNamespace = f.ns })
	waitApplied(t, k, rev1)
	h := k.Status.History
	if len(h) != 1 || h[0].LastReconciledStatus != meta.ReconciliationSucceededReason || h[0].TotalReconciliations != 1 ||
		h[0].Metadata["revision"] != rev1 || !strings.HasPrefix(h[0].Digest, "sha256:") {
		t.Fatalf("history after the first apply = %+v", h)
	}
	first := h[0].Digest

	token := requestReconcile(t, k)
	waitFor(t, k, "requested reconcile handled", func(k *kustomizev1.Kustomization) bool {
		return k.Status.LastHandledReconcileAt == token
	})
	if h := k.Status.History; len(h) != 1 || h[0].Digest != first || h[0].TotalReconciliations != 2 {
		t.Fatalf("history after a reconcile of the same objects = %+v", h)
	}

	rev2 := f.publish(t, map[string]string{"app/cm.yaml": configMapYAML("cm", "v2")})
	waitApplied(t, k, rev2)
	h = k.Status.History
	if len(h) != 2 || h[0].Digest == first || h[0].Metadata["revision"] != rev2 || h[1].Digest != first {
		t.Fatalf("history after a new revision = %+v", h)
	}
}
