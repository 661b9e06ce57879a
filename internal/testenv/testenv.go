/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

// Package testenv starts a real local control plane for Go tests, with tide's generated CRDs installed, and a
// client whose scheme knows every tide kind. One control plane per test binary, started from TestMain:
//
//	func TestMain(m *testing.M) { os.Exit(testenv.Main(m, testenv.Options{}, &env, nil)) }
package testenv

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/go-logr/logr"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"

	apiall "github.com/tide-gitops/tide/api/all"
	"github.com/tide-gitops/tide/internal/controlplane"
	"github.com/tide-gitops/tide/internal/kube"
)

// Options configure the test environment.
type Options struct {
	// WithControllerManager also runs kube-controller-manager.
	WithControllerManager bool
	// SkipCRDs leaves tide's CRDs out (for tests that install manifests/ themselves).
	SkipCRDs bool
}

// Env is a running test environment.
type Env struct {
	*controlplane.ControlPlane
	// Client talks to the API server as cluster admin, with every tide kind in its scheme.
	Client client.Client
	// Scheme holds client-go's and tide's types.
	Scheme *runtime.Scheme
	// RepoRoot is the repository's top directory (where go.work is).
	RepoRoot string

	onStop []func()
}

// OnStop registers f to run before the control plane stops, e.g. to stop a manager that holds watches (the
// API server otherwise waits for them before exiting). Hooks run in reverse order.
func (e *Env) OnStop(f func()) { e.onStop = append(e.onStop, f) }

// Main starts the environment, runs setup (when not nil), stores it in *env, runs the tests and stops it. It
// returns the exit code. When the control plane binaries are missing the tests fail with instructions rather
// than being skipped.
func Main(m *testing.M, opts Options, env **Env, setup func(context.Context, *Env) error) int {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	e, err := Start(ctx, opts)
	if err == nil && setup != nil {
		if err = setup(ctx, e); err != nil {
			_ = e.Stop()
		}
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "testenv: %v\n", err)
		return 1
	}
	*env = e
	code := m.Run()
	if err := e.Stop(); err != nil {
		fmt.Fprintf(os.Stderr, "testenv: stopping: %v\n", err)
	}
	return code
}

// Start starts a control plane in a fresh temporary directory and installs tide's CRDs.
func Start(ctx context.Context, opts Options) (*Env, error) {
	// Deprecation warnings of old API versions are expected in tests; keep them out of the output.
	ctrllog.SetLogger(logr.Discard())
	root, err := RepoRoot()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "tide-testenv-")
	if err != nil {
		return nil, err
	}
	cp, err := controlplane.Start(ctx, controlplane.Options{Dir: dir, WithControllerManager: opts.WithControllerManager})
	if err != nil {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	env := &Env{ControlPlane: cp, RepoRoot: root, Scheme: NewScheme()}
	if env.Client, err = client.New(cp.Config, client.Options{Scheme: env.Scheme}); err != nil {
		_ = env.Stop()
		return nil, fmt.Errorf("creating client: %w", err)
	}
	if !opts.SkipCRDs {
		if err := env.InstallCRDs(ctx); err != nil {
			_ = env.Stop()
			return nil, err
		}
	}
	return env, nil
}

// NewScheme returns a scheme with client-go's types and every tide kind.
func NewScheme() *runtime.Scheme {
	s := runtime.NewScheme()
	utilruntime.Must(clientgoscheme.AddToScheme(s))
	utilruntime.Must(apiextensionsv1.AddToScheme(s))
	utilruntime.Must(apiall.AddToScheme(s))
	return s
}

// InstallCRDs applies manifests/crds and waits until every CRD is established.
func (e *Env) InstallCRDs(ctx context.Context) error {
	objs, err := kube.Build(filepath.Join(e.RepoRoot, "manifests", "crds"))
	if err != nil {
		return err
	}
	if _, err := kube.ApplyStaged(ctx, kube.NewResourceManager(e.Client), objs, time.Minute); err != nil {
		return fmt.Errorf("installing CRDs: %w", err)
	}
	return nil
}

// Stop stops the control plane and removes its directory.
func (e *Env) Stop() error {
	for i := len(e.onStop) - 1; i >= 0; i-- {
		e.onStop[i]()
	}
	err := e.ControlPlane.Stop()
	return errors.Join(err, os.RemoveAll(e.Dir))
}

// RepoRoot finds the repository's top directory by walking up from the working directory to go.work.
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.work")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("go.work not found above the working directory: run tests inside the tide repository")
		}
		dir = parent
	}
}
