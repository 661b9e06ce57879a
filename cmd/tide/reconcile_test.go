/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package main

import (
	"context"
	"testing"
	"time"

	"github.com/fluxcd/pkg/apis/meta"
	"github.com/fluxcd/pkg/runtime/conditions"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	kustomizev1 "github.com/tide-gitops/tide/api/kustomize/v1"
	sourcev1 "github.com/tide-gitops/tide/api/source/v1"
	"github.com/tide-gitops/tide/internal/testenv"
)

// TestReconcile commits a change and reconciles the Kustomization with its source: the new commit is fetched
// and applied in one command, which prints the revision. A Kustomization that cannot be applied makes the
// command fail with the controller's message.
func TestReconcile(t *testing.T) {
	a := newGitopsApp(t)
	head := a.repo.CommitFiles(t, "main", appFiles("2"))
	rev := "main@sha1:" + head

	out := mustTide(t, "reconcile", "ks", "app", "--with-source", "-n", a.ns)
	assertContains(t, "reconcile --with-source", out,
		"► annotating GitRepository app in "+a.ns+" namespace",
		"◎ waiting for GitRepository reconciliation",
		"✔ fetched revision "+rev,
		"► annotating Kustomization app in "+a.ns+" namespace",
		"✔ applied revision "+rev)
	if got := a.configMapRevision(t, "app-config"); got != "2" {
		t.Errorf("after the reconcile the ConfigMap has revision %q, want 2", got)
	}
	var ks kustomizev1.Kustomization
	if err := a.env.Client.Get(context.Background(), client.ObjectKey{Namespace: a.ns, Name: "app"}, &ks); err != nil {
		t.Fatal(err)
	}
	if ks.Status.LastAppliedRevision != rev || ks.Status.LastHandledReconcileAt == "" ||
		ks.Annotations[meta.ReconcileRequestAnnotation] != ks.Status.LastHandledReconcileAt {
		t.Errorf("Kustomization: applied %s, handled %q of request %q", ks.Status.LastAppliedRevision,
			ks.Status.LastHandledReconcileAt, ks.Annotations[meta.ReconcileRequestAnnotation])
	}

	// A source alone prints the revision it fetched.
	assertContains(t, "reconcile source git", mustTide(t, "reconcile", "source", "git", "app", "-n", a.ns), "✔ fetched revision "+rev)

	// A failing Kustomization fails the command with its Ready message.
	broken := &kustomizev1.Kustomization{
		ObjectMeta: metav1.ObjectMeta{Name: "broken", Namespace: a.ns},
		Spec: kustomizev1.KustomizationSpec{Path: "./missing", Interval: metav1.Duration{Duration: 10 * time.Minute},
			SourceRef: kustomizev1.CrossNamespaceSourceReference{Kind: sourcev1.GitRepositoryKind, Name: "app"}},
	}
	if err := a.env.Client.Create(context.Background(), broken); err != nil {
		t.Fatal(err)
	}
	testenv.WaitFor(t, a.env.Client, broken, time.Minute, "broken Kustomization not Ready", func(ks *kustomizev1.Kustomization) bool {
		return conditions.IsFalse(ks, meta.ReadyCondition)
	})
	msg := failTide(t, "reconcile", "kustomization", "broken", "-n", a.ns)
	assertContains(t, "error", msg, "Kustomization "+a.ns+"/broken reconciliation failed",
		conditions.GetMessage(broken, meta.ReadyCondition))

	assertContains(t, "error", failTide(t, "reconcile", "ks", "nothing", "-n", a.ns), `Kustomization "nothing" not found`)
	assertContains(t, "error", failTide(t, "reconcile", "source", "git", "app", "--with-source", "-n", a.ns), "unknown flag: --with-source")
}
