/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package controller

import (
	"context"
	"fmt"
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
	// The manager and the artifact server run until the environment stops.
	runCtx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = store.Serve(runCtx, addr) }()
	go func() {
		defer close(done)
		if err := mgr.Start(runCtx); err != nil {
			fmt.Fprintln(os.Stderr, "manager:", err)
		}
	}()
	e.OnStop(func() {
		cancel()
		<-done
		_ = os.RemoveAll(dir)
	})
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

func testContext(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// waitFor polls obj until cond holds, failing the test with the object's conditions after the timeout.
func waitFor[T interface {
	client.Object
	conditions.Getter
}](t *testing.T, obj T, timeout time.Duration, what string, cond func(T) bool) {
	t.Helper()
	ctx := testContext(t, timeout)
	for {
		err := env.Client.Get(ctx, client.ObjectKeyFromObject(obj), obj)
		if err == nil && cond(obj) {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("%s: not reached within %s (last error %v); conditions: %s", what, timeout, err, describeConditions(obj))
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func describeConditions(obj conditions.Getter) string {
	s := ""
	for _, c := range obj.GetConditions() {
		s += fmt.Sprintf("\n  %s=%s %s: %s", c.Type, c.Status, c.Reason, c.Message)
	}
	return s
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

// requestReconcile sets reconcile.fluxcd.io/requestedAt and returns the token.
func requestReconcile(t *testing.T, obj client.Object) string {
	t.Helper()
	token := time.Now().Format(time.RFC3339Nano)
	base := obj.DeepCopyObject().(client.Object)
	ann := obj.GetAnnotations()
	if ann == nil {
		ann = map[string]string{}
	}
	ann[meta.ReconcileRequestAnnotation] = token
	obj.SetAnnotations(ann)
	if err := env.Client.Patch(context.Background(), obj, client.MergeFrom(base)); err != nil {
		t.Fatal(err)
	}
	return token
}
