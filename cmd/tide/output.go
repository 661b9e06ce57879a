/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/fluxcd/pkg/apis/meta"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"
)

// screenWidth is the width human output is fitted to.
const screenWidth = 100

// Output formats of `-o`.
const (
	outputTable = ""
	outputWide  = "wide"
	outputJSON  = "json"
	outputYAML  = "yaml"
	outputName  = "name"
)

// outputFlag is the -o/--output flag of the commands that print objects.
type outputFlag struct{ format string }

func (o *outputFlag) bind(fs *pflag.FlagSet) {
	fs.StringVarP(&o.format, "output", "o", "",
		"Output format: one of json, yaml, name or wide (a table without shortening); a table when empty.")
}

func (o *outputFlag) validate() error {
	switch o.format {
	case outputTable, outputWide, outputJSON, outputYAML, outputName:
		return nil
	}
	return fmt.Errorf("unknown output format %q: use json, yaml, name or wide", o.format)
}

// registerCompletion offers the formats on the shell.
func (o *outputFlag) registerCompletion(cmd *cobra.Command) {
	_ = cmd.RegisterFlagCompletionFunc("output", cobra.FixedCompletions(
		[]string{outputJSON, outputYAML, outputName, outputWide}, cobra.ShellCompDirectiveNoFileComp))
}

// structured reports whether the format is for programs (json, yaml, name) rather than a table.
func (o *outputFlag) structured() bool {
	return o.format == outputJSON || o.format == outputYAML || o.format == outputName
}

// printStructured writes obj (an object or a list) as JSON (indented like kubectl's), YAML, or, for name, one
// kind/name line per object.
func printStructured(w io.Writer, format string, obj map[string]any) error {
	switch format {
	case outputJSON:
		b, err := json.MarshalIndent(obj, "", "    ")
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(w, "%s\n", b)
		return err
	case outputYAML:
		b, err := yaml.Marshal(obj)
		if err != nil {
			return err
		}
		_, err = w.Write(b)
		return err
	case outputName:
		return printNames(w, obj)
	}
	return fmt.Errorf("unknown output format %q", format)
}

// printNames prints kind/name (lowercase kind, as kubectl -o name does) of an object or of a list's items.
func printNames(w io.Writer, obj map[string]any) error {
	items, isList := obj["items"].([]any)
	if !isList {
		items = []any{obj}
	}
	for _, item := range items {
		m, _ := item.(map[string]any)
		u := unstructured.Unstructured{Object: m}
		if _, err := fmt.Fprintf(w, "%s/%s\n", strings.ToLower(u.GetKind()), u.GetName()); err != nil {
			return err
		}
	}
	return nil
}

// table is a kubectl-like table: upper-case headers, columns separated by three spaces.
type table struct {
	headers []string
	rows    [][]string
	// flexible are the columns that may be shortened to fit the screen, the first one first (e.g. MESSAGE,
	// then REVISION).
	flexible []int
	// messageBelow prints a last cell that does not fit the screen's width (or has several lines) below its
	// row, in full, on lines of its own, instead of shortening it (event messages).
	messageBelow bool
}

// columnGap is the space between columns, as kubectl prints it.
const columnGap = 3

// minFlexibleWidth is how narrow a shortened column may get.
const minFlexibleWidth = 20

// messageIndent starts the lines of a message printed below its row.
const messageIndent = "  "

func (t *table) addRow(cells ...string) {
	for i, c := range cells {
		if t.messageBelow && i == len(cells)-1 {
			cells[i] = strings.TrimSpace(c) // its lines are kept
			continue
		}
		cells[i] = collapseSpace(c) // one line per row, whatever a message holds
	}
	t.rows = append(t.rows, cells)
}

// collapseSpace turns every run of white space, line breaks included, into one space.
func collapseSpace(s string) string { return strings.Join(strings.Fields(s), " ") }

// write prints the table; with fit, the flexible columns are shortened (ending in …) so that lines fit
// screenWidth.
func (t *table) write(w io.Writer, fit bool) error {
	widths := t.widths()
	if fit {
		t.fit(widths)
	}
	var b bytes.Buffer
	for _, row := range append([][]string{t.headers}, t.rows...) {
		b.WriteString(t.formatRow(row, widths))
	}
	_, err := w.Write(b.Bytes())
	return err
}

