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
	"os"
	"sync"
	"time"

	"github.com/fluxcd/pkg/apis/meta"
	"github.com/spf13/cobra"
	"golang.org/x/term"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// pollInterval is how often the CLI reads an object it waits for.
const pollInterval = 250 * time.Millisecond

func newReconcileCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "reconcile",
		Short: "Reconcile an object now and wait for the result",
		Long: `Ask the controller to reconcile an object now, outside its interval, by setting the
reconcile.fluxcd.io/requestedAt annotation, then wait until the controller handled the request
and print the revision it fetched or applied. With --with-source the object's source is
reconciled first, so that a new commit is fetched and applied in one go.

The command fails (exit code 1) when the reconciliation fails, printing the controller's message.
Suspended objects are refused: resume them with 'tide resume'.`,
		Example: `  # Fetch the latest commit of a Git source
  tide reconcile source git flux-system

  # Fetch the source of a Kustomization, then apply it
  tide reconcile kustomization apps --with-source

  # Reconcile a HelmRelease in the namespace "apps"
  tide reconcile hr podinfo -n apps`,
		Args: cobra.NoArgs,
	}
	addKindCommands(cmd, false, newReconcileKindCommand)
	return cmd
}

func newReconcileKindCommand(k *kindInfo) *cobra.Command {
	use, aliases := kindUse(k, false)
	var withSource bool
	sub := &cobra.Command{
		Use:               use + " NAME",
		Aliases:           aliases,
		Short:             fmt.Sprintf("Reconcile a %s now and wait for the result", k.Kind),
		Example:           fmt.Sprintf("  # Reconcile the %s NAME of flux-system and wait for the result\n  tide reconcile %s NAME", k.Kind, k.Words()),
		Args:              exactlyOneName(k),
		ValidArgsFunction: completeObjectNames(k),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, cancel := commandContext(cmd)
			defer cancel()
			c, err := global.newClient()
			if err != nil {
				return err
			}
			key := types.NamespacedName{Namespace: global.namespace, Name: args[0]}
			return reconcileObject(ctx, c, newStatusLog(cmd.OutOrStdout()), k, key, withSource)
		},
	}
	if k.source != nil {
		sub.Flags().BoolVar(&withSource, "with-source", false, "Reconcile the object's source first and wait for it.")
		sub.Example += fmt.Sprintf("\n\n  # Reconcile its source first\n  tide reconcile %s NAME --with-source", k.Words())
	}
	return sub
}

// exactlyOneName requires the object's name as the only argument, with a message saying how to find names.
func exactlyOneName(k *kindInfo) cobra.PositionalArgs {
	return func(_ *cobra.Command, args []string) error {
		if len(args) != 1 {
			return fmt.Errorf("give the name of one %s (list them with `tide get %s`)", k.Kind, getWords(k))
		}
		return nil
	}
}

// reconcileObject reconciles the object (its source first with withSource) and waits for the result.
func reconcileObject(ctx context.Context, c client.Client, p *statusLog, k *kindInfo, key types.NamespacedName, withSource bool) error {
	obj := k.newObject()
	if err := c.Get(ctx, key, obj); err != nil {
		return describeError(err, k, key)
	}
	if isSuspended(obj) {
		return suspendedError(k, key)
	}
	if withSource {
		sk, skey, err := sourceOf(k, obj)
		if err != nil {
			return err
		}
		if err := reconcileAndWait(ctx, c, p, sk, skey); err != nil {
			return err
		}
	}
	return reconcileAndWait(ctx, c, p, k, key)
}

// sourceOf returns the kind and key of the object's source.
func sourceOf(k *kindInfo, obj *unstructured.Unstructured) (*kindInfo, types.NamespacedName, error) {
	if k.source == nil {
		return nil, types.NamespacedName{}, fmt.Errorf("%s objects have no source to reconcile: leave out --with-source", k.Kind)
	}
	kind, key, ok := k.source(obj)
	if !ok {
		return nil, key, fmt.Errorf("%s %s/%s has no source yet: reconcile it without --with-source",
			k.Kind, obj.GetNamespace(), obj.GetName())
	}
	sk, known := kindByName(kind)
	if !known {
		return nil, key, fmt.Errorf("%s %s/%s refers to a source of unknown kind %q: use one of %s",
			k.Kind, obj.GetNamespace(), obj.GetName(), kind, kindNames())
	}
	return sk, key, nil
}

func suspendedError(k *kindInfo, key types.NamespacedName) error {
	return fmt.Errorf("%s %s/%s is suspended: resume it first with `tide resume %s %s -n %s`",
		k.Kind, key.Namespace, key.Name, k.Words(), key.Name, key.Namespace)
}

// reconcileAndWait requests a reconciliation of one object, waits for it and prints the outcome.
func reconcileAndWait(ctx context.Context, c client.Client, p *statusLog, k *kindInfo, key types.NamespacedName) error {
	obj := k.newObject()
	if err := c.Get(ctx, key, obj); err != nil {
		return describeError(err, k, key)
	}
	if isSuspended(obj) {
		return suspendedError(k, key)
	}
	p.step("annotating %s %s in %s namespace", k.Kind, key.Name, key.Namespace)
	token, err := requestReconcile(ctx, c, obj, nil)
	if err != nil {
		return describeError(err, k, key)
	}
	p.ok("%s annotated", k.Kind)
	return waitAndReport(ctx, c, p, k, key, token)
}

