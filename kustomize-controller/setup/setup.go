/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

// Package setup describes the kustomize-controller: the API types it serves and how its reconcilers are registered. The
// kustomize-controller binary runs it on its own; tide dev composes it with the other controllers in one process.
//
// The kustomize-controller builds Kustomizations from source artifacts and applies them with server-side apply.
//
// Applying arbitrary user workloads needs more than this role: manifests/ binds the controller's service
// account to cluster-admin through the tide-reconciler ClusterRoleBinding (as Flux's cluster-reconciler does);
// tenants restrict it with spec.serviceAccountName impersonation.
package setup

import (
	"context"
	"fmt"
	"os"

	runtimectrl "github.com/fluxcd/pkg/runtime/controller"
	"github.com/spf13/pflag"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	ctrlcontroller "sigs.k8s.io/controller-runtime/pkg/controller"
	ctrlmanager "sigs.k8s.io/controller-runtime/pkg/manager"

	kustomizev1 "github.com/tide-gitops/tide/api/kustomize/v1"
	kustomizev1beta2 "github.com/tide-gitops/tide/api/kustomize/v1beta2"
	sourcev1 "github.com/tide-gitops/tide/api/source/v1"
	"github.com/tide-gitops/tide/internal/artifact"
	"github.com/tide-gitops/tide/internal/manager"
	"github.com/tide-gitops/tide/kustomize-controller/internal/build"
	"github.com/tide-gitops/tide/kustomize-controller/internal/controller"
)

// Name is the controller's name: its field manager, leader election lease and event source.
const Name = "kustomize-controller"

// +kubebuilder:rbac:groups="",resources=events,verbs=create;patch
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch
// +kubebuilder:rbac:groups=coordination.k8s.io,resources=leases,verbs=get;list;watch;create;update;patch;delete,namespace=flux-system

// Options are the kustomize-controller's own flags.
type Options struct {
	// NoRemoteBases refuses kustomize remote bases and resources (Flux's default).
	NoRemoteBases bool
	// DefaultServiceAccount is impersonated by Kustomizations without spec.serviceAccountName.
	DefaultServiceAccount string
	// BuildCacheSize is how many builds are kept in memory, keyed by artifact digest, path and spec; 0
	// disables the cache.
	BuildCacheSize int
	// ArtifactCacheSize is how many extracted artifacts are kept on disk, shared by the Kustomizations built
	// from them; 0 extracts the artifact for each build.
	ArtifactCacheSize int
	// InsecureKubeConfigExec lets spec.kubeConfig kubeconfigs run exec credential plugins (off, as in Flux).
	InsecureKubeConfigExec bool
	// InsecureKubeConfigTLS lets spec.kubeConfig kubeconfigs set insecure-skip-tls-verify (off, as in Flux).
	InsecureKubeConfigTLS bool
	// AdditiveCELDependencyCheck requires a dependency with a readyExpr to pass the default readiness checks
	// too (off: the expression alone decides, as in Flux without its AdditiveCELDependencyCheck feature gate).
	AdditiveCELDependencyCheck bool
	// SOPSAgeSecret names a Secret in the controller's namespace (RUNTIME_NAMESPACE) whose age identities every
	// Kustomization with spec.decryption may decrypt with (Flux's --sops-age-secret); empty for none.
	SOPSAgeSecret string
}

// buildCacheMaxObjects bounds the objects held by the build cache in all.
const buildCacheMaxObjects = 200_000

// BindFlags registers the kustomize-controller's flags.
func (o *Options) BindFlags(fs *pflag.FlagSet) {
	fs.BoolVar(&o.NoRemoteBases, "no-remote-bases", true,
		"Refuse remote bases and resources in kustomizations: only files in the source artifact are used.")
	fs.StringVar(&o.DefaultServiceAccount, "default-service-account", "",
		"The service account impersonated by Kustomizations that do not set spec.serviceAccountName.")
	fs.IntVar(&o.BuildCacheSize, "kustomize-build-cache-size", 2000,
		"How many kustomize builds to keep in memory, keyed by artifact digest, path and spec; 0 disables the cache.")
	fs.IntVar(&o.ArtifactCacheSize, "artifact-cache-size", 8,
		"How many extracted source artifacts to keep on disk, shared by the Kustomizations built from them; 0 extracts the artifact for every build.")
	fs.BoolVar(&o.InsecureKubeConfigExec, "insecure-kubeconfig-exec", false,
		"Allow kubeconfigs of spec.kubeConfig (remote clusters) to use exec credential plugins, which run a command in the controller's container.")
	fs.BoolVar(&o.InsecureKubeConfigTLS, "insecure-kubeconfig-tls", false,
		"Allow kubeconfigs of spec.kubeConfig (remote clusters) to disable TLS verification (insecure-skip-tls-verify).")
	fs.StringVar(&o.SOPSAgeSecret, "sops-age-secret", "",
		"The name of a Secret in the controller's namespace whose .agekey entries every Kustomization with spec.decryption may decrypt with, after its own keys.")
	fs.BoolVar(&o.AdditiveCELDependencyCheck, "additive-cel-dependency-check", false,
		"Require a dependsOn entry with a readyExpr to also be Ready for its generation and at the source revision, instead of the expression alone deciding (Flux's AdditiveCELDependencyCheck feature gate).")
}

