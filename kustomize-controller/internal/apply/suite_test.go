/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package apply

import (
	"context"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fluxcd/pkg/ssa"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/tide-gitops/tide/internal/testenv"
)

// The tests run against a real etcd and kube-apiserver; no kube-controller-manager is needed because the
// health tests use objects whose readiness needs no controller.
var env *testenv.Env

func TestMain(m *testing.M) {
	os.Exit(testenv.Main(m, testenv.Options{}, &env, nil))
}

// writeCounter wraps a client and counts the requests that change the cluster (dry-runs are not counted).
type writeCounter struct {
	client.Client
	writes atomic.Int64
}

func (w *writeCounter) Create(ctx context.Context, obj client.Object, opts ...client.CreateOption) error {
	w.writes.Add(1)
	return w.Client.Create(ctx, obj, opts...)
}

func (w *writeCounter) Update(ctx context.Context, obj client.Object, opts ...client.UpdateOption) error {
	w.writes.Add(1)
	return w.Client.Update(ctx, obj, opts...)
}

func (w *writeCounter) Patch(ctx context.Context, obj client.Object, patch client.Patch, opts ...client.PatchOption) error {
	po := &client.PatchOptions{}
	po.ApplyOptions(opts)
	if len(po.DryRun) == 0 {
		w.writes.Add(1)
	}
	return w.Client.Patch(ctx, obj, patch, opts...)
}

func (w *writeCounter) Apply(ctx context.Context, obj runtime.ApplyConfiguration, opts ...client.ApplyOption) error {
	ao := &client.ApplyOptions{}
	ao.ApplyOptions(opts)
	if len(ao.DryRun) == 0 {
		w.writes.Add(1)
	}
	return w.Client.Apply(ctx, obj, opts...)
}

func (w *writeCounter) Delete(ctx context.Context, obj client.Object, opts ...client.DeleteOption) error {
	w.writes.Add(1)
	return w.Client.Delete(ctx, obj, opts...)
}

// newManager returns a Manager for a Kustomization named "app" in ns, with its writes counted.
func newManager(t testing.TB, ns string) (*Manager, *writeCounter) {
	t.Helper()
	wc := &writeCounter{Client: env.Client}
	return New(wc, types.NamespacedName{Namespace: ns, Name: "app"}), wc
}

// newNamespace creates a namespace for one test.
func newNamespace(t testing.TB) string {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "apply-"}}
	if err := env.Client.Create(context.Background(), ns); err != nil {
		t.Fatal(err)
	}
	return ns.Name
}

func testContext(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// configMap returns a ConfigMap manifest as the build would produce it.
func configMap(ns, name string, data map[string]any, annotations map[string]any) *unstructured.Unstructured {
	md := map[string]any{"name": name, "namespace": ns}
	if annotations != nil {
		md["annotations"] = annotations
	}
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "v1", "kind": "ConfigMap", "metadata": md, "data": data,
	}}
}

// actions maps the subjects of a change set to their actions.
func actions(cs *ssa.ChangeSet) map[string]ssa.Action {
	if cs == nil {
		return nil
	}
	return cs.ToMap()
}

// getCM reads a ConfigMap from the cluster, failing the test on errors other than not found.
func getCM(t testing.TB, ns, name string) (*corev1.ConfigMap, bool) {
	t.Helper()
	cm := &corev1.ConfigMap{}
	err := env.Client.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: name}, cm)
	if client.IgnoreNotFound(err) != nil {
		t.Fatal(err)
	}
	return cm, err == nil
}

// modes runs f with the dry-run path only and with the fast path, which must behave the same.
func modes(t *testing.T, f func(t *testing.T, opts ApplyOptions)) {
	for _, skip := range []bool{false, true} {
		name := "dry-run"
		if skip {
			name = "skip-unchanged"
		}
		t.Run(name, func(t *testing.T) { f(t, ApplyOptions{SkipUnchanged: skip, WaitInterval: 200 * time.Millisecond}) })
	}
}
