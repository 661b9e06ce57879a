/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package controller

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fluxcd/pkg/apis/meta"
	"github.com/fluxcd/pkg/runtime/conditions"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"sigs.k8s.io/controller-runtime/pkg/client"

	kustomizev1 "github.com/tide-gitops/tide/api/kustomize/v1"
	"github.com/tide-gitops/tide/internal/testenv"
)

// remote is a second real API server playing the remote cluster, started by the first test that needs it and
// stopped with the suite's control plane.
var remote = &testenv.Lazy{Options: testenv.Options{SkipCRDs: true}, Setup: func(e *testenv.Env) error {
	env.OnStop(func() { _ = e.Stop() })
	return nil
}}

func remoteCluster(t *testing.T) *testenv.Env {
	t.Helper()
	return remote.Get(t)
}

// remoteKubeConfig returns the remote cluster's admin kubeconfig (inline CA and token), changed by mutate; its
// context's cluster and user are both "tide" and "admin".
func remoteKubeConfig(t *testing.T, rc *testenv.Env, mutate func(*clientcmdapi.Config)) []byte {
	t.Helper()
	b, err := os.ReadFile(rc.KubeconfigPath)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := clientcmd.Load(b)
	if err != nil {
		t.Fatal(err)
	}
	if mutate != nil {
		mutate(cfg)
	}
	if b, err = clientcmd.Write(*cfg); err != nil {
		t.Fatal(err)
	}
	return b
}

// remoteFixture is a fixture whose namespace also exists in the remote cluster, with the remote kubeconfig in
// Secret "remote" under key (empty: "value").
func remoteFixture(t *testing.T, key string, kubeconfig []byte) (*fixture, *testenv.Env) {
	t.Helper()
	rc := remoteCluster(t)
	f := newFixture(t)
	if err := rc.Client.Create(context.Background(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: f.ns}}); err != nil {
		t.Fatal(err)
	}
	if kubeconfig != nil {
		f.kubeConfigSecret(t, key, kubeconfig)
	}
	return f, rc
}

func (f *fixture) kubeConfigSecret(t *testing.T, key string, kubeconfig []byte) *corev1.Secret {
	t.Helper()
	if key == "" {
		key = "value"
	}
	s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: f.ns, Name: "remote"}, Data: map[string][]byte{key: kubeconfig}}
	if err := env.Client.Create(context.Background(), s); err != nil {
		t.Fatal(err)
	}
	return s
}

// toRemote points the Kustomization at Secret "remote" (with key, when set) and the fixture's namespace.
func toRemote(f *fixture, key string) func(*kustomizev1.Kustomization) {
	return func(k *kustomizev1.Kustomization) {
		k.Spec.TargetNamespace = f.ns
		k.Spec.RetryInterval = &metav1.Duration{Duration: time.Second}
		k.Spec.KubeConfig = &meta.KubeConfigReference{SecretRef: &meta.SecretKeyReference{Name: "remote", Key: key}}
	}
}

// existsIn tells whether obj is in the cluster of c.
func existsIn(t *testing.T, c client.Client, obj client.Object) bool {
	t.Helper()
	err := c.Get(context.Background(), client.ObjectKeyFromObject(obj), obj)
	if client.IgnoreNotFound(err) != nil {
		t.Fatal(err)
	}
	return err == nil
}

func configMap(ns, name string) *corev1.ConfigMap {
	return &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}}
}

