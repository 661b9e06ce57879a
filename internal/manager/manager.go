/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

// Package manager holds what every tide controller binary shares: its command-line flags and the construction
// of a controller-runtime manager with leader election, health and readiness probes, Prometheus metrics and
// watch filtering. Each controller's main.go binds these flags, builds the manager and registers its reconcilers.
package manager

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"time"

	"github.com/fluxcd/pkg/runtime/acl"
	runtimeclient "github.com/fluxcd/pkg/runtime/client"
	runtimectrl "github.com/fluxcd/pkg/runtime/controller"
	"github.com/fluxcd/pkg/runtime/jitter"
	"github.com/fluxcd/pkg/runtime/leaderelection"
	"github.com/fluxcd/pkg/runtime/logger"
	"github.com/fluxcd/pkg/runtime/pprof"
	"github.com/spf13/pflag"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
)

// RuntimeNamespaceEnv names the environment variable holding the namespace the controller runs in (set from the
// Downward API in manifests/). It scopes leader election and, with --watch-all-namespaces=false, the watches.
const RuntimeNamespaceEnv = "RUNTIME_NAMESPACE"

// Options are the flags every controller binary accepts.
type Options struct {
	// Name is the controller's name: the leader election lease, the field manager and the event reporter.
	Name string
	// MetricsAddr is where Prometheus metrics are served; "0" disables them.
	MetricsAddr string
	// HealthAddr is where /healthz and /readyz are served.
	HealthAddr string
	// Concurrent is the number of objects of one kind reconciled at the same time.
	Concurrent int
	// RequeueDependency is how long to wait before retrying an object whose dependencies are not ready.
	RequeueDependency time.Duration
	// GracefulShutdownTimeout bounds how long in-flight reconciles may run after SIGTERM.
	GracefulShutdownTimeout time.Duration

	Logger         logger.Options
	LeaderElection leaderelection.Options
	Client         runtimeclient.Options
	ACL            acl.Options
	Watch          runtimectrl.WatchOptions
	RateLimiter    runtimectrl.RateLimiterOptions
	IntervalJitter jitter.IntervalOptions
}

// NewOptions returns Options with tide's defaults for the named controller.
func NewOptions(name string) *Options {
	return &Options{Name: name}
}

// BindFlags registers the shared flags on fs.
func (o *Options) BindFlags(fs *pflag.FlagSet) {
	fs.StringVar(&o.MetricsAddr, "metrics-addr", ":8080", "The address the Prometheus metrics endpoint binds to; \"0\" disables it.")
	fs.StringVar(&o.HealthAddr, "health-addr", ":9440", "The address the /healthz and /readyz probes bind to.")
	concurrent := o.Concurrent
	if concurrent < 1 {
		concurrent = 4
	}
	fs.IntVar(&o.Concurrent, "concurrent", concurrent, "The number of objects of each kind reconciled concurrently.")
	fs.DurationVar(&o.RequeueDependency, "requeue-dependency", 30*time.Second, "The interval at which objects with unready dependencies are retried.")
	fs.DurationVar(&o.GracefulShutdownTimeout, "graceful-shutdown-timeout", 10*time.Second,
		"How long in-flight reconciles may run after SIGTERM before the process exits; -1 waits for them.")
	o.Logger.BindFlags(fs)
	o.LeaderElection.BindFlags(fs)
	o.Client.BindFlags(fs)
	o.ACL.BindFlags(fs)
	o.Watch.BindFlags(fs)
	o.RateLimiter.BindFlags(fs)
	o.IntervalJitter.BindFlags(fs)
}

