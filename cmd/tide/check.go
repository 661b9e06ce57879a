/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/version"
	"k8s.io/client-go/discovery"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// minKubernetesVersion is the oldest API server tide supports. tide is built with client-go v0.37, which is
// Kubernetes 1.37; the Kubernetes project maintains the three newest minor releases (1.37, 1.36, 1.35), and
// those are the releases client-go and controller-runtime are tested against. Everything tide's CRDs and
// clients use (server-side apply, CRD validation rules, streaming watches) is GA in all three.
// TestMinKubernetesVersion fails when client-go moves and this is not moved with it.
const minKubernetesVersion = "1.35.0"

type checkOptions struct {
	pre bool
}

func newCheckCommand() *cobra.Command {
	o := &checkOptions{}
	cmd := &cobra.Command{
		Use:   "check",
		Short: "Check the prerequisites and the health of tide on the cluster",
		Long: `Check verifies that the API server is recent enough for tide, that the CRD of every tide kind is
installed and Established with the versions this tide serves and stores, and that every controller's
Deployment is ready. Each check prints a ✔ or ✗ line; any ✗ makes the command fail.`,
		Example: `  # Check the cluster before installing
  tide check --pre

  # Check an installation
  tide check`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runCheck(cmd.Context(), cmd.OutOrStdout(), o)
		},
	}
	cmd.Flags().BoolVar(&o.pre, "pre", false, "Only check the prerequisites (the Kubernetes version).")
	return cmd
}

func runCheck(ctx context.Context, out io.Writer, o *checkOptions) error {
	fmt.Fprintln(out, "► checking prerequisites")
	ok, err := checkKubernetesVersion(out)
	if err != nil {
		return err
	}
	if o.pre {
		if !ok {
			return errors.New("prerequisites check failed")
		}
		fmt.Fprintln(out, "✔ prerequisites checks passed")
		return nil
	}
	objs, err := buildComponents(global.namespace, defaultRegistry)
	if err != nil {
		return err
	}
	c, err := global.newClient()
	if err != nil {
		return err
	}
	fmt.Fprintln(out, "► checking controllers")
	controllersOK, err := checkControllers(ctx, out, c, deploymentNames(objs))
	if err != nil {
		return err
	}
	fmt.Fprintln(out, "► checking crds")
	crdsOK, err := checkCRDs(ctx, out, c, objs)
	if err != nil {
		return err
	}
	if !ok || !controllersOK || !crdsOK {
		return errors.New("check failed")
	}
	fmt.Fprintln(out, "✔ all checks passed")
	return nil
}

// checkKubernetesVersion compares the API server's version with minKubernetesVersion.
func checkKubernetesVersion(out io.Writer) (bool, error) {
	cfg, err := global.restConfig()
	if err != nil {
		return false, err
	}
	dc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return false, fmt.Errorf("connecting to %s: %w", cfg.Host, err)
	}
	info, err := dc.ServerVersion()
	if err != nil {
		return false, fmt.Errorf("asking %s for its Kubernetes version: %w", cfg.Host, err)
	}
	ok, err := versionAtLeast(info.GitVersion, minKubernetesVersion)
	if err != nil {
		return false, err
	}
	if !ok {
		fmt.Fprintf(out, "✗ Kubernetes %s <%s: upgrade the cluster to use tide\n", info.GitVersion, minKubernetesVersion)
		return false, nil
	}
	fmt.Fprintf(out, "✔ Kubernetes %s >=%s\n", strings.TrimPrefix(info.GitVersion, "v"), minKubernetesVersion)
	return true, nil
}

// versionAtLeast compares a server's git version ("v1.37.2", "v1.36.1-eks-1a2b3c") with a minimum release.
func versionAtLeast(server, minimum string) (bool, error) {
	v, err := version.ParseGeneric(server)
	if err != nil {
		return false, fmt.Errorf("the API server reports version %q, which is not a Kubernetes version: %w", server, err)
	}
	return v.AtLeast(version.MustParseGeneric(minimum)), nil
}

// checkControllers prints the readiness and image of every controller Deployment.
func checkControllers(ctx context.Context, out io.Writer, c client.Client, names []string) (bool, error) {
	ok := true
	for _, name := range names {
		ready, why, err := deploymentReady(ctx, c, global.namespace, name)
		if err != nil {
			return false, err
		}
		if !ready {
			fmt.Fprintf(out, "✗ %s: deployment not ready: %s\n", name, why)
			ok = false
			continue
		}
		fmt.Fprintf(out, "✔ %s: deployment ready\n", name)
		if images, err := deploymentImages(ctx, c, name); err == nil {
			for _, image := range images {
				fmt.Fprintf(out, "► %s\n", image)
			}
		}
	}
	return ok, nil
}