// TestRemoteClusterAppliesPrunesAndDeletes: objects go to the remote cluster only, the status stays local, a
// removed file is pruned remotely, health checks read the remote cluster, and deletion prunes remotely, waiting
// for a kubeconfig Secret that is gone.
func TestRemoteClusterAppliesPrunesAndDeletes(t *testing.T) {
	rc := remoteCluster(t)
	f, _ := remoteFixture(t, "value.yaml", remoteKubeConfig(t, rc, nil))
	files := map[string]string{"app/a.yaml": configMapYAML("a", "1"), "app/b.yaml": configMapYAML("b", "1")}
	rev1 := f.publish(t, files)
	k := f.kustomization(t, "app", "./app", func(k *kustomizev1.Kustomization) {
		toRemote(f, "")(k) // no key: "value", then "value.yaml", as in Flux
		k.Spec.Wait = true
	})
	waitApplied(t, k, rev1)
	for _, name := range []string{"a", "b"} {
		if cm := configMap(f.ns, name); !existsIn(t, rc.Client, cm) || cm.Labels[kustomizev1.NameLabel] != "app" {
			t.Errorf("ConfigMap %s not applied to the remote cluster with ownership labels", name)
		}
		if existsIn(t, env.Client, configMap(f.ns, name)) {
			t.Errorf("ConfigMap %s was applied to the local cluster", name)
		}
	}
	wantInv := []kustomizev1.ResourceRef{{ID: f.ns + "_a__ConfigMap", Version: "v1"}, {ID: f.ns + "_b__ConfigMap", Version: "v1"}}
	if !sameRefs(k.Status.Inventory.Entries, wantInv) {
		t.Errorf("local inventory = %v, want %v", k.Status.Inventory.Entries, wantInv)
	}
	if !conditions.IsTrue(k, meta.HealthyCondition) {
		t.Errorf("Healthy not True: %s", describeConditions(k))
	}

	delete(files, "app/b.yaml")
	rev2 := f.publish(t, files)
	waitApplied(t, k, rev2)
	if existsIn(t, rc.Client, configMap(f.ns, "b")) || !existsIn(t, rc.Client, configMap(f.ns, "a")) {
		t.Error("removing b.yaml did not prune exactly ConfigMap b in the remote cluster")
	}
	waitEvent(t, k, corev1.EventTypeNormal, meta.ReconciliationSucceededReason, "ConfigMap/"+f.ns+"/b deleted")

	// Deleted with its kubeconfig Secret gone: the finalizer stays, an event says why, and restoring the Secret
	// lets the prune reach the remote cluster.
	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: f.ns, Name: "remote"}}
	if err := env.Client.Delete(context.Background(), secret); err != nil {
		t.Fatal(err)
	}
	if err := env.Client.Delete(context.Background(), k); err != nil {
		t.Fatal(err)
	}
	waitEvent(t, k, corev1.EventTypeWarning, meta.PruneFailedReason, "kubeconfig Secret '"+f.ns+"/remote' (spec.kubeConfig.secretRef) not found")
	if !exists(t, &kustomizev1.Kustomization{ObjectMeta: metav1.ObjectMeta{Namespace: f.ns, Name: "app"}}) ||
		!existsIn(t, rc.Client, configMap(f.ns, "a")) {
		t.Fatal("the Kustomization was finalized without pruning its remote objects")
	}
	f.kubeConfigSecret(t, "value", remoteKubeConfig(t, rc, nil))
	ctx := testContext(t, 60*time.Second)
	for exists(t, &kustomizev1.Kustomization{ObjectMeta: metav1.ObjectMeta{Namespace: f.ns, Name: "app"}}) {
		select {
		case <-ctx.Done():
			t.Fatal("the Kustomization was not finalized after its kubeconfig Secret came back")
		case <-time.After(50 * time.Millisecond):
		}
	}
	if existsIn(t, rc.Client, configMap(f.ns, "a")) {
		t.Error("deletion did not prune ConfigMap a in the remote cluster")
	}
}

// TestRemoteClusterImpersonation: spec.serviceAccountName is impersonated in the remote cluster, where the
// service account and its rights exist (they do not exist locally).
func TestRemoteClusterImpersonation(t *testing.T) {
	rc := remoteCluster(t)
	f, _ := remoteFixture(t, "", remoteKubeConfig(t, rc, nil))
	for _, o := range []client.Object{
		&corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: f.ns, Name: "limited"}},
		&rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Namespace: f.ns, Name: "configmaps"}, Rules: []rbacv1.PolicyRule{{
			APIGroups: []string{""}, Resources: []string{"configmaps"}, Verbs: []string{"*"}}}},
		&rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Namespace: f.ns, Name: "limited"},
			RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: "configmaps"},
			Subjects: []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Namespace: f.ns, Name: "limited"}}},
	} {
		if err := rc.Client.Create(context.Background(), o); err != nil {
			t.Fatal(err)
		}
	}
	rev := f.publish(t, map[string]string{"app/cm.yaml": configMapYAML("allowed", "1")})
	k := f.kustomization(t, "app", "./app", func(k *kustomizev1.Kustomization) {
		toRemote(f, "")(k)
		k.Spec.ServiceAccountName = "limited"
	})
	waitApplied(t, k, rev)
	if !existsIn(t, rc.Client, configMap(f.ns, "allowed")) {
		t.Fatal("the ConfigMap was not applied in the remote cluster")
	}
	f.publish(t, map[string]string{
		"app/cm.yaml":     configMapYAML("allowed", "1"),
		"app/secret.yaml": "apiVersion: v1\nkind: Secret\nmetadata:\n  name: forbidden-secret\nstringData:\n  k: v\n",
	})
	msg := waitFailed(t, k, meta.ReconciliationFailedReason)
	t.Logf("Ready message: %s", msg)
	if !strings.Contains(msg, "forbidden-secret") || !strings.Contains(msg, "system:serviceaccount:"+f.ns+":limited") {
		t.Errorf("message does not name the Secret and the remote service account: %q", msg)
	}
	if existsIn(t, rc.Client, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: f.ns, Name: "forbidden-secret"}}) {
		t.Error("the Secret was created although the impersonated service account may not")
	}
}

