/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package e2e

import (
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/fluxcd/pkg/apis/meta"
	"github.com/fluxcd/pkg/runtime/conditions"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	kustomizev1 "github.com/tide-gitops/tide/api/kustomize/v1"
	"github.com/tide-gitops/tide/internal/testserver/gitserver"
)

// The multi-environment layout of seed 004 ("Multi-environment с Kustomize"): a base and dev/prod environments
// with strategic-merge patches, images, namespace and commonLabels. The seed shows no base/service.yaml, which
// its base kustomization lists; a small one is added.
var seedLayout = map[string]string{
	"kustomize/base/deployment.yaml": `apiVersion: apps/v1
kind: Deployment
metadata:
  name: webapp
spec:
  replicas: 1 # Базовое значение
  selector:
    matchLabels:
      app: webapp
  template:
    metadata:
      labels:
        app: webapp
    spec:
      containers:
      - name: webapp
        image: myapp:latest # Будет переопределена
        ports:
        - containerPort: 8080
        env:
        - name: ENVIRONMENT
          value: "base"
`,
	"kustomize/base/service.yaml": `apiVersion: v1
kind: Service
metadata:
  name: webapp
spec:
  selector:
    app: webapp
  ports:
  - port: 80
    targetPort: 8080
`,
	"kustomize/base/kustomization.yaml": `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
- deployment.yaml
- service.yaml
commonLabels:
  version: v1.0.0
`,
	"kustomize/environments/dev/kustomization.yaml": `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: dev
resources:
- ../../base
patchesStrategicMerge:
- deployment-patch.yaml
images:
- name: myapp
  newTag: dev-latest
commonLabels:
  environment: development
`,
	"kustomize/environments/dev/deployment-patch.yaml": `apiVersion: apps/v1
kind: Deployment
metadata:
  name: webapp
spec:
  replicas: 1
  template:
    spec:
      containers:
      - name: webapp
        env:
        - name: ENVIRONMENT
          value: "development"
        - name: DEBUG
          value: "true"
        resources:
          requests:
            memory: "64Mi"
            cpu: "100m"
`,
	"kustomize/environments/prod/kustomization.yaml": `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: production
resources:
- ../../base
patchesStrategicMerge:
- deployment-patch.yaml
images:
- name: myapp
  newTag: v1.2.3 # Стабильная версия
commonLabels:
  environment: production
`,
	"kustomize/environments/prod/deployment-patch.yaml": prodPatch(3),
}

