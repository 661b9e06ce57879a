/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package e2e

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	authorizationv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/tide-gitops/tide/internal/kube"
)

var controllers = []string{
	"source-controller", "kustomize-controller", "helm-controller",
	"image-reflector", "image-automation", "notification-controller",
}

// kindsByController lists the resources each controller reconciles: its ClusterRole may write them (and their
// status), and no other controller's role may.
var kindsByController = map[string][]resource{
	"source-controller": {{"source.toolkit.fluxcd.io", "gitrepositories"}, {"source.toolkit.fluxcd.io", "ocirepositories"},
		{"source.toolkit.fluxcd.io", "helmrepositories"}, {"source.toolkit.fluxcd.io", "helmcharts"}, {"source.toolkit.fluxcd.io", "buckets"}},
	"kustomize-controller":    {{"kustomize.toolkit.fluxcd.io", "kustomizations"}},
	"helm-controller":         {{"helm.toolkit.fluxcd.io", "helmreleases"}},
	"image-reflector":         {{"image.toolkit.fluxcd.io", "imagerepositories"}, {"image.toolkit.fluxcd.io", "imagepolicies"}},
	"image-automation":        {{"image.toolkit.fluxcd.io", "imageupdateautomations"}},
	"notification-controller": {{"notification.toolkit.fluxcd.io", "providers"}, {"notification.toolkit.fluxcd.io", "alerts"}, {"notification.toolkit.fluxcd.io", "receivers"}},
}

// extraWrites are writes a controller needs on another controller's kinds: helm-controller creates HelmCharts.
var extraWrites = map[string][]resource{
	"helm-controller": {{"source.toolkit.fluxcd.io", "helmcharts"}},
}

type resource struct{ group, resource string }

// TestManifestsApply: `manifests/` builds with kustomize and is accepted by the real API server, creating every
// controller's Deployment, Service and ServiceAccount.
func TestManifestsApply(t *testing.T) {
	ctx := testContext(t, 2*time.Minute)
	applyManifests(ctx, t)
	for _, c := range controllers {
		var dep appsv1.Deployment
		if err := env.Client.Get(ctx, client.ObjectKey{Namespace: "flux-system", Name: c}, &dep); err != nil {
			t.Errorf("Deployment %s: %v", c, err)
			continue
		}
		if got := dep.Spec.Template.Spec.ServiceAccountName; got != c {
			t.Errorf("Deployment %s runs as service account %q", c, got)
		}
		var svc corev1.Service
		if err := env.Client.Get(ctx, client.ObjectKey{Namespace: "flux-system", Name: c}, &svc); err != nil {
			t.Errorf("Service %s: %v", c, err)
		}
	}
}

func applyManifests(ctx context.Context, t *testing.T) {
	t.Helper()
	objs, err := kube.Build(filepath.Join(env.RepoRoot, "manifests"))
	if err != nil {
		t.Fatal(err)
	}
	cs, err := kube.ApplyStaged(ctx, kube.NewResourceManager(env.Client), objs, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("applied %d objects from manifests/", len(cs.Entries))
}

// TestControllerRBAC: each controller's generated ClusterRole lets it write exactly the kinds it reconciles
// (and their status and finalizers), read what it consumes, and write nothing of the other controllers'. The
// check asks the real API server (SubjectAccessReview) on behalf of a probe service account bound only to that
// role, and, for the controllers without the cluster-admin tide-reconciler binding, on behalf of the
// controller's own service account as installed.
func TestControllerRBAC(t *testing.T) {
	ctx := testContext(t, 2*time.Minute)
	applyManifests(ctx, t)
	appliers := map[string]bool{"kustomize-controller": true, "helm-controller": true}
	for _, c := range controllers {
		subjects := []string{probeAccount(ctx, t, c)}
		if !appliers[c] {
			subjects = append(subjects, "system:serviceaccount:flux-system:"+c)
		}
		for _, user := range subjects {
			// The authorizer reads bindings from an informer: wait until this subject's binding is in effect.
			own := kindsByController[c][0]
			waitAllowed(ctx, t, user, "create", own.group, own.resource)
			for other, kinds := range kindsByController {
				for _, r := range kinds {
					want := other == c || contains(extraWrites[c], r)
					for _, verb := range []string{"create", "update", "delete"} {
						if got := allowed(ctx, t, user, verb, r.group, r.resource, ""); got != want {
							t.Errorf("%s: %s %s.%s allowed=%v, want %v", user, verb, r.resource, r.group, got, want)
						}
					}
					if got := allowed(ctx, t, user, "patch", r.group, r.resource, "status"); got != (other == c) {
						t.Errorf("%s: patch %s/status allowed=%v, want %v", user, r.resource, got, other == c)
					}
				}
			}
			if !allowed(ctx, t, user, "create", "", "events", "") {
				t.Errorf("%s cannot record events", user)
			}
			if allowed(ctx, t, user, "update", "", "secrets", "") {
				t.Errorf("%s may update Secrets", user)
			}
		}
	}
	// The appliers act as cluster-admin through tide-reconciler, like Flux's cluster-reconciler binding.
	if !allowed(ctx, t, "system:serviceaccount:flux-system:kustomize-controller", "create", "apps", "deployments", "") {
		t.Error("kustomize-controller cannot apply Deployments")
	}
}

// waitAllowed waits until the API server's authorizer allows the request, which it does once it has seen the
// subject's (new) binding.
func waitAllowed(ctx context.Context, t *testing.T, user, verb, group, res string) {
	t.Helper()
	for !allowed(ctx, t, user, verb, group, res, "") {
		select {
		case <-ctx.Done():
			t.Fatalf("%s is never allowed to %s %s.%s", user, verb, res, group)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// probeAccount creates a service account bound only to the controller's generated ClusterRole.
func probeAccount(ctx context.Context, t *testing.T, controller string) string {
	t.Helper()
	name := "rbac-probe-" + controller
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default"}}
	binding := &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "tide-" + controller},
		Subjects:   []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: name, Namespace: "default"}},
	}
	for _, obj := range []client.Object{sa, binding} {
		if err := env.Client.Create(ctx, obj); err != nil {
			t.Fatalf("creating %s: %v", name, err)
		}
		t.Cleanup(func() { _ = env.Client.Delete(context.Background(), obj) })
	}
	return fmt.Sprintf("system:serviceaccount:default:%s", name)
}

func allowed(ctx context.Context, t *testing.T, user, verb, group, res, sub string) bool {
	t.Helper()
	sar := &authorizationv1.SubjectAccessReview{Spec: authorizationv1.SubjectAccessReviewSpec{
		User:   user,
		Groups: []string{"system:serviceaccounts", "system:authenticated"},
		ResourceAttributes: &authorizationv1.ResourceAttributes{
			Namespace: "team-a", Verb: verb, Group: group, Resource: res, Subresource: sub,
		},
	}}
	if err := env.Client.Create(ctx, sar); err != nil {
		t.Fatalf("SubjectAccessReview: %v", err)
	}
	return sar.Status.Allowed
}

func contains(rs []resource, r resource) bool {
	for _, x := range rs {
		if x == r {
			return true
		}
	}
	return false
}
