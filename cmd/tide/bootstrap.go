/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path"
	"strings"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/spf13/cobra"
	"golang.org/x/term"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// passwordEnv is the environment variable bootstrap reads the Git password from when --password is not set.
const passwordEnv = "TIDE_GIT_PASSWORD"

type bootstrapGitOptions struct {
	url            string
	branch         string
	path           string
	username       string
	password       string
	privateKeyFile string
	knownHostsFile string
	caFile         string
	authorName     string
	authorEmail    string
	interval       time.Duration
	registry       string
	silent         bool
}

func newBootstrapCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "bootstrap",
		Short: "Deploy tide on a cluster the GitOps way",
		Long: `The bootstrap sub-commands push tide's manifests to a Git repository and deploy tide on the
cluster, configured to keep itself (and everything else under the path) in sync with that
repository.`,
	}
	cmd.AddCommand(newBootstrapGitCommand())
	return cmd
}

func newBootstrapGitCommand() *cobra.Command {
	o := &bootstrapGitOptions{}
	cmd := &cobra.Command{
		Use:   "git",
		Short: "Deploy tide on a cluster connected to a Git repository",
		Long: `bootstrap git commits tide's manifests to <path>/flux-system on a branch of a Git repository
(gotk-components.yaml: the controllers and CRDs; gotk-sync.yaml: a GitRepository and a
Kustomization named flux-system that apply <path>; kustomization.yaml: both, plus any patches you
add there), pushes them, installs tide on the cluster, stores the Git credentials in the Secret
flux-system and waits until tide has applied the path from Git. From then on tide manages itself:
a commit that changes the manifests (an upgrade, a patch in kustomization.yaml) is applied by
tide's own controllers.

Running it again is safe: nothing is committed when the manifests are unchanged, and patches in
kustomization.yaml are kept. An empty repository, or a missing branch, gets a first commit.`,
		Example: `  # HTTPS with a password or token from the environment
  export TIDE_GIT_PASSWORD=<token>
  tide bootstrap git --url=https://git.example.com/org/fleet.git --username=tide \
    --path=clusters/my-cluster

  # HTTPS with a private CA
  tide bootstrap git --url=https://git.internal/fleet.git --username=tide --ca-file=ca.crt \
    --path=clusters/staging

  # SSH with a deploy key, checking the server against a known_hosts file
  tide bootstrap git --url=ssh://git@git.example.com/org/fleet.git --private-key-file=./deploy-key \
    --ssh-known-hosts-file=./known_hosts --path=clusters/my-cluster`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := o.complete(cmd.InOrStdin(), cmd.OutOrStdout()); err != nil {
				return err
			}
			return runBootstrapGit(cmd.Context(), cmd.OutOrStdout(), o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.url, "url", "", "URL of the Git repository: https://host/org/repo.git or ssh://git@host/org/repo.git.")
	f.StringVar(&o.branch, "branch", "main", "Git branch to commit to and sync from; created when it does not exist.")
	f.StringVar(&o.path, "path", "", "Directory of the repository the cluster syncs from, e.g. clusters/my-cluster (default: the root).")
	f.StringVarP(&o.username, "username", "u", "git", "Username for HTTPS basic authentication.")
	f.StringVarP(&o.password, "password", "p", "", "Password or token for HTTPS, or the passphrase of --private-key-file (default: $"+passwordEnv+").")
	f.StringVar(&o.privateKeyFile, "private-key-file", "", "Private key with push access, for ssh:// URLs.")
	f.StringVar(&o.knownHostsFile, "ssh-known-hosts-file", "", "known_hosts file to check the SSH server with (default: trust the key the server presents now).")
	f.StringVar(&o.caFile, "ca-file", "", "PEM file of the CA that signed the HTTPS server's certificate.")
	f.StringVar(&o.authorName, "author-name", "tide", "Author name of the commits.")
	f.StringVar(&o.authorEmail, "author-email", "", "Author email of the commits.")
	f.DurationVar(&o.interval, "interval", time.Minute, "How often the GitRepository checks the branch for new commits.")
	f.StringVar(&o.registry, "registry", defaultRegistry, "Container registry the controller images are pulled from.")
	f.BoolVarP(&o.silent, "silent", "s", false, "Never prompt: a missing password is not asked for.")
	_ = cmd.MarkFlagRequired("url")
	return cmd
}

// complete validates the options and fills in the password from the environment, or, on a terminal and
// unless --silent, from a prompt that does not echo.
func (o *bootstrapGitOptions) complete(in io.Reader, out io.Writer) error {
	clean, err := cleanRepoPath(o.path)
	if err != nil {
		return err
	}
	o.path = clean
	if o.branch == "" || !plumbing.NewBranchReferenceName(o.branch).IsBranch() || strings.ContainsAny(o.branch, " ~^:?*[\\") {
		return fmt.Errorf("--branch %q is not a valid branch name", o.branch)
	}
	if o.interval < time.Second {
		return fmt.Errorf("--interval %s is too short: use at least 1s", o.interval)
	}
	if o.password == "" {
		o.password = os.Getenv(passwordEnv)
	}
	if o.password == "" && !o.silent && strings.HasPrefix(o.url, "https://") {
		if f, ok := in.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
			fmt.Fprintf(out, "Password for %s (empty for none): ", o.url)
			b, err := term.ReadPassword(int(f.Fd()))
			fmt.Fprintln(out)
			if err != nil {
				return fmt.Errorf("reading the password: %w", err)
			}
			o.password = string(b)
		}
	}
	return nil
}

