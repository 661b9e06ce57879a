/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package main

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/fluxcd/pkg/apis/meta"
	"github.com/spf13/cobra"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/validation"
	"sigs.k8s.io/controller-runtime/pkg/client"

	kustomizev1 "github.com/tide-gitops/tide/api/kustomize/v1"
	sourcev1 "github.com/tide-gitops/tide/api/source/v1"
)

// fieldManager owns the fields tide's CLI applies.
const fieldManager = "tide"

func newCreateCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "create",
		Short: "Create or update sources and Kustomizations",
		Long: `Create or update tide objects from flags: the object is applied with server-side apply (field
manager "tide"), then the command waits until it is reconciled and prints its revision. With
--export the YAML is printed instead, to commit to Git.`,
		Example: `  # Fetch the main branch of a repository every minute
  tide create source git podinfo --url=https://github.com/stefanprodan/podinfo --branch=master

  # Apply its ./kustomize directory, pruning what leaves Git
  tide create kustomization podinfo --source=GitRepository/podinfo --path=./kustomize --prune

  # Print the YAML instead of applying it
  tide create kustomization podinfo --source=podinfo --path=./kustomize --export > podinfo.yaml`,
		Args: cobra.NoArgs,
	}
	source := &cobra.Command{Use: "source", Short: "Create or update sources", Args: cobra.NoArgs}
	source.AddCommand(newCreateSourceGitCommand())
	cmd.AddCommand(source, newCreateKustomizationCommand())
	return cmd
}

// createOptions are the flags every create subcommand has.
type createOptions struct {
	export   bool
	interval time.Duration
}

func (o *createOptions) bind(cmd *cobra.Command, what string) {
	cmd.Flags().BoolVar(&o.export, "export", false, "Print the YAML instead of applying it.")
	cmd.Flags().DurationVar(&o.interval, "interval", time.Minute, "How often the controller reconciles the "+what+".")
}

// gitSourceOptions are the flags of `tide create source git`.
type gitSourceOptions struct {
	createOptions
	url, branch, tag, semver, commit, secretRef string
}

func newCreateSourceGitCommand() *cobra.Command {
	o := &gitSourceOptions{}
	cmd := &cobra.Command{
		Use:   "git NAME",
		Short: "Create or update a GitRepository source",
		Example: `  # A public repository over HTTPS, branch main
  tide create source git podinfo --url=https://github.com/stefanprodan/podinfo

  # The newest tag matching a semver range, with credentials from the Secret "git-auth"
  tide create source git apps --url=ssh://git@example.com/org/apps \
    --semver=">=1.0.0" --secret-ref=git-auth`,
		Args: exactlyOneNewName("GitRepository"),
		RunE: func(cmd *cobra.Command, args []string) error {
			obj, err := o.object(args[0])
			if err != nil {
				return err
			}
			k, _ := kindByName(sourcev1.GitRepositoryKind)
			return createObject(cmd, &o.createOptions, k, obj)
		},
	}
	o.bind(cmd, "source")
	cmd.Flags().StringVar(&o.url, "url", "", "The repository URL (http, https or ssh).")
	cmd.Flags().StringVar(&o.branch, "branch", "", "The branch to fetch (main when no --tag, --semver or --commit is given).")
	cmd.Flags().StringVar(&o.tag, "tag", "", "The tag to fetch.")
	cmd.Flags().StringVar(&o.semver, "semver", "", "Fetch the newest tag in this semver range.")
	cmd.Flags().StringVar(&o.commit, "commit", "", "The commit SHA to fetch (on --branch, when given).")
	cmd.Flags().StringVar(&o.secretRef, "secret-ref", "", "The Secret with the credentials (username/password, or identity and known_hosts for ssh).")
	_ = cmd.MarkFlagRequired("url")
	cmd.MarkFlagsMutuallyExclusive("tag", "semver")
	cmd.MarkFlagsMutuallyExclusive("branch", "tag")
	cmd.MarkFlagsMutuallyExclusive("branch", "semver")
	return cmd
}