// formatRow renders one row of the table with the given column widths: flexible cells are cut to their
// width, the others only padded; with messageBelow, a last cell that does not fit goes below the row.
func (t *table) formatRow(row []string, widths []int) string {
	var b strings.Builder
	last := len(row) - 1
	for i, cell := range row[:last] {
		if slices.Contains(t.flexible, i) {
			cell = truncate(cell, widths[i])
		}
		b.WriteString(cell + strings.Repeat(" ", max(widths[i]-utf8.RuneCountInString(cell), 0)+columnGap))
	}
	cell := row[last]
	room := screenWidth - utf8.RuneCountInString(b.String())
	if t.messageBelow && (strings.Contains(cell, "\n") || utf8.RuneCountInString(cell) > room) {
		out := strings.TrimRight(b.String(), " ") + "\n"
		for _, line := range strings.Split(cell, "\n") {
			for _, l := range wrapText(line, screenWidth-len(messageIndent)) {
				out += messageIndent + l + "\n"
			}
		}
		return out
	}
	if slices.Contains(t.flexible, last) && !t.messageBelow {
		cell = truncate(cell, widths[last])
	}
	return strings.TrimRight(b.String()+cell, " ") + "\n"
}

// wrapText splits s into lines of at most width runes, between words where it can.
func wrapText(s string, width int) []string {
	width = max(width, 1)
	var lines []string
	line := ""
	for _, word := range strings.Fields(s) {
		for utf8.RuneCountInString(word) > width { // a word longer than a line is split
			if line != "" {
				lines, line = append(lines, line), ""
			}
			r := []rune(word)
			lines, word = append(lines, string(r[:width])), string(r[width:])
		}
		switch {
		case line == "":
			line = word
		case utf8.RuneCountInString(line)+1+utf8.RuneCountInString(word) <= width:
			line += " " + word
		default:
			lines, line = append(lines, line), word
		}
	}
	return append(lines, line)
}

func (t *table) widths() []int {
	widths := make([]int, len(t.headers))
	for _, row := range append([][]string{t.headers}, t.rows...) {
		for i, cell := range row {
			if t.messageBelow && i == len(row)-1 && strings.Contains(cell, "\n") {
				continue // printed below its row
			}
			widths[i] = max(widths[i], utf8.RuneCountInString(cell))
		}
	}
	return widths
}

// fit narrows the flexible columns, in order, until the table fits screenWidth: first down to
// minFlexibleWidth each, then, if that is not enough, down to the width of their header.
func (t *table) fit(widths []int) {
	total := (len(widths) - 1) * columnGap
	for _, wd := range widths {
		total += wd
	}
	for _, floor := range []func(int) int{
		func(i int) int { return max(minFlexibleWidth, utf8.RuneCountInString(t.headers[i])) },
		func(i int) int { return utf8.RuneCountInString(t.headers[i]) + 1 },
	} {
		for _, i := range t.flexible {
			if cut := min(total-screenWidth, widths[i]-floor(i)); cut > 0 {
				widths[i] -= cut
				total -= cut
			}
		}
	}
}

// truncate shortens s to width runes, ending in … when it was cut.
func truncate(s string, width int) string {
	if utf8.RuneCountInString(s) <= width {
		return s
	}
	if width < 1 {
		return ""
	}
	r := []rune(s)
	return string(r[:width-1]) + "…"
}

// readyCondition returns an object's Ready condition from its status, if it has one.
func readyCondition(obj *unstructured.Unstructured) (status, reason, message string, found bool) {
	conds, _, _ := unstructured.NestedSlice(obj.Object, "status", "conditions")
	for _, c := range conds {
		m, _ := c.(map[string]any)
		if m["type"] != meta.ReadyCondition {
			continue
		}
		status, _ = m["status"].(string)
		reason, _ = m["reason"].(string)
		message, _ = m["message"].(string)
		return status, reason, message, true
	}
	return "", "", "", false
}

// isSuspended reports spec.suspend.
func isSuspended(obj *unstructured.Unstructured) bool {
	s, _, _ := unstructured.NestedBool(obj.Object, "spec", "suspend")
	return s
}

// statusColumns returns the SUSPENDED, READY and MESSAGE cells of an object, as `tide get` prints them.
func statusColumns(k *kindInfo, obj *unstructured.Unstructured) (suspended, ready, message string) {
	suspended = "False"
	if isSuspended(obj) {
		suspended = "True"
	}
	if k.NoStatus {
		return suspended, "-", "-"
	}
	status, _, msg, found := readyCondition(obj)
	if !found {
		return suspended, "Unknown", "waiting to be reconciled"
	}
	return suspended, status, msg
}

// fitHelp makes the flag descriptions of cmd's help, and of its subcommands', wrap at screenWidth, as kubectl's
// do.
func fitHelp(cmd *cobra.Command) *cobra.Command {
	wrapped := fmt.Sprintf("(.%%s.FlagUsagesWrapped %d)", screenWidth)
	cmd.SetUsageTemplate(strings.NewReplacer(
		".LocalFlags.FlagUsages", fmt.Sprintf(wrapped, "LocalFlags"),
		".InheritedFlags.FlagUsages", fmt.Sprintf(wrapped, "InheritedFlags"),
	).Replace(cmd.UsageTemplate()))
	return cmd
}