// closedPort returns a loopback port nothing listens on.
func closedPort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	_ = l.Close()
	return port
}

// execKubeConfig uses an exec credential plugin that creates marker and prints the remote cluster's token.
func execKubeConfig(t *testing.T, rc *testenv.Env, marker string) []byte {
	cred := fmt.Sprintf(`{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":%q}}`, rc.Config.BearerToken)
	return remoteKubeConfig(t, rc, func(c *clientcmdapi.Config) {
		c.AuthInfos["admin"] = &clientcmdapi.AuthInfo{Exec: &clientcmdapi.ExecConfig{
			APIVersion: "client.authentication.k8s.io/v1", Command: "/bin/sh",
			Args:            []string{"-c", fmt.Sprintf("touch %q && printf '%%s' '%s'", marker, cred)},
			InteractiveMode: clientcmdapi.NeverExecInteractiveMode,
		}}
	})
}

func insecureKubeConfig(t *testing.T, rc *testenv.Env) []byte {
	return remoteKubeConfig(t, rc, func(c *clientcmdapi.Config) {
		c.Clusters["tide"].CertificateAuthorityData, c.Clusters["tide"].InsecureSkipTLSVerify = nil, true
	})
}

// TestRemoteKubeConfigFailures: every kubeconfig that cannot be used gives a clear Ready message and a Warning
// event, applies nothing anywhere, and is Stalled only when retrying cannot help before the Secret or spec
// changes. An exec plugin is never run.
func TestRemoteKubeConfigFailures(t *testing.T) {
	rc := remoteCluster(t)
	marker := filepath.Join(t.TempDir(), "exec-ran")
	unreachable := fmt.Sprintf("127.0.0.1:%d", closedPort(t))
	cases := []struct {
		name, key, message string
		stalled            bool
		kubeconfig         []byte
		mutate             func(*kustomizev1.Kustomization)
	}{
		{name: "exec plugin", stalled: true, kubeconfig: execKubeConfig(t, rc, marker),
			message: "user 'admin' uses an exec credential plugin (command '/bin/sh'), which is refused"},
		{name: "insecure-skip-tls-verify", stalled: true, kubeconfig: insecureKubeConfig(t, rc),
			message: "sets insecure-skip-tls-verify, which is refused: set certificate-authority-data to the API server's CA, or start the controller with --insecure-kubeconfig-tls"},
		{name: "auth-provider plugin", stalled: true, message: "auth-provider plugin 'gcp', which is not supported",
			kubeconfig: remoteKubeConfig(t, rc, func(c *clientcmdapi.Config) {
				c.AuthInfos["admin"] = &clientcmdapi.AuthInfo{AuthProvider: &clientcmdapi.AuthProviderConfig{Name: "gcp"}}
			})},
		{name: "malformed kubeconfig", stalled: true, kubeconfig: []byte("apiVersion: v1\nclusters: [name: x\n"),
			message: "not a valid kubeconfig"},
		{name: "missing key", key: "kubeconfig", stalled: true, kubeconfig: remoteKubeConfig(t, rc, nil),
			message: "has no key 'other' (spec.kubeConfig.secretRef.key)",
			mutate:  func(k *kustomizev1.Kustomization) { k.Spec.KubeConfig.SecretRef.Key = "other" }},
		{name: "configMapRef", stalled: true, message: "spec.kubeConfig.configMapRef ('cloud', cloud provider workload identity) is not supported",
			mutate: func(k *kustomizev1.Kustomization) {
				k.Spec.KubeConfig = &meta.KubeConfigReference{ConfigMapRef: &meta.LocalObjectReference{Name: "cloud"}}
			}},
		{name: "missing Secret", message: "(spec.kubeConfig.secretRef) not found: create it with the remote cluster's kubeconfig under the key 'value'"},
		{name: "unreachable cluster", message: "cannot use the remote cluster https://" + unreachable + " of kubeconfig Secret", kubeconfig: remoteKubeConfig(t, rc, func(c *clientcmdapi.Config) {
			c.Clusters["tide"].Server = "https://" + unreachable
		})},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f, _ := remoteFixture(t, tc.key, tc.kubeconfig)
			f.publish(t, map[string]string{"app/cm.yaml": configMapYAML("x", "1")})
			k := f.kustomization(t, "app", "./app", func(k *kustomizev1.Kustomization) {
				toRemote(f, tc.key)(k)
				if tc.mutate != nil {
					tc.mutate(k)
				}
			})
			msg := waitFailed(t, k, meta.ReconciliationFailedReason)
			t.Logf("Ready message: %s", msg)
			if !strings.Contains(msg, tc.message) {
				t.Errorf("Ready message %q does not contain %q", msg, tc.message)
			}
			if got := conditions.IsStalled(k); got != tc.stalled {
				t.Errorf("Stalled = %v, want %v%s", got, tc.stalled, describeConditions(k))
			}
			if !tc.stalled && !conditions.IsReconciling(k) {
				t.Errorf("a retried failure is not Reconciling:%s", describeConditions(k))
			}
			waitEvent(t, k, corev1.EventTypeWarning, meta.ReconciliationFailedReason, tc.message)
			if k.Status.Inventory != nil && len(k.Status.Inventory.Entries) > 0 {
				t.Errorf("something was applied: %v", k.Status.Inventory.Entries)
			}
			if existsIn(t, env.Client, configMap(f.ns, "x")) || existsIn(t, rc.Client, configMap(f.ns, "x")) {
				t.Error("the ConfigMap was applied")
			}
			assertNotRun(t, marker)
		})
	}
	t.Cleanup(func() { assertNotRun(t, marker) }) // after the parallel subtests
}