func (o *gitSourceOptions) object(name string) (runtime.Object, error) {
	u, err := url.Parse(o.url)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https" && u.Scheme != "ssh") {
		return nil, fmt.Errorf("--url %q is not an http, https or ssh URL (e.g. https://github.com/org/repo)", o.url)
	}
	ref := &sourcev1.GitRepositoryRef{Branch: o.branch, Tag: o.tag, SemVer: o.semver, Commit: o.commit}
	if *ref == (sourcev1.GitRepositoryRef{}) {
		ref.Branch = "main"
	}
	repo := &sourcev1.GitRepository{
		TypeMeta:   metav1.TypeMeta{APIVersion: sourcev1.GroupVersion.String(), Kind: sourcev1.GitRepositoryKind},
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: global.namespace},
		Spec: sourcev1.GitRepositorySpec{
			URL:       o.url,
			Interval:  metav1.Duration{Duration: o.interval},
			Reference: ref,
		},
	}
	if o.secretRef != "" {
		repo.Spec.SecretRef = &meta.LocalObjectReference{Name: o.secretRef}
	}
	return repo, nil
}

// kustomizationOptions are the flags of `tide create kustomization`.
type kustomizationOptions struct {
	createOptions
	source, path, targetNamespace string
	prune, wait                   bool
	dependsOn                     []string
}

func newCreateKustomizationCommand() *cobra.Command {
	o := &kustomizationOptions{}
	cmd := &cobra.Command{
		Use:     "kustomization NAME",
		Aliases: []string{"ks"},
		Short:   "Create or update a Kustomization",
		Example: `  # Apply ./deploy of the GitRepository "apps", pruning what leaves Git
  tide create kustomization apps --source=GitRepository/apps --path=./deploy --prune

  # Into the namespace "web", after the Kustomization "infra", waiting for the applied objects
  tide create ks web --source=apps --path=./web --target-namespace=web --depends-on=infra --wait`,
		Args: exactlyOneNewName("Kustomization"),
		RunE: func(cmd *cobra.Command, args []string) error {
			obj, err := o.object(args[0])
			if err != nil {
				return err
			}
			k, _ := kindByName(kustomizev1.KustomizationKind)
			return createObject(cmd, &o.createOptions, k, obj)
		},
	}
	o.bind(cmd, "Kustomization")
	cmd.Flags().StringVar(&o.source, "source", "",
		"The source of the manifests, as [Kind/]name[.namespace]; Kind is GitRepository (the default), OCIRepository or Bucket.")
	cmd.Flags().StringVar(&o.path, "path", "./", "The directory of the manifests in the source.")
	cmd.Flags().BoolVar(&o.prune, "prune", false, "Delete the objects that were removed from the source.")
	cmd.Flags().StringVar(&o.targetNamespace, "target-namespace", "", "Put every namespaced object in this namespace.")
	cmd.Flags().StringSliceVar(&o.dependsOn, "depends-on", nil, "Kustomizations that must be Ready first, as name or namespace/name (repeatable).")
	cmd.Flags().BoolVar(&o.wait, "wait", false, "Make the Kustomization wait until the objects it applied are ready (spec.wait).")
	_ = cmd.MarkFlagRequired("source")
	return cmd
}

func (o *kustomizationOptions) object(name string) (runtime.Object, error) {
	ref, err := parseSourceFlag(o.source)
	if err != nil {
		return nil, err
	}
	if path.IsAbs(o.path) || strings.HasPrefix(path.Clean(o.path), "..") {
		return nil, fmt.Errorf("--path %q must be relative to the source's root, e.g. ./deploy", o.path)
	}
	ks := &kustomizev1.Kustomization{
		TypeMeta:   metav1.TypeMeta{APIVersion: kustomizev1.GroupVersion.String(), Kind: kustomizev1.KustomizationKind},
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: global.namespace},
		Spec: kustomizev1.KustomizationSpec{
			SourceRef:       ref,
			Path:            o.path,
			Prune:           o.prune,
			Interval:        metav1.Duration{Duration: o.interval},
			TargetNamespace: o.targetNamespace,
			Wait:            o.wait,
		},
	}
	for _, d := range o.dependsOn {
		dep := meta.DependencyReference{Name: d}
		if ns, n, ok := strings.Cut(d, "/"); ok {
			dep = meta.DependencyReference{Namespace: ns, Name: n}
		}
		if dep.Name == "" {
			return nil, fmt.Errorf("--depends-on %q is not of the form name or namespace/name", d)
		}
		ks.Spec.DependsOn = append(ks.Spec.DependsOn, dep)
	}
	return ks, nil
}