func prodPatch(replicas int) string {
	return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: webapp
spec:
  replicas: ` + map[int]string{3: "3 # Больше реплик в prod", 4: "4"}[replicas] + `
  template:
    spec:
      containers:
      - name: webapp
        env:
        - name: ENVIRONMENT
          value: "production"
        - name: DEBUG
          value: "false"
        resources:
          requests:
            memory: "128Mi"
            cpu: "250m"
          limits:
            memory: "256Mi"
            cpu: "500m"
`
}

// The seeds' Flux objects, pointed at the test server: seed 004's v1beta2 GitRepository and Kustomization for
// dev, seed 000's v1 Kustomization (without its health check on a Deployment, which cannot become ready
// without a kubelet) for prod, and seed 002's secretRef.
const gitopsObjects = `apiVersion: source.toolkit.fluxcd.io/v1beta2
kind: GitRepository
metadata:
  name: webapp-source
  namespace: flux-system
spec:
  interval: 1m
  ref:
    branch: main
  url: URL
  secretRef:
    name: git-credentials
---
apiVersion: kustomize.toolkit.fluxcd.io/v1beta2
kind: Kustomization
metadata:
  name: webapp-dev
  namespace: flux-system
spec:
  interval: 10m
  path: "./kustomize/environments/dev"
  prune: true
  sourceRef:
    kind: GitRepository
    name: webapp-source
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: webapp-prod
  namespace: flux-system
spec:
  interval: 5m
  path: ./kustomize/environments/prod
  prune: true
  sourceRef:
    kind: GitRepository
    name: webapp-source
`

// TestGitOpsEndToEnd runs the real source-controller and kustomize-controller binaries against the real API
// server and a real Git server: the seeds' layout is applied per environment; a commit changing a replica count
// updates the cluster; removing a file prunes its object; a manual scale is reverted on the next reconcile.
func TestGitOpsEndToEnd(t *testing.T) {
	ctx := testContext(t, 5*time.Minute)
	srv := gitserver.New(t)
	repo := srv.CreateRepo(t, "webapp")
	repo.CommitFiles(t, "main", seedLayout)
	git := srv.StartHTTP(t, gitserver.HTTPOptions{Username: "flux", Password: "s3cret"})
	for _, obj := range []client.Object{
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "dev"}},
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "git-credentials", Namespace: "flux-system"},
			StringData: map[string]string{"username": "flux", "password": "s3cret"}},
	} {
		if err := env.Client.Create(ctx, obj); err != nil && !apierrors.IsAlreadyExists(err) {
			t.Fatal(err)
		}
	}
	runController(t, "source-controller", "--storage-path", t.TempDir(), "--storage-addr", "ADDR", "--storage-adv-addr", "ADDR")
	runController(t, "kustomize-controller")
	for _, obj := range decodeAll(t, strings.ReplaceAll(gitopsObjects, "URL", git.RepoURL("webapp"))) {
		if err := env.Client.Create(ctx, obj); err != nil {
			t.Fatalf("creating %s %s: %v", obj.GetKind(), obj.GetName(), err)
		}
		t.Cleanup(func() { _ = env.Client.Delete(context.Background(), obj) })
	}
	for _, name := range []string{"webapp-dev", "webapp-prod"} {
		waitKustomizationReady(t, name)
	}
	dev := deployment(t, "dev")
	if *dev.Spec.Replicas != 1 || dev.Spec.Template.Spec.Containers[0].Image != "myapp:dev-latest" ||
		dev.Labels["environment"] != "development" || dev.Labels["version"] != "v1.0.0" {
		t.Errorf("dev Deployment: replicas %d, image %s, labels %v", *dev.Spec.Replicas, dev.Spec.Template.Spec.Containers[0].Image, dev.Labels)
	}
	prod := deployment(t, "production")
	if *prod.Spec.Replicas != 3 || prod.Spec.Template.Spec.Containers[0].Image != "myapp:v1.2.3" {
		t.Errorf("prod Deployment: replicas %d, image %s", *prod.Spec.Replicas, prod.Spec.Template.Spec.Containers[0].Image)
	}

	// A commit changing the replica count reaches the cluster.
	repo.CommitFiles(t, "main", map[string]string{"kustomize/environments/prod/deployment-patch.yaml": prodPatch(4)})
	requestReconcileOf(t, "source.toolkit.fluxcd.io/v1", "GitRepository", "webapp-source")
	waitUntil(t, "prod at 4 replicas", func() bool { return *deployment(t, "production").Spec.Replicas == 4 })

	// A manual scale is drift: the next reconcile reverts it.
	scaled := deployment(t, "production")
	scaled.Spec.Replicas = ptrInt32(10)
	if err := env.Client.Update(ctx, scaled, client.FieldOwner("kubectl-scale")); err != nil {
		t.Fatal(err)
	}
	requestReconcileOf(t, "kustomize.toolkit.fluxcd.io/v1", "Kustomization", "webapp-prod")
	waitUntil(t, "manual scale reverted", func() bool { return *deployment(t, "production").Spec.Replicas == 4 })

	// Removing a file from Git prunes its object in every environment.
	repo.Commit(t, "main", gitserver.Change{
		Delete: []string{"kustomize/base/service.yaml"},
		Files: map[string]string{"kustomize/base/kustomization.yaml": strings.Replace(
			seedLayout["kustomize/base/kustomization.yaml"], "- service.yaml\n", "", 1)},
	})
	requestReconcileOf(t, "source.toolkit.fluxcd.io/v1", "GitRepository", "webapp-source")
	for _, ns := range []string{"dev", "production"} {
		waitUntil(t, "Service pruned in "+ns, func() bool {
			err := env.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: "webapp"}, &corev1.Service{})
			return apierrors.IsNotFound(err)
		})
	}
	if err := env.Client.Get(ctx, client.ObjectKey{Namespace: "dev", Name: "webapp"}, &appsv1.Deployment{}); err != nil {
		t.Fatalf("the Deployment must stay when only the Service left Git: %v", err)
	}
}

// startController starts a controller binary against the test control plane and returns it with a stop
// function (SIGTERM, wait; its logs are printed if the test failed). "ADDR" in the arguments is replaced by one
// free loopback address.
func startController(tb testing.TB, name string, args ...string) (*exec.Cmd, func()) {
	tb.Helper()
	addr := freeAddr(tb)
	for i := range args {
		args[i] = strings.ReplaceAll(args[i], "ADDR", addr)
	}
	// With TIDE_BENCH_PROFILES=<dir>, the logs also go to <dir>/<name>.log, at info level (each reconcile's
	// step timings).
	level, logFile := "error", io.Discard
	if dir := os.Getenv("TIDE_BENCH_PROFILES"); dir != "" {
		f, err := os.Create(filepath.Join(dir, name+".log"))
		if err != nil {
			tb.Fatal(err)
		}
		level, logFile = "info", f
		tb.Cleanup(func() { _ = f.Close() })
	}
	args = append([]string{"--kubeconfig", env.KubeconfigPath, "--metrics-addr", "0", "--health-addr", "0",
		"--requeue-dependency", "1s", "--log-encoding", "console", "--log-level", level}, args...)
	cmd := exec.Command(controllerBinary(tb, name), args...)
	var logs bytes.Buffer
	out := io.MultiWriter(&logs, logFile) // one writer: exec serializes its writes
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	return cmd, func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
		if tb.Failed() {
			tb.Logf("%s logs:\n%s", name, logs.String())
		}
	}
}

// runController runs a controller binary until the test ends.
func runController(tb testing.TB, name string, args ...string) {
	tb.Helper()
	_, stop := startController(tb, name, args...)
	tb.Cleanup(stop)
}

func decodeAll(t *testing.T, docs string) []*unstructured.Unstructured {
	t.Helper()
	var objs []*unstructured.Unstructured
	for _, doc := range strings.Split(docs, "\n---\n") {
		obj := &unstructured.Unstructured{}
		if err := yaml.Unmarshal([]byte(doc), &obj.Object); err != nil {
			t.Fatal(err)
		}
		objs = append(objs, obj)
	}
	return objs
}

func waitKustomizationReady(t *testing.T, name string) {
	t.Helper()
	ks := &kustomizev1.Kustomization{}
	waitUntil(t, "Kustomization "+name+" Ready", func() bool {
		if err := env.Client.Get(context.Background(), client.ObjectKey{Namespace: "flux-system", Name: name}, ks); err != nil {
			return false
		}
		return conditions.IsReady(ks) && ks.Status.ObservedGeneration == ks.Generation
	}, func() string {
		var s string
		for _, c := range ks.Status.Conditions {
			s += "\n  " + c.Type + "=" + string(c.Status) + " " + c.Reason + ": " + c.Message
		}
		return s
	})
}

func deployment(t *testing.T, ns string) *appsv1.Deployment {
	t.Helper()
	d := &appsv1.Deployment{}
	if err := env.Client.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: "webapp"}, d); err != nil {
		if apierrors.IsNotFound(err) {
			d.Spec.Replicas = ptrInt32(-1)
			d.Spec.Template.Spec.Containers = []corev1.Container{{}}
			return d
		}
		t.Fatal(err)
	}
	return d
}

// requestReconcileOf sets reconcile.fluxcd.io/requestedAt on an object in flux-system.
func requestReconcileOf(t *testing.T, apiVersion, kind, name string) {
	t.Helper()
	obj := &unstructured.Unstructured{}
	obj.SetAPIVersion(apiVersion)
	obj.SetKind(kind)
	obj.SetNamespace("flux-system")
	obj.SetName(name)
	patch := []byte(`{"metadata":{"annotations":{"` + meta.ReconcileRequestAnnotation + `":"` + time.Now().Format(time.RFC3339Nano) + `"}}}`)
	if err := env.Client.Patch(context.Background(), obj, client.RawPatch("application/merge-patch+json", patch)); err != nil {
		t.Fatal(err)
	}
}

// waitUntil polls cond for up to a minute; describe, when given, adds detail to the failure.
func waitUntil(t *testing.T, what string, cond func() bool, describe ...func() string) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		if cond() {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	detail := ""
	for _, d := range describe {
		detail += d()
	}
	t.Fatalf("%s: not reached within a minute%s", what, detail)
}

func ptrInt32(v int32) *int32 { return &v }
