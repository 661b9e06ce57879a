/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"

	sourcev1 "github.com/tide-gitops/tide/api/source/v1"
	"github.com/tide-gitops/tide/internal/testenv"
)

// lifecycle runs tide commands against one real control plane (etcd and kube-apiserver, no kubelet).
type lifecycle struct {
	t   *testing.T
	env *testenv.Env
}

func newLifecycle(t *testing.T) *lifecycle {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	env, err := testenv.Start(ctx, testenv.Options{SkipCRDs: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = env.Stop() })
	return &lifecycle{t: t, env: env}
}

// run executes `tide args... --kubeconfig <env>` with stdin and returns its output.
func (l *lifecycle) run(stdin string, args ...string) (string, error) {
	l.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var out bytes.Buffer
	cmd := newRootCommand()
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	cmd.SetIn(strings.NewReader(stdin))
	cmd.SetArgs(append(args, "--kubeconfig", l.env.KubeconfigPath))
	err := cmd.ExecuteContext(ctx)
	l.t.Logf("$ tide %s (error: %v)\n%s", strings.Join(args, " "), err, out.String())
	return out.String(), err
}

// mustRun runs a command that must succeed and returns its output.
func (l *lifecycle) mustRun(args ...string) string {
	l.t.Helper()
	out, err := l.run("", args...)
	if err != nil {
		l.t.Fatalf("tide %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// mustFail runs a command that must fail and returns its output and error message.
func (l *lifecycle) mustFail(args ...string) (string, string) {
	l.t.Helper()
	out, err := l.run("", args...)
	if err == nil {
		l.t.Fatalf("tide %s succeeded, want an error:\n%s", strings.Join(args, " "), out)
	}
	return out, err.Error()
}

func (l *lifecycle) expect(what, text string, want ...string) {
	l.t.Helper()
	for _, w := range want {
		if !strings.Contains(text, w) {
			l.t.Errorf("%s lacks %q:\n%s", what, w, text)
		}
	}
}

func (l *lifecycle) expectNot(what, text string, unwanted ...string) {
	l.t.Helper()
	for _, w := range unwanted {
		if strings.Contains(text, w) {
			l.t.Errorf("%s contains %q:\n%s", what, w, text)
		}
	}
}

// markAvailable writes the status a kubelet and kube-controller-manager would give a Deployment whose pods run:
// the control plane of the tests has neither, so without this no Deployment ever becomes ready.
func (l *lifecycle) markAvailable(name string) {
	l.t.Helper()
	ctx := testenv.Context(l.t, 30*time.Second)
	var d appsv1.Deployment
	if err := l.env.Client.Get(ctx, client.ObjectKey{Namespace: defaultNamespace, Name: name}, &d); err != nil {
		l.t.Fatal(err)
	}
	replicas := *d.Spec.Replicas
	d.Status = appsv1.DeploymentStatus{
		ObservedGeneration: d.Generation,
		Replicas:           replicas, UpdatedReplicas: replicas, ReadyReplicas: replicas, AvailableReplicas: replicas,
		Conditions: []appsv1.DeploymentCondition{
			{Type: appsv1.DeploymentAvailable, Status: corev1.ConditionTrue, Reason: "MinimumReplicasAvailable"},
			{Type: appsv1.DeploymentProgressing, Status: corev1.ConditionTrue, Reason: "NewReplicaSetAvailable"},
		},
	}
	if err := l.env.Client.Status().Update(ctx, &d); err != nil {
		l.t.Fatal(err)
	}
}

var allControllers = []string{"source-controller", "kustomize-controller", "helm-controller",
	"image-reflector", "image-automation", "notification-controller"}

// TestInstallCheckUninstall walks tide's life on a real control plane: check before install, install without
// and with waiting for the controllers, check, repair by re-installing, and uninstall with its dry run,
// confirmation prompt, finalizer removal and --keep-namespace.
func TestInstallCheckUninstall(t *testing.T) {
	l := newLifecycle(t)

	// Before install: the prerequisites pass, the rest fails naming what is missing.
	l.expect("check --pre", l.mustRun("check", "--pre"), "✔ Kubernetes 1.", "✔ prerequisites checks passed")
	out, msg := l.mustFail("check")
	l.expect("check before install", out+msg, "✗ gitrepositories.source.toolkit.fluxcd.io: not installed",
		"✗ source-controller: deployment not ready: the Deployment does not exist", "check failed")

	out = l.mustRun("install", "--wait=false")
	l.expect("install", out, "CustomResourceDefinition/gitrepositories.source.toolkit.fluxcd.io created",
		"Namespace/flux-system created", "Deployment/flux-system/kustomize-controller created",
		"ClusterRole/tide-source-controller created", "not waiting for the controllers")
	out = l.mustRun("install", "--wait=false")
	l.expect("second install", out, "Deployment/flux-system/kustomize-controller unchanged")
	l.expectNot("second install", out, " created", " configured")

	t.Run("wait ends naming the controllers that are not ready", func(t *testing.T) {
		out, msg := l.mustFail("install", "--timeout=2s")
		l.expect("install without a kubelet", out+msg, "6 of 6 controllers not ready after 2s")
		for _, c := range allControllers {
			l.expect("install without a kubelet", out, "✗ "+c+": deployment not ready: InProgress")
		}
		// With every controller but one running, the error names only that one.
		for _, c := range allControllers[1:] {
			l.markAvailable(c)
		}
		out, msg = l.mustFail("install", "--timeout=2s")
		l.expect("install with one controller down", out+msg, "✔ kustomize-controller: deployment ready",
			"✗ source-controller: deployment not ready", "1 of 6 controllers not ready after 2s: source-controller")
	})

	l.markAvailable("source-controller")
	l.expect("install", l.mustRun("install"), "✔ source-controller: deployment ready", "✔ install finished")
	l.expect("check", l.mustRun("check"), "✔ source-controller: deployment ready", "► ghcr.io/tide-gitops/source-controller:v0.1.0",
		"✔ gitrepositories.source.toolkit.fluxcd.io/v1", "✔ helmreleases.helm.toolkit.fluxcd.io/v2", "✔ all checks passed")

	t.Run("check finds a CRD that no longer serves a version and install repairs it", func(t *testing.T) {
		ctx := testenv.Context(t, 30*time.Second)
		var crd apiextensionsv1.CustomResourceDefinition
		if err := l.env.Client.Get(ctx, client.ObjectKey{Name: "gitrepositories.source.toolkit.fluxcd.io"}, &crd); err != nil {
			t.Fatal(err)
		}
		for i := range crd.Spec.Versions {
			if crd.Spec.Versions[i].Name == "v1beta2" {
				crd.Spec.Versions[i].Served = false
			}
		}
		if err := l.env.Client.Update(ctx, &crd); err != nil {
			t.Fatal(err)
		}
		out, _ := l.mustFail("check")
		l.expect("check", out, "✗ gitrepositories.source.toolkit.fluxcd.io: version v1beta2 served=false, want true (run `tide install` to repair)")
		l.expect("install", l.mustRun("install", "--wait=false"), "CustomResourceDefinition/gitrepositories.source.toolkit.fluxcd.io configured")
		l.expect("check after repair", l.mustRun("check"), "✔ all checks passed")
	})

	t.Run("uninstall", func(t *testing.T) { testUninstall(t, l) })
}

func testUninstall(t *testing.T, l *lifecycle) {
	ctx := testenv.Context(t, time.Minute)
	c := l.env.Client
	// A source with a finalizer and no controller to remove it: deleting it would hang without uninstall's help.
	if err := c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "apps"}}); err != nil {
		t.Fatal(err)
	}
	repo := &sourcev1.GitRepository{
		ObjectMeta: metav1.ObjectMeta{Name: "podinfo", Namespace: "apps", Finalizers: []string{"finalizers.fluxcd.io"}},
		Spec:       sourcev1.GitRepositorySpec{URL: "https://example.com/podinfo.git", Interval: metav1.Duration{Duration: time.Minute}},
	}
	if err := c.Create(ctx, repo); err != nil {
		t.Fatal(err)
	}
	deployment := client.ObjectKey{Namespace: defaultNamespace, Name: "source-controller"}

	out := l.mustRun("uninstall", "--dry-run")
	l.expect("uninstall --dry-run", out, "✔ Deployment/flux-system/source-controller deleted (dry run)",
		"✔ GitRepository/apps/podinfo finalizers deleted (dry run)", "✔ GitRepository/apps/podinfo deleted (dry run)",
		"✔ ClusterRole/tide-source-controller deleted (dry run)",
		"✔ CustomResourceDefinition/gitrepositories.source.toolkit.fluxcd.io deleted (dry run)",
		"✔ Namespace/flux-system deleted (dry run)", "nothing was deleted")
	out, err := l.run("n\n", "uninstall")
	if err != nil {
		t.Fatal(err)
	}
	l.expect("uninstall answered no", out, "[y/N]", "uninstall cancelled")
	if err := c.Get(ctx, deployment, &appsv1.Deployment{}); err != nil {
		t.Fatalf("the dry run or the cancelled uninstall deleted the Deployment: %v", err)
	}
	if err := c.Get(ctx, client.ObjectKeyFromObject(repo), repo); err != nil || len(repo.Finalizers) != 1 {
		t.Fatalf("the dry run touched the GitRepository: %v, finalizers %v", err, repo.Finalizers)
	}

	out, err = l.run("y\n", "uninstall", "--keep-namespace")
	if err != nil {
		t.Fatalf("uninstall: %v\n%s", err, out)
	}
	l.expect("uninstall", out, "✔ Deployment/flux-system/source-controller deleted", "✔ GitRepository/apps/podinfo finalizers deleted",
		"✔ CustomResourceDefinition/gitrepositories.source.toolkit.fluxcd.io deleted", "✔ uninstall finished")
	l.expectNot("uninstall --keep-namespace", out, "Namespace/flux-system deleted")
	gone := map[client.Object]client.ObjectKey{
		&appsv1.Deployment{}:                        deployment,
		&rbacv1.ClusterRole{}:                       {Name: "tide-source-controller"},
		&corev1.ServiceAccount{}:                    {Namespace: defaultNamespace, Name: "source-controller"},
		&apiextensionsv1.CustomResourceDefinition{}: {Name: "gitrepositories.source.toolkit.fluxcd.io"},
	}
	for obj, key := range gone {
		// The API server finishes deleting a CRD (and its objects) in the background.
		deadline := time.Now().Add(30 * time.Second)
		for err := c.Get(ctx, key, obj); !apierrors.IsNotFound(err); err = c.Get(ctx, key, obj) {
			if time.Now().After(deadline) {
				t.Fatalf("%T %s still there after uninstall: %v", obj, key, err)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	var ns corev1.Namespace
	if err := c.Get(ctx, client.ObjectKey{Name: defaultNamespace}, &ns); err != nil || ns.DeletionTimestamp != nil {
		t.Fatalf("--keep-namespace: namespace %v, deleting %v", err, ns.DeletionTimestamp)
	}
	out, _ = l.mustFail("check")
	l.expect("check after uninstall", out, "✗ source-controller: deployment not ready: the Deployment does not exist",
		"✗ kustomizations.kustomize.toolkit.fluxcd.io: not installed")

	// Without --keep-namespace the namespace goes too (it stays Terminating here: the namespace controller
	// runs in kube-controller-manager, which this control plane does not run).
	l.expect("uninstall --silent", l.mustRun("uninstall", "--silent"), "✔ Namespace/flux-system deleted")
	if err := c.Get(ctx, client.ObjectKey{Name: defaultNamespace}, &ns); err == nil && ns.DeletionTimestamp == nil {
		t.Fatal("the namespace is not being deleted")
	}
}

// TestBuildComponents: the embedded manifests build into every controller's Deployment and the CRD of every
// kind tide serves; -n moves them (and the bindings' service accounts) to another namespace; --registry
// changes where the images come from.
func TestBuildComponents(t *testing.T) {
	objs, err := buildComponents("tide-system", "registry.example.com/mirror/")
	if err != nil {
		t.Fatal(err)
	}
	if got := deploymentNames(objs); strings.Join(got, ",") != strings.Join(allControllers, ",") {
		t.Errorf("Deployments %v, want %v", got, allControllers)
	}
	crds, err := expectedCRDs(objs)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]bool{}
	for _, crd := range crds {
		kinds[crd.Spec.Group+"/"+crd.Spec.Names.Kind] = true
	}
	// Every kind of the API that has a list kind is a resource and needs a CRD.
	scheme := newScheme()
	resources := map[string]bool{}
	for gvk := range scheme.AllKnownTypes() {
		if !strings.HasSuffix(gvk.Group, ".toolkit.fluxcd.io") || !scheme.Recognizes(gvk.GroupVersion().WithKind(gvk.Kind+"List")) {
			continue
		}
		resources[gvk.Group+"/"+gvk.Kind] = true
		if !kinds[gvk.Group+"/"+gvk.Kind] {
			t.Errorf("no CRD in the embedded manifests for %s", gvk)
		}
	}
	if len(kinds) != len(resources) {
		t.Errorf("%d CRDs in the embedded manifests for the %d kinds of the API", len(kinds), len(resources))
	}
	for _, obj := range objs {
		if obj.GetNamespace() == manifestsNamespace || (obj.GetKind() == "Namespace" && obj.GetName() != "tide-system") {
			t.Errorf("%s %s/%s left in %s", obj.GetKind(), obj.GetNamespace(), obj.GetName(), manifestsNamespace)
		}
		subjects, _, _ := unstructured.NestedSlice(obj.Object, "subjects")
		for _, s := range subjects {
			if ns := s.(map[string]any)["namespace"]; ns != "tide-system" {
				t.Errorf("%s %s binds a subject in %v", obj.GetKind(), obj.GetName(), ns)
			}
		}
		if obj.GetKind() == "Deployment" {
			containers, _, _ := unstructured.NestedSlice(obj.Object, "spec", "template", "spec", "containers")
			want := "registry.example.com/mirror/" + obj.GetName() + ":" + manifestsVersion(objs)
			if image := containers[0].(map[string]any)["image"]; image != want {
				t.Errorf("Deployment %s runs %v, want %s", obj.GetName(), image, want)
			}
		}
	}
	if _, err := buildComponents(defaultNamespace, ""); err == nil {
		t.Error("an empty --registry is accepted")
	}
}
