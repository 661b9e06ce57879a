/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

type uninstallOptions struct {
	keepNamespace bool
	dryRun        bool
	silent        bool
}

func newUninstallCommand() *cobra.Command {
	o := &uninstallOptions{}
	cmd := &cobra.Command{
		Use:   "uninstall",
		Short: "Remove tide's controllers, custom resources and CRDs from the cluster",
		Long: `Uninstall removes what tide installed, in an order that cannot hang and leaves the workloads tide
deployed in place: first the controllers (so none of them prunes or uninstalls anything while
their objects go), then the finalizers of tide's custom resources, the custom resources, the RBAC,
the CRDs and finally the namespace (unless --keep-namespace).`,
		Example: `  # Uninstall tide, asking for confirmation
  tide uninstall

  # Show what would be deleted
  tide uninstall --dry-run

  # Uninstall without asking, keeping the namespace
  tide uninstall --silent --keep-namespace`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runUninstall(cmd.Context(), cmd.InOrStdin(), cmd.OutOrStdout(), o)
		},
	}
	cmd.Flags().BoolVar(&o.keepNamespace, "keep-namespace", false, "Do not delete the namespace tide runs in.")
	cmd.Flags().BoolVar(&o.dryRun, "dry-run", false, "Only print what would be deleted.")
	cmd.Flags().BoolVarP(&o.silent, "silent", "s", false, "Delete without asking for confirmation.")
	return cmd
}

// uninstallStep is one titled step of the uninstall.
type uninstallStep struct {
	title string
	run   func() error
}

// uninstallPlan is the embedded manifests' objects grouped by the step that deletes them.
type uninstallPlan struct {
	components, rbac, crds []*unstructured.Unstructured
	namespace              *unstructured.Unstructured
}

func runUninstall(ctx context.Context, in io.Reader, out io.Writer, o *uninstallOptions) error {
	objs, err := buildComponents(global.namespace, defaultRegistry)
	if err != nil {
		return err
	}
	if !o.dryRun && !o.silent {
		confirmed, err := askConfirmation(in, out, fmt.Sprintf("Delete tide from namespace %s, with every tide custom resource and CRD", global.namespace))
		if err != nil || !confirmed {
			return err
		}
	}
	c, err := global.newClient()
	if err != nil {
		return err
	}
	d := &deleter{c: c, out: out, dryRun: o.dryRun}
	plan := planUninstall(objs)
	steps := []uninstallStep{
		{"deleting controllers in " + global.namespace + " namespace", func() error { return d.deleteAll(ctx, plan.components) }},
		{"deleting toolkit.fluxcd.io finalizers in all namespaces", func() error { return d.forEachCustomResource(ctx, plan.crds, d.removeFinalizers) }},
		{"deleting toolkit.fluxcd.io custom resources in all namespaces", func() error { return d.forEachCustomResource(ctx, plan.crds, d.delete) }},
		{"deleting RBAC", func() error { return d.deleteAll(ctx, plan.rbac) }},
		{"deleting toolkit.fluxcd.io custom resource definitions", func() error { return d.deleteAll(ctx, plan.crds) }},
	}
	if !o.keepNamespace && plan.namespace != nil {
		steps = append(steps, uninstallStep{"deleting namespace " + plan.namespace.GetName(), func() error { return d.delete(ctx, plan.namespace) }})
	}
	for _, s := range steps {
		fmt.Fprintf(out, "► %s\n", s.title)
		if err := s.run(); err != nil {
			return err
		}
	}
	if o.dryRun {
		fmt.Fprintln(out, "✔ uninstall dry run finished: nothing was deleted")
		return nil
	}
	fmt.Fprintln(out, "✔ uninstall finished")
	return nil
}

// askConfirmation asks a yes/no question on out and reads the answer from in; anything but y or yes is no.
func askConfirmation(in io.Reader, out io.Writer, question string) (bool, error) {
	fmt.Fprintf(out, "%s? [y/N] ", question)
	line, err := bufio.NewReader(in).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return false, fmt.Errorf("reading the answer: %w", err)
	}
	switch strings.ToLower(strings.TrimSpace(line)) {
	case "y", "yes":
		return true, nil
	}
	fmt.Fprintln(out, "✗ uninstall cancelled: nothing was deleted")
	return false, nil
}

