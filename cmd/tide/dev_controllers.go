/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/fluxcd/pkg/runtime/logger"
	"github.com/spf13/pflag"
	"go.uber.org/zap/zapcore"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	crzap "sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/tide-gitops/tide/internal/manager"
	kustomizesetup "github.com/tide-gitops/tide/kustomize-controller/setup"
	sourcesetup "github.com/tide-gitops/tide/source-controller/setup"
)

// devController is one controller `tide dev` runs in its process.
type devController struct {
	spec manager.Spec
	// configure sets the controller's own options for tide dev, after their flag defaults are in place.
	configure func()
}

// devControllers are the controllers `tide dev` composes, each with a manager of its own. The source-controller
// writes artifacts under the state directory and serves them on artifactAddr, where the kustomize-controller
// downloads them.
//
// The helm-controller, image-reflector, image-automation and notification-controller have no reconcilers
// yet. When one gets them, add it here with its setup.SpecWithOptions (and a configure func for any option
// that must point into the state directory or at a free local port).
func devControllers(stateDir, artifactAddr string) []devController {
	src := &sourcesetup.Options{}
	return []devController{
		{spec: sourcesetup.SpecWithOptions(src), configure: func() {
			src.StoragePath = filepath.Join(stateDir, "artifacts")
			src.StorageAddr = artifactAddr
			src.StorageAdvAddr = artifactAddr
		}},
		{spec: kustomizesetup.SpecWithOptions(&kustomizesetup.Options{})},
	}
}

// runningControllers are the managers started by startControllers.
type runningControllers struct {
	cancel context.CancelFunc
	wg     sync.WaitGroup
	// failed receives the first error of a manager that stopped by itself.
	failed chan error
}

// startControllers builds one manager per controller on s's cluster and starts them. They run until stop,
// not until ctx ends, so that they stop before the Git server and the control plane do.
func (s *devSession) startControllers(ctx context.Context, artifactAddr string) (*runningControllers, error) {
	rc := &runningControllers{failed: make(chan error, 1)}
	mctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	rc.cancel = cancel
	var names []string
	var mgrs []ctrl.Manager
	for _, dc := range devControllers(s.dir, artifactAddr) {
		mgr, err := newDevManager(mctx, dc, s.cfg)
		if err != nil {
			cancel()
			return nil, err
		}
		mgrs = append(mgrs, mgr)
		names = append(names, dc.spec.Name)
	}
	for i, mgr := range mgrs {
		rc.wg.Add(1)
		go func() {
			defer rc.wg.Done()
			if err := mgr.Start(mctx); err != nil {
				select {
				case rc.failed <- fmt.Errorf("%s stopped: %w", names[i], err):
				default:
				}
			}
		}()
	}
	s.p.ok("started %s (logs: %s)", strings.Join(names, ", "), filepath.Join(s.dir, "logs", "controllers.log"))
	return rc, nil
}

// newDevManager builds a controller's manager with the binary's defaults, except what one process on a
// developer's machine needs: no leader election, no metrics or probe ports (they would collide), every
// namespace watched.
func newDevManager(ctx context.Context, dc devController, cfg *rest.Config) (ctrl.Manager, error) {
	opts := dc.spec.NewOptions()
	fs := pflag.NewFlagSet(dc.spec.Name, pflag.ContinueOnError)
	opts.BindFlags(fs)
	if dc.spec.BindFlags != nil {
		dc.spec.BindFlags(fs)
	}
	if dc.configure != nil {
		dc.configure()
	}
	opts.MetricsAddr, opts.HealthAddr = "0", "0"
	opts.LeaderElection.Enable = false
	opts.Watch.AllNamespaces = true
	scheme, err := dc.spec.NewScheme()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", dc.spec.Name, err)
	}
	mgr, err := manager.New(opts, rest.CopyConfig(cfg), scheme, dc.spec.Watched...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", dc.spec.Name, err)
	}
	if dc.spec.Setup != nil {
		if err := dc.spec.Setup(ctx, mgr, opts); err != nil {
			return nil, fmt.Errorf("setting up %s: %w", dc.spec.Name, err)
		}
	}
	return mgr, nil
}

// stop stops the managers, letting in-flight reconciles finish (each manager bounds that wait).
func (rc *runningControllers) stop(p *progress) {
	p.step("stopping controllers")
	rc.cancel()
	done := make(chan struct{})
	go func() {
		rc.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(time.Minute):
		p.fail("controllers still running a minute after the stop; exiting anyway")
	}
}

// setupControllerLogs sends the logs of everything in-process that logs through controller-runtime or klog
// (the controllers, client-go) to <state-dir>/logs/controllers.log as JSON lines, one per log line, instead
// of the terminal. Close the returned file last.
func setupControllerLogs(dir string) (*os.File, error) {
	path := filepath.Join(dir, "logs", "controllers.log")
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("opening the controller log: %w", err)
	}
	logger.SetLogger(crzap.New(
		crzap.WriteTo(zapcore.Lock(zapcore.AddSync(f))),
		crzap.JSONEncoder(func(c *zapcore.EncoderConfig) {
			c.EncodeTime = zapcore.ISO8601TimeEncoder
			c.EncodeLevel = logger.LowercaseLevelEncoder
		}),
		crzap.Level(zapcore.InfoLevel),
	))
	return f, nil
}
