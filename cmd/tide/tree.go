/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/fluxcd/cli-utils/pkg/object"
	"github.com/spf13/cobra"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	kustomizev1 "github.com/tide-gitops/tide/api/kustomize/v1"
)

// treeNode is one object of a printed tree and the objects below it. The JSON form is what `tide tree -o json`
// prints.
type treeNode struct {
	Kind      string      `json:"kind"`
	Namespace string      `json:"namespace,omitempty"`
	Name      string      `json:"name"`
	Group     string      `json:"group,omitempty"`
	Problem   string      `json:"problem,omitempty"`
	Resources []*treeNode `json:"resources,omitempty"`
}

// label is the node's line: Kind/namespace/name, and what went wrong reading it, if anything.
func (n *treeNode) label() string {
	l := objectLabel(n.Kind, n.Namespace, n.Name)
	if n.Problem != "" {
		l += " (" + n.Problem + ")"
	}
	return l
}

// writeInventoryTree prints a Kustomization and the objects of its inventory as a tree, one object per line as
// Kind/namespace/name (Kind/name for cluster-scoped objects), in the order the inventory lists them.
func writeInventoryTree(w io.Writer, ks *kustomizev1.Kustomization) error {
	root := &treeNode{Kind: kustomizev1.KustomizationKind, Namespace: ks.Namespace, Name: ks.Name,
		Group: kustomizev1.GroupVersion.Group}
	if ks.Status.Inventory != nil {
		for _, e := range ks.Status.Inventory.Entries {
			root.Resources = append(root.Resources, inventoryEntryNode(e.ID))
		}
	}
	return writeTree(w, root)
}

// inventoryEntryNode turns an inventory id '<namespace>_<name>_<group>_<kind>' into a node. An id that cannot be
// read (a hand-edited status) is shown as it is rather than hidden.
func inventoryEntryNode(id string) *treeNode {
	m, err := object.ParseObjMetadata(id)
	if err != nil || m.Name == "" || m.GroupKind.Kind == "" {
		return &treeNode{Kind: "?", Name: id, Problem: "unreadable inventory entry"}
	}
	return &treeNode{Kind: m.GroupKind.Kind, Namespace: m.Namespace, Name: m.Name, Group: m.GroupKind.Group}
}

// objectLabel is how trees and messages name an object: Kind/namespace/name, or Kind/name without a namespace.
func objectLabel(kind, namespace, name string) string {
	if namespace == "" {
		return kind + "/" + name
	}
	return kind + "/" + namespace + "/" + name
}

// writeTree prints root on the first line and its descendants below with ├── └── │ branches.
func writeTree(w io.Writer, root *treeNode) error {
	var b strings.Builder
	b.WriteString(root.label() + "\n")
	writeChildren(&b, root.Resources, "")
	_, err := io.WriteString(w, b.String())
	return err
}

func writeChildren(b *strings.Builder, children []*treeNode, prefix string) {
	for i, c := range children {
		branch, indent := "├── ", "│   "
		if i == len(children)-1 {
			branch, indent = "└── ", "    "
		}
		b.WriteString(prefix + branch + c.label() + "\n")
		writeChildren(b, c.Resources, prefix+indent)
	}
}

// treeOptions are the flags of `tide tree kustomization`.
type treeOptions struct {
	output string
}

func newTreeCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "tree",
		Short: "Print the objects an object applied, as a tree",
		Long: `Print the objects a Kustomization applied (its inventory) as a tree. Kustomizations and
HelmReleases it applied are expanded with the objects they applied in turn.`,
		Example: `  # What the flux-system Kustomization applied, recursively
  tide tree kustomization flux-system

  # The same as JSON, for scripts
  tide tree ks apps -n apps -o json`,
		Args: cobra.NoArgs,
	}
	k, _ := kindByName(kustomizev1.KustomizationKind)
	o := &treeOptions{}
	use, aliases := kindUse(k, false)
	sub := &cobra.Command{
		Use:               use + " NAME",
		Aliases:           aliases,
		Short:             "Print the objects a Kustomization applied, as a tree",
		Example:           "  tide tree kustomization flux-system",
		Args:              exactlyOneName(k),
		ValidArgsFunction: completeObjectNames(k),
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.output != "" && o.output != outputJSON && o.output != outputYAML {
				return fmt.Errorf("unknown output format %q: use json or yaml, or leave -o out for a tree", o.output)
			}
			ctx, cancel := commandContext(cmd)
			defer cancel()
			c, err := global.newClient()
			if err != nil {
				return err
			}
			key := types.NamespacedName{Namespace: global.namespace, Name: args[0]}
			root, err := inventoryTree(ctx, c, k, key)
			if err != nil {
				return err
			}
			return printTree(cmd.OutOrStdout(), o.output, root)
		},
	}
	sub.Flags().StringVarP(&o.output, "output", "o", "", "Output format: json or yaml; a tree when empty.")
	_ = sub.RegisterFlagCompletionFunc("output", cobra.FixedCompletions([]string{outputJSON, outputYAML}, cobra.ShellCompDirectiveNoFileComp))
	cmd.AddCommand(sub)
	return cmd
}

func printTree(w io.Writer, format string, root *treeNode) error {
	if format == "" {
		return writeTree(w, root)
	}
	b, err := json.Marshal(root)
	if err != nil {
		return err
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	return printStructured(w, format, m)
}

// inventoryTree reads the object and the objects of its inventory, descending into the Kustomizations and
// HelmReleases it applied. A nested object that cannot be read is shown with the reason; each object is
// expanded once, so an inventory that lists an ancestor cannot loop.
func inventoryTree(ctx context.Context, c client.Reader, k *kindInfo, key types.NamespacedName) (*treeNode, error) {
	obj := k.newObject()
	if err := c.Get(ctx, key, obj); err != nil {
		return nil, describeError(err, k, key)
	}
	root := &treeNode{Kind: k.Kind, Namespace: key.Namespace, Name: key.Name, Group: k.GroupVersion.Group}
	expanded := map[string]bool{root.label(): true}
	expandInventory(ctx, c, root, obj, expanded)
	return root, nil
}

func expandInventory(ctx context.Context, c client.Reader, node *treeNode, obj *unstructured.Unstructured, expanded map[string]bool) {
	entries, _, _ := unstructured.NestedSlice(obj.Object, "status", "inventory", "entries")
	for _, e := range entries {
		id, _ := e.(map[string]any)["id"].(string)
		child := inventoryEntryNode(id)
		node.Resources = append(node.Resources, child)
		k, hasInventory := inventoryKind(child)
		if !hasInventory || expanded[child.label()] {
			continue
		}
		expanded[child.label()] = true
		nested := k.newObject()
		if err := c.Get(ctx, types.NamespacedName{Namespace: child.Namespace, Name: child.Name}, nested); err != nil {
			child.Problem = problemOf(err)
			continue
		}
		expandInventory(ctx, c, child, nested, expanded)
	}
}

// inventoryKind returns the kind of a node whose objects have an inventory of their own.
func inventoryKind(n *treeNode) (*kindInfo, bool) {
	k, known := kindByName(n.Kind)
	if !known || k.GroupVersion.Group != n.Group || (k.Kind != "Kustomization" && k.Kind != "HelmRelease") {
		return nil, false
	}
	return k, true
}

func problemOf(err error) string {
	if apierrors.IsNotFound(err) {
		return "not found"
	}
	return err.Error()
}
