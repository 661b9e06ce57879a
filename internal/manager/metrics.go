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

// Metrics returns the reconcile metric Flux's controllers export, gotk_reconcile_duration_seconds{kind, name,
// namespace}, registered in controller-runtime's registry once per process, so several controllers composed in
// one process share it. finalizers tell when an object is being deleted, and its series removed. Like Flux
// since 2.1, the state of the objects (Ready, suspended) is not exported per object here: kube-state-metrics
// reads it from their status (gotk_reconcile_condition and gotk_suspend_status were 5 series per object, a
// quarter of the kustomize-controller's heap with 1,000 Kustomizations).
func Metrics(mgr ctrl.Manager, finalizers ...string) runtimectrl.Metrics {
	recorderOnce.Do(func() { recorder = metrics.MustMakeRecorder() })
	return runtimectrl.NewMetrics(mgr, recorder, finalizers...)
}
