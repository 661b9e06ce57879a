/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package controller

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fluxcd/pkg/apis/meta"
	"github.com/fluxcd/pkg/runtime/conditions"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	kustomizev1 "github.com/tide-gitops/tide/api/kustomize/v1"
)

// layout returns a base with a Deployment and a Service and a production overlay that sets the namespace,
// a label, the image tag and the replica count.
func layout(ns string, replicas int, withService bool) map[string]string {
	resources := "- deployment.yaml\n"
	files := map[string]string{
		"base/deployment.yaml": `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 1
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: nginx:1.25
`,
		"overlays/production/kustomization.yaml": fmt.Sprintf(`apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
- ../../base
namespace: %s
commonLabels:
  env: production
images:
- name: nginx
  newTag: "1.27"
patches:
- target: {kind: Deployment, name: web}
  patch: |
    - op: replace
      path: /spec/replicas
      value: %d
`, ns, replicas),
	}
	if withService {
		resources += "- service.yaml\n"
		files["base/service.yaml"] = `apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector: {app: web}
  ports:
  - port: 80
`
	}
	files["base/kustomization.yaml"] = "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n" + resources
	return files
}

func TestOverlayAppliesUpdatesAndPrunes(t *testing.T) {
	f := newFixture(t)
	rev1 := f.publish(t, layout(f.ns, 3, true))
	k := f.kustomization(t, "production", "./overlays/production", nil)
	waitApplied(t, k, rev1)

	dep := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Namespace: f.ns, Name: "web"}}
	svc := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: f.ns, Name: "web"}}
	if !exists(t, dep) || !exists(t, svc) {
		t.Fatal("the Deployment and the Service were not applied")
	}
	if *dep.Spec.Replicas != 3 || dep.Spec.Template.Spec.Containers[0].Image != "nginx:1.27" || dep.Labels["env"] != "production" {
		t.Errorf("overlay not applied: replicas %d, image %s, labels %v", *dep.Spec.Replicas,
			dep.Spec.Template.Spec.Containers[0].Image, dep.Labels)
	}
	if dep.Labels[kustomizev1.NameLabel] != "production" || dep.Labels[kustomizev1.NamespaceLabel] != f.ns {
		t.Errorf("ownership labels missing: %v", dep.Labels)
	}
	wantInv := []kustomizev1.ResourceRef{{ID: f.ns + "_web_apps_Deployment", Version: "v1"}, {ID: f.ns + "_web__Service", Version: "v1"}}
	if got := k.Status.Inventory.Entries; !sameRefs(got, wantInv) {
		t.Errorf("inventory = %v, want %v", got, wantInv)
	}
	if k.Status.LastAttemptedRevision != rev1 || !conditions.IsTrue(k, meta.ReadyCondition) ||
		conditions.GetMessage(k, meta.ReadyCondition) != "Applied revision: "+rev1 {
		t.Errorf("status: attempted %q, Ready %q", k.Status.LastAttemptedRevision, conditions.GetMessage(k, meta.ReadyCondition))
	}
	waitEvent(t, k, corev1.EventTypeNormal, meta.ReconciliationSucceededReason, "Deployment/"+f.ns+"/web created")

	// A new revision with another replica count reaches the cluster through the source watch.
	rev2 := f.publish(t, layout(f.ns, 5, true))
	waitApplied(t, k, rev2)
	if !exists(t, dep) || *dep.Spec.Replicas != 5 {
		t.Errorf("replicas = %d after the new revision, want 5", *dep.Spec.Replicas)
	}
	waitEvent(t, k, corev1.EventTypeNormal, meta.ReconciliationSucceededReason, "Deployment/"+f.ns+"/web configured")

	// Removing a file prunes its object.
	rev3 := f.publish(t, layout(f.ns, 5, false))
	waitApplied(t, k, rev3)
	if exists(t, svc) {
		t.Error("the Service removed from Git was not pruned")
	}
	if len(k.Status.Inventory.Entries) != 1 {
		t.Errorf("inventory after prune = %v", k.Status.Inventory.Entries)
	}
	waitEvent(t, k, corev1.EventTypeNormal, meta.ReconciliationSucceededReason, "Service/"+f.ns+"/web deleted")
}

