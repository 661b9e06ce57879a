/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"

	"github.com/fluxcd/pkg/ssa"
	"github.com/pmezard/go-difflib/difflib"
	"github.com/spf13/cobra"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	kustomizev1 "github.com/tide-gitops/tide/api/kustomize/v1"
	"github.com/tide-gitops/tide/kustomize-controller/preview"
)

// Exit statuses of `tide diff`, as `diff` and `flux diff` have them.
const (
	exitDifferences = 1
	exitFailure     = 2
)

// exitError ends tide with an exit status other than 1. A silent one prints nothing: the command already said
// what it had to (e.g. the differences it found).
type exitError struct {
	code   int
	err    error
	silent bool
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// reportError prints the error a command returned (unless it is a silent exitError) and returns tide's exit
// status: the exitError's, otherwise 1.
func reportError(w io.Writer, err error) int {
	var ee *exitError
	if errors.As(err, &ee) {
		if !ee.silent {
			fmt.Fprintln(w, "Error:", err)
		}
		return ee.code
	}
	fmt.Fprintln(w, "Error:", err)
	return 1
}

func newDiffCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "diff",
		Short: "Show how a Flux object built from local files differs from the cluster",
		Long: `Build an object's manifests from a local directory and show what its controller would change
in the cluster if the source held them, with server-side apply dry-runs: nothing is changed.`,
		Args: cobra.NoArgs,
	}
	cmd.AddCommand(newDiffKustomizationCommand())
	return cmd
}

// diffOptions are the flags of `tide diff kustomization`.
type diffOptions struct {
	local  localOptions
	output string
}

