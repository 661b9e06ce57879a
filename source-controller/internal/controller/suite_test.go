/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package controller

import (
	"context"
	"net"
	"os"
	"testing"
	"time"

	"github.com/fluxcd/pkg/apis/meta"
	"github.com/fluxcd/pkg/runtime/conditions"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	sourcev1 "github.com/tide-gitops/tide/api/source/v1"
	"github.com/tide-gitops/tide/internal/manager"
	"github.com/tide-gitops/tide/internal/testenv"
	"github.com/tide-gitops/tide/source-controller/internal/storage"
)

// The suite runs the source reconcilers in a manager against a real API server, with artifacts in a temporary
// storage directory served over HTTP on loopback.
var (
	env   *testenv.Env
	store *storage.Storage
)

func TestMain(m *testing.M) {
	os.Exit(testenv.Main(m, testenv.Options{}, &env, startControllers))
}

func startControllers(ctx context.Context, e *testenv.Env) error {
	dir, err := os.MkdirTemp("", "source-storage-")
	if err != nil {
		return err
	}
	addr, err := freeAddr()
	if err != nil {
		return err
	}
	if store, err = storage.New(dir, addr, 2, time.Second); err != nil {
		return err
	}
	mgr, err := ctrl.NewManager(e.Config, ctrl.Options{
		Scheme:                 e.Scheme,
		Metrics:                metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress: "0",
	})
	if err != nil {
		return err
	}
	base := NewSourceReconciler(mgr.GetClient(), mgr.GetEventRecorderFor("source-controller"), store, "source-controller") //nolint:staticcheck
	base.Metrics = manager.Metrics(mgr, sourcev1.SourceFinalizer)
	opts := controller.Options{MaxConcurrentReconciles: 4}
	if err := (&GitRepositoryReconciler{SourceReconciler: base}).SetupWithManager(ctx, mgr, opts); err != nil {
		return err
	}
	if err := (&OCIRepositoryReconciler{SourceReconciler: base}).SetupWithManager(mgr, opts); err != nil {
		return err
	}
	if err := (&BucketReconciler{SourceReconciler: base}).SetupWithManager(mgr, opts); err != nil {
		return err
	}
	// The artifact server and the manager run until the environment stops.
	serveCtx, stopServing := context.WithCancel(context.Background())
	go func() { _ = store.Serve(serveCtx, addr) }()
	e.OnStop(func() {
		stopServing()
		_ = os.RemoveAll(dir)
	})
	e.RunManager(mgr)
	return nil
}

func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// newNamespace creates a namespace for one test.
func newNamespace(t *testing.T) string {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "test-"}}
	if err := env.Client.Create(context.Background(), ns); err != nil {
		t.Fatal(err)
	}
	return ns.Name
}

// readyAt reports whether the object is Ready for its current generation.
func readyAt(obj interface {
	client.Object
	conditions.Getter
}, observedGeneration int64) bool {
	return conditions.IsReady(obj) && observedGeneration == obj.GetGeneration()
}

// failedWith reports whether Ready is False with the reason, for the current generation.
func failedWith(obj conditions.Getter, reason string) bool {
	c := conditions.Get(obj, meta.ReadyCondition)
	return c != nil && c.Status == metav1.ConditionFalse && c.Reason == reason
}

func testContext(t *testing.T, d time.Duration) context.Context { return testenv.Context(t, d) }

func describeConditions(obj conditions.Getter) string { return testenv.DescribeConditions(obj) }

// waitFor polls obj until cond holds, failing the test with the object's conditions after the timeout.
func waitFor[T interface {
	client.Object
	conditions.Getter
}](t *testing.T, obj T, timeout time.Duration, what string, cond func(T) bool) {
	t.Helper()
	testenv.WaitFor(t, env.Client, obj, timeout, what, cond)
}

// requestReconcile sets reconcile.fluxcd.io/requestedAt and returns the token.
func requestReconcile(t *testing.T, obj client.Object) string {
	t.Helper()
	return testenv.RequestReconcile(t, env.Client, obj)
}
