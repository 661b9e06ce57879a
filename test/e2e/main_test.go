/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

// Package e2e holds tide's end-to-end tests: they run against a real etcd and kube-apiserver (and real
// controller binaries) started by internal/testenv.
package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/tide-gitops/tide/internal/testenv"
)

var env *testenv.Env

func TestMain(m *testing.M) {
	code := testenv.Main(m, testenv.Options{}, &env, setup)
	for _, dir := range []string{binDir, filepath.Dir(tidePath)} {
		if dir != "" && dir != "." {
			_ = os.RemoveAll(dir) // the binaries built for this run (~570 MB)
		}
	}
	os.Exit(code)
}

// setup creates the namespaces the seeds' YAML refers to.
func setup(ctx context.Context, e *testenv.Env) error {
	for _, ns := range []string{"flux-system", "production"} {
		err := e.Client.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}})
		if err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("creating namespace %s: %w", ns, err)
		}
	}
	return nil
}

// dryRunApply server-side applies obj in dry-run mode. Apply requests are always validated strictly: unknown
// fields are errors, as with kubectl apply.
func dryRunApply(ctx context.Context, obj *unstructured.Unstructured) error {
	return env.Client.Apply(ctx, client.ApplyConfigurationFromUnstructured(obj),
		client.DryRunAll, client.FieldOwner("tide-e2e"), client.ForceOwnership)
}

func testContext(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}