func sameRefs(got, want []kustomizev1.ResourceRef) bool {
	key := func(r kustomizev1.ResourceRef) string { return r.ID + " " + r.Version }
	g, w := make([]string, len(got)), make([]string, len(want))
	for i, r := range got {
		g[i] = key(r)
	}
	for i, r := range want {
		w[i] = key(r)
	}
	slices.Sort(g)
	slices.Sort(w)
	return slices.Equal(g, w)
}

func TestPruneDisabledKeepsRemovedObjects(t *testing.T) {
	f := newFixture(t)
	files := map[string]string{"app/a.yaml": configMapYAML("a", "1"), "app/b.yaml": configMapYAML("b", "1")}
	rev1 := f.publish(t, files)
	k := f.kustomization(t, "app", "./app", func(k *kustomizev1.Kustomization) {
		k.Spec.Prune = false
		k.Spec.TargetNamespace = f.ns
	})
	waitApplied(t, k, rev1)
	delete(files, "app/b.yaml")
	rev2 := f.publish(t, files)
	waitApplied(t, k, rev2)
	b := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: f.ns, Name: "b"}}
	if !exists(t, b) {
		t.Error("ConfigMap b was deleted although prune is false")
	}
	if len(k.Status.Inventory.Entries) != 1 || k.Status.Inventory.Entries[0].ID != f.ns+"_a__ConfigMap" {
		t.Errorf("inventory = %v, want only ConfigMap a", k.Status.Inventory.Entries)
	}
}

func TestManualEditIsReverted(t *testing.T) {
	f := newFixture(t)
	rev := f.publish(t, map[string]string{"app/cm.yaml": configMapYAML("settings", "from-git")})
	k := f.kustomization(t, "app", "./app", func(k *kustomizev1.Kustomization) { k.Spec.TargetNamespace = f.ns })
	waitApplied(t, k, rev)

	// kubectl edit: an update of a managed field by another field manager.
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: f.ns, Name: "settings"}}
	if !exists(t, cm) {
		t.Fatal("ConfigMap not applied")
	}
	cm.Data["key"] = "edited"
	if err := env.Client.Update(context.Background(), cm, client.FieldOwner("kubectl-edit")); err != nil {
		t.Fatal(err)
	}
	token := requestReconcile(t, k)
	waitFor(t, k, "reconcile request handled", func(k *kustomizev1.Kustomization) bool {
		return k.Status.LastHandledReconcileAt == token && conditions.IsReady(k)
	})
	if !exists(t, cm) || cm.Data["key"] != "from-git" {
		t.Errorf("manual edit not reverted: data %v", cm.Data)
	}
	waitEvent(t, k, corev1.EventTypeNormal, meta.ReconciliationSucceededReason, "ConfigMap/"+f.ns+"/settings configured")
}

// TestUnchangedReconcileDownloadsNothing: the build of an unchanged artifact comes from the cache (keyed by the
// artifact's digest), so a reconcile neither downloads nor builds, yet still re-applies (drift correction).
func TestUnchangedReconcileDownloadsNothing(t *testing.T) {
	_, k, _ := working(t)
	before := artifacts.downloaded()
	token := requestReconcile(t, k)
	waitFor(t, k, "reconcile request handled", func(k *kustomizev1.Kustomization) bool {
		return k.Status.LastHandledReconcileAt == token && conditions.IsReady(k)
	})
	if got := artifacts.downloaded(); got != before {
		t.Errorf("an unchanged reconcile downloaded the artifact again: %d downloads, want %d", got, before)
	}
}

// TestDependentStartsWhenDependencyReady: a Kustomization waiting on another is reconciled as soon as that one
// becomes Ready (the suite's --requeue-dependency is an hour, so nothing else could start it).
func TestDependentStartsWhenDependencyReady(t *testing.T) {
	f := newFixture(t)
	rev := f.publish(t, map[string]string{
		"base/cm.yaml": configMapYAML("base", "v1"),
		"app/cm.yaml":  configMapYAML("app", "v1"),
	})
	app := f.kustomization(t, "app", "./app", func(k *kustomizev1.Kustomization) {
		k.Spec.TargetNamespace = f.ns
		k.Spec.DependsOn = []meta.DependencyReference{{Name: "base"}}
	})
	waitFailed(t, app, meta.DependencyNotReadyReason)
	base := f.kustomization(t, "base", "./base", func(k *kustomizev1.Kustomization) { k.Spec.TargetNamespace = f.ns })
	waitApplied(t, base, rev)
	waitApplied(t, app, rev)
}

