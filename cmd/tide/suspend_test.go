/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package main

import (
	"context"
	"testing"

	"sigs.k8s.io/controller-runtime/pkg/client"

	kustomizev1 "github.com/tide-gitops/tide/api/kustomize/v1"
)

// TestSuspendResume suspends a Kustomization (reconcile then refuses it and a commit is not applied), resumes it
// (the commit is applied and its revision printed), and suspends and resumes every Kustomization with --all.
func TestSuspendResume(t *testing.T) {
	a := newGitopsApp(t)
	out := mustTide(t, "suspend", "kustomization", "app", "-n", a.ns)
	assertContains(t, "suspend", out, "► suspending Kustomization app in "+a.ns+" namespace", "✔ Kustomization app suspended")
	if !a.suspended(t, "app") {
		t.Fatal("spec.suspend is not set after tide suspend")
	}
	assertTable(t, mustTide(t, "get", "ks", "app", "-n", a.ns), []string{"NAME", "REVISION", "SUSPENDED"}, []string{"app", "True", "True"})

	msg := failTide(t, "reconcile", "ks", "app", "-n", a.ns)
	assertContains(t, "error", msg, "Kustomization "+a.ns+"/app is suspended", "tide resume kustomization app -n "+a.ns)
	head := a.repo.CommitFiles(t, "main", appFiles("2"))
	mustTide(t, "reconcile", "source", "git", "app", "-n", a.ns)
	if got := a.configMapRevision(t, "app-config"); got != "1" {
		t.Errorf("a suspended Kustomization applied revision %q of the ConfigMap", got)
	}

	out = mustTide(t, "resume", "ks", "app", "-n", a.ns)
	assertContains(t, "resume", out, "✔ Kustomization app resumed", "✔ applied revision main@sha1:"+head)
	if a.suspended(t, "app") {
		t.Error("spec.suspend is still set after tide resume")
	}
	if got := a.configMapRevision(t, "app-config"); got != "2" {
		t.Errorf("after resume the ConfigMap has revision %q, want 2", got)
	}

	mustTide(t, "suspend", "ks", "--all", "-n", a.ns)
	for _, name := range []string{"app", "child"} {
		if !a.suspended(t, name) {
			t.Errorf("Kustomization %s is not suspended after suspend --all", name)
		}
	}
	out = mustTide(t, "resume", "ks", "--all", "-n", a.ns)
	for _, name := range []string{"app", "child"} {
		if a.suspended(t, name) {
			t.Errorf("Kustomization %s is still suspended after resume --all", name)
		}
	}
	assertContains(t, "resume --all", out, "✔ Kustomization app resumed", "✔ Kustomization child resumed")
	assertContains(t, "error", failTide(t, "suspend", "ks", "-n", a.ns), "give the name of one Kustomization or --all")
}

func (a *gitopsApp) suspended(t *testing.T, name string) bool {
	t.Helper()
	var ks kustomizev1.Kustomization
	if err := a.env.Client.Get(context.Background(), client.ObjectKey{Namespace: a.ns, Name: name}, &ks); err != nil {
		t.Fatal(err)
	}
	return ks.Spec.Suspend
}
