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
	"slices"
	"sort"
	"strings"

	"github.com/spf13/cobra"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"

	helmv2 "github.com/tide-gitops/tide/api/helm/v2"
	imagev1 "github.com/tide-gitops/tide/api/image/v1"
	kustomizev1 "github.com/tide-gitops/tide/api/kustomize/v1"
	notificationv1 "github.com/tide-gitops/tide/api/notification/v1"
	notificationv1beta3 "github.com/tide-gitops/tide/api/notification/v1beta3"
	sourcev1 "github.com/tide-gitops/tide/api/source/v1"
)

// kindInfo is what the CLI knows about one tide kind: the words that name it on the command line, the API
// version it reads and writes, and how its objects are shown.
type kindInfo struct {
	// Kind is the API kind, e.g. GitRepository.
	Kind string
	// GroupVersion is the API version the CLI reads and writes: the kind's storage version.
	GroupVersion schema.GroupVersion
	// Parent is the word that groups related kinds on the command line ("source", "image"), or "".
	Parent string
	// Name is the word naming the kind after its parent: `tide reconcile source git`, `tide suspend ks`.
	Name string
	// Plural is the word `tide get` uses (`tide get kustomizations`); it is also accepted by the other verbs.
	Plural string
	// Aliases are other accepted words (short names).
	Aliases []string
	// Column is the kind's own column in tables, between NAME and SUSPENDED ("REVISION" for most kinds).
	Column string
	// value returns the kind's own column for an object, shortened for a table unless full is set.
	value func(obj *unstructured.Unstructured, full bool) string
	// NoStatus marks kinds whose API has no status (the v1beta3 notification kinds): nothing to wait for.
	NoStatus bool
	// Done is what a successful reconciliation printed with the object's revision reads like.
	Done string
	// source returns the object's source (kind, namespace, name), when it has one.
	source func(obj *unstructured.Unstructured) (string, types.NamespacedName, bool)
}

// The API versions the CLI reads and writes: each kind's storage version.
var (
	sourceGV       = sourcev1.GroupVersion
	kustomizeGV    = kustomizev1.GroupVersion
	helmGV         = helmv2.GroupVersion
	imageGV        = imagev1.GroupVersion
	notificationGV = notificationv1.GroupVersion
	// Alert and Provider are served as v1beta3 (Flux has no v1 of them).
	notificationBetaGV = notificationv1beta3.GroupVersion
)