// working sets up a Kustomization that applied ConfigMap "keep" and returns it with the fixture and files.
func working(t *testing.T) (*fixture, *kustomizev1.Kustomization, map[string]string) {
	t.Helper()
	f := newFixture(t)
	files := map[string]string{"app/keep.yaml": configMapYAML("keep", "v1")}
	rev := f.publish(t, files)
	k := f.kustomization(t, "app", "./app", func(k *kustomizev1.Kustomization) {
		k.Spec.TargetNamespace = f.ns
		k.Spec.RetryInterval = &metav1.Duration{Duration: time.Second}
	})
	waitApplied(t, k, rev)
	return f, k, files
}

// assertKept checks that the failure left the applied ConfigMap and the inventory in place.
func assertKept(t *testing.T, f *fixture, k *kustomizev1.Kustomization) {
	t.Helper()
	if !exists(t, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: f.ns, Name: "keep"}}) {
		t.Error("the previously applied ConfigMap was deleted")
	}
	if k.Status.Inventory == nil || len(k.Status.Inventory.Entries) != 1 {
		t.Errorf("inventory changed: %v", k.Status.Inventory)
	}
}

func TestBadInputKeepsAppliedObjects(t *testing.T) {
	cases := []struct {
		name, reason, message string
		breakIt               func(t *testing.T, f *fixture, k *kustomizev1.Kustomization, files map[string]string)
	}{
		{"invalid YAML", meta.BuildFailedReason, "", func(t *testing.T, f *fixture, _ *kustomizev1.Kustomization, files map[string]string) {
			files["app/broken.yaml"] = "apiVersion: v1\nkind: ConfigMap\nmetadata: [name: x\n"
			f.publish(t, files)
		}},
		{"YAML aliases that expand without bound", meta.BuildFailedReason, "bomb.yaml: its YAML aliases expand", func(t *testing.T, f *fixture, _ *kustomizev1.Kustomization, files map[string]string) {
			bomb := "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bomb\ndata:\n  l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
			for i := 1; i <= 9; i++ {
				bomb += fmt.Sprintf("  l%d: &l%d [%s]\n", i, i, strings.TrimSuffix(strings.Repeat(fmt.Sprintf("*l%d, ", i-1), 10), ", "))
			}
			files["app/kustomization.yaml"] = "resources:\n- keep.yaml\n- bomb.yaml\n"
			files["app/bomb.yaml"] = bomb
			f.publish(t, files)
		}},
		{"kustomize error", meta.BuildFailedReason, "missing.yaml", func(t *testing.T, f *fixture, _ *kustomizev1.Kustomization, files map[string]string) {
			files["app/kustomization.yaml"] = "resources:\n- keep.yaml\n- missing.yaml\n"
			f.publish(t, files)
		}},
		{"missing substitution source", meta.BuildFailedReason, "vars", func(t *testing.T, _ *fixture, k *kustomizev1.Kustomization, _ map[string]string) {
			update(t, k, func(k *kustomizev1.Kustomization) {
				k.Spec.PostBuild = &kustomizev1.PostBuild{SubstituteFrom: []kustomizev1.SubstituteReference{{Kind: "ConfigMap", Name: "vars"}}}
			})
		}},
		{"wrong digest", meta.ArtifactFailedReason, "does not match", func(t *testing.T, f *fixture, _ *kustomizev1.Kustomization, files map[string]string) {
			files["app/keep.yaml"] = configMapYAML("keep", "v2")
			url, _ := artifacts.publish(t, files)
			f.setArtifact(t, url, "sha256:"+strings.Repeat("0", 64))
		}},
		{"dependency never ready", meta.DependencyNotReadyReason, "never", func(t *testing.T, _ *fixture, k *kustomizev1.Kustomization, _ map[string]string) {
			update(t, k, func(k *kustomizev1.Kustomization) { k.Spec.DependsOn = []meta.DependencyReference{{Name: "never"}} })
		}},
		{"failing health check", meta.HealthCheckFailedReason, "ConfigMap/", func(t *testing.T, f *fixture, k *kustomizev1.Kustomization, _ map[string]string) {
			update(t, k, func(k *kustomizev1.Kustomization) {
				k.Spec.Timeout = &metav1.Duration{Duration: 2 * time.Second}
				k.Spec.HealthChecks = []meta.NamespacedObjectKindReference{{APIVersion: "v1", Kind: "ConfigMap", Name: "absent", Namespace: f.ns}}
			})
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f, k, files := working(t)
			tc.breakIt(t, f, k, maps.Clone(files))
			msg := waitFailed(t, k, tc.reason)
			t.Logf("Ready message: %s", msg)
			if !strings.Contains(msg, tc.message) {
				t.Errorf("Ready message %q does not contain %q", msg, tc.message)
			}
			waitEvent(t, k, corev1.EventTypeWarning, tc.reason, tc.message)
			assertKept(t, f, k)
		})
	}
}

