/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package main

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/spf13/cobra"
)

// TestCompletion completes object names from the cluster for every command that takes one, and prints the
// script of each shell.
func TestCompletion(t *testing.T) {
	a := newGitopsApp(t)
	for _, args := range [][]string{
		{"get", "ks"}, {"reconcile", "kustomization"}, {"suspend", "ks"}, {"resume", "ks"}, {"tree", "ks"}, {"export", "ks"},
	} {
		got := complete(t, append(append([]string{"-n", a.ns}, args...), "")...)
		if !slices.Equal(got, []string{"app", "child"}) {
			t.Errorf("tide %s <TAB> offers %q, want the namespace's Kustomizations", strings.Join(args, " "), got)
		}
	}
	if got := complete(t, "-n", a.ns, "reconcile", "source", "git", "a"); !slices.Equal(got, []string{"app"}) {
		t.Errorf("tide reconcile source git a<TAB> offers %q", got)
	}
	if got := complete(t, "-n", a.ns, "events", "--for", "Kustomization/c"); !slices.Equal(got, []string{"Kustomization/child"}) {
		t.Errorf("tide events --for Kustomization/c<TAB> offers %q", got)
	}
	if got := complete(t, "get", "ks", "-o", ""); !slices.Contains(got, "json") || !slices.Contains(got, "yaml") {
		t.Errorf("tide get ks -o <TAB> offers %q", got)
	}

	for _, shell := range []string{"bash", "zsh", "fish", "powershell"} {
		out := mustTide(t, "completion", shell)
		if !strings.Contains(out, "__complete") {
			t.Errorf("the %s script does not call tide __complete:\n%.300s", shell, out)
		}
	}
	assertContains(t, "error", failTide(t, "completion", "tcsh"), `invalid argument "tcsh"`)
}

// complete runs cobra's hidden completion command, as the shell scripts do, and returns the offered values.
func complete(t *testing.T, args ...string) []string {
	t.Helper()
	env := sharedCluster(t)
	var out, errOut bytes.Buffer
	cmd := newRootCommand()
	cmd.SetOut(&out)
	cmd.SetErr(&errOut)
	cmd.SetArgs(append([]string{cobra.ShellCompRequestCmd, "--kubeconfig", env.KubeconfigPath}, args...))
	if err := cmd.Execute(); err != nil {
		t.Fatalf("completing %q: %v\n%s", args, err, errOut.String())
	}
	var values []string
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		if !strings.HasPrefix(line, ":") { // the last line is the directive
			values = append(values, strings.SplitN(line, "\t", 2)[0])
		}
	}
	return values
}

// TestHelp checks that every command reads like kubectl's: a short description, examples for the commands
// that do something, and help that fits 100 columns.
func TestHelp(t *testing.T) {
	var walk func(cmd *cobra.Command)
	walk = func(cmd *cobra.Command) {
		if cmd.Hidden || cmd.Name() == "help" {
			return
		}
		if cmd.Short == "" {
			t.Errorf("%s has no short description", cmd.CommandPath())
		}
		if cmd.Runnable() && cmd.Example == "" && cmd.HasParent() && cmd.Name() != "__complete" {
			t.Errorf("%s has no example", cmd.CommandPath())
		}
		var out bytes.Buffer
		cmd.SetOut(&out)
		if err := cmd.Help(); err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(out.String(), "\n") {
			if utf8.RuneCountInString(line) > screenWidth {
				t.Errorf("%s --help has a line of %d columns:\n%s", cmd.CommandPath(), utf8.RuneCountInString(line), line)
			}
		}
		for _, sub := range cmd.Commands() {
			walk(sub)
		}
	}
	root := newRootCommand()
	for _, name := range []string{"dev", "install", "uninstall", "check", "bootstrap", "get", "reconcile", "suspend",
		"resume", "events", "logs", "tree", "diff", "build", "export", "create", "completion"} {
		if cmd, _, err := root.Find([]string{name}); err != nil || cmd.Name() != name {
			t.Fatalf("tide %s is not registered: %v", name, err)
		}
	}
	walk(root)
}
