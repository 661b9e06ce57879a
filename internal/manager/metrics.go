/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package manager

import (
	"sync"

	runtimectrl "github.com/fluxcd/pkg/runtime/controller"
	"github.com/fluxcd/pkg/runtime/metrics"
	ctrl "sigs.k8s.io/controller-runtime"
)

var (
	recorderOnce sync.Once
	recorder     *metrics.Recorder
)

// Metrics returns the reconcile metrics Flux's dashboards read (gotk_reconcile_duration_seconds,
// gotk_reconcile_condition, gotk_suspend_status), registered in controller-runtime's registry once per process,
// so several controllers composed in one process share them. finalizers tell when an object is being deleted.
func Metrics(mgr ctrl.Manager, finalizers ...string) runtimectrl.Metrics {
	recorderOnce.Do(func() { recorder = metrics.MustMakeRecorder() })
	return runtimectrl.NewMetrics(mgr, recorder, finalizers...)
}
