/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

func newSuspendCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "suspend",
		Short: "Suspend the reconciliation of objects",
		Long: `Suspend objects by setting spec.suspend: their controller stops reconciling them (no fetching,
no applying, no pruning) until they are resumed with 'tide resume'.`,
		Example: `  # Stop applying a Kustomization during maintenance
  tide suspend kustomization apps

  # Suspend every Git source of the namespace
  tide suspend source git --all`,
		Args: cobra.NoArgs,
	}
	addKindCommands(cmd, false, func(k *kindInfo) *cobra.Command { return newSuspendKindCommand(k, true) })
	return cmd
}

func newResumeCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "resume",
		Short: "Resume suspended objects and wait for their reconciliation",
		Long: `Resume suspended objects by clearing spec.suspend and requesting a reconciliation, then wait
until they are reconciled and print their revision, as 'tide reconcile' does. The command fails when
a resumed object does not become Ready.`,
		Example: `  # Resume a Kustomization and wait until it is applied
  tide resume kustomization apps

  # Resume every Kustomization of the namespace without waiting
  tide resume ks --all --wait=false`,
		Args: cobra.NoArgs,
	}
	addKindCommands(cmd, false, func(k *kindInfo) *cobra.Command { return newSuspendKindCommand(k, false) })
	return cmd
}

// suspendOptions are the flags of `tide suspend <kind>` and `tide resume <kind>`.
type suspendOptions struct {
	all  bool
	wait bool
}

func newSuspendKindCommand(k *kindInfo, suspend bool) *cobra.Command {
	o := &suspendOptions{}
	verb := "resume"
	if suspend {
		verb = "suspend"
	}
	use, aliases := kindUse(k, false)
	cmd := &cobra.Command{
		Use:     use + " [NAME]",
		Aliases: aliases,
		Short:   fmt.Sprintf("%s %s objects", strings.ToUpper(verb[:1])+verb[1:], k.Kind),
		Example: fmt.Sprintf("  # %[3]s the %[4]s NAME of flux-system\n  tide %[1]s %[2]s NAME\n\n"+
			"  # %[3]s every %[4]s of the namespace \"apps\"\n  tide %[1]s %[2]s --all -n apps",
			verb, k.Words(), strings.ToUpper(verb[:1])+verb[1:], k.Kind),
		ValidArgsFunction: completeObjectNames(k),
		Args:              nameOrAll(k, &o.all),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, cancel := commandContext(cmd)
			defer cancel()
			c, err := global.newClient()
			if err != nil {
				return err
			}
			objs, err := selectObjects(ctx, c, k, args, o.all)
			if err != nil {
				return err
			}
			p := newStatusLog(cmd.OutOrStdout())
			if suspend {
				return suspendObjects(ctx, c, p, k, objs)
			}
			return resumeObjects(ctx, c, p, k, objs, o.wait)
		},
	}
	cmd.Flags().BoolVar(&o.all, "all", false, fmt.Sprintf("%s every %s of the namespace.", strings.ToUpper(verb[:1])+verb[1:], k.Kind))
	if !suspend && !k.NoStatus {
		cmd.Flags().BoolVar(&o.wait, "wait", true, "Wait until the resumed objects are reconciled.")
	}
	return cmd
}

// selectObjects returns the named object, or every object of the kind in the namespace with all.
func selectObjects(ctx context.Context, c client.Client, k *kindInfo, args []string, all bool) ([]unstructured.Unstructured, error) {
	if !all {
		key := types.NamespacedName{Namespace: global.namespace, Name: args[0]}
		obj := k.newObject()
		if err := c.Get(ctx, key, obj); err != nil {
			return nil, describeError(err, k, key)
		}
		return []unstructured.Unstructured{*obj}, nil
	}
	list := k.newList()
	if err := c.List(ctx, list, client.InNamespace(global.namespace)); err != nil {
		return nil, describeError(err, k, types.NamespacedName{Namespace: global.namespace})
	}
	if len(list.Items) == 0 {
		return nil, fmt.Errorf("no %s objects found in namespace %q", k.Kind, global.namespace)
	}
	return list.Items, nil
}

func suspendObjects(ctx context.Context, c client.Client, p *statusLog, k *kindInfo, objs []unstructured.Unstructured) error {
	for i := range objs {
		obj := &objs[i]
		key := client.ObjectKeyFromObject(obj)
		p.step("suspending %s %s in %s namespace", k.Kind, key.Name, key.Namespace)
		patch := client.RawPatch(types.MergePatchType, []byte(`{"spec":{"suspend":true}}`))
		if err := c.Patch(ctx, obj, patch); err != nil {
			return describeError(err, k, key)
		}
		p.ok("%s %s suspended", k.Kind, key.Name)
	}
	return nil
}

// resumeObjects clears spec.suspend and requests a reconciliation in one patch per object, then (with wait)
// waits for each. It goes on after a failed object and fails at the end, naming each failure.
func resumeObjects(ctx context.Context, c client.Client, p *statusLog, k *kindInfo, objs []unstructured.Unstructured, wait bool) error {
	tokens := make([]string, len(objs))
	for i := range objs {
		obj := &objs[i]
		key := client.ObjectKeyFromObject(obj)
		p.step("resuming %s %s in %s namespace", k.Kind, key.Name, key.Namespace)
		token, err := requestReconcile(ctx, c, obj, map[string]any{"suspend": nil})
		if err != nil {
			return describeError(err, k, key)
		}
		tokens[i] = token
		p.ok("%s %s resumed", k.Kind, key.Name)
	}
	if !wait {
		return nil
	}
	var errs []error
	for i := range objs {
		if err := waitAndReport(ctx, c, p, k, client.ObjectKeyFromObject(&objs[i]), tokens[i]); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
