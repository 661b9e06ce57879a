/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

// Command tide is the command-line interface of tide, a GitOps toolkit for Kubernetes.
package main

import (
	"os"

	"github.com/spf13/cobra"
)

func main() {
	if err := newRootCommand().Execute(); err != nil {
		os.Exit(reportError(os.Stderr, err))
	}
}

func newRootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:   "tide",
		Short: "tide keeps Kubernetes clusters in sync with Git, Helm and OCI sources",
		Long: `tide is a GitOps toolkit for Kubernetes. It serves the Flux APIs, so existing Flux YAML
applies unchanged, and keeps clusters reconciled to what Git, Helm repositories, OCI registries
and S3 buckets declare.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	global.bindFlags(root.PersistentFlags())
	root.AddCommand(newDevCommand())
	root.AddCommand(newInstallCommand())
	root.AddCommand(newUninstallCommand())
	root.AddCommand(newCheckCommand())
	root.AddCommand(newBootstrapCommand())
	root.AddCommand(newGetCommand())
	root.AddCommand(newReconcileCommand())
	root.AddCommand(newSuspendCommand())
	root.AddCommand(newResumeCommand())
	root.AddCommand(newEventsCommand())
	root.AddCommand(newTreeCommand())
	root.AddCommand(newExportCommand())
	root.AddCommand(newCreateCommand())
	root.AddCommand(newCompletionCommand())
	root.AddCommand(newBuildCommand())
	root.AddCommand(newDiffCommand())
	root.AddCommand(newLogsCommand())
	return fitHelp(root) // flag descriptions wrap at 100 columns in every command's help
}
