/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package controller

import (
	"strings"
	"testing"

	"github.com/fluxcd/cli-utils/pkg/object"
	"github.com/fluxcd/pkg/apis/meta"
	"github.com/fluxcd/pkg/ssa"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/event"

	kustomizev1 "github.com/tide-gitops/tide/api/kustomize/v1"
	sourcev1 "github.com/tide-gitops/tide/api/source/v1"
)

func TestArtifactRevisionChanged(t *testing.T) {
	repo := func(rev, digest string) *sourcev1.GitRepository {
		r := &sourcev1.GitRepository{}
		if rev != "" {
			r.Status.Artifact = &meta.Artifact{Revision: rev, Digest: digest}
		}
		return r
	}
	cases := []struct {
		name     string
		old, new *sourcev1.GitRepository
		want     bool
	}{
		{"first artifact", repo("", ""), repo("main@sha1:a", "sha256:1"), true},
		{"new revision", repo("main@sha1:a", "sha256:1"), repo("main@sha1:b", "sha256:2"), true},
		{"same revision, new digest", repo("main@sha1:a", "sha256:1"), repo("main@sha1:a", "sha256:2"), true},
		{"unchanged", repo("main@sha1:a", "sha256:1"), repo("main@sha1:a", "sha256:1"), false},
		{"artifact removed", repo("main@sha1:a", "sha256:1"), repo("", ""), false},
	}
	for _, tc := range cases {
		if got := (artifactRevisionChanged{}).Update(event.UpdateEvent{ObjectOld: tc.old, ObjectNew: tc.new}); got != tc.want {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestSourceIndexValue(t *testing.T) {
	k := &kustomizev1.Kustomization{ObjectMeta: metav1.ObjectMeta{Namespace: "apps", Name: "web"}}
	k.Spec.SourceRef = kustomizev1.CrossNamespaceSourceReference{Kind: "GitRepository", Name: "repo"}
	if got := sourceIndexValue(k); len(got) != 1 || got[0] != "GitRepository/apps/repo" {
		t.Errorf("same namespace: %v", got)
	}
	k.Spec.SourceRef.Namespace = "flux-system"
	if got := sourceIndexValue(k); got[0] != "GitRepository/flux-system/repo" {
		t.Errorf("cross namespace: %v", got)
	}
}

func TestChangeSummary(t *testing.T) {
	cs := ssa.NewChangeSet()
	for subject, action := range map[string]ssa.Action{
		"ConfigMap/ns/a": ssa.CreatedAction, "ConfigMap/ns/b": ssa.UnchangedAction,
		"Deployment/ns/web": ssa.ConfiguredAction, "Service/ns/old": ssa.DeletedAction, "Secret/ns/s": ssa.SkippedAction,
	} {
		cs.Add(ssa.ChangeSetEntry{Subject: subject, Action: action})
	}
	got := strings.Split(changeSummary(cs), "\n")
	if len(got) != 3 {
		t.Fatalf("summary lines = %q, want created, configured and deleted only", got)
	}
	for _, want := range []string{"ConfigMap/ns/a created", "Deployment/ns/web configured", "Service/ns/old deleted"} {
		if !strings.Contains(changeSummary(cs), want) {
			t.Errorf("summary lacks %q", want)
		}
	}
	if changeSummary(ssa.NewChangeSet()) != "" || changeSummary(nil) != "" {
		t.Error("an unchanged set must give an empty summary (no event)")
	}
}

func TestHealthCheckSetAndInventoryMerge(t *testing.T) {
	set := healthCheckSet([]meta.NamespacedObjectKindReference{
		{APIVersion: "apps/v1", Kind: "Deployment", Name: "web", Namespace: "prod"},
		{APIVersion: "v1", Kind: "Namespace", Name: "prod"},
	})
	want := object.ObjMetadataSet{
		{Namespace: "prod", Name: "web", GroupKind: schema.GroupKind{Group: "apps", Kind: "Deployment"}},
		{Name: "prod", GroupKind: schema.GroupKind{Kind: "Namespace"}},
	}
	if !set.Equal(want) {
		t.Errorf("health check set = %v, want %v", set, want)
	}
	a := &kustomizev1.ResourceInventory{Entries: []kustomizev1.ResourceRef{{ID: "ns_a__ConfigMap", Version: "v1"}}}
	b := &kustomizev1.ResourceInventory{Entries: []kustomizev1.ResourceRef{{ID: "ns_a__ConfigMap", Version: "v1"}, {ID: "ns_b__ConfigMap", Version: "v1"}}}
	if got := mergeInventories(a, b).Entries; len(got) != 2 || got[1].ID != "ns_b__ConfigMap" {
		t.Errorf("merged inventory = %v", got)
	}
	if got := truncate(strings.Repeat("x", kustomizev1.MaxConditionMessageLength+10)); len(got) != kustomizev1.MaxConditionMessageLength {
		t.Errorf("truncated length %d", len(got))
	}
}