func newDiffKustomizationCommand() *cobra.Command {
	o := &diffOptions{}
	k, _ := kindByName(kustomizev1.KustomizationKind)
	cmd := &cobra.Command{
		Use:     "kustomization NAME --path DIR",
		Aliases: []string{"ks"},
		Short:   "Show how a Kustomization built from a local directory differs from the cluster",
		Long: `Build the local directory --path as 'tide build kustomization' does, then dry-run every object
with server-side apply as the kustomize-controller (field manager kustomize-controller) and print
what would change, in the order the controller applies: a unified diff of each object that
drifted, the objects that would be created and, when the Kustomization prunes, the objects of
its inventory that are no longer built and would be deleted. Nothing in the cluster is changed.

The values of Secrets are masked: a changed value shows as "*** (before)" and "*** (after)".
SOPS-encrypted Secrets are not compared. Diff lines longer than 100 columns are cut (…);
-o json prints them in full, as a list of {"object", "action", "diff"} where action is
created, drifted or deleted.

Exit status: 0 when there are no differences, 1 when there are, >1 when the diff failed.`,
		Example: `  # Preview local changes as the cluster's Kustomization "apps" would apply them
  tide diff kustomization apps --path ./clusters/prod/apps

  # Use a local Kustomization file instead of the cluster's
  tide diff ks apps --path ./apps --kustomization-file ./clusters/prod/apps.yaml

  # Fail a CI job on differences, with the changes as JSON
  tide diff ks apps --path ./apps -o json > changes.json`,
		Args:              exactlyOneName(k),
		ValidArgsFunction: completeObjectNames(k),
		RunE: func(cmd *cobra.Command, args []string) error {
			changed, err := runDiff(cmd, o, args[0])
			switch {
			case err != nil:
				return &exitError{code: exitFailure, err: err}
			case changed:
				return &exitError{code: exitDifferences, err: errors.New("differences found"), silent: true}
			}
			return nil
		},
	}
	o.local.bind(cmd.Flags())
	cmd.Flags().StringVarP(&o.output, "output", "o", "", "Output format: json; a readable diff when empty.")
	_ = cmd.MarkFlagRequired("path")
	_ = cmd.RegisterFlagCompletionFunc("output", cobra.FixedCompletions([]string{outputJSON}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

// change is one object that the controller would change, in the stable form -o json prints.
type change struct {
	// Object is Kind/namespace/name (Kind/name for cluster-scoped objects).
	Object string `json:"object"`
	// Action is created, drifted or deleted.
	Action string `json:"action"`
	// Diff is the unified diff of a drifted object's YAML, "" otherwise.
	Diff string `json:"diff"`
}

// Actions of a change.
const (
	actionCreated = "created"
	actionDrifted = "drifted"
	actionDeleted = "deleted"
)

// runDiff prints the differences and reports whether there are any.
func runDiff(cmd *cobra.Command, o *diffOptions, name string) (bool, error) {
	if o.output != "" && o.output != outputJSON {
		return false, fmt.Errorf("unknown output format %q: use json, or leave -o out for a readable diff", o.output)
	}
	ctx, cancel := commandContext(cmd)
	defer cancel()
	c, err := global.newClient()
	if err != nil {
		return false, err
	}
	ks, err := diffKustomization(ctx, c, &o.local, name)
	if err != nil {
		return false, err
	}
	if ks.Spec.KubeConfig != nil {
		fmt.Fprintf(cmd.ErrOrStderr(), "◎ Kustomization %s/%s applies to another cluster (spec.kubeConfig): comparing "+
			"with the cluster of --kubeconfig/--context\n", ks.Namespace, ks.Name)
	}
	vars, err := preview.Vars(ctx, c, ks)
	if err != nil {
		return false, fmt.Errorf("%s %s/%s: %w", kustomizev1.KustomizationKind, ks.Namespace, ks.Name, explainConnection(err))
	}
	objs, err := o.local.build(ctx, ks, vars)
	if err != nil {
		return false, err
	}
	changes, err := diffObjects(ctx, preview.NewDiffer(c, ks), objs, cmd.ErrOrStderr())
	if err != nil {
		return false, err
	}
	if o.output == outputJSON {
		b, err := json.MarshalIndent(changes, "", "    ")
		if err != nil {
			return false, err
		}
		_, err = fmt.Fprintf(cmd.OutOrStdout(), "%s\n", b)
		return len(changes) > 0, err
	}
	if len(changes) == 0 {
		fmt.Fprintf(cmd.ErrOrStderr(), "✔ Kustomization %s/%s: no changes\n", ks.Namespace, ks.Name)
		return false, nil
	}
	return true, writeChanges(cmd.OutOrStdout(), changes)
}

// diffKustomization returns the Kustomization to diff: the cluster's, or the one of --kustomization-file with
// the cluster's inventory (what prune would delete is computed from it).
func diffKustomization(ctx context.Context, c client.Reader, o *localOptions, name string) (*kustomizev1.Kustomization, error) {
	ks, err := o.kustomization(ctx, c, name)
	if err != nil || o.kustomizationFile == "" {
		return ks, err
	}
	live := &kustomizev1.Kustomization{}
	switch err := c.Get(ctx, types.NamespacedName{Namespace: ks.Namespace, Name: ks.Name}, live); {
	case err == nil:
		ks.Status.Inventory = live.Status.Inventory
	case !apierrors.IsNotFound(err):
		k, _ := kindByName(kustomizev1.KustomizationKind)
		return nil, describeError(err, k, types.NamespacedName{Namespace: ks.Namespace, Name: ks.Name})
	}
	return ks, nil
}

// diffObjects dry-runs every object and lists those that would change, in the order the controller applies
// them (CRDs and Namespaces first), then those that prune would delete. SOPS-encrypted Secrets are reported on
// notes and left out.
func diffObjects(ctx context.Context, d *preview.Differ, objs []*unstructured.Unstructured, notes io.Writer) ([]change, error) {
	changes := []change{}
	objs = slices.Clone(objs)
	sort.Sort(ssa.SortableUnstructureds(objs))
	for _, obj := range objs {
		if isSOPSEncrypted(obj) {
			fmt.Fprintf(notes, "◎ %s is SOPS-encrypted: not compared (tide diff does not decrypt)\n", objectRef(obj))
			continue
		}
		action, live, merged, err := d.Diff(ctx, obj)
		if err != nil {
			if createdWithTheSet(err, obj, objs) {
				changes = append(changes, change{Object: objectRef(obj), Action: actionCreated})
				continue
			}
			return nil, fmt.Errorf("comparing with the cluster: %w", explainConnection(err))
		}
		switch action {
		case ssa.CreatedAction:
			changes = append(changes, change{Object: objectRef(obj), Action: actionCreated})
		case ssa.ConfiguredAction:
			text, err := objectDiff(live, merged)
			if err != nil {
				return nil, fmt.Errorf("comparing %s: %w", objectRef(obj), err)
			}
			changes = append(changes, change{Object: objectRef(obj), Action: actionDrifted, Diff: text})
		}
	}
	pruned, err := d.Pruned(ctx, objs)
	if err != nil {
		return nil, fmt.Errorf("finding the objects prune would delete: %w", explainConnection(err))
	}
	sort.Sort(ssa.SortableUnstructureds(pruned))
	for _, obj := range pruned {
		changes = append(changes, change{Object: objectRef(obj), Action: actionDeleted})
	}
	return changes, nil
}

// createdWithTheSet tells whether a failed dry-run only failed because obj needs an object of the same set that
// does not exist yet: a CRD of the set serves its kind, or a Namespace of the set holds it. The controller
// applies those first, so obj would be created.
func createdWithTheSet(err error, obj *unstructured.Unstructured, set []*unstructured.Unstructured) bool {
	gk := obj.GroupVersionKind().GroupKind()
	for _, o := range set {
		switch {
		case apimeta.IsNoMatchError(err) && o.GetKind() == "CustomResourceDefinition":
			group, _, _ := unstructured.NestedString(o.Object, "spec", "group")
			kind, _, _ := unstructured.NestedString(o.Object, "spec", "names", "kind")
			if group == gk.Group && kind == gk.Kind {
				return true
			}
		case apierrors.IsNotFound(err) && o.GetKind() == "Namespace" && o.GroupVersionKind().Group == "":
			if o.GetName() == obj.GetNamespace() {
				return true
			}
		}
	}
	return false
}

// isSOPSEncrypted tells whether a Secret of the build still holds SOPS-encrypted values (its sops metadata).
func isSOPSEncrypted(obj *unstructured.Unstructured) bool {
	_, ok := obj.Object["sops"]
	return ok && obj.GetKind() == "Secret"
}

// objectDiff returns the unified diff of the YAML of the live object and of the object after the apply, without
// the fields the server maintains. The controller's applied-digest annotation is left out unless it is the
// only difference.
func objectDiff(live, merged *unstructured.Unstructured) (string, error) {
	ref := objectRef(merged)
	for _, hideDigest := range []bool{true, false} {
		a, err := diffYAML(live, hideDigest)
		if err != nil {
			return "", err
		}
		b, err := diffYAML(merged, hideDigest)
		if err != nil {
			return "", err
		}
		text, err := difflib.GetUnifiedDiffString(difflib.UnifiedDiff{
			A: difflib.SplitLines(a), B: difflib.SplitLines(b), Context: 3,
			FromFile: ref + " (cluster)", ToFile: ref + " (local)",
		})
		if err != nil {
			return "", err
		}
		if text != "" {
			return text, nil
		}
	}
	return "", nil
}

// diffYAML renders a Secret-masked copy of obj for a diff: without status and the metadata the server
// maintains (and, with hideDigest, the applied-digest annotation).
func diffYAML(obj *unstructured.Unstructured, hideDigest bool) (string, error) {
	c := maskSecret(obj).DeepCopy()
	delete(c.Object, "status")
	for _, f := range []string{"managedFields", "resourceVersion", "generation", "uid", "creationTimestamp"} {
		unstructured.RemoveNestedField(c.Object, "metadata", f)
	}
	if hideDigest {
		a := c.GetAnnotations()
		delete(a, preview.DigestAnnotation)
		if len(a) == 0 {
			a = nil
		}
		c.SetAnnotations(a)
	}
	b, err := yaml.Marshal(c.Object)
	return string(b), err
}

// writeChanges prints each change as "► Kind/namespace/name action", followed for a drifted object by its diff
// without the file headers (hunk headers and lines, cut at screenWidth).
func writeChanges(w io.Writer, changes []change) error {
	var b strings.Builder
	for _, c := range changes {
		fmt.Fprintf(&b, "► %s %s\n", c.Object, c.Action)
		lines := strings.Split(strings.TrimRight(c.Diff, "\n"), "\n")
		if len(lines) < 3 {
			continue // no diff: only the "---" and "+++" headers come before the first hunk
		}
		for _, line := range lines[2:] {
			b.WriteString(truncate(line, screenWidth) + "\n")
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}