// Validate reports flag values that cannot work, before anything starts.
func (o *Options) Validate() error {
	var errs []error
	if o.Name == "" {
		errs = append(errs, errors.New("controller name is empty"))
	}
	if o.Concurrent < 1 {
		errs = append(errs, fmt.Errorf("--concurrent must be at least 1, got %d", o.Concurrent))
	}
	if o.RequeueDependency <= 0 {
		errs = append(errs, fmt.Errorf("--requeue-dependency must be positive, got %s", o.RequeueDependency))
	}
	if o.IntervalJitter.Percentage >= 100 {
		errs = append(errs, fmt.Errorf("--interval-jitter-percentage must be below 100, got %d", o.IntervalJitter.Percentage))
	}
	if _, err := runtimectrl.GetWatchSelector(o.Watch); err != nil {
		errs = append(errs, fmt.Errorf("--watch-label-selector: %w", err))
	}
	switch o.Logger.LogEncoding {
	case "json", "console":
	default:
		errs = append(errs, fmt.Errorf("--log-encoding must be json or console, got %q", o.Logger.LogEncoding))
	}
	switch o.Logger.LogLevel {
	case "debug", "info", "error", "trace":
	default:
		errs = append(errs, fmt.Errorf("--log-level must be one of debug, info, error, trace, got %q", o.Logger.LogLevel))
	}
	return errors.Join(errs...)
}

// RuntimeNamespace returns the namespace the controller runs in, or "" when unknown (outside a cluster).
func RuntimeNamespace() string { return os.Getenv(RuntimeNamespaceEnv) }

// New builds a manager from the options. watched are the kinds the controller reconciles: --watch-label-selector
// filters the cache for exactly those kinds, so a sharded controller never even sees other shards' objects.
// The rest config comes from cfg, or from the usual kubeconfig resolution when cfg is nil.
func New(o *Options, cfg *rest.Config, scheme *runtime.Scheme, watched ...client.Object) (ctrl.Manager, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	if err := o.IntervalJitter.SetGlobalJitter(nil); err != nil {
		return nil, fmt.Errorf("--interval-jitter-percentage: %w", err)
	}
	if cfg == nil {
		cfg = runtimeclient.GetConfigOrDie(o.Client)
	}
	selector, err := runtimectrl.GetWatchSelector(o.Watch)
	if err != nil {
		return nil, err
	}
	// Managed fields are never read from the cache: dropping them keeps a large fleet's memory down.
	cacheOpts := cache.Options{ByObject: map[client.Object]cache.ByObject{}, DefaultTransform: cache.TransformStripManagedFields()}
	for _, obj := range watched {
		cacheOpts.ByObject[obj] = cache.ByObject{Label: selector}
	}
	ns := RuntimeNamespace()
	if !o.Watch.AllNamespaces {
		if ns == "" {
			return nil, fmt.Errorf("--watch-all-namespaces=false needs the %s environment variable", RuntimeNamespaceEnv)
		}
		cacheOpts.DefaultNamespaces = map[string]cache.Config{ns: {}}
	}
	leaderElectionID := o.Name + "-leader-election"
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		Scheme:                        scheme,
		Cache:                         cacheOpts,
		Metrics:                       metricsserver.Options{BindAddress: o.MetricsAddr, ExtraHandlers: pprof.GetHandlers()},
		HealthProbeBindAddress:        o.HealthAddr,
		LeaderElection:                o.LeaderElection.Enable,
		LeaderElectionID:              leaderElectionID,
		LeaderElectionNamespace:       ns,
		LeaderElectionReleaseOnCancel: o.LeaderElection.ReleaseOnCancel,
		LeaseDuration:                 &o.LeaderElection.LeaseDuration,
		RenewDeadline:                 &o.LeaderElection.RenewDeadline,
		RetryPeriod:                   &o.LeaderElection.RetryPeriod,
		GracefulShutdownTimeout:       &o.GracefulShutdownTimeout,
		Logger:                        ctrl.Log.WithName(o.Name),
	})
	if err != nil {
		return nil, fmt.Errorf("creating manager: %w", err)
	}
	if err := mgr.AddHealthzCheck("ping", healthz.Ping); err != nil {
		return nil, fmt.Errorf("adding health check: %w", err)
	}
	// Ready once the informer caches have synced, so a rollout waits for a controller that can actually work.
	if err := mgr.AddReadyzCheck("informers", func(req *http.Request) error {
		if !mgr.GetCache().WaitForCacheSync(req.Context()) {
			return errors.New("informer caches not synced")
		}
		return nil
	}); err != nil {
		return nil, fmt.Errorf("adding readiness check: %w", err)
	}
	return mgr, nil
}

// SetupLogger installs the logger configured by the flags as controller-runtime's and klog's logger.
func SetupLogger(o *Options) {
	logger.SetLogger(logger.NewLogger(o.Logger))
}
