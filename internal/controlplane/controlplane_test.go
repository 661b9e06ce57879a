/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package controlplane

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/utils/ptr"
)

func TestStartStopResume(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	dir := t.TempDir()

	cp, err := Start(ctx, Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	cs := kubernetes.NewForConfigOrDie(cp.Config)
	v, err := cs.Discovery().ServerVersion()
	if err != nil {
		_ = cp.Stop()
		t.Fatal(err)
	}
	if v.GitVersion != DefaultK8sVersion {
		t.Errorf("server version = %s, want %s", v.GitVersion, DefaultK8sVersion)
	}
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "kept", Namespace: "default"}, Data: map[string]string{"k": "v"}}
	if _, err := cs.CoreV1().ConfigMaps("default").Create(ctx, cm, metav1.CreateOptions{}); err != nil {
		_ = cp.Stop()
		t.Fatal(err)
	}
	stopStart := time.Now()
	if err := cp.Stop(); err != nil {
		t.Fatalf("stop: %v", err)
	}
	t.Logf("stopped in %s", time.Since(stopStart).Round(time.Millisecond))

	// The written kubeconfig is usable by any client, and a second start on the same directory resumes the data.
	cp2, err := Start(ctx, Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cp2.Stop() }()
	cfg, err := clientcmd.BuildConfigFromFlags("", cp2.KubeconfigPath)
	if err != nil {
		t.Fatal(err)
	}
	got, err := kubernetes.NewForConfigOrDie(cfg).CoreV1().ConfigMaps("default").Get(ctx, "kept", metav1.GetOptions{})
	if err != nil {
		t.Fatalf("after restart, through the kubeconfig: %v", err)
	}
	if got.Data["k"] != "v" {
		t.Errorf("data after restart = %v", got.Data)
	}
}

func TestControllerManagerCreatesReplicaSets(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cp, err := Start(ctx, Options{Dir: t.TempDir(), WithControllerManager: true})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cp.Stop() }()
	cs := kubernetes.NewForConfigOrDie(cp.Config)
	labels := map[string]string{"app": "web"}
	dep := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default"},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To[int32](2),
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "web", Image: "nginx:1.27"}}},
			},
		},
	}
	if _, err := cs.AppsV1().Deployments("default").Create(ctx, dep, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	for {
		rs, err := cs.AppsV1().ReplicaSets("default").List(ctx, metav1.ListOptions{LabelSelector: "app=web"})
		if err == nil && len(rs.Items) == 1 {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("kube-controller-manager created no ReplicaSet for the Deployment (last error %v)", err)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func TestStartReportsMissingBinaries(t *testing.T) {
	_, err := Start(context.Background(), Options{Dir: t.TempDir(), BinDir: t.TempDir()})
	if err == nil {
		t.Fatal("expected an error for an empty binary directory")
	}
	want := "run hack/get-control-plane.sh"
	if got := err.Error(); !strings.Contains(got, want) {
		t.Errorf("error %q does not tell the user to %q", got, want)
	}
}

// TestStartCancelledStopsWhatItStarted cancels a start while the API server is coming up: Start must return the
// error without panicking and leave no etcd or kube-apiserver of its state directory running.
func TestStartCancelledStopsWhatItStarted(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	cp, err := Start(ctx, Options{Dir: dir})
	if err == nil {
		_ = cp.Stop()
		t.Skip("the control plane came up within 300ms; nothing to cancel")
	}
	entries, rerr := os.ReadDir("/proc")
	if rerr != nil {
		t.Skip("no /proc")
	}
	for _, e := range entries {
		cmdline, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err == nil && strings.Contains(string(cmdline), dir) {
			t.Errorf("process %s of the cancelled start still runs: %s", e.Name(), strings.ReplaceAll(string(cmdline), "\x00", " "))
		}
	}
}
