/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	kustomizev1 "github.com/tide-gitops/tide/api/kustomize/v1"
	sourcev1 "github.com/tide-gitops/tide/api/source/v1"
	"github.com/tide-gitops/tide/internal/testserver/gitserver"
)

// TestCreate creates a Git source and a Kustomization from flags: each is applied, reconciled by the real
// controllers and its revision printed. --export prints YAML that the API server accepts and that holds what
// the flags say; bad flags are refused with a message naming the flag.
func TestCreate(t *testing.T) {
	env := sharedCluster(t)
	ns := testNamespace(t)
	srv := gitserver.New(t)
	head := srv.CreateRepo(t, "web").CommitFiles(t, "main", appFiles("1"))
	url := srv.StartHTTP(t, gitserver.HTTPOptions{}).RepoURL("web")

	out := mustTide(t, "create", "source", "git", "web", "--url", url, "--interval", "2m", "-n", ns)
	assertContains(t, "create source git", out, "► applying GitRepository web in "+ns+" namespace", "✔ fetched revision main@sha1:"+head)
	var repo sourcev1.GitRepository
	if err := env.Client.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: "web"}, &repo); err != nil {
		t.Fatal(err)
	}
	if repo.Spec.URL != url || repo.Spec.Reference.Branch != "main" || repo.Spec.Interval.Duration != 2*time.Minute {
		t.Errorf("GitRepository spec: %+v", repo.Spec)
	}

	out = mustTide(t, "create", "kustomization", "web", "--source", "GitRepository/web", "--path", "./child",
		"--prune", "--target-namespace", ns, "-n", ns)
	assertContains(t, "create kustomization", out, "✔ applied revision main@sha1:"+head)
	var cm unstructured.Unstructured
	cm.SetAPIVersion("v1")
	cm.SetKind("ConfigMap")
	if err := env.Client.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: "child-config"}, &cm); err != nil {
		t.Errorf("the Kustomization did not apply ./child: %v", err)
	}

	// --export prints YAML without applying it; the API server accepts it as it is.
	out = mustTide(t, "create", "ks", "later", "--source", "web."+ns, "--path", "deploy", "--depends-on", "web",
		"--depends-on", "infra/base", "--wait", "--interval", "5m", "--export", "-n", ns)
	var ks kustomizev1.Kustomization
	if err := yaml.UnmarshalStrict([]byte(strings.TrimPrefix(out, "---\n")), &ks); err != nil {
		t.Fatalf("--export is not a Kustomization: %v\n%s", err, out)
	}
	if ks.Spec.SourceRef != (kustomizev1.CrossNamespaceSourceReference{Kind: "GitRepository", Name: "web", Namespace: ns}) ||
		ks.Spec.Path != "deploy" || !ks.Spec.Wait || ks.Spec.Prune || len(ks.Spec.DependsOn) != 2 ||
		ks.Spec.DependsOn[1].Namespace != "infra" || ks.Spec.DependsOn[1].Name != "base" || ks.Spec.Interval.Duration != 5*time.Minute {
		t.Errorf("exported Kustomization spec: %+v", ks.Spec)
	}
	if err := env.Client.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: "later"}, &kustomizev1.Kustomization{}); err == nil {
		t.Error("--export applied the Kustomization")
	}
	for _, args := range [][]string{
		{"create", "source", "git", "tagged", "--url", url, "--tag", "v1", "--export", "-n", ns},
		{"create", "ks", "later", "--source", "web", "--export", "-n", ns},
	} {
		obj := &unstructured.Unstructured{}
		if err := yaml.Unmarshal([]byte(mustTide(t, args...)), &obj.Object); err != nil {
			t.Fatal(err)
		}
		if err := env.Client.Create(context.Background(), obj); err != nil {
			t.Errorf("the API server refused the output of tide %s: %v", strings.Join(args, " "), err)
		}
	}

	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"create", "source", "git", "x", "--url", "github.com/org/repo"}, "is not an http, https or ssh URL"},
		{[]string{"create", "source", "git", "x", "--url", url, "--tag", "v1", "--semver", "1.x"}, "[semver tag] were all set"},
		{[]string{"create", "source", "git", "Bad_Name", "--url", url}, `"Bad_Name" is not a valid GitRepository name`},
		{[]string{"create", "source", "git", "x"}, `required flag(s) "url" not set`},
		{[]string{"create", "ks", "x", "--source", "HelmRepository/charts"}, "the kind must be GitRepository, OCIRepository or Bucket"},
		{[]string{"create", "ks", "x", "--source", "web", "--path", "../other"}, "must be relative to the source's root"},
	} {
		assertContains(t, "error of tide "+strings.Join(c.args, " "), failTide(t, c.args...), c.want)
	}
}