func TestRefusedInputs(t *testing.T) {
	cases := []struct {
		name, reason, message string
		stalled               bool
		files                 map[string]string
		mutate                func(*kustomizev1.Kustomization)
	}{
		{name: "path out of the artifact", reason: meta.BuildFailedReason, message: "outside the artifact",
			files:  map[string]string{"app/cm.yaml": configMapYAML("x", "1")},
			mutate: func(k *kustomizev1.Kustomization) { k.Spec.Path = "../../.." }},
		{name: "remote base", reason: meta.BuildFailedReason, message: "remote bases are disabled",
			files: map[string]string{"app/kustomization.yaml": "resources:\n- https://github.com/org/repo//deploy?ref=v1\n"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			f.publish(t, tc.files)
			k := f.kustomization(t, "app", "./app", tc.mutate)
			msg := waitFailed(t, k, tc.reason)
			t.Logf("Ready message: %s", msg)
			if !strings.Contains(msg, tc.message) {
				t.Errorf("Ready message %q does not contain %q", msg, tc.message)
			}
			if got := conditions.IsStalled(k); got != tc.stalled {
				t.Errorf("Stalled = %v, want %v%s", got, tc.stalled, describeConditions(k))
			}
			if tc.stalled && conditions.GetReason(k, meta.StalledCondition) != tc.reason {
				t.Errorf("Stalled reason %q", conditions.GetReason(k, meta.StalledCondition))
			}
			waitEvent(t, k, corev1.EventTypeWarning, tc.reason, tc.message)
			if k.Status.Inventory != nil && len(k.Status.Inventory.Entries) > 0 {
				t.Errorf("something was applied: %v", k.Status.Inventory.Entries)
			}
		})
	}
}

func TestImpersonationLimitsKinds(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	objs := []client.Object{
		&corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: f.ns, Name: "limited"}},
		&rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Namespace: f.ns, Name: "configmaps"}, Rules: []rbacv1.PolicyRule{{
			APIGroups: []string{""}, Resources: []string{"configmaps"}, Verbs: []string{"*"}}}},
		&rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Namespace: f.ns, Name: "limited"},
			RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: "configmaps"},
			Subjects: []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Namespace: f.ns, Name: "limited"}}},
	}
	for _, o := range objs {
		if err := env.Client.Create(ctx, o); err != nil {
			t.Fatal(err)
		}
	}
	f.publish(t, map[string]string{
		"app/cm.yaml":     configMapYAML("allowed", "1"),
		"app/secret.yaml": "apiVersion: v1\nkind: Secret\nmetadata:\n  name: forbidden-secret\nstringData:\n  k: v\n",
	})
	k := f.kustomization(t, "app", "./app", func(k *kustomizev1.Kustomization) {
		k.Spec.TargetNamespace = f.ns
		k.Spec.ServiceAccountName = "limited"
	})
	msg := waitFailed(t, k, meta.ReconciliationFailedReason)
	t.Logf("Ready message: %s", msg)
	if !strings.Contains(msg, "forbidden-secret") || !strings.Contains(msg, "system:serviceaccount:"+f.ns+":limited") {
		t.Errorf("message does not name the Secret and the service account: %q", msg)
	}
	if strings.Contains(msg, "configmaps") {
		t.Errorf("the ConfigMap was refused too: %q", msg)
	}
	if k.Status.Inventory != nil {
		t.Errorf("inventory recorded after a failed apply: %v", k.Status.Inventory)
	}
	if exists(t, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: f.ns, Name: "forbidden-secret"}}) {
		t.Error("the Secret was created although the service account may not")
	}
}