// assertNotRun fails the test when the exec plugin's marker file exists.
func assertNotRun(t *testing.T, marker string) {
	t.Helper()
	if _, err := os.Stat(marker); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the exec plugin of a refused kubeconfig ran (marker %s: %v)", marker, err)
	}
}

// TestRemoteMissingSecretIsRetried: a Kustomization whose kubeconfig Secret does not exist yet applies once the
// Secret is created, without any change to its spec.
func TestRemoteMissingSecretIsRetried(t *testing.T) {
	rc := remoteCluster(t)
	f, _ := remoteFixture(t, "", nil)
	rev := f.publish(t, map[string]string{"app/cm.yaml": configMapYAML("x", "1")})
	k := f.kustomization(t, "app", "./app", toRemote(f, ""))
	waitFailed(t, k, meta.ReconciliationFailedReason)
	f.kubeConfigSecret(t, "", remoteKubeConfig(t, rc, nil))
	waitApplied(t, k, rev)
	if !existsIn(t, rc.Client, configMap(f.ns, "x")) {
		t.Error("the ConfigMap was not applied in the remote cluster")
	}
}

// TestRemoteInsecureFlags: with --insecure-kubeconfig-exec the plugin runs (so the marker of
// TestRemoteKubeConfigFailures would have caught a run), and with --insecure-kubeconfig-tls an unverified
// connection reaches the remote cluster.
func TestRemoteInsecureFlags(t *testing.T) {
	rc := remoteCluster(t)
	marker := filepath.Join(t.TempDir(), "exec-ran")
	for _, tc := range []struct {
		name       string
		kubeconfig []byte
		opts       KubeConfigOptions
	}{
		{"exec", execKubeConfig(t, rc, marker), KubeConfigOptions{InsecureExec: true}},
		{"tls", insecureKubeConfig(t, rc), KubeConfigOptions{InsecureTLS: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			f.kubeConfigSecret(t, "", tc.kubeconfig)
			k := &kustomizev1.Kustomization{ObjectMeta: metav1.ObjectMeta{Namespace: f.ns, Name: "app"}}
			toRemote(f, "")(k)
			r := &KustomizationReconciler{APIReader: env.Client, Scheme: env.Scheme, KubeConfigOpts: tc.opts}
			c, err := r.remoteClient(context.Background(), k, "")
			if err != nil {
				t.Fatal(err)
			}
			ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "default"}}
			if err := c.Get(context.Background(), client.ObjectKeyFromObject(ns), ns); err != nil {
				t.Fatalf("the allowed kubeconfig did not reach the remote cluster: %v", err)
			}
		})
	}
	if _, err := os.Stat(marker); err != nil {
		t.Errorf("the allowed exec plugin did not run: %v", err)
	}
}