// kinds lists every kind the CLI knows, in the order `tide get all` prints them: sources first, then what
// consumes them.
var kinds = []*kindInfo{
	{Kind: "GitRepository", GroupVersion: sourceGV, Parent: "source", Name: "git", Plural: "git",
		Aliases: []string{"gitrepository", "gitrepositories", "gitrepo"},
		Column:  "REVISION", value: artifactRevision, Done: "fetched revision"},
	{Kind: "OCIRepository", GroupVersion: sourceGV, Parent: "source", Name: "oci", Plural: "oci",
		Aliases: []string{"ocirepository", "ocirepositories", "ocirepo"},
		Column:  "REVISION", value: artifactRevision, Done: "fetched revision"},
	{Kind: "Bucket", GroupVersion: sourceGV, Parent: "source", Name: "bucket", Plural: "bucket",
		Aliases: []string{"buckets"},
		Column:  "REVISION", value: artifactRevision, Done: "fetched revision"},
	{Kind: "HelmRepository", GroupVersion: sourceGV, Parent: "source", Name: "helm", Plural: "helm",
		Aliases: []string{"helmrepository", "helmrepositories", "helmrepo"},
		Column:  "REVISION", value: artifactRevision, Done: "fetched revision"},
	{Kind: "HelmChart", GroupVersion: sourceGV, Parent: "source", Name: "chart", Plural: "chart",
		Aliases: []string{"helmchart", "helmcharts", "hc"},
		Column:  "REVISION", value: artifactRevision, Done: "fetched revision",
		source: localSourceRef},
	{Kind: "Kustomization", GroupVersion: kustomizeGV, Name: "kustomization", Plural: "kustomizations",
		Aliases: []string{"ks"},
		Column:  "REVISION", value: fieldValue("status", "lastAppliedRevision"), Done: "applied revision",
		source: crossNamespaceSourceRef("spec", "sourceRef")},
	{Kind: "HelmRelease", GroupVersion: helmGV, Name: "helmrelease", Plural: "helmreleases",
		Aliases: []string{"hr"},
		Column:  "REVISION", value: fieldValue("status", "lastAttemptedRevision"), Done: "applied revision",
		source: helmReleaseSource},
	{Kind: "ImageRepository", GroupVersion: imageGV, Parent: "image", Name: "repository", Plural: "repository",
		Aliases: []string{"imagerepository", "imagerepositories", "imagerepo"},
		Column:  "LAST SCAN", value: fieldValue("status", "lastScanResult", "scanTime"), Done: "scanned at"},
	{Kind: "ImagePolicy", GroupVersion: imageGV, Parent: "image", Name: "policy", Plural: "policy",
		Aliases: []string{"imagepolicy", "imagepolicies", "imagepol"},
		Column:  "LATEST IMAGE", value: latestImage, Done: "selected image"},
	{Kind: "ImageUpdateAutomation", GroupVersion: imageGV, Parent: "image", Name: "update", Plural: "update",
		Aliases: []string{"imageupdateautomation", "imageupdateautomations", "iua"},
		Column:  "LAST RUN", value: fieldValue("status", "lastAutomationRunTime"), Done: "last run at",
		source: crossNamespaceSourceRef("spec", "sourceRef")},
	{Kind: "Provider", GroupVersion: notificationBetaGV, Name: "alert-provider", Plural: "alert-providers",
		Aliases: []string{"provider", "providers"}, NoStatus: true},
	{Kind: "Alert", GroupVersion: notificationBetaGV, Name: "alert", Plural: "alerts", NoStatus: true},
	{Kind: "Receiver", GroupVersion: notificationGV, Name: "receiver", Plural: "receivers",
		Column: "WEBHOOK PATH", value: fieldValue("status", "webhookPath"), Done: "webhook path"},
}

// GVK returns the kind's group, version and kind.
func (k *kindInfo) GVK() schema.GroupVersionKind { return k.GroupVersion.WithKind(k.Kind) }

// ListGVK returns the group, version and kind of the kind's list.
func (k *kindInfo) ListGVK() schema.GroupVersionKind { return k.GroupVersion.WithKind(k.Kind + "List") }

// Words returns how the kind is named on the command line, e.g. "source git" or "kustomization".
func (k *kindInfo) Words() string {
	if k.Parent == "" {
		return k.Name
	}
	return k.Parent + " " + k.Name
}

// newObject returns an empty object of the kind, ready for a Get.
func (k *kindInfo) newObject() *unstructured.Unstructured {
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(k.GVK())
	return u
}

// newList returns an empty list of the kind, ready for a List.
func (k *kindInfo) newList() *unstructured.UnstructuredList {
	l := &unstructured.UnstructuredList{}
	l.SetGroupVersionKind(k.ListGVK())
	return l
}

// kindByName returns the kind with the API kind name (case-insensitive), e.g. from a sourceRef.
func kindByName(kind string) (*kindInfo, bool) {
	for _, k := range kinds {
		if strings.EqualFold(k.Kind, kind) {
			return k, true
		}
	}
	return nil, false
}

// kindByWord returns the kind a command-line word names: its API kind, name, plural or an alias.
func kindByWord(word string) (*kindInfo, bool) {
	word = strings.ToLower(word)
	for _, k := range kinds {
		for _, w := range k.words() {
			if w == word {
				return k, true
			}
		}
	}
	return nil, false
}

func (k *kindInfo) words() []string {
	return append([]string{strings.ToLower(k.Kind), k.Name, k.Plural}, k.Aliases...)
}

