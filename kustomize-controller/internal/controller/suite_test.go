/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package controller

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fluxcd/pkg/apis/meta"
	"github.com/fluxcd/pkg/runtime/conditions"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	kustomizev1 "github.com/tide-gitops/tide/api/kustomize/v1"
	sourcev1 "github.com/tide-gitops/tide/api/source/v1"
	"github.com/tide-gitops/tide/internal/artifact"
	"github.com/tide-gitops/tide/internal/manager"
	"github.com/tide-gitops/tide/internal/testenv"
	"github.com/tide-gitops/tide/kustomize-controller/internal/build"
)

// The suite runs the Kustomization reconciler alone in a manager against a real API server. The test plays the
// source-controller: it archives directories it writes, serves them over HTTP and records them in the
// status.artifact of GitRepository objects.
var (
	env       *testenv.Env
	artifacts = &artifactServer{files: map[string][]byte{}}
	events    = &eventLog{}
)

func TestMain(m *testing.M) {
	os.Exit(testenv.Main(m, testenv.Options{}, &env, startController))
}

func startController(ctx context.Context, e *testenv.Env) error {
	srv := httptest.NewServer(artifacts)
	artifacts.base = srv.URL
	mgr, err := ctrl.NewManager(e.Config, ctrl.Options{
		Logger:                 logs.logger(), // grepped by kustomization_decrypt_test.go
		Scheme:                 e.Scheme,
		Metrics:                metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress: "0",
	})
	if err != nil {
		return err
	}
	shared, err := os.MkdirTemp("", "kustomize-controller-artifacts-")
	if err != nil {
		return err
	}
	e.OnStop(func() { _ = os.RemoveAll(shared) })
	store, err := artifact.NewShared(shared, 4)
	if err != nil {
		return err
	}
	r := &KustomizationReconciler{
		Artifacts:      store,
		Client:         mgr.GetClient(),
		APIReader:      mgr.GetAPIReader(),
		Config:         mgr.GetConfig(),
		Mapper:         mgr.GetRESTMapper(),
		Scheme:         mgr.GetScheme(),
		EventRecorder:  events,
		Metrics:        manager.Metrics(mgr, kustomizev1.KustomizationFinalizer),
		ControllerName: "kustomize-controller",
		BuildCache:     build.NewCache(100, 0),
		// An hour: a dependent that starts at all started because its dependency's readiness enqueued it.
		RequeueDependency: time.Hour,
	}
	if err := r.SetupWithManager(ctx, mgr, controller.Options{MaxConcurrentReconciles: 4}); err != nil {
		return err
	}
	e.OnStop(srv.Close) // hooks run in reverse: after the manager stopped
	e.RunManager(mgr)
	return nil
}

// artifactServer serves the archives the tests publish.
type artifactServer struct {
	mu        sync.Mutex
	base      string
	n         int
	files     map[string][]byte
	downloads int            // artifact requests served
	perPath   map[string]int // artifact requests served, by URL path
}

// downloadsOf returns how many times the artifact at url was served.
func (s *artifactServer) downloadsOf(url string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.perPath[strings.TrimPrefix(url, s.base)]
}

// downloaded returns how many artifacts were served so far.
func (s *artifactServer) downloaded() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.downloads
}

func (s *artifactServer) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	s.mu.Lock()
	b, ok := s.files[req.URL.Path]
	s.downloads++
	if s.perPath == nil {
		s.perPath = map[string]int{}
	}
	s.perPath[req.URL.Path]++
	s.mu.Unlock()
	if !ok {
		http.NotFound(w, req)
		return
	}
	_, _ = w.Write(b)
}