// requestReconcile sets reconcile.fluxcd.io/requestedAt on obj, with the spec fields of specPatch in the same
// patch, and returns the token the controller will record in status.lastHandledReconcileAt.
func requestReconcile(ctx context.Context, c client.Client, obj *unstructured.Unstructured, specPatch map[string]any) (string, error) {
	token := metav1.Now().Format(time.RFC3339Nano)
	patch := map[string]any{"metadata": map[string]any{"annotations": map[string]any{meta.ReconcileRequestAnnotation: token}}}
	if specPatch != nil {
		patch["spec"] = specPatch
	}
	b, err := json.Marshal(patch)
	if err != nil {
		return "", err
	}
	return token, c.Patch(ctx, obj, client.RawPatch(types.MergePatchType, b))
}

// waitAndReport waits until the controller handled the request token and decided Ready for the object's
// current generation, then prints the revision, or returns the failure message as an error.
func waitAndReport(ctx context.Context, c client.Client, p *statusLog, k *kindInfo, key types.NamespacedName, token string) error {
	if k.NoStatus {
		p.ok("%s has no status to wait for; the request is recorded", k.Kind)
		return nil
	}
	obj := k.newObject()
	err := p.wait(ctx, fmt.Sprintf("waiting for %s reconciliation", k.Kind), func(ctx context.Context) (bool, error) {
		if err := c.Get(ctx, key, obj); err != nil {
			return false, describeError(err, k, key)
		}
		return handled(obj, token), nil
	})
	if err != nil {
		return waitError(err, k, key, obj)
	}
	return report(p, k, obj)
}

// handled reports whether the controller handled the request token, or a later request that replaced it
// before the controller saw it (tide dev and other tools request reconciles too), and decided Ready (True or
// False) for the object's current generation.
func handled(obj *unstructured.Unstructured, token string) bool {
	last, _, _ := unstructured.NestedString(obj.Object, "status", "lastHandledReconcileAt")
	observed, _, _ := unstructured.NestedInt64(obj.Object, "status", "observedGeneration")
	status, _, _, found := readyCondition(obj)
	return handledSince(last, token) && observed == obj.GetGeneration() && found &&
		(status == string(metav1.ConditionTrue) || status == string(metav1.ConditionFalse))
}

// waitError explains a wait that ended without an answer from the controller.
func waitError(err error, k *kindInfo, key types.NamespacedName, obj *unstructured.Unstructured) error {
	if !errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	last := "no status yet"
	if status, reason, msg, found := readyCondition(obj); found {
		last = fmt.Sprintf("Ready=%s %s: %s", status, reason, msg)
	}
	return fmt.Errorf("%s %s/%s was not reconciled within %s (last status: %s); is its controller running? "+
		"See `tide events --for %s/%s -n %s`, or wait longer with --timeout",
		k.Kind, key.Namespace, key.Name, global.timeout, last, k.Kind, key.Name, key.Namespace)
}

// report prints the revision of a Ready object, or returns the Ready message of a failed one.
func report(p *statusLog, k *kindInfo, obj *unstructured.Unstructured) error {
	status, reason, msg, _ := readyCondition(obj)
	if status != string(metav1.ConditionTrue) {
		return fmt.Errorf("%s %s/%s reconciliation failed (%s): %s", k.Kind, obj.GetNamespace(), obj.GetName(), reason, msg)
	}
	if k.value != nil {
		if v := k.value(obj, true); v != "" {
			p.ok("%s %s", k.Done, v)
			return nil
		}
	}
	p.ok("%s reconciliation completed", k.Kind)
	return nil
}

// statusLog prints a command's steps the way flux does (► ✔ ◎); while waiting it shows a spinner when the
// output is a terminal and one line otherwise.
type statusLog struct {
	w   io.Writer
	tty bool
}

func newStatusLog(w io.Writer) *statusLog {
	f, ok := w.(*os.File)
	return &statusLog{w: w, tty: ok && term.IsTerminal(int(f.Fd()))}
}

func (p *statusLog) step(format string, args ...any) { fmt.Fprintf(p.w, "► "+format+"\n", args...) }

func (p *statusLog) ok(format string, args ...any) { fmt.Fprintf(p.w, "✔ "+format+"\n", args...) }

// wait calls poll until it is done, fails or ctx ends.
func (p *statusLog) wait(ctx context.Context, msg string, poll func(context.Context) (bool, error)) error {
	if p.tty {
		stop := p.spin(msg)
		defer stop()
	} else {
		fmt.Fprintf(p.w, "◎ %s\n", msg)
	}
	for {
		done, err := poll(ctx)
		if err != nil || done {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(pollInterval):
		}
	}
}

// spin animates msg on the terminal line until the returned function is called, which clears the line.
func (p *statusLog) spin(msg string) func() {
	frames := []rune("⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏")
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			fmt.Fprintf(p.w, "\r%c %s", frames[i%len(frames)], msg)
			select {
			case <-done:
				fmt.Fprint(p.w, "\r\033[K")
				return
			case <-time.After(100 * time.Millisecond):
			}
		}
	}()
	return func() {
		close(done)
		wg.Wait()
	}
}