// kindNames lists the API kind names, sorted, for error messages.
func kindNames() string {
	var names []string
	for _, k := range kinds {
		names = append(names, k.Kind)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// parseKindName reads "Kind/name" (e.g. from --for or --source); the kind may be any word kindByWord knows.
func parseKindName(s string) (*kindInfo, string, error) {
	kind, name, ok := strings.Cut(s, "/")
	if !ok || kind == "" || name == "" {
		return nil, "", fmt.Errorf("%q is not of the form Kind/name (e.g. Kustomization/apps)", s)
	}
	k, found := kindByWord(kind)
	if !found {
		return nil, "", fmt.Errorf("unknown kind %q in %q: use one of %s", kind, s, kindNames())
	}
	return k, name, nil
}

// artifactRevision is a source's column: the revision of its current artifact.
func artifactRevision(obj *unstructured.Unstructured, full bool) string {
	return fieldValue("status", "artifact", "revision")(obj, full)
}

// fieldValue returns a column showing a string field; revisions are shortened to a short digest unless
// full is set.
func fieldValue(path ...string) func(*unstructured.Unstructured, bool) string {
	return func(obj *unstructured.Unstructured, full bool) string {
		v, _, _ := unstructured.NestedFieldNoCopy(obj.Object, path...)
		s, _ := v.(string)
		if full {
			return s
		}
		return shortRevision(s)
	}
}

// shortDigest is how many digits of a digest tables show, as many as git's short commit hashes.
const shortDigest = 7

// shortRevision shortens the digest of a Flux revision ('main@sha1:<40 hex>', 'sha256:<64 hex>') to
// shortDigest digits; anything else is left as it is.
func shortRevision(rev string) string {
	i := strings.LastIndex(rev, ":")
	if i < 0 {
		return rev
	}
	prefix, digest := rev[:i], rev[i+1:]
	algorithm := prefix[strings.LastIndex(prefix, "@")+1:]
	if !strings.HasPrefix(algorithm, "sha") || len(digest) <= shortDigest {
		return rev
	}
	return prefix + ":" + digest[:shortDigest]
}

// latestImage is ImagePolicy's column: the image and tag the policy selected.
func latestImage(obj *unstructured.Unstructured, _ bool) string {
	name, _, _ := unstructured.NestedString(obj.Object, "status", "latestRef", "name")
	tag, _, _ := unstructured.NestedString(obj.Object, "status", "latestRef", "tag")
	if name == "" {
		return ""
	}
	return name + ":" + tag
}

// crossNamespaceSourceRef reads a {kind, name, namespace} reference; the namespace defaults to the object's.
func crossNamespaceSourceRef(path ...string) func(*unstructured.Unstructured) (string, types.NamespacedName, bool) {
	return func(obj *unstructured.Unstructured) (string, types.NamespacedName, bool) {
		ref, found, _ := unstructured.NestedStringMap(obj.Object, path...)
		if !found || ref["kind"] == "" || ref["name"] == "" {
			return "", types.NamespacedName{}, false
		}
		ns := ref["namespace"]
		if ns == "" {
			ns = obj.GetNamespace()
		}
		return ref["kind"], types.NamespacedName{Namespace: ns, Name: ref["name"]}, true
	}
}

// localSourceRef is HelmChart's source: spec.sourceRef in the chart's namespace.
func localSourceRef(obj *unstructured.Unstructured) (string, types.NamespacedName, bool) {
	kind, ref, ok := crossNamespaceSourceRef("spec", "sourceRef")(obj)
	ref.Namespace = obj.GetNamespace()
	return kind, ref, ok
}

// helmReleaseSource is the source a HelmRelease's chart comes from: spec.chartRef, or the HelmChart the
// helm-controller made for spec.chart (status.helmChart, "<namespace>/<name>").
func helmReleaseSource(obj *unstructured.Unstructured) (string, types.NamespacedName, bool) {
	if kind, ref, ok := crossNamespaceSourceRef("spec", "chartRef")(obj); ok {
		return kind, ref, true
	}
	chart, _, _ := unstructured.NestedString(obj.Object, "status", "helmChart")
	ns, name, ok := strings.Cut(chart, "/")
	if !ok || ns == "" || name == "" {
		return "", types.NamespacedName{}, false
	}
	return "HelmChart", types.NamespacedName{Namespace: ns, Name: name}, true
}

// groupWords are the words grouping kinds on the command line: the singular form other verbs use and the
// plural form `tide get` uses.
var groupWords = map[string][2]string{
	"source": {"source", "sources"},
	"image":  {"image", "images"},
}

// addKindCommands adds to verb one subcommand per kind, made by build: top-level kinds directly, the others
// under their group word (`tide reconcile source git`). With plural (`tide get`), the plural words lead. It
// returns the group commands by group, so that a verb can make them runnable (`tide get sources`).
func addKindCommands(verb *cobra.Command, plural bool, build func(*kindInfo) *cobra.Command) map[string]*cobra.Command {
	groups := map[string]*cobra.Command{}
	for _, k := range kinds {
		sub := build(k)
		if sub == nil {
			continue
		}
		if k.Parent == "" {
			verb.AddCommand(sub)
			continue
		}
		g, ok := groups[k.Parent]
		if !ok {
			g = newGroupCommand(verb, k.Parent, plural)
			groups[k.Parent] = g
			verb.AddCommand(g)
		}
		g.AddCommand(sub)
	}
	return groups
}

func newGroupCommand(verb *cobra.Command, group string, plural bool) *cobra.Command {
	words := groupWords[group]
	use, alias := words[0], words[1]
	if plural {
		use, alias = alias, use
	}
	return &cobra.Command{
		Use:     use,
		Aliases: []string{alias},
		Short:   fmt.Sprintf("%s %s objects", strings.ToUpper(verb.Name()[:1])+verb.Name()[1:], group),
		Args:    cobra.NoArgs,
	}
}

// kindUse returns the first word of a kind's subcommand and the other words it answers to.
func kindUse(k *kindInfo, plural bool) (string, []string) {
	use := k.Name
	if plural {
		use = k.Plural
	}
	var aliases []string
	for _, w := range k.words() {
		if w != use && !slices.Contains(aliases, w) {
			aliases = append(aliases, w)
		}
	}
	return use, aliases
}

// describeError turns an API error about an object into a message saying what is wrong and what to do.
func describeError(err error, k *kindInfo, key types.NamespacedName) error {
	switch {
	case err == nil:
		return nil
	case apierrors.IsNotFound(err):
		return fmt.Errorf("%s %q not found in namespace %q: list them with `tide get %s -n %s`",
			k.Kind, key.Name, key.Namespace, getWords(k), key.Namespace)
	case apimeta.IsNoMatchError(err):
		return fmt.Errorf("the cluster does not serve %s (%s): install tide's CRDs with `tide install` "+
			"(or start a local cluster with `tide dev`)", k.Kind, k.GroupVersion)
	case apierrors.IsForbidden(err):
		return fmt.Errorf("not allowed to access %s: %w (check the kubeconfig's user and its RBAC)",
			objectKeyLabel(k, key), err)
	}
	if err := describeConnectionError(err); err != nil {
		return err
	}
	return fmt.Errorf("%s: %w", objectKeyLabel(k, key), err)
}

// describeConnectionError explains an error that means the cluster could not be reached or did not answer in
// time, and returns nil for any other error.
func describeConnectionError(err error) error {
	var urlErr *url.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("the cluster did not answer within %s: %w (wait longer with --timeout)", global.timeout, err)
	case errors.As(err, &urlErr):
		return fmt.Errorf("cannot reach the cluster: %w; is it running? (`tide dev` starts a local one; "+
			"--kubeconfig and --context choose another)", urlErr)
	}
	return nil
}

// getWords is how `tide get` names the kind, e.g. "sources git" or "kustomizations".
func getWords(k *kindInfo) string {
	if k.Parent == "" {
		return k.Plural
	}
	return groupWords[k.Parent][1] + " " + k.Plural
}

// objectKeyLabel names what an API call was about in messages: Kind namespace/name, or the listing of a
// namespace when there is no name.
func objectKeyLabel(k *kindInfo, key types.NamespacedName) string {
	if key.Name == "" {
		return fmt.Sprintf("listing %s objects in namespace %s", k.Kind, key.Namespace)
	}
	return k.Kind + " " + key.Namespace + "/" + key.Name
}

// nameOrAll accepts exactly one object name, or none when *all (the --all flag) is set.
func nameOrAll(k *kindInfo, all *bool) cobra.PositionalArgs {
	return func(_ *cobra.Command, args []string) error {
		if (len(args) == 1) == *all || len(args) > 1 {
			return fmt.Errorf("give the name of one %s or --all (list them with `tide get %s`)", k.Kind, getWords(k))
		}
		return nil
	}
}
