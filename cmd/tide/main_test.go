/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/fluxcd/pkg/runtime/conditions"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	kustomizev1 "github.com/tide-gitops/tide/api/kustomize/v1"
	sourcev1 "github.com/tide-gitops/tide/api/source/v1"
	"github.com/tide-gitops/tide/internal/testenv"
	"github.com/tide-gitops/tide/internal/testserver/gitserver"
)

// TestMain stops the control plane that the tests of the everyday commands (get, reconcile, ...) share. Those
// tests start it on first use (sharedCluster), so tests that need none, or start their own (TestDev,
// TestInstallCheckUninstall), pay nothing for it.
func TestMain(m *testing.M) {
	code := m.Run()
	if err := shared.Stop(); err != nil {
		fmt.Fprintln(os.Stderr, "stopping the shared control plane:", err)
	}
	os.Exit(code)
}

// shared is one real control plane with tide's CRDs and the real source-controller and kustomize-controller
// running in the test process, composed as `tide dev` composes them.
var shared = &testenv.Lazy{Setup: startTestControllers}

// sharedCluster returns the shared control plane, starting it and the controllers on first use.
func sharedCluster(t *testing.T) *testenv.Env {
	t.Helper()
	return shared.Get(t)
}

// startTestControllers runs the controllers until the environment stops; artifacts live in a temporary
// directory removed after them.
func startTestControllers(env *testenv.Env) error {
	dir, err := os.MkdirTemp("", "tide-cli-test-")
	if err != nil {
		return err
	}
	env.OnStop(func() { _ = os.RemoveAll(dir) }) // hooks run in reverse: after the managers stopped
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	addr := l.Addr().String()
	_ = l.Close()
	for _, dc := range devControllers(dir, addr) {
		mgr, err := newDevManager(context.Background(), dc, env.Config)
		if err != nil {
			return err
		}
		env.RunManager(mgr)
	}
	return nil
}

// runTide executes `tide args... --kubeconfig <shared cluster>` in-process and returns what it printed.
func runTide(t *testing.T, args ...string) (string, error) {
	t.Helper()
	env := sharedCluster(t)
	ctx := testenv.Context(t, 3*time.Minute)
	var out bytes.Buffer
	cmd := newRootCommand()
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	cmd.SetArgs(append(args, "--kubeconfig", env.KubeconfigPath))
	err := cmd.ExecuteContext(ctx)
	return out.String(), err
}

// mustTide runs a command that must succeed.
func mustTide(t *testing.T, args ...string) string {
	t.Helper()
	out, err := runTide(t, args...)
	if err != nil {
		t.Fatalf("tide %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// failTide runs a command that must fail and returns its error message.
func failTide(t *testing.T, args ...string) string {
	t.Helper()
	out, err := runTide(t, args...)
	if err == nil {
		t.Fatalf("tide %s succeeded, want an error:\n%s", strings.Join(args, " "), out)
	}
	return err.Error()
}

func assertContains(t *testing.T, what, text string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(text, w) {
			t.Errorf("%s lacks %q:\n%s", what, w, text)
		}
	}
}

// gitopsApp is a namespace of the shared cluster with a Git repository served over HTTP, a GitRepository
// "app" fetching it and a Kustomization "app" applying its ./deploy directory, which holds a ConfigMap and a
// Kustomization "child" applying ./child (a second ConfigMap) in the same namespace.
type gitopsApp struct {
	env  *testenv.Env
	ns   string
	repo *gitserver.Repo
	url  string
}

// appFiles returns the repository's content; revision is written into the ConfigMaps.
func appFiles(revision string) map[string]string {
	return map[string]string{
		"deploy/config.yaml": `apiVersion: v1
kind: ConfigMap
metadata:
  name: app-config
data:
  revision: "` + revision + `"
`,
		"deploy/child.yaml": `apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: child
spec:
  interval: 10m
  path: ./child
  prune: true
  targetNamespace: ${namespace}
  sourceRef:
    kind: GitRepository
    name: app
`,
		"child/config.yaml": `apiVersion: v1
kind: ConfigMap
metadata:
  name: child-config
data:
  revision: "` + revision + `"
`,
	}
}

// newGitopsApp sets the app up in a fresh namespace and waits until both Kustomizations are Ready.
func newGitopsApp(t *testing.T) *gitopsApp {
	t.Helper()
	env := sharedCluster(t)
	ctx := testenv.Context(t, 2*time.Minute)
	a := &gitopsApp{env: env, ns: testNamespace(t)}
	srv := gitserver.New(t)
	a.repo = srv.CreateRepo(t, "app")
	a.repo.CommitFiles(t, "main", appFiles("1"))
	a.url = srv.StartHTTP(t, gitserver.HTTPOptions{}).RepoURL("app")
	repo := &sourcev1.GitRepository{
		ObjectMeta: metav1.ObjectMeta{Name: "app", Namespace: a.ns},
		Spec: sourcev1.GitRepositorySpec{URL: a.url, Interval: metav1.Duration{Duration: 10 * time.Minute},
			Reference: &sourcev1.GitRepositoryRef{Branch: "main"}},
	}
	ks := &kustomizev1.Kustomization{
		ObjectMeta: metav1.ObjectMeta{Name: "app", Namespace: a.ns},
		Spec: kustomizev1.KustomizationSpec{Path: "./deploy", Prune: true, TargetNamespace: a.ns,
			PostBuild: &kustomizev1.PostBuild{Substitute: map[string]string{"namespace": a.ns}},
			Interval:  metav1.Duration{Duration: 10 * time.Minute},
			SourceRef: kustomizev1.CrossNamespaceSourceReference{Kind: sourcev1.GitRepositoryKind, Name: "app"}},
	}
	for _, obj := range []client.Object{repo, ks} {
		if err := env.Client.Create(ctx, obj); err != nil {
			t.Fatal(err)
		}
	}
	a.waitReady(t, "app")
	a.waitReady(t, "child")
	return a
}

// testNamespace creates a namespace named after the test, deleted when it ends.
func testNamespace(t *testing.T) string {
	t.Helper()
	env := sharedCluster(t)
	name := strings.ToLower(strings.NewReplacer("/", "-", "_", "-").Replace(t.Name()))
	name = fmt.Sprintf("%s-%d", name[:min(len(name), 40)], time.Now().UnixNano()%100000)
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
	if err := env.Client.Create(context.Background(), ns); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = env.Client.Delete(context.Background(), ns) })
	return name
}

// waitReady waits until the Kustomization is Ready for its current generation.
func (a *gitopsApp) waitReady(t *testing.T, name string) *kustomizev1.Kustomization {
	t.Helper()
	ks := &kustomizev1.Kustomization{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: a.ns}}
	testenv.WaitFor(t, a.env.Client, ks, 2*time.Minute, "Kustomization "+name+" Ready", func(ks *kustomizev1.Kustomization) bool {
		return conditions.IsReady(ks) && ks.Status.ObservedGeneration == ks.Generation
	})
	return ks
}

// configMapRevision returns data.revision of a ConfigMap of the app's namespace.
func (a *gitopsApp) configMapRevision(t *testing.T, name string) string {
	t.Helper()
	var cm corev1.ConfigMap
	if err := a.env.Client.Get(context.Background(), client.ObjectKey{Namespace: a.ns, Name: name}, &cm); err != nil {
		t.Fatal(err)
	}
	return cm.Data["revision"]
}
