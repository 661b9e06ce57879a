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
	"time"

	"github.com/fluxcd/cli-utils/pkg/kstatus/status"
	"github.com/spf13/cobra"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"github.com/tide-gitops/tide/internal/kube"
	"github.com/tide-gitops/tide/manifests"
)

const (
	// manifestsNamespace is the namespace manifests/ installs into; other namespaces are set by relocate.
	manifestsNamespace = "flux-system"
	// defaultRegistry is where the images named in manifests/controllers live.
	defaultRegistry = "ghcr.io/tide-gitops"
	// versionLabel carries the version of tide's manifests on every object they define.
	versionLabel = "app.kubernetes.io/version"
)

type installOptions struct {
	registry string
	export   bool
	wait     bool
}

func newInstallCommand() *cobra.Command {
	o := &installOptions{}
	cmd := &cobra.Command{
		Use:   "install",
		Short: "Install tide's CRDs and controllers on the cluster",
		Long: `Install applies the manifests built into this tide binary (CRDs, RBAC and the controllers'
Deployments) to the current cluster with server-side apply, then waits until every controller's
Deployment is ready (--wait=false skips the wait). Running it again upgrades or repairs the
installation and changes nothing when the cluster already matches.`,
		Example: `  # Install into flux-system and wait for the controllers
  tide install

  # Pull the controller images from a mirror
  tide install --registry=registry.example.com/tide

  # Print the manifests instead of applying them
  tide install --export > tide-components.yaml`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runInstall(cmd.Context(), cmd.OutOrStdout(), o)
		},
	}
	cmd.Flags().StringVar(&o.registry, "registry", defaultRegistry, "Container registry the controller images are pulled from.")
	cmd.Flags().BoolVar(&o.export, "export", false, "Print the manifests as YAML instead of applying them.")
	cmd.Flags().BoolVar(&o.wait, "wait", true, "Wait until the controllers' Deployments are ready (at most --timeout).")
	return cmd
}

func runInstall(ctx context.Context, out io.Writer, o *installOptions) error {
	objs, err := buildComponents(global.namespace, o.registry)
	if err != nil {
		return err
	}
	if o.export {
		return writeComponentsYAML(out, objs)
	}
	fmt.Fprintln(out, "✚ generating manifests")
	fmt.Fprintf(out, "✔ manifests build completed (%d objects, tide %s)\n", len(objs), manifestsVersion(objs))
	c, err := global.newClient()
	if err != nil {
		return err
	}
	if err := applyComponents(ctx, out, c, objs); err != nil {
		return err
	}
	if !o.wait {
		fmt.Fprintln(out, "◎ not waiting for the controllers (--wait=false): `tide check` reports their state")
		return nil
	}
	fmt.Fprintln(out, "◎ verifying installation")
	if err := waitForControllers(ctx, out, c, global.namespace, deploymentNames(objs), global.timeout); err != nil {
		return err
	}
	fmt.Fprintln(out, "✔ install finished")
	return nil
}

// buildComponents builds the manifests embedded in this binary for namespace, with the controller images taken
// from registry.
func buildComponents(namespace, registry string) ([]*unstructured.Unstructured, error) {
	objs, err := kube.BuildFS(manifests.FS, ".")
	if err != nil {
		return nil, fmt.Errorf("building tide's embedded manifests: %w", err)
	}
	relocate(objs, namespace)
	if err := setRegistry(objs, registry); err != nil {
		return nil, err
	}
	return objs, nil
}

// relocate moves the objects from manifestsNamespace to namespace: the Namespace object itself, namespaced
// objects, and the service account subjects of role bindings.
func relocate(objs []*unstructured.Unstructured, namespace string) {
	if namespace == manifestsNamespace {
		return
	}
	for _, obj := range objs {
		if obj.GetKind() == "Namespace" && obj.GetName() == manifestsNamespace {
			obj.SetName(namespace)
		}
		if obj.GetNamespace() == manifestsNamespace {
			obj.SetNamespace(namespace)
		}
		if kind := obj.GetKind(); kind != "RoleBinding" && kind != "ClusterRoleBinding" {
			continue
		}
		subjects, _, _ := unstructured.NestedSlice(obj.Object, "subjects")
		for _, s := range subjects {
			if m, ok := s.(map[string]any); ok && m["namespace"] == manifestsNamespace {
				m["namespace"] = namespace
			}
		}
		_ = unstructured.SetNestedSlice(obj.Object, subjects, "subjects")
	}
}

