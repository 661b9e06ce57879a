/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

type devOptions struct {
	stateDir string
	// manifestsDir, when set, is a manifests/ directory on disk whose CRDs are installed instead of the
	// embedded ones.
	manifestsDir string
	exit         bool
}

func newDevCommand() *cobra.Command {
	o := &devOptions{}
	cmd := &cobra.Command{
		Use:   "dev",
		Short: "Run tide and a demo app on a local control plane",
		Long: `Start a local Kubernetes control plane (etcd, kube-apiserver and kube-controller-manager, built
once by hack/get-control-plane.sh), install tide's CRDs, run the controllers in this process,
serve a demo Git repository and reconcile it with a GitRepository and two Kustomizations. Prints
progress until the demo is Ready, then the tree of what was applied; commits to the demo
repository are applied within seconds.

With --kubeconfig or KUBECONFIG set, that cluster is used instead of a local control plane (the
CRDs are installed there; do not point it at a cluster where Flux or tide controllers already
run).

Everything lives in --state-dir: the cluster's data, the demo repository (<state-dir>/demo), the
artifacts and the controllers' logs (<state-dir>/logs/controllers.log, JSON lines). Running dev
again resumes it. The local control plane has no nodes: pods stay Pending, so the demo does not
wait for its Deployments. Ctrl-C stops everything.`,
		Example: `  # Start the demo and keep it running; edit .tide/dev/demo and commit to see changes applied
  tide dev

  # Bring the demo to Ready, print what was applied and stop
  tide dev --exit

  # Run the controllers and the demo against an existing cluster
  tide dev --kubeconfig ~/.kube/kind.yaml`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return runDev(ctx, cmd.OutOrStdout(), o)
		},
	}
	cmd.Flags().StringVar(&o.stateDir, "state-dir", ".tide/dev", "Directory holding the cluster's data, the demo repository, artifacts and logs.")
	cmd.Flags().StringVar(&o.manifestsDir, "manifests", "", "A manifests/ directory whose CRDs to install instead of those built into tide.")
	cmd.Flags().BoolVar(&o.exit, "exit", false, "Stop once the demo is Ready and the applied tree is printed, instead of running until Ctrl-C.")
	return cmd
}

// devSession is one run of `tide dev`: where its state is, the cluster it talks to and how to report.
type devSession struct {
	opts *devOptions
	// dir is the absolute state directory.
	dir string
	p   *progress
	// cfg and c reach the cluster; kubectl is how the user reaches it ("kubectl --kubeconfig ...").
	cfg     *rest.Config
	c       client.WithWatch
	kubectl string
	// local is set when tide dev runs its own control plane (no --kubeconfig or KUBECONFIG).
	local bool
}

// runDev brings the demo to Ready and, unless --exit, follows the demo repository until ctx ends. Whatever
// started is stopped in reverse order on the way out: controllers, Git server, then the control plane. An
// interrupt (Ctrl-C, SIGTERM) is a clean stop, also during start-up.
func runDev(ctx context.Context, out io.Writer, o *devOptions) (err error) {
	dir, err := filepath.Abs(o.stateDir)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Join(dir, "logs"), 0o755); err != nil {
		return fmt.Errorf("creating the state directory: %w", err)
	}
	logs, err := setupControllerLogs(dir)
	if err != nil {
		return err
	}
	defer logs.Close()
	s := &devSession{opts: o, dir: dir, p: newProgress(out)}
	defer func() {
		if err != nil && ctx.Err() != nil {
			err = nil // interrupted: stopping is what the user asked for
		}
		if err == nil {
			s.p.done("stopped")
		}
	}()
	stopCluster, err := s.startCluster(ctx)
	if err != nil {
		return err
	}
	defer stopCluster()
	return s.runDemo(ctx)
}

// runDemo runs the controllers and the demo repository on the cluster s reaches.
func (s *devSession) runDemo(ctx context.Context) error {
	if err := s.installCRDs(ctx); err != nil {
		return err
	}
	ports, err := loadDevPorts(s.dir)
	if err != nil {
		return err
	}
	repo, err := prepareDemoRepo(s.dir, s.p)
	if err != nil {
		return err
	}
	git, err := serveDemoRepo(s.dir, ports.Git)
	if err != nil {
		return err
	}
	defer git.stop(s.p)
	s.p.ok("serving the demo repository %s at %s", repo.dir, git.url)
	artifactAddr, err := reusableAddr(ports.Artifacts)
	if err != nil {
		return err
	}
	ctrls, err := s.startControllers(ctx, artifactAddr)
	if err != nil {
		return err
	}
	defer ctrls.stop(s.p)
	if err := saveDevPorts(s.dir, devPorts{Git: git.port, Artifacts: portOf(artifactAddr)}); err != nil {
		return err
	}
	return s.reconcileDemo(ctx, repo, git.url, ctrls.failed)
}

// reconcileDemo applies the demo's objects, waits until they are Ready, prints what was applied and, unless
// --exit, follows new commits until ctx ends.
func (s *devSession) reconcileDemo(ctx context.Context, repo *demoRepo, url string, failed <-chan error) error {
	token, err := s.applyDemoObjects(ctx, url)
	if err != nil {
		return err
	}
	w := newDemoWatch(s.c, s.p, token)
	watchCtx, stopWatch := context.WithCancel(ctx)
	watching := make(chan struct{})
	go func() {
		defer close(watching)
		repo.watch(watchCtx, time.Second, func(commit string) { w.requestReconcile(watchCtx, commit) })
	}()
	defer func() {
		stopWatch()
		<-watching
	}()

	if err := w.waitReady(ctx, global.timeout, failed); err != nil {
		return err
	}
	if err := w.printTrees(ctx); err != nil {
		return err
	}
	s.printHints(repo)
	if s.opts.exit {
		return nil
	}
	return w.follow(ctx, failed)
}

func (s *devSession) printHints(repo *demoRepo) {
	s.p.line("")
	if s.local {
		s.p.line("The local control plane has no nodes: the Deployments' pods stay Pending, so the demo's")
		s.p.line("Kustomizations apply without waiting for them (wait: false, no health checks).")
		s.p.line("")
	}
	s.p.line("Edit %s and commit: changes are applied within seconds.", repo.dir)
	for _, ks := range demoKustomizations {
		s.p.line("  %s get deployments,services,configmaps -n %s", s.kubectl, ks.namespace)
	}
	s.p.line("Controller logs: %s", filepath.Join(s.dir, "logs", "controllers.log"))
	if !s.opts.exit {
		s.p.line("Ctrl-C to stop.")
	}
}
