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
	"sort"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/tide-gitops/tide/internal/controlplane"
	"github.com/tide-gitops/tide/internal/kube"
)

type devOptions struct {
	stateDir     string
	manifestsDir string
	exit         bool
}

func newDevCommand() *cobra.Command {
	o := &devOptions{}
	cmd := &cobra.Command{
		Use:   "dev",
		Short: "Run tide on a local control plane",
		Long: `Start a local Kubernetes control plane (etcd and kube-apiserver, built once by
hack/get-control-plane.sh), install tide's CRDs, and print the API kinds tide serves.
State lives in --state-dir; running dev again resumes it. Stops on Ctrl-C.`,
		Example: `  # Start the local control plane and keep it running
  tide dev

  # Start it, print what is installed and stop
  tide dev --exit`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return runDev(ctx, cmd.OutOrStdout(), o)
		},
	}
	cmd.Flags().StringVar(&o.stateDir, "state-dir", ".tide/dev", "Directory holding the control plane's data, certificates and kubeconfig.")
	cmd.Flags().StringVar(&o.manifestsDir, "manifests", "manifests", "Path of tide's manifests/ directory.")
	cmd.Flags().BoolVar(&o.exit, "exit", false, "Stop after printing the installed kinds instead of running until Ctrl-C.")
	return cmd
}

func runDev(ctx context.Context, out io.Writer, o *devOptions) error {
	start := time.Now()
	dir, err := filepath.Abs(o.stateDir)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "► starting control plane in %s\n", dir)
	cp, err := controlplane.Start(ctx, controlplane.Options{Dir: dir})
	if err != nil {
		return err
	}
	defer func() {
		fmt.Fprintln(out, "► stopping control plane")
		_ = cp.Stop()
	}()
	fmt.Fprintf(out, "✔ kube-apiserver ready at %s (%s)\n", cp.APIServerURL, time.Since(start).Round(time.Millisecond))

	scheme := runtime.NewScheme()
	if err := apiextensionsv1.AddToScheme(scheme); err != nil {
		return err
	}
	c, err := client.New(cp.Config, client.Options{Scheme: scheme})
	if err != nil {
		return fmt.Errorf("connecting to the control plane: %w", err)
	}
	objs, err := kube.Build(filepath.Join(o.manifestsDir, "crds"))
	if err != nil {
		return err
	}
	if _, err := kube.ApplyStaged(ctx, kube.NewResourceManager(c), objs, time.Minute); err != nil {
		return err
	}
	fmt.Fprintf(out, "✔ installed %d CRDs (%s)\n\n", len(objs), time.Since(start).Round(time.Millisecond))
	if err := printKinds(ctx, out, c); err != nil {
		return err
	}
	fmt.Fprintf(out, "\nkubectl --kubeconfig %s get crds\n", cp.KubeconfigPath)
	if o.exit {
		return nil
	}
	fmt.Fprintln(out, "running; press Ctrl-C to stop")
	<-ctx.Done()
	return nil
}

// printKinds prints the kinds tide serves with their versions; the storage version is marked with *.
func printKinds(ctx context.Context, out io.Writer, c client.Client) error {
	var crds apiextensionsv1.CustomResourceDefinitionList
	if err := c.List(ctx, &crds); err != nil {
		return fmt.Errorf("listing CRDs: %w", err)
	}
	sort.Slice(crds.Items, func(i, j int) bool { return crds.Items[i].Name < crds.Items[j].Name })
	w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "KIND\tGROUP\tVERSIONS (* stored)")
	for _, crd := range crds.Items {
		if !strings.HasSuffix(crd.Spec.Group, ".toolkit.fluxcd.io") {
			continue
		}
		var versions []string
		for _, v := range crd.Spec.Versions {
			if v.Storage {
				versions = append(versions, v.Name+"*")
			} else if v.Served {
				versions = append(versions, v.Name)
			}
		}
		fmt.Fprintf(w, "%s\t%s\t%s\n", crd.Spec.Names.Kind, crd.Spec.Group, strings.Join(versions, ", "))
	}
	return w.Flush()
}