// Spec returns the kustomize-controller's description for manager.Main, with its flags bound to a new Options.
func Spec() manager.Spec {
	return SpecWithOptions(&Options{NoRemoteBases: true, BuildCacheSize: 2000, ArtifactCacheSize: 8})
}

// SpecWithOptions is Spec with the caller's Options (tide dev sets them without flags).
func SpecWithOptions(o *Options) manager.Spec {
	return manager.Spec{
		BindFlags: o.BindFlags,
		Setup: func(ctx context.Context, mgr ctrl.Manager, opts *manager.Options) error {
			return setupReconciler(ctx, mgr, opts, o)
		},
		Name: Name,
		// Reconciles mostly wait on the API server: 10 at a time brought 1,000 small Kustomizations to Ready
		// in 13.1 s instead of 15.7-17.0 s with 4 (hack/bench.sh KustomizeFleet, 2 cores).
		Concurrent: 10,
		AddToScheme: []func(*runtime.Scheme) error{
			kustomizev1.AddToScheme,
			kustomizev1beta2.AddToScheme,
			sourcev1.AddToScheme,
		},
		Watched: []client.Object{
			&kustomizev1.Kustomization{},
		},
	}
}

func setupReconciler(ctx context.Context, mgr ctrl.Manager, opts *manager.Options, o *Options) error {
	var cache *build.Cache
	if o.BuildCacheSize > 0 {
		cache = build.NewCache(o.BuildCacheSize, buildCacheMaxObjects)
	}
	artifacts, err := sharedArtifacts(mgr, o.ArtifactCacheSize)
	if err != nil {
		return err
	}
	var sopsAgeSecret types.NamespacedName
	if o.SOPSAgeSecret != "" {
		ns := os.Getenv(manager.RuntimeNamespaceEnv)
		if ns == "" {
			return fmt.Errorf("--sops-age-secret needs the controller's namespace in %s", manager.RuntimeNamespaceEnv)
		}
		sopsAgeSecret = types.NamespacedName{Namespace: ns, Name: o.SOPSAgeSecret}
	}
	r := &controller.KustomizationReconciler{
		Artifacts:             artifacts,
		Client:                mgr.GetClient(),
		APIReader:             mgr.GetAPIReader(),
		Config:                mgr.GetConfig(),
		Mapper:                mgr.GetRESTMapper(),
		Scheme:                mgr.GetScheme(),
		EventRecorder:         mgr.GetEventRecorderFor(Name), //nolint:staticcheck // core/v1 events, as Flux's tools read them
		Metrics:               manager.Metrics(mgr, kustomizev1.KustomizationFinalizer),
		ControllerName:        Name,
		BuildCache:            cache,
		AllowRemoteBases:      !o.NoRemoteBases,
		DefaultServiceAccount: o.DefaultServiceAccount,
		NoCrossNamespaceRefs:  opts.ACL.NoCrossNamespaceRefs,
		RequeueDependency:     opts.RequeueDependency,
		KubeConfigOpts: controller.KubeConfigOptions{
			InsecureExec: o.InsecureKubeConfigExec,
			InsecureTLS:  o.InsecureKubeConfigTLS,
		},
		AdditiveCELDependencyCheck: o.AdditiveCELDependencyCheck,
		SOPSAgeSecret:              sopsAgeSecret,
	}
	copts := ctrlcontroller.Options{
		MaxConcurrentReconciles: opts.Concurrent,
		RateLimiter:             runtimectrl.GetRateLimiter(opts.RateLimiter),
	}
	if err := r.SetupWithManager(ctx, mgr, copts); err != nil {
		return fmt.Errorf("setting up the Kustomization controller: %w", err)
	}
	return nil
}

// sharedArtifacts returns the store of extracted artifacts in a new temporary directory, removed when mgr stops,
// or nil when size is 0.
func sharedArtifacts(mgr ctrl.Manager, size int) (*artifact.Shared, error) {
	if size <= 0 {
		return nil, nil
	}
	dir, err := os.MkdirTemp("", Name+"-artifacts-")
	if err != nil {
		return nil, fmt.Errorf("creating the directory of shared artifacts: %w", err)
	}
	// A runnable, not a goroutine: the manager waits for it on shutdown, so the directory is gone before the
	// process exits.
	if err := mgr.Add(ctrlmanager.RunnableFunc(func(ctx context.Context) error {
		<-ctx.Done()
		return os.RemoveAll(dir)
	})); err != nil {
		_ = os.RemoveAll(dir)
		return nil, fmt.Errorf("registering the removal of the shared artifacts: %w", err)
	}
	return artifact.NewShared(dir, size)
}