// TestDeletionPrunesObjects: deleting a Kustomization deletes its objects as its deletion policy says:
// MirrorPrune (the default) follows spec.prune, Delete deletes even without it, Orphan keeps them; a
// suspended Kustomization keeps them whatever its policy (Flux's way to delete one and keep its workloads).
func TestDeletionPrunesObjects(t *testing.T) {
	for _, tc := range []struct {
		policy    string
		prune     bool
		suspended bool
		kept      bool
	}{
		{"", true, false, false},
		{kustomizev1.DeletionPolicyMirrorPrune, false, false, true},
		{kustomizev1.DeletionPolicyDelete, false, false, false},
		{kustomizev1.DeletionPolicyOrphan, true, false, true},
		{"", true, true, true},
		{kustomizev1.DeletionPolicyDelete, true, true, true},
	} {
		t.Run(fmt.Sprintf("policy=%s,prune=%v,suspended=%v", tc.policy, tc.prune, tc.suspended), func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			rev := f.publish(t, map[string]string{"app/cm.yaml": configMapYAML("owned", "1")})
			k := f.kustomization(t, "app", "./app", func(k *kustomizev1.Kustomization) {
				k.Spec.TargetNamespace = f.ns
				k.Spec.DeletionPolicy = tc.policy
				k.Spec.Prune = tc.prune
			})
			waitApplied(t, k, rev)
			if !slices.Contains(k.Finalizers, kustomizev1.KustomizationFinalizer) {
				t.Fatalf("finalizer missing: %v", k.Finalizers)
			}
			if tc.suspended {
				k.Spec.Suspend = true
				if err := env.Client.Update(context.Background(), k); err != nil {
					t.Fatal(err)
				}
			}
			if err := env.Client.Delete(context.Background(), k); err != nil {
				t.Fatal(err)
			}
			waitGone(t, &kustomizev1.Kustomization{ObjectMeta: metav1.ObjectMeta{Namespace: f.ns, Name: "app"}}, 60*time.Second)
			kept := exists(t, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: f.ns, Name: "owned"}})
			if kept != tc.kept {
				t.Errorf("ConfigMap kept = %v, want %v", kept, tc.kept)
			}
		})
	}
}

// TestDeletionWaitsForTermination: with deletion policy WaitForTermination (and no spec.prune), the
// Kustomization is released only once its objects are gone: a ConfigMap held by a finalizer holds it too,
// until that finalizer is removed.
func TestDeletionWaitsForTermination(t *testing.T) {
	f := newFixture(t)
	rev := f.publish(t, map[string]string{"app/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: held\n" +
		"  finalizers:\n  - tide.test/hold\ndata:\n  key: value\n"})
	k := f.kustomization(t, "app", "./app", func(k *kustomizev1.Kustomization) {
		k.Spec.TargetNamespace = f.ns
		k.Spec.DeletionPolicy = kustomizev1.DeletionPolicyWaitForTermination
		k.Spec.Prune = false
	})
	waitApplied(t, k, rev)
	if err := env.Client.Delete(context.Background(), k); err != nil {
		t.Fatal(err)
	}
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: f.ns, Name: "held"}}
	ctx := testContext(t, 30*time.Second)
	for cm.DeletionTimestamp.IsZero() {
		if !exists(t, cm) {
			t.Fatal("the ConfigMap is gone although its finalizer holds it")
		}
		select {
		case <-ctx.Done():
			t.Fatal("the ConfigMap was not deleted")
		case <-time.After(50 * time.Millisecond):
		}
	}
	// Two polls of the controller later, the Kustomization still waits for the ConfigMap.
	time.Sleep(2*terminationPoll + time.Second)
	held := &kustomizev1.Kustomization{ObjectMeta: metav1.ObjectMeta{Namespace: f.ns, Name: "app"}}
	if !exists(t, held) {
		t.Fatal("the Kustomization was released while its ConfigMap is terminating")
	}
	cm.Finalizers = nil
	if err := env.Client.Update(context.Background(), cm); err != nil {
		t.Fatal(err)
	}
	waitGone(t, held, 30*time.Second)
}

