/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package main

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/duration"
	"k8s.io/apimachinery/pkg/watch"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// eventsOptions are the flags of `tide events`.
type eventsOptions struct {
	forObject     string
	watch         bool
	allNamespaces bool
}

func newEventsCommand() *cobra.Command {
	o := &eventsOptions{}
	cmd := &cobra.Command{
		Use:   "events",
		Short: "Display the events of tide objects",
		Long: `Display the Kubernetes events the controllers recorded for tide objects (what was fetched,
applied, pruned, and why a reconciliation failed), oldest first.`,
		Example: `  # Events of every tide object in flux-system
  tide events

  # Events of one Kustomization, and new ones as they come
  tide events --for Kustomization/apps --watch

  # Events of every namespace
  tide events -A`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runEvents(cmd, o) },
	}
	cmd.Flags().StringVar(&o.forObject, "for", "", "Only the events of this object, as Kind/name (e.g. Kustomization/apps).")
	cmd.Flags().BoolVarP(&o.watch, "watch", "w", false, "After listing, print new events as they come until interrupted.")
	cmd.Flags().BoolVarP(&o.allNamespaces, "all-namespaces", "A", false, "Events of every namespace (adds a NAMESPACE column).")
	_ = cmd.RegisterFlagCompletionFunc("for", completeKindSlashName)
	return cmd
}

func runEvents(cmd *cobra.Command, o *eventsOptions) error {
	opts, err := o.listOptions()
	if err != nil {
		return err
	}
	c, err := global.newClient()
	if err != nil {
		return err
	}
	ctx, cancel := commandContext(cmd)
	if o.watch {
		ctx, cancel = context.WithCancel(cmd.Context())
	}
	defer cancel()
	var list corev1.EventList
	if err := c.List(ctx, &list, opts...); err != nil {
		if cerr := describeConnectionError(err); cerr != nil {
			return cerr
		}
		return fmt.Errorf("listing events: %w", err)
	}
	events := tideEvents(list.Items)
	t := o.table()
	for i := range events {
		t.addRow(o.row(&events[i])...)
	}
	out := cmd.OutOrStdout()
	if len(events) == 0 && !o.watch {
		_, err := fmt.Fprintln(cmd.ErrOrStderr(), "no events found"+o.where())
		return err
	}
	widths := t.widths()
	for _, row := range append([][]string{t.headers}, t.rows...) {
		if _, err := io.WriteString(out, t.formatRow(row, widths)); err != nil {
			return err
		}
	}
	if !o.watch {
		return nil
	}
	return o.watchEvents(ctx, c, out, t, widths, opts, list.ResourceVersion)
}

// listOptions selects the events of the namespace (or all) and, with --for, of one object.
func (o *eventsOptions) listOptions() ([]client.ListOption, error) {
	var opts []client.ListOption
	if !o.allNamespaces {
		opts = append(opts, client.InNamespace(global.namespace))
	}
	if o.forObject != "" {
		k, name, err := parseKindName(o.forObject)
		if err != nil {
			return nil, fmt.Errorf("--for: %w", err)
		}
		opts = append(opts, client.MatchingFields{"involvedObject.kind": k.Kind, "involvedObject.name": name})
	}
	return opts, nil
}

func (o *eventsOptions) where() string {
	if o.forObject != "" {
		return " for " + o.forObject
	}
	if o.allNamespaces {
		return ""
	}
	return fmt.Sprintf(" in namespace %q", global.namespace)
}

// tideEvents keeps the events about tide's kinds, sorted by when they were last seen.
func tideEvents(events []corev1.Event) []corev1.Event {
	var kept []corev1.Event
	for _, e := range events {
		if isTideEvent(&e) {
			kept = append(kept, e)
		}
	}
	sort.SliceStable(kept, func(i, j int) bool { return lastSeen(&kept[i]).Before(lastSeen(&kept[j])) })
	return kept
}

func isTideEvent(e *corev1.Event) bool {
	group, _, _ := strings.Cut(e.InvolvedObject.APIVersion, "/")
	_, known := kindByName(e.InvolvedObject.Kind)
	return known && strings.HasSuffix(group, ".toolkit.fluxcd.io")
}

// lastSeen is when the event last happened, from whichever time field its recorder filled.
func lastSeen(e *corev1.Event) time.Time {
	switch {
	case !e.LastTimestamp.IsZero():
		return e.LastTimestamp.Time
	case e.Series != nil && !e.Series.LastObservedTime.IsZero():
		return e.Series.LastObservedTime.Time
	case !e.EventTime.IsZero():
		return e.EventTime.Time
	case !e.FirstTimestamp.IsZero():
		return e.FirstTimestamp.Time
	}
	return e.CreationTimestamp.Time
}

func (o *eventsOptions) table() *table {
	t := &table{}
	if o.allNamespaces {
		t.headers = append(t.headers, "NAMESPACE")
	}
	t.headers = append(t.headers, "LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE")
	t.messageBelow = true // messages longer than what the other columns leave go below their row
	return t
}

func (o *eventsOptions) row(e *corev1.Event) []string {
	var row []string
	if o.allNamespaces {
		row = append(row, e.Namespace)
	}
	seen := duration.HumanDuration(time.Since(lastSeen(e)))
	if e.Count > 1 {
		seen += fmt.Sprintf(" (x%d)", e.Count)
	}
	object := e.InvolvedObject.Kind + "/" + e.InvolvedObject.Name
	return append(row, seen, e.Type, e.Reason, object, e.Message)
}

// watchEvents prints the events that come after resourceVersion, one row each in the table's columns, until
// ctx ends.
func (o *eventsOptions) watchEvents(ctx context.Context, c client.WithWatch, out io.Writer, t *table, widths []int,
	opts []client.ListOption, resourceVersion string) error {
	opts = append(opts, &client.ListOptions{Raw: &metav1.ListOptions{ResourceVersion: resourceVersion}})
	w, err := c.Watch(ctx, &corev1.EventList{}, opts...)
	if err != nil {
		return fmt.Errorf("watching events: %w", err)
	}
	defer w.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-w.ResultChan():
			if !ok {
				return nil
			}
			e, isEvent := ev.Object.(*corev1.Event)
			if !isEvent || (ev.Type != watch.Added && ev.Type != watch.Modified) || !isTideEvent(e) {
				continue
			}
			if _, err := io.WriteString(out, t.formatRow(o.row(e), widths)); err != nil {
				return err
			}
		}
	}
}