// setRegistry points the images of the Deployments at registry instead of defaultRegistry.
func setRegistry(objs []*unstructured.Unstructured, registry string) error {
	registry = strings.TrimSuffix(registry, "/")
	if registry == defaultRegistry {
		return nil
	}
	if registry == "" {
		return errors.New("--registry must not be empty")
	}
	for _, obj := range objs {
		if obj.GetKind() != "Deployment" {
			continue
		}
		containers, _, _ := unstructured.NestedSlice(obj.Object, "spec", "template", "spec", "containers")
		for _, c := range containers {
			if m, ok := c.(map[string]any); ok {
				if image, ok := m["image"].(string); ok {
					if rest, found := strings.CutPrefix(image, defaultRegistry+"/"); found {
						m["image"] = registry + "/" + rest
					}
				}
			}
		}
		if err := unstructured.SetNestedSlice(obj.Object, containers, "spec", "template", "spec", "containers"); err != nil {
			return fmt.Errorf("setting the images of Deployment %s: %w", obj.GetName(), err)
		}
	}
	return nil
}

// manifestsVersion is the version of tide the objects belong to, from their version label.
func manifestsVersion(objs []*unstructured.Unstructured) string {
	for _, obj := range objs {
		if v := obj.GetLabels()[versionLabel]; v != "" {
			return v
		}
	}
	return "(unknown version)"
}

// writeComponentsYAML prints the objects as one multi-document YAML stream.
func writeComponentsYAML(w io.Writer, objs []*unstructured.Unstructured) error {
	for _, obj := range objs {
		b, err := yaml.Marshal(obj.Object)
		if err != nil {
			return fmt.Errorf("encoding %s/%s: %w", obj.GetKind(), obj.GetName(), err)
		}
		if _, err := fmt.Fprintf(w, "---\n%s", b); err != nil {
			return err
		}
	}
	return nil
}

// applyComponents server-side applies the objects (CRDs and the namespace first) and prints what changed.
func applyComponents(ctx context.Context, out io.Writer, c client.Client, objs []*unstructured.Unstructured) error {
	fmt.Fprintf(out, "► installing components in %s namespace\n", namespaceOf(objs))
	cs, err := kube.ApplyStaged(ctx, kube.NewResourceManager(c), objs, global.timeout)
	if cs != nil {
		for _, e := range cs.Entries {
			fmt.Fprintln(out, e.String())
		}
	}
	if err != nil {
		return fmt.Errorf("installing tide's components: %w", err)
	}
	fmt.Fprintln(out, "✔ installed components")
	return nil
}

// namespaceOf is the name of the Namespace object among objs.
func namespaceOf(objs []*unstructured.Unstructured) string {
	for _, obj := range objs {
		if obj.GetKind() == "Namespace" {
			return obj.GetName()
		}
	}
	return global.namespace
}

// deploymentNames lists the controllers' Deployments among objs.
func deploymentNames(objs []*unstructured.Unstructured) []string {
	var names []string
	for _, obj := range objs {
		if obj.GetKind() == "Deployment" {
			names = append(names, obj.GetName())
		}
	}
	return names
}

// waitForControllers polls the controllers' Deployments with kstatus until all are ready, printing each as it
// becomes ready. After timeout it prints why each of the others is not ready and returns an error naming them.
func waitForControllers(ctx context.Context, out io.Writer, c client.Client, namespace string, names []string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	pending := names
	why := map[string]string{}
	for {
		var still []string
		for _, name := range pending {
			ready, reason, err := deploymentReady(ctx, c, namespace, name)
			switch {
			case ready:
				fmt.Fprintf(out, "✔ %s: deployment ready\n", name)
			case err != nil && ctx.Err() != nil:
				still = append(still, name) // the deadline interrupted the request: keep the last reason
			case err != nil:
				return err
			default:
				why[name] = reason
				still = append(still, name)
			}
		}
		pending = still
		if len(pending) == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			for _, name := range pending {
				fmt.Fprintf(out, "✗ %s: deployment not ready: %s\n", name, why[name])
			}
			return fmt.Errorf("%d of %d controllers not ready after %s: %s (see `kubectl -n %s describe deployments` and the events of their pods)",
				len(pending), len(names), timeout, strings.Join(pending, ", "), namespace)
		case <-time.After(time.Second):
		}
	}
}

// deploymentReady computes the kstatus of a Deployment: ready when Current, otherwise the reason.
func deploymentReady(ctx context.Context, c client.Client, namespace, name string) (bool, string, error) {
	obj := &unstructured.Unstructured{}
	obj.SetAPIVersion("apps/v1")
	obj.SetKind("Deployment")
	if err := c.Get(ctx, client.ObjectKey{Namespace: namespace, Name: name}, obj); err != nil {
		if apierrors.IsNotFound(err) {
			return false, "the Deployment does not exist", nil
		}
		return false, "", fmt.Errorf("reading Deployment %s/%s: %w", namespace, name, err)
	}
	res, err := status.Compute(obj)
	if err != nil {
		return false, "", fmt.Errorf("computing the status of Deployment %s/%s: %w", namespace, name, err)
	}
	if res.Status == status.CurrentStatus {
		return true, "", nil
	}
	return false, fmt.Sprintf("%s: %s", res.Status, res.Message), nil
}