// parseSourceFlag reads --source: [Kind/]name[.namespace], Kind defaulting to GitRepository.
func parseSourceFlag(s string) (kustomizev1.CrossNamespaceSourceReference, error) {
	ref := kustomizev1.CrossNamespaceSourceReference{Kind: sourcev1.GitRepositoryKind}
	name := s
	if kind, rest, ok := strings.Cut(s, "/"); ok {
		k, known := kindByWord(kind)
		if !known || (k.Kind != "GitRepository" && k.Kind != "OCIRepository" && k.Kind != "Bucket") {
			return ref, fmt.Errorf("--source %q: the kind must be GitRepository, OCIRepository or Bucket", s)
		}
		ref.Kind, name = k.Kind, rest
	}
	ref.Name, ref.Namespace, _ = strings.Cut(name, ".")
	if ref.Name == "" {
		return ref, fmt.Errorf("--source %q has no name: use [Kind/]name[.namespace], e.g. GitRepository/apps", s)
	}
	return ref, nil
}

// exactlyOneNewName requires one argument that is a valid object name.
func exactlyOneNewName(kind string) cobra.PositionalArgs {
	return func(_ *cobra.Command, args []string) error {
		if len(args) != 1 {
			return fmt.Errorf("give the name of the %s to create", kind)
		}
		if errs := validation.IsDNS1123Subdomain(args[0]); len(errs) > 0 {
			return fmt.Errorf("%q is not a valid %s name: %s", args[0], kind, strings.Join(errs, "; "))
		}
		return nil
	}
}

// createObject prints the object's YAML (--export) or applies it and waits for its reconciliation.
func createObject(cmd *cobra.Command, o *createOptions, k *kindInfo, typed runtime.Object) error {
	content, err := runtime.DefaultUnstructuredConverter.ToUnstructured(typed)
	if err != nil {
		return err
	}
	obj := &unstructured.Unstructured{Object: exportable(&unstructured.Unstructured{Object: content})}
	if o.export {
		return writeExport(cmd.OutOrStdout(), []unstructured.Unstructured{*obj})
	}
	ctx, cancel := commandContext(cmd)
	defer cancel()
	c, err := global.newClient()
	if err != nil {
		return err
	}
	return applyAndWait(ctx, c, newStatusLog(cmd.OutOrStdout()), k, obj)
}

// applyAndWait server-side applies obj with a reconcile request, so that the controller reconciles it even when
// its spec did not change, and waits for the result.
func applyAndWait(ctx context.Context, c client.Client, p *statusLog, k *kindInfo, obj *unstructured.Unstructured) error {
	key := client.ObjectKeyFromObject(obj)
	token := metav1.Now().Format(time.RFC3339Nano)
	annotations := obj.GetAnnotations()
	if annotations == nil {
		annotations = map[string]string{}
	}
	annotations[meta.ReconcileRequestAnnotation] = token
	obj.SetAnnotations(annotations)
	p.step("applying %s %s in %s namespace", k.Kind, key.Name, key.Namespace)
	err := c.Apply(ctx, client.ApplyConfigurationFromUnstructured(obj), client.FieldOwner(fieldManager), client.ForceOwnership)
	if err != nil {
		return describeApplyError(err, k, key)
	}
	p.ok("%s %s applied", k.Kind, key.Name)
	return waitAndReport(ctx, c, p, k, key, token)
}

func describeApplyError(err error, k *kindInfo, key types.NamespacedName) error {
	var status interface{ Status() metav1.Status }
	switch {
	case errors.As(err, &status) && status.Status().Reason == metav1.StatusReasonInvalid:
		return fmt.Errorf("the cluster refused %s %s/%s: %s", k.Kind, key.Namespace, key.Name, status.Status().Message)
	case apierrors.IsNotFound(err):
		return fmt.Errorf("applying %s %s/%s: %w (create the namespace first, or choose another with -n)",
			k.Kind, key.Namespace, key.Name, err)
	}
	return describeError(err, k, key)
}