// publish archives files (path -> content) and returns the URL and digest of the archive.
func (s *artifactServer) publish(t *testing.T, files map[string]string) (string, string) {
	t.Helper()
	dir := t.TempDir()
	for p, content := range files {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if _, err := artifact.Archive(context.Background(), dir, &buf, nil); err != nil {
		t.Fatal(err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.n++
	path := fmt.Sprintf("/artifacts/%d.tar.gz", s.n)
	s.files[path] = buf.Bytes()
	return s.base + path, artifact.DigestBytes(buf.Bytes())
}

// recordedEvent is one event the reconciler emitted.
type recordedEvent struct {
	object                string
	kind, reason, message string
}

// eventLog records the reconciler's events in memory.
type eventLog struct {
	mu     sync.Mutex
	events []recordedEvent
}

func (l *eventLog) Event(obj runtime.Object, eventtype, reason, message string) {
	o := obj.(client.Object)
	l.mu.Lock()
	defer l.mu.Unlock()
	l.events = append(l.events, recordedEvent{object: o.GetNamespace() + "/" + o.GetName(), kind: eventtype, reason: reason, message: message})
}

func (l *eventLog) Eventf(obj runtime.Object, eventtype, reason, messageFmt string, args ...any) {
	l.Event(obj, eventtype, reason, fmt.Sprintf(messageFmt, args...))
}

func (l *eventLog) AnnotatedEventf(obj runtime.Object, _ map[string]string, eventtype, reason, messageFmt string, args ...any) {
	l.Event(obj, eventtype, reason, fmt.Sprintf(messageFmt, args...))
}

// find returns the events of the object with the type and reason.
func (l *eventLog) find(obj client.Object, eventtype, reason string) []recordedEvent {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []recordedEvent
	for _, e := range l.events {
		if e.object == obj.GetNamespace()+"/"+obj.GetName() && e.kind == eventtype && e.reason == reason {
			out = append(out, e)
		}
	}
	return out
}

// waitEvent waits for an event of obj with the type and reason whose message contains substr.
func waitEvent(t *testing.T, obj client.Object, eventtype, reason, substr string) {
	t.Helper()
	ctx := testContext(t, 30*time.Second)
	for {
		for _, e := range events.find(obj, eventtype, reason) {
			if strings.Contains(e.message, substr) {
				return
			}
		}
		select {
		case <-ctx.Done():
			t.Fatalf("no %s event %s containing %q for %s; got %v", eventtype, reason, substr, obj.GetName(),
				events.find(obj, eventtype, reason))
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// fixture is a namespace with a GitRepository whose artifact the test sets.
type fixture struct {
	ns   string
	repo *sourcev1.GitRepository
	rev  int
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "ks-"}}
	if err := env.Client.Create(context.Background(), ns); err != nil {
		t.Fatal(err)
	}
	repo := &sourcev1.GitRepository{
		ObjectMeta: metav1.ObjectMeta{Name: "repo", Namespace: ns.Name},
		Spec: sourcev1.GitRepositorySpec{URL: "https://git.example.com/org/repo",
			Interval: metav1.Duration{Duration: time.Hour}},
	}
	if err := env.Client.Create(context.Background(), repo); err != nil {
		t.Fatal(err)
	}
	return &fixture{ns: ns.Name, repo: repo}
}

// publish serves files as a new revision of the repository and returns the revision.
func (f *fixture) publish(t *testing.T, files map[string]string) string {
	t.Helper()
	url, digest := artifacts.publish(t, files)
	return f.setArtifact(t, url, digest)
}

// setArtifact records an artifact in the repository's status, as the source-controller does.
func (f *fixture) setArtifact(t *testing.T, url, digest string) string {
	t.Helper()
	f.rev++
	rev := fmt.Sprintf("main@sha1:%040d", f.rev)
	base := f.repo.DeepCopy()
	f.repo.Status.Artifact = &meta.Artifact{URL: url, Digest: digest, Revision: rev, Path: "x.tar.gz",
		LastUpdateTime: metav1.Now()}
	if err := env.Client.Status().Patch(context.Background(), f.repo, client.MergeFrom(base)); err != nil {
		t.Fatal(err)
	}
	return rev
}

// kustomization creates a Kustomization of the repository with path, prune and a long interval; mutate
// changes the spec before creation.
func (f *fixture) kustomization(t *testing.T, name, path string, mutate func(*kustomizev1.Kustomization)) *kustomizev1.Kustomization {
	t.Helper()
	k := &kustomizev1.Kustomization{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: f.ns},
		Spec: kustomizev1.KustomizationSpec{
			Interval:  metav1.Duration{Duration: time.Hour},
			Path:      path,
			Prune:     true,
			SourceRef: kustomizev1.CrossNamespaceSourceReference{Kind: sourcev1.GitRepositoryKind, Name: f.repo.Name},
		},
	}
	if mutate != nil {
		mutate(k)
	}
	if err := env.Client.Create(context.Background(), k); err != nil {
		t.Fatal(err)
	}
	return k
}

// update changes the Kustomization's spec.
func update(t *testing.T, k *kustomizev1.Kustomization, mutate func(*kustomizev1.Kustomization)) {
	t.Helper()
	if err := env.Client.Get(context.Background(), client.ObjectKeyFromObject(k), k); err != nil {
		t.Fatal(err)
	}
	base := k.DeepCopy()
	mutate(k)
	if err := env.Client.Patch(context.Background(), k, client.MergeFrom(base)); err != nil {
		t.Fatal(err)
	}
}

// waitApplied waits until the Kustomization is Ready with revision applied, for its current generation.
func waitApplied(t *testing.T, k *kustomizev1.Kustomization, revision string) {
	t.Helper()
	waitFor(t, k, "applied "+revision, func(k *kustomizev1.Kustomization) bool {
		return conditions.IsReady(k) && k.Status.ObservedGeneration == k.Generation &&
			k.Status.LastAppliedRevision == revision
	})
}

// waitFailed waits until Ready is False with reason for the current generation, and returns the message.
func waitFailed(t *testing.T, k *kustomizev1.Kustomization, reason string) string {
	t.Helper()
	waitFor(t, k, "Ready=False "+reason, func(k *kustomizev1.Kustomization) bool {
		c := conditions.Get(k, meta.ReadyCondition)
		return c != nil && c.Status == metav1.ConditionFalse && c.Reason == reason && k.Status.ObservedGeneration == k.Generation
	})
	return conditions.GetMessage(k, meta.ReadyCondition)
}

// exists tells whether the object is in the cluster.
func exists(t *testing.T, obj client.Object) bool {
	t.Helper()
	err := env.Client.Get(context.Background(), client.ObjectKeyFromObject(obj), obj)
	if client.IgnoreNotFound(err) != nil {
		t.Fatal(err)
	}
	return err == nil
}

// configMapYAML is a ConfigMap manifest.
func configMapYAML(name, value string) string {
	return fmt.Sprintf("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: %s\ndata:\n  key: %q\n", name, value)
}

func testContext(t *testing.T, d time.Duration) context.Context { return testenv.Context(t, d) }

func describeConditions(obj conditions.Getter) string { return testenv.DescribeConditions(obj) }

// waitFor polls the Kustomization until cond holds, failing with its conditions after the timeout.
func waitFor(t *testing.T, k *kustomizev1.Kustomization, what string, cond func(*kustomizev1.Kustomization) bool) {
	t.Helper()
	testenv.WaitFor(t, env.Client, k, 60*time.Second, what, cond)
}

// requestReconcile sets reconcile.fluxcd.io/requestedAt and returns the token.
func requestReconcile(t *testing.T, obj client.Object) string {
	t.Helper()
	return testenv.RequestReconcile(t, env.Client, obj)
}
