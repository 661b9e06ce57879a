/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

// Package setup describes the source-controller: the API types it serves and how its reconcilers are registered. The
// source-controller binary runs it on its own; tide dev composes it with the other controllers in one process.
//
// The source-controller reconciles GitRepository, OCIRepository, HelmRepository, HelmChart and Bucket into artifacts.
package setup

import (
	"context"
	"fmt"
	"time"

	runtimectrl "github.com/fluxcd/pkg/runtime/controller"
	"github.com/spf13/pflag"
	"k8s.io/apimachinery/pkg/runtime"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	ctrlcontroller "sigs.k8s.io/controller-runtime/pkg/controller"
	ctrlmanager "sigs.k8s.io/controller-runtime/pkg/manager"

	sourcev1 "github.com/tide-gitops/tide/api/source/v1"
	sourcev1beta2 "github.com/tide-gitops/tide/api/source/v1beta2"
	"github.com/tide-gitops/tide/internal/manager"
	"github.com/tide-gitops/tide/source-controller/internal/controller"
	"github.com/tide-gitops/tide/source-controller/internal/storage"
)

// Name is the controller's name: its field manager, leader election lease and event source.
const Name = "source-controller"

// +kubebuilder:rbac:groups="",resources=events,verbs=create;patch
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch
// +kubebuilder:rbac:groups=coordination.k8s.io,resources=leases,verbs=get;list;watch;create;update;patch;delete,namespace=flux-system
// The reconcilers declare their own kinds' permissions; HelmRepository and HelmChart, whose reconcilers come with
// the helm-controller work, are declared here until then.
// +kubebuilder:rbac:groups=source.toolkit.fluxcd.io,resources=helmrepositories;helmcharts,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups=source.toolkit.fluxcd.io,resources=helmrepositories/status;helmcharts/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=source.toolkit.fluxcd.io,resources=helmrepositories/finalizers;helmcharts/finalizers,verbs=update

// Options are the source-controller's own flags.
type Options struct {
	// StoragePath is where artifacts are written.
	StoragePath string
	// StorageAddr is the address the artifact server binds to.
	StorageAddr string
	// StorageAdvAddr is the host[:port] written into artifact URLs; consumers download from there.
	StorageAdvAddr string
	// RetentionRecords is how many artifacts per object are kept, the current one included.
	RetentionRecords int
	// RetentionTTL is how long a superseded artifact is kept at least, for consumers still downloading it.
	RetentionTTL time.Duration
}

// BindFlags registers the source-controller's flags.
func (o *Options) BindFlags(fs *pflag.FlagSet) {
	fs.StringVar(&o.StoragePath, "storage-path", "/data", "The local directory where artifacts are stored.")
	fs.StringVar(&o.StorageAddr, "storage-addr", ":9090", "The address the artifact file server binds to.")
	fs.StringVar(&o.StorageAdvAddr, "storage-adv-addr", defaultAdvertisedAddr(),
		"The host[:port] written into artifact URLs (defaults to the in-cluster Service name).")
	fs.IntVar(&o.RetentionRecords, "artifact-retention-records", 2, "How many artifacts per object to keep, the current one included.")
	fs.DurationVar(&o.RetentionTTL, "artifact-retention-ttl", 60*time.Second, "How long a superseded artifact is kept at least.")
}

func defaultAdvertisedAddr() string {
	if ns := manager.RuntimeNamespace(); ns != "" {
		return fmt.Sprintf("source-controller.%s.svc.cluster.local.", ns)
	}
	return "localhost:9090"
}

// Spec returns the source-controller's description for manager.Main, with its flags bound to opts.
func Spec() manager.Spec {
	return SpecWithOptions(&Options{})
}

// SpecWithOptions is Spec with the caller's Options (tide dev sets them without flags).
func SpecWithOptions(o *Options) manager.Spec {
	return manager.Spec{
		BindFlags: o.BindFlags,
		Setup: func(ctx context.Context, mgr ctrl.Manager, opts *manager.Options) error {
			return setupReconcilers(ctx, mgr, opts, o)
		},
		Name: Name,
		AddToScheme: []func(*runtime.Scheme) error{
			sourcev1.AddToScheme,
			sourcev1beta2.AddToScheme,
		},
		Watched: []client.Object{
			&sourcev1.GitRepository{},
			&sourcev1.OCIRepository{},
			&sourcev1.HelmRepository{},
			&sourcev1.HelmChart{},
			&sourcev1.Bucket{},
		},
	}
}

func setupReconcilers(ctx context.Context, mgr ctrl.Manager, opts *manager.Options, o *Options) error {
	st, err := storage.New(o.StoragePath, o.StorageAdvAddr, o.RetentionRecords, o.RetentionTTL)
	if err != nil {
		return fmt.Errorf("setting up artifact storage in %s: %w", o.StoragePath, err)
	}
	// Only the leader writes artifacts, so only the leader serves them.
	if err := mgr.Add(ctrlmanager.RunnableFunc(func(ctx context.Context) error {
		return st.Serve(ctx, o.StorageAddr)
	})); err != nil {
		return err
	}
	base := controller.NewSourceReconciler(mgr.GetClient(), mgr.GetEventRecorderFor(Name), st, Name) //nolint:staticcheck // core/v1 events, as Flux's tools read them
	base.Metrics = manager.Metrics(mgr, sourcev1.SourceFinalizer)
	copts := ctrlcontroller.Options{
		MaxConcurrentReconciles: opts.Concurrent,
		RateLimiter:             runtimectrl.GetRateLimiter(opts.RateLimiter),
	}
	if err := (&controller.GitRepositoryReconciler{SourceReconciler: base}).SetupWithManager(ctx, mgr, copts); err != nil {
		return fmt.Errorf("setting up the GitRepository controller: %w", err)
	}
	if err := (&controller.OCIRepositoryReconciler{SourceReconciler: base}).SetupWithManager(mgr, copts); err != nil {
		return fmt.Errorf("setting up the OCIRepository controller: %w", err)
	}
	if err := (&controller.BucketReconciler{SourceReconciler: base}).SetupWithManager(mgr, copts); err != nil {
		return fmt.Errorf("setting up the Bucket controller: %w", err)
	}
	return nil
}