func deploymentImages(ctx context.Context, c client.Client, name string) ([]string, error) {
	obj := &unstructured.Unstructured{}
	obj.SetAPIVersion("apps/v1")
	obj.SetKind("Deployment")
	if err := c.Get(ctx, client.ObjectKey{Namespace: global.namespace, Name: name}, obj); err != nil {
		return nil, err
	}
	containers, _, _ := unstructured.NestedSlice(obj.Object, "spec", "template", "spec", "containers")
	var images []string
	for _, ctr := range containers {
		if m, ok := ctr.(map[string]any); ok {
			if image, ok := m["image"].(string); ok {
				images = append(images, image)
			}
		}
	}
	return images, nil
}

// checkCRDs compares every CRD of the embedded manifests with the cluster's: present, Established, and with the
// same versions served and the same storage version.
func checkCRDs(ctx context.Context, out io.Writer, c client.Client, objs []*unstructured.Unstructured) (bool, error) {
	want, err := expectedCRDs(objs)
	if err != nil {
		return false, err
	}
	ok := true
	for _, w := range want {
		var got apiextensionsv1.CustomResourceDefinition
		if err := c.Get(ctx, client.ObjectKey{Name: w.Name}, &got); err != nil {
			if !apierrors.IsNotFound(err) {
				return false, fmt.Errorf("reading CRD %s: %w", w.Name, err)
			}
			fmt.Fprintf(out, "✗ %s: not installed (run `tide install`)\n", w.Name)
			ok = false
			continue
		}
		if problems := crdProblems(&w, &got); len(problems) > 0 {
			fmt.Fprintf(out, "✗ %s: %s\n", w.Name, strings.Join(problems, "; "))
			ok = false
			continue
		}
		fmt.Fprintf(out, "✔ %s/%s\n", w.Name, storageVersion(&w))
	}
	return ok, nil
}

// expectedCRDs decodes the CRDs among the built manifests.
func expectedCRDs(objs []*unstructured.Unstructured) ([]apiextensionsv1.CustomResourceDefinition, error) {
	var crds []apiextensionsv1.CustomResourceDefinition
	for _, obj := range objs {
		if obj.GetKind() != "CustomResourceDefinition" {
			continue
		}
		var crd apiextensionsv1.CustomResourceDefinition
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(obj.Object, &crd); err != nil {
			return nil, fmt.Errorf("decoding the embedded CRD %s: %w", obj.GetName(), err)
		}
		crds = append(crds, crd)
	}
	return crds, nil
}

// crdProblems lists how the cluster's CRD differs from the expected one: not Established, a version missing,
// served differently, or a different storage version.
func crdProblems(want, got *apiextensionsv1.CustomResourceDefinition) []string {
	var problems []string
	if !crdCondition(got, apiextensionsv1.Established) {
		problems = append(problems, "not Established")
	}
	served := map[string]apiextensionsv1.CustomResourceDefinitionVersion{}
	for _, v := range got.Spec.Versions {
		served[v.Name] = v
	}
	for _, v := range want.Spec.Versions {
		g, found := served[v.Name]
		switch {
		case !found:
			problems = append(problems, fmt.Sprintf("version %s missing", v.Name))
		case g.Served != v.Served:
			problems = append(problems, fmt.Sprintf("version %s served=%t, want %t", v.Name, g.Served, v.Served))
		}
	}
	if s, w := storageVersion(got), storageVersion(want); s != w {
		problems = append(problems, fmt.Sprintf("storage version %s, want %s", s, w))
	}
	if len(problems) > 0 {
		problems[len(problems)-1] += " (run `tide install` to repair)"
	}
	return problems
}

func crdCondition(crd *apiextensionsv1.CustomResourceDefinition, t apiextensionsv1.CustomResourceDefinitionConditionType) bool {
	for _, c := range crd.Status.Conditions {
		if c.Type == t {
			return c.Status == apiextensionsv1.ConditionTrue
		}
	}
	return false
}

func storageVersion(crd *apiextensionsv1.CustomResourceDefinition) string {
	for _, v := range crd.Spec.Versions {
		if v.Storage {
			return v.Name
		}
	}
	return "(none)"
}
