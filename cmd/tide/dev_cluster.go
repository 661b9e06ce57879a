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
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/tide-gitops/tide/internal/controlplane"
	"github.com/tide-gitops/tide/internal/kube"
	"github.com/tide-gitops/tide/manifests"
)

// startCluster connects to the cluster named by --kubeconfig or KUBECONFIG, or else starts the local control
// plane in the state directory (resuming it when it exists). The returned function stops what was started.
func (s *devSession) startCluster(ctx context.Context) (stop func(), err error) {
	if source, ok := externalKubeconfig(); ok {
		cfg, err := global.restConfig()
		if err != nil {
			return nil, err
		}
		s.kubectl = "kubectl"
		if global.kubeconfig != "" {
			s.kubectl += " --kubeconfig " + global.kubeconfig
		}
		if global.context != "" {
			s.kubectl += " --context " + global.context
		}
		s.p.ok("using the cluster at %s (from %s) instead of a local control plane", cfg.Host, source)
		return func() {}, s.connect(cfg)
	}
	s.p.step("starting control plane in %s", s.dir)
	// Not interrupted by Ctrl-C: a start cut short does not stop what it started (internal/controlplane's
	// clean-up on error), while a finished start takes seconds and is then stopped in order.
	cp, err := controlplane.Start(context.WithoutCancel(ctx), controlplane.Options{Dir: s.dir, WithControllerManager: true})
	if err != nil {
		return nil, err
	}
	stop = func() {
		s.p.step("stopping control plane")
		if err := cp.Stop(); err != nil {
			s.p.fail("stopping control plane: %v", err)
		}
	}
	s.p.ok("kube-apiserver ready at %s (%s)", cp.APIServerURL, s.p.elapsed())
	s.kubectl = "kubectl --kubeconfig " + cp.KubeconfigPath
	s.local = true
	if err := s.connect(cp.Config); err != nil {
		stop()
		return nil, err
	}
	return stop, nil
}

// externalKubeconfig tells whether the user named a cluster (--kubeconfig or KUBECONFIG) and where.
func externalKubeconfig() (source string, ok bool) {
	if global.kubeconfig != "" {
		return "--kubeconfig " + global.kubeconfig, true
	}
	if env := os.Getenv("KUBECONFIG"); env != "" {
		return "KUBECONFIG=" + env, true
	}
	return "", false
}

func (s *devSession) connect(cfg *rest.Config) error {
	c, err := client.NewWithWatch(cfg, client.Options{Scheme: newScheme()})
	if err != nil {
		return fmt.Errorf("connecting to %s: %w", cfg.Host, err)
	}
	s.cfg, s.c = cfg, c
	return nil
}

// installCRDs applies tide's CRDs (server-side, idempotent) and waits until they are established.
func (s *devSession) installCRDs(ctx context.Context) error {
	objs, err := s.crds()
	if err != nil {
		return err
	}
	if _, err := kube.ApplyStaged(ctx, kube.NewResourceManager(s.c), objs, time.Minute); err != nil {
		return fmt.Errorf("installing tide's CRDs: %w", err)
	}
	s.p.ok("installed %d CRDs (%s)", len(objs), s.p.elapsed())
	return nil
}

// crds returns the CRDs built into the binary, or those of --manifests.
func (s *devSession) crds() ([]*unstructured.Unstructured, error) {
	if s.opts.manifestsDir != "" {
		return kube.Build(filepath.Join(s.opts.manifestsDir, "crds"))
	}
	return kube.BuildFS(manifests.FS, "crds")
}