// cleanRepoPath turns --path into a clean relative path inside the repository ("" for the root).
func cleanRepoPath(p string) (string, error) {
	clean := path.Clean(strings.TrimPrefix(strings.ReplaceAll(p, "\\", "/"), "./"))
	if strings.HasPrefix(p, "/") || clean == ".." || strings.HasPrefix(clean, "../") {
		return "", fmt.Errorf("--path %q must be a relative path inside the repository", p)
	}
	if clean == "." {
		return "", nil
	}
	return clean, nil
}

func runBootstrapGit(ctx context.Context, out io.Writer, o *bootstrapGitOptions) error {
	// Reach the cluster before pushing anything to Git.
	c, err := global.newClient()
	if err != nil {
		return err
	}
	if err := c.List(ctx, &apiextensionsv1.CustomResourceDefinitionList{}, client.Limit(1)); err != nil {
		return fmt.Errorf("connecting to the cluster: %w", err)
	}
	remote, err := newGitRemote(ctx, out, o)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "► cloning branch %q from Git repository %q\n", o.branch, o.url)
	co, err := remote.cloneBranch(ctx, o.branch)
	if err != nil {
		return err
	}
	defer os.RemoveAll(co.dir)
	if co.fresh {
		fmt.Fprintf(out, "✔ branch %q does not exist yet: the first commit creates it\n", o.branch)
	} else {
		fmt.Fprintln(out, "✔ cloned repository")
	}
	head, err := commitManifests(ctx, out, o, remote, co)
	if err != nil {
		return err
	}
	b := &bootstrapper{c: c, out: out, o: o, namespace: global.namespace}
	if err := b.installComponents(ctx, co); err != nil {
		return err
	}
	if err := b.applySync(ctx, remote.secretData); err != nil {
		return err
	}
	revision := o.branch + "@sha1:" + head.String()
	if err := b.waitForSync(ctx, revision); err != nil {
		return err
	}
	fmt.Fprintf(out, "✔ bootstrap finished: tide manages itself from %q on branch %q\n", "./"+o.path, o.branch)
	return nil
}

// commitManifests writes the manifests into the checkout, commits and pushes them when they changed, and
// returns the commit the branch points at.
func commitManifests(ctx context.Context, out io.Writer, o *bootstrapGitOptions, remote *gitRemote, co *checkout) (plumbing.Hash, error) {
	fmt.Fprintln(out, "► generating component manifests")
	files, version, err := bootstrapFiles(o, global.namespace, co, len(remote.secretData) > 0)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	fmt.Fprintln(out, "✔ generated component manifests")
	changed, err := co.writeFiles(files)
	if err != nil {
		return plumbing.ZeroHash, fmt.Errorf("writing the manifests into the clone: %w", err)
	}
	if len(changed) == 0 {
		fmt.Fprintln(out, "✔ component manifests are up to date")
		return co.head()
	}
	author := &object.Signature{Name: o.authorName, Email: o.authorEmail, When: time.Now()}
	hash, err := co.commit(changed, fmt.Sprintf("Add tide %s manifests to %s", version, displayRepoPath(o.path)), author)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	fmt.Fprintf(out, "✔ committed component manifests to %q (%q)\n", o.branch, hash.String())
	fmt.Fprintf(out, "► pushing component manifests to %q\n", o.url)
	if err := remote.push(ctx, co); err != nil {
		return plumbing.ZeroHash, err
	}
	fmt.Fprintln(out, "✔ pushed component manifests")
	return hash, nil
}

func displayRepoPath(p string) string {
	if p == "" {
		return "the repository root"
	}
	return p
}
