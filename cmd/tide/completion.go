/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

func newCompletionCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "completion bash|zsh|fish|powershell",
		Short: "Print the shell completion script of tide",
		Long: `Print the script that makes the shell complete tide's commands, flags and the names of
objects in the cluster (for get, reconcile, suspend, resume, tree and export).`,
		Example: `  # Load completion into the current bash session
  source <(tide completion bash)

  # Load it in every bash session (Linux)
  tide completion bash > /etc/bash_completion.d/tide

  # zsh: write it to a directory of your $fpath
  tide completion zsh > "${fpath[1]}/_tide"

  # fish
  tide completion fish > ~/.config/fish/completions/tide.fish

  # PowerShell
  tide completion powershell | Out-String | Invoke-Expression`,
		ValidArgs:             []string{"bash", "zsh", "fish", "powershell"},
		Args:                  cobra.MatchAll(cobra.ExactArgs(1), cobra.OnlyValidArgs),
		DisableFlagsInUseLine: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			root, out := cmd.Root(), cmd.OutOrStdout()
			switch args[0] {
			case "bash":
				return root.GenBashCompletionV2(out, true)
			case "zsh":
				return root.GenZshCompletion(out)
			case "fish":
				return root.GenFishCompletion(out, true)
			case "powershell":
				return root.GenPowerShellCompletionWithDesc(out)
			}
			return fmt.Errorf("unknown shell %q: use bash, zsh, fish or powershell", args[0])
		},
	}
}

// completeObjectNames completes the first argument with the names of the kind's objects in the namespace
// given by -n (or every namespace with -A, where the command has it).
func completeObjectNames(k *kindInfo) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		if len(args) > 0 {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		return listObjectNames(cmd, k, toComplete)
	}
}

func listObjectNames(cmd *cobra.Command, k *kindInfo, prefix string) ([]cobra.Completion, cobra.ShellCompDirective) {
	ctx, cancel := commandContext(cmd)
	defer cancel()
	c, err := global.newClient()
	if err != nil {
		cobra.CompDebugln(err.Error(), true)
		return nil, cobra.ShellCompDirectiveError
	}
	var opts []client.ListOption
	if all, err := cmd.Flags().GetBool("all-namespaces"); err != nil || !all {
		opts = append(opts, client.InNamespace(global.namespace))
	}
	list := k.newList()
	if err := c.List(ctx, list, opts...); err != nil {
		cobra.CompDebugln(err.Error(), true)
		return nil, cobra.ShellCompDirectiveError
	}
	var names []cobra.Completion
	for _, item := range list.Items {
		if strings.HasPrefix(item.GetName(), prefix) {
			names = append(names, item.GetName())
		}
	}
	return names, cobra.ShellCompDirectiveNoFileComp
}

// completeKindSlashName completes Kind/name values (tide events --for): first the kinds, then the names of
// the chosen kind's objects.
func completeKindSlashName(cmd *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	kind, name, found := strings.Cut(toComplete, "/")
	if !found {
		var out []cobra.Completion
		for _, k := range kinds {
			if strings.HasPrefix(strings.ToLower(k.Kind), strings.ToLower(kind)) {
				out = append(out, k.Kind+"/")
			}
		}
		return out, cobra.ShellCompDirectiveNoSpace | cobra.ShellCompDirectiveNoFileComp
	}
	k, known := kindByWord(kind)
	if !known {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	names, directive := listObjectNames(cmd, k, name)
	for i := range names {
		names[i] = kind + "/" + names[i]
	}
	return names, directive
}