// waitGone waits until obj no longer exists.
func waitGone(t *testing.T, obj client.Object, timeout time.Duration) {
	t.Helper()
	ctx := testContext(t, timeout)
	for exists(t, obj) {
		select {
		case <-ctx.Done():
			t.Fatalf("%T %s still exists", obj, obj.GetName())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func TestWaitChecksHealth(t *testing.T) {
	f := newFixture(t)
	rev := f.publish(t, map[string]string{
		"app/cm.yaml":  configMapYAML("cm", "1"),
		"app/svc.yaml": "apiVersion: v1\nkind: Service\nmetadata:\n  name: svc\nspec:\n  clusterIP: None\n  ports:\n  - port: 80\n",
	})
	k := f.kustomization(t, "app", "./app", func(k *kustomizev1.Kustomization) {
		k.Spec.TargetNamespace = f.ns
		k.Spec.Wait = true
	})
	waitApplied(t, k, rev)
	if !conditions.IsTrue(k, meta.HealthyCondition) {
		t.Errorf("Healthy not True: %s", describeConditions(k))
	}
}

func TestSuspendedDoesNothing(t *testing.T) {
	f := newFixture(t)
	f.publish(t, map[string]string{"app/cm.yaml": configMapYAML("cm", "1")})
	k := f.kustomization(t, "app", "./app", func(k *kustomizev1.Kustomization) {
		k.Spec.TargetNamespace = f.ns
		k.Spec.Suspend = true
	})
	// Reconcile directly, reading from the API server: the object was suspended from its creation, so the
	// manager's reconciler cannot act either.
	r := &KustomizationReconciler{Client: env.Client, APIReader: env.Client, Config: env.Config, Scheme: env.Scheme,
		Mapper: env.Client.RESTMapper(), EventRecorder: events, ControllerName: "kustomize-controller"}
	res, err := r.Reconcile(context.Background(), ctrl.Request{NamespacedName: client.ObjectKeyFromObject(k)})
	if err != nil || res.RequeueAfter != 0 {
		t.Fatalf("Reconcile = %+v, %v; want no requeue and no error", res, err)
	}
	if !exists(t, k) || len(k.Finalizers) != 0 || len(k.Status.Conditions) != 0 || k.Status.Inventory != nil {
		t.Errorf("a suspended Kustomization was changed: finalizers %v, status %+v", k.Finalizers, k.Status)
	}
	if exists(t, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: f.ns, Name: "cm"}}) {
		t.Error("a suspended Kustomization applied its objects")
	}
}

func TestCrossNamespaceSourceRefused(t *testing.T) {
	f := newFixture(t)
	f.publish(t, map[string]string{"app/cm.yaml": configMapYAML("x", "1")})
	r := &KustomizationReconciler{NoCrossNamespaceRefs: true}
	k := &kustomizev1.Kustomization{ObjectMeta: metav1.ObjectMeta{Namespace: "other", Name: "app"},
		Spec: kustomizev1.KustomizationSpec{SourceRef: kustomizev1.CrossNamespaceSourceReference{
			Kind: "GitRepository", Name: "repo", Namespace: f.ns}}}
	_, err := r.sourceArtifact(context.Background(), k)
	var se *stepError
	if !errors.As(err, &se) || !se.stalled || se.reason != kustomizev1.AccessDeniedReason {
		t.Fatalf("error = %v, want a stalled AccessDenied", err)
	}
}

// TestKustomizationsOfOneArtifactShareOneDownload: Kustomizations with different specs (so different builds) of
// the same artifact read one extracted copy: the artifact is downloaded once for all of them.
func TestKustomizationsOfOneArtifactShareOneDownload(t *testing.T) {
	f := newFixture(t)
	url, digest := artifacts.publish(t, map[string]string{"app/cm.yaml": configMapYAML("settings", "v1")})
	rev := f.setArtifact(t, url, digest)
	var ks []*kustomizev1.Kustomization
	for i := range 5 {
		ks = append(ks, f.kustomization(t, fmt.Sprintf("app-%d", i), "./app", func(k *kustomizev1.Kustomization) {
			k.Spec.TargetNamespace = f.ns
			k.Spec.NamePrefix = fmt.Sprintf("app-%d-", i)
		}))
	}
	for i, k := range ks {
		waitApplied(t, k, rev)
		if !exists(t, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: f.ns, Name: fmt.Sprintf("app-%d-settings", i)}}) {
			t.Errorf("app-%d-settings not applied", i)
		}
	}
	if n := artifacts.downloadsOf(url); n != 1 {
		t.Errorf("the artifact was downloaded %d times for 5 Kustomizations, want 1", n)
	}
}
