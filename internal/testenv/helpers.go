/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package testenv

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/fluxcd/pkg/apis/meta"
	"github.com/fluxcd/pkg/runtime/conditions"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/manager"
)

// Context returns a context that ends after d or with the test.
func Context(t testing.TB, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// DescribeConditions renders an object's conditions for a failure message.
func DescribeConditions(obj conditions.Getter) string {
	s := ""
	for _, c := range obj.GetConditions() {
		s += fmt.Sprintf("\n  %s=%s %s: %s", c.Type, c.Status, c.Reason, c.Message)
	}
	return s
}

// WaitFor polls obj until cond holds, failing the test with the object's conditions after timeout.
func WaitFor[T interface {
	client.Object
	conditions.Getter
}](t testing.TB, c client.Client, obj T, timeout time.Duration, what string, cond func(T) bool) {
	t.Helper()
	ctx := Context(t, timeout)
	for {
		err := c.Get(ctx, client.ObjectKeyFromObject(obj), obj)
		if err == nil && cond(obj) {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("%s: not reached within %s (last error %v); conditions: %s", what, timeout, err, DescribeConditions(obj))
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// RequestReconcile sets reconcile.fluxcd.io/requestedAt on obj, as `flux reconcile` does, and returns the token
// the controller records in status.lastHandledReconcileAt once it handled the request.
func RequestReconcile(t testing.TB, c client.Client, obj client.Object) string {
	t.Helper()
	token := time.Now().Format(time.RFC3339Nano)
	base := obj.DeepCopyObject().(client.Object)
	ann := obj.GetAnnotations()
	if ann == nil {
		ann = map[string]string{}
	}
	ann[meta.ReconcileRequestAnnotation] = token
	obj.SetAnnotations(ann)
	if err := c.Patch(context.Background(), obj, client.MergeFrom(base)); err != nil {
		t.Fatal(err)
	}
	return token
}

// RunManager starts mgr in the background until the environment stops; it is stopped (and waited for) before
// the control plane, whose API server would otherwise wait for the manager's watches.
func (e *Env) RunManager(mgr manager.Manager) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := mgr.Start(ctx); err != nil {
			fmt.Fprintln(os.Stderr, "testenv: manager:", err)
		}
	}()
	e.OnStop(func() {
		cancel()
		<-done
	})
}

// Lazy is a control plane that tests share and start on first use, so tests that need none pay nothing for it.
// Stop it once the tests ran (TestMain, or the stop hook of the package's main environment).
type Lazy struct {
	// Options start the environment.
	Options Options
	// Setup, when set, runs once after the start (e.g. starts controllers).
	Setup func(*Env) error

	once sync.Once
	env  *Env
	err  error
}

// Get returns the environment, starting it on the first call; a failed start fails every test that asks.
func (l *Lazy) Get(t testing.TB) *Env {
	t.Helper()
	l.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		l.env, l.err = Start(ctx, l.Options)
		if l.err == nil && l.Setup != nil {
			l.err = l.Setup(l.env)
		}
	})
	if l.err != nil {
		t.Fatalf("starting the shared control plane: %v", l.err)
	}
	return l.env
}

// Stop stops the environment if it was started.
func (l *Lazy) Stop() error {
	if l.env == nil {
		return nil
	}
	return l.env.Stop()
}

// WidgetCRD returns a namespaced CRD of kind Widget (v1) in group, with a status subresource and a schema that
// keeps any field: a custom kind for tests of CRDs applied with their resources and of custom health checks.
func WidgetCRD(group string) *unstructured.Unstructured {
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
		"metadata": map[string]any{"name": "widgets." + group},
		"spec": map[string]any{
			"group": group, "scope": "Namespaced",
			"names": map[string]any{"kind": "Widget", "listKind": "WidgetList", "plural": "widgets", "singular": "widget"},
			"versions": []any{map[string]any{
				"name": "v1", "served": true, "storage": true,
				"subresources": map[string]any{"status": map[string]any{}},
				"schema": map[string]any{"openAPIV3Schema": map[string]any{
					"type": "object", "x-kubernetes-preserve-unknown-fields": true,
				}},
			}},
		},
	}}
}
