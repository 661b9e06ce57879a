/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"

	"github.com/spf13/cobra"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// getOptions are the flags of `tide get` and its subcommands.
type getOptions struct {
	allNamespaces bool
	output        outputFlag
}

func newGetCommand() *cobra.Command {
	o := &getOptions{}
	cmd := &cobra.Command{
		Use:   "get",
		Short: "Display one or many tide objects and their status",
		Long: `Display tide objects (sources, Kustomizations, HelmReleases, image automation and
notification objects) with their revision and Ready status.

Tables fit 100 columns; -o wide prints them in full. -o json and -o yaml print the objects as the
API returns them (a list with apiVersion, kind and items), for scripts; like kubectl, they leave
out metadata.managedFields.`,
		Example: `  # List the Git sources in the flux-system namespace
  tide get sources git

  # List the Kustomizations of every namespace
  tide get kustomizations -A

  # Show one Kustomization as JSON
  tide get ks apps -o json

  # List everything tide reconciles in the namespace "apps"
  tide get all -n apps`,
		Args: cobra.NoArgs,
	}
	cmd.PersistentFlags().BoolVarP(&o.allNamespaces, "all-namespaces", "A", false,
		"List the objects of every namespace (adds a NAMESPACE column).")
	o.output.bind(cmd.PersistentFlags())
	o.output.registerCompletion(cmd)
	groups := addKindCommands(cmd, true, func(k *kindInfo) *cobra.Command { return newGetKindCommand(o, k) })
	for group, g := range groups {
		g.Short = fmt.Sprintf("List the objects of every %s kind", group)
		g.Example = fmt.Sprintf("  # Every %[1]s of the namespace\n  tide get %[2]s\n\n  # Of every namespace\n  tide get %[2]s -A",
			group, groupWords[group][1])
		g.RunE = func(cmd *cobra.Command, _ []string) error {
			return runGetKinds(cmd, o, kindsInGroup(group))
		}
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "all",
		Short: "List the objects of every kind tide knows",
		Example: `  # Everything in flux-system
  tide get all

  # Everything in every namespace, as JSON
  tide get all -A -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runGetKinds(cmd, o, kinds) },
	})
	return cmd
}

func newGetKindCommand(o *getOptions, k *kindInfo) *cobra.Command {
	use, aliases := kindUse(k, true)
	return &cobra.Command{
		Use:               use + " [name]",
		Aliases:           aliases,
		Short:             fmt.Sprintf("List %s objects and their status", k.Kind),
		Example:           fmt.Sprintf("  # List the %[1]s objects\n  tide get %[2]s\n\n  # Show one as YAML\n  tide get %[2]s NAME -o yaml", k.Kind, getWords(k)),
		Args:              cobra.MaximumNArgs(1),
		ValidArgsFunction: completeObjectNames(k),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				return runGetOne(cmd, o, k, args[0])
			}
			return runGetKinds(cmd, o, []*kindInfo{k})
		},
	}
}

func kindsInGroup(group string) []*kindInfo {
	var ks []*kindInfo
	for _, k := range kinds {
		if k.Parent == group {
			ks = append(ks, k)
		}
	}
	return ks
}

// commandContext bounds a command's work by --timeout.
func commandContext(cmd *cobra.Command) (context.Context, context.CancelFunc) {
	ctx := cmd.Context()
	if ctx == nil {
		ctx = context.Background()
	}
	return context.WithTimeout(ctx, global.timeout)
}

// runGetOne prints one object.
func runGetOne(cmd *cobra.Command, o *getOptions, k *kindInfo, name string) error {
	if err := o.output.validate(); err != nil {
		return err
	}
	ctx, cancel := commandContext(cmd)
	defer cancel()
	c, err := global.newClient()
	if err != nil {
		return err
	}
	key := types.NamespacedName{Namespace: global.namespace, Name: name}
	obj := k.newObject()
	if err := c.Get(ctx, key, obj); err != nil {
		return describeError(err, k, key)
	}
	if o.output.structured() {
		obj.SetManagedFields(nil)
		return printStructured(cmd.OutOrStdout(), o.output.format, obj.Object)
	}
	return kindTable(k, []unstructured.Unstructured{*obj}, o.allNamespaces, false, o.output.format == outputWide).
		write(cmd.OutOrStdout(), o.output.format != outputWide)
}

// runGetKinds lists the objects of each kind: one table per kind that has objects (the name prefixed with the
// kind when there are several kinds), or one list for -o json|yaml|name.
func runGetKinds(cmd *cobra.Command, o *getOptions, ks []*kindInfo) error {
	if err := o.output.validate(); err != nil {
		return err
	}
	ctx, cancel := commandContext(cmd)
	defer cancel()
	c, err := global.newClient()
	if err != nil {
		return err
	}
	lists, err := listKinds(ctx, c, ks, o.allNamespaces)
	if err != nil {
		return err
	}
	if o.output.structured() {
		return printStructured(cmd.OutOrStdout(), o.output.format, combinedList(lists))
	}
	return writeTables(cmd, o, lists, len(ks) > 1)
}

// kindList is the listed objects of one kind.
type kindList struct {
	kind *kindInfo
	list *unstructured.UnstructuredList
}

// listKinds lists the objects of each kind in the namespace (or all namespaces), sorted by namespace and name.
// With several kinds, a kind the cluster does not serve is left out rather than failing the whole listing.
func listKinds(ctx context.Context, c client.Reader, ks []*kindInfo, allNamespaces bool) ([]kindList, error) {
	var ns []client.ListOption
	if !allNamespaces {
		ns = append(ns, client.InNamespace(global.namespace))
	}
	var lists []kindList
	for _, k := range ks {
		list := k.newList()
		if err := c.List(ctx, list, ns...); err != nil {
			if len(ks) > 1 && apimeta.IsNoMatchError(err) {
				continue
			}
			return nil, describeError(err, k, types.NamespacedName{Namespace: global.namespace})
		}
		for i := range list.Items {
			list.Items[i].SetManagedFields(nil) // noise for people and scripts alike; kubectl leaves them out too
		}
		sort.SliceStable(list.Items, func(i, j int) bool {
			a, b := list.Items[i], list.Items[j]
			return a.GetNamespace()+"/"+a.GetName() < b.GetNamespace()+"/"+b.GetName()
		})
		lists = append(lists, kindList{kind: k, list: list})
	}
	return lists, nil
}

// combinedList returns one kind's list as the API returned it, or several kinds' objects in one v1 List (as
// `kubectl get` does for several kinds).
func combinedList(lists []kindList) map[string]any {
	if len(lists) == 1 {
		return lists[0].list.UnstructuredContent()
	}
	items := []any{}
	for _, l := range lists {
		for _, item := range l.list.Items {
			items = append(items, item.Object)
		}
	}
	return map[string]any{"apiVersion": "v1", "kind": "List", "metadata": map[string]any{}, "items": items}
}

func writeTables(cmd *cobra.Command, o *getOptions, lists []kindList, several bool) error {
	out, printed := cmd.OutOrStdout(), false
	for _, l := range lists {
		if len(l.list.Items) == 0 {
			continue
		}
		if printed {
			fmt.Fprintln(out)
		}
		wide := o.output.format == outputWide
		if err := kindTable(l.kind, l.list.Items, o.allNamespaces, several, wide).write(out, !wide); err != nil {
			return err
		}
		printed = true
	}
	if !printed {
		return noObjectsFound(cmd.ErrOrStderr(), lists, o.allNamespaces)
	}
	return nil
}

// noObjectsFound tells, on stderr as kubectl does, that a listing found nothing.
func noObjectsFound(w io.Writer, lists []kindList, allNamespaces bool) error {
	what := "objects"
	if len(lists) == 1 {
		what = lists[0].kind.Kind + " objects"
	}
	where := fmt.Sprintf("in namespace %q", global.namespace)
	if allNamespaces {
		where = "in any namespace"
	}
	_, err := fmt.Fprintf(w, "no %s found %s\n", what, where)
	return err
}

// kindTable builds the table of one kind: [NAMESPACE] NAME [<kind's column>] SUSPENDED [READY MESSAGE]. With
// prefixKind, names read kind/name (as in `tide get all`).
func kindTable(k *kindInfo, items []unstructured.Unstructured, allNamespaces, prefixKind, full bool) *table {
	t := &table{}
	if allNamespaces {
		t.headers = append(t.headers, "NAMESPACE")
	}
	t.headers = append(t.headers, "NAME")
	if k.Column != "" {
		t.headers = append(t.headers, k.Column)
	}
	t.headers = append(t.headers, "SUSPENDED")
	if !k.NoStatus {
		t.headers = append(t.headers, "READY", "MESSAGE")
		t.flexible = append(t.flexible, len(t.headers)-1)
	}
	if k.Column != "" {
		t.flexible = append(t.flexible, slices.Index(t.headers, k.Column))
	}
	for i := range items {
		t.addRow(kindRow(k, &items[i], allNamespaces, prefixKind, full)...)
	}
	return t
}

func kindRow(k *kindInfo, obj *unstructured.Unstructured, allNamespaces, prefixKind, full bool) []string {
	var row []string
	if allNamespaces {
		row = append(row, obj.GetNamespace())
	}
	name := obj.GetName()
	if prefixKind {
		name = strings.ToLower(k.Kind) + "/" + name
	}
	row = append(row, name)
	if k.Column != "" {
		row = append(row, k.value(obj, full))
	}
	suspended, ready, message := statusColumns(k, obj)
	row = append(row, suspended)
	if !k.NoStatus {
		row = append(row, ready, message)
	}
	return row
}