// planUninstall groups the objects: the namespace, the CRDs, RBAC (service accounts, roles, bindings) and the
// controllers (everything else).
func planUninstall(objs []*unstructured.Unstructured) uninstallPlan {
	var p uninstallPlan
	for _, obj := range objs {
		switch obj.GetKind() {
		case "Namespace":
			p.namespace = obj
		case "CustomResourceDefinition":
			p.crds = append(p.crds, obj)
		case "ServiceAccount", "Role", "RoleBinding", "ClusterRole", "ClusterRoleBinding":
			p.rbac = append(p.rbac, obj)
		default:
			p.components = append(p.components, obj)
		}
	}
	return p
}

// deleter deletes objects and prints one line for each, skipping those already gone.
type deleter struct {
	c      client.Client
	out    io.Writer
	dryRun bool
}

func (d *deleter) suffix() string {
	if d.dryRun {
		return " (dry run)"
	}
	return ""
}

func (d *deleter) deleteAll(ctx context.Context, objs []*unstructured.Unstructured) error {
	for _, obj := range objs {
		if err := d.delete(ctx, obj); err != nil {
			return err
		}
	}
	return nil
}

func (d *deleter) delete(ctx context.Context, obj *unstructured.Unstructured) error {
	opts := []client.DeleteOption{client.PropagationPolicy(metav1.DeletePropagationBackground)}
	if d.dryRun {
		opts = append(opts, client.DryRunAll)
	}
	err := d.c.Delete(ctx, obj, opts...)
	switch {
	case apierrors.IsNotFound(err) || meta.IsNoMatchError(err):
		return nil
	case err != nil:
		return fmt.Errorf("deleting %s: %w", componentRef(obj), err)
	}
	fmt.Fprintf(d.out, "✔ %s deleted%s\n", componentRef(obj), d.suffix())
	return nil
}

func (d *deleter) removeFinalizers(ctx context.Context, obj *unstructured.Unstructured) error {
	if len(obj.GetFinalizers()) == 0 {
		return nil
	}
	if !d.dryRun {
		patch := client.RawPatch(types.MergePatchType, []byte(`{"metadata":{"finalizers":null}}`))
		if err := d.c.Patch(ctx, obj, patch); err != nil && !apierrors.IsNotFound(err) {
			return fmt.Errorf("removing the finalizers of %s: %w", componentRef(obj), err)
		}
	}
	fmt.Fprintf(d.out, "✔ %s finalizers deleted%s\n", componentRef(obj), d.suffix())
	return nil
}

// forEachCustomResource runs f on every object, in every namespace, of the kinds the CRDs define. A CRD that is
// not installed is skipped.
func (d *deleter) forEachCustomResource(ctx context.Context, crds []*unstructured.Unstructured,
	f func(context.Context, *unstructured.Unstructured) error) error {
	for _, obj := range crds {
		var crd apiextensionsv1.CustomResourceDefinition
		if err := d.c.Get(ctx, client.ObjectKey{Name: obj.GetName()}, &crd); err != nil {
			if apierrors.IsNotFound(err) {
				continue
			}
			return fmt.Errorf("reading CRD %s: %w", obj.GetName(), err)
		}
		list := &unstructured.UnstructuredList{}
		list.SetAPIVersion(crd.Spec.Group + "/" + storageVersion(&crd))
		list.SetKind(crd.Spec.Names.ListKind)
		if err := d.c.List(ctx, list); err != nil {
			if meta.IsNoMatchError(err) || apierrors.IsNotFound(err) {
				continue
			}
			return fmt.Errorf("listing %s: %w", crd.Spec.Names.Plural, err)
		}
		for i := range list.Items {
			if err := f(ctx, &list.Items[i]); err != nil {
				return err
			}
		}
	}
	return nil
}

// componentRef renders an object as Kind/namespace/name, or Kind/name when cluster-scoped.
func componentRef(obj client.Object) string {
	kind := obj.GetObjectKind().GroupVersionKind().Kind
	if ns := obj.GetNamespace(); ns != "" {
		return kind + "/" + ns + "/" + obj.GetName()
	}
	return kind + "/" + obj.GetName()
}
