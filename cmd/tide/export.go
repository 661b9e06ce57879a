/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"
)

func newExportCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "export",
		Short: "Print objects as YAML to keep in Git",
		Long: `Print objects as clean YAML documents that can be applied to another cluster or committed to
Git: only apiVersion, kind, the name, namespace, labels and annotations, and the spec are kept
(no status, uid, resourceVersion, generation, managedFields or timestamps).`,
		Example: `  # Export one Git source
  tide export source git flux-system

  # Export every Kustomization of the namespace to a file
  tide export kustomization --all > kustomizations.yaml`,
		Args: cobra.NoArgs,
	}
	addKindCommands(cmd, false, newExportKindCommand)
	return cmd
}

func newExportKindCommand(k *kindInfo) *cobra.Command {
	var all bool
	use, aliases := kindUse(k, false)
	sub := &cobra.Command{
		Use:     use + " [NAME]",
		Aliases: aliases,
		Short:   fmt.Sprintf("Print %s objects as YAML", k.Kind),
		Example: fmt.Sprintf("  # Print the %[2]s NAME of flux-system\n  tide export %[1]s NAME\n\n"+
			"  # Every %[2]s of the namespace \"apps\", to a file\n  tide export %[1]s --all -n apps > apps.yaml",
			k.Words(), k.Kind),
		ValidArgsFunction: completeObjectNames(k),
		Args:              nameOrAll(k, &all),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, cancel := commandContext(cmd)
			defer cancel()
			c, err := global.newClient()
			if err != nil {
				return err
			}
			objs, err := selectObjects(ctx, c, k, args, all)
			if err != nil {
				return err
			}
			return writeExport(cmd.OutOrStdout(), objs)
		},
	}
	sub.Flags().BoolVar(&all, "all", false, fmt.Sprintf("Export every %s of the namespace.", k.Kind))
	return sub
}

// writeExport prints each object, cleaned, as a YAML document starting with ---.
func writeExport(w io.Writer, objs []unstructured.Unstructured) error {
	for i := range objs {
		b, err := yaml.Marshal(exportable(&objs[i]))
		if err != nil {
			return fmt.Errorf("writing %s %s as YAML: %w", objs[i].GetKind(), objs[i].GetName(), err)
		}
		if _, err := fmt.Fprintf(w, "---\n%s", b); err != nil {
			return err
		}
	}
	return nil
}

// exportable returns what of obj belongs in Git: apiVersion, kind, name, namespace, labels, the annotations
// people set (not kubectl's last-applied configuration nor reconcile requests) and every top-level field but
// metadata and status (spec, and e.g. a Secret's data).
func exportable(obj *unstructured.Unstructured) map[string]any {
	out := map[string]any{}
	for key, v := range obj.Object {
		if key != "metadata" && key != "status" {
			out[key] = v
		}
	}
	meta := map[string]any{"name": obj.GetName()}
	if ns := obj.GetNamespace(); ns != "" {
		meta["namespace"] = ns
	}
	if labels := obj.GetLabels(); len(labels) > 0 {
		meta["labels"] = labels
	}
	annotations := map[string]string{}
	for key, v := range obj.GetAnnotations() {
		if key != "kubectl.kubernetes.io/last-applied-configuration" && !strings.HasPrefix(key, "reconcile.fluxcd.io/") {
			annotations[key] = v
		}
	}
	if len(annotations) > 0 {
		meta["annotations"] = annotations
	}
	out["metadata"] = meta
	return out
}
