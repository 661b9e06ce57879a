/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package controller

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"filippo.io/age"
	"github.com/fluxcd/pkg/apis/meta"
	"github.com/getsops/sops/v3/cmd/sops/formats"
	"github.com/go-logr/logr"
	"go.uber.org/zap/zapcore"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	kustomizev1 "github.com/tide-gitops/tide/api/kustomize/v1"
	"github.com/tide-gitops/tide/kustomize-controller/internal/decrypt/decrypttest"
)

// logs receives the suite's controller log output at the most verbose level the controller offers (see
// startController), for the tests that check that no decrypted value is logged.
var logs = &logBuffer{}

// logBuffer is an io.Writer safe for concurrent use.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// logger returns a JSON logger writing to l at --log-level=trace (V(2)), the most verbose level of the
// controller's flags. Higher V levels are client-go's HTTP dumps (V(8) logs request and response bodies,
// Secrets included), which no flag enables.
func (l *logBuffer) logger() logr.Logger {
	return zap.New(zap.WriteTo(l), zap.Level(zapcore.DebugLevel-1))
}

// secretValue returns a unique plaintext value to look for.
func secretValue(t *testing.T, name string) string {
	t.Helper()
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return name + "-plaintext-" + hex.EncodeToString(b)
}

// sopsFixture is a namespace with an age key Secret "sops-age" holding id.
type sopsFixture struct {
	*fixture
	id *age.X25519Identity
}

func newSOPSFixture(t *testing.T) *sopsFixture {
	t.Helper()
	f := &sopsFixture{fixture: newFixture(t), id: decrypttest.AgeKey(t)}
	s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: f.ns, Name: "sops-age"},
		Data: map[string][]byte{"identity.agekey": decrypttest.AgeKeyFile(f.id)}}
	if err := env.Client.Create(context.Background(), s); err != nil {
		t.Fatal(err)
	}
	return f
}

// encrypt encrypts a document for the fixture's key; manifests get Flux's --encrypted-regex.
func (f *sopsFixture) encrypt(t *testing.T, plain string, format formats.Format) string {
	t.Helper()
	o := decrypttest.Options{Age: []string{f.id.Recipient().String()}}
	if format == formats.Yaml {
		o.EncryptedRegex = decrypttest.ManifestRegex
	}
	return string(decrypttest.Encrypt(t, []byte(plain), format, o))
}

// withDecryption sets the target namespace and spec.decryption with the fixture's key Secret.
func (f *sopsFixture) withDecryption(k *kustomizev1.Kustomization) {
	k.Spec.TargetNamespace = f.ns
	k.Spec.Decryption = &kustomizev1.Decryption{Provider: "sops", SecretRef: &meta.LocalObjectReference{Name: "sops-age"}}
}

// secretManifest is a Secret with a stringData and a data value.
func secretManifest(name, password, token string) string {
	return fmt.Sprintf("apiVersion: v1\nkind: Secret\nmetadata:\n  name: %s\nstringData:\n  password: %s\ndata:\n  token: %s\n",
		name, password, base64.StdEncoding.EncodeToString([]byte(token)))
}

// generatorKustomization lists secret.yaml and a secretGenerator "api" reading api.env, without name hash.
const generatorKustomization = `resources: [secret.yaml]
secretGenerator:
- name: api
  envs: [api.env]
generatorOptions:
  disableNameSuffixHash: true
`

func secretData(t *testing.T, ns, name string) map[string][]byte {
	t.Helper()
	s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}}
	if !exists(t, s) {
		t.Fatalf("Secret %s/%s was not applied", ns, name)
	}
	return s.Data
}

// assertNoPlaintext checks that no value (nor its base64 form) appears in the events emitted for k, the core
// Events of its namespace, its status, or the controller's logs.
func assertNoPlaintext(t *testing.T, k *kustomizev1.Kustomization, values ...string) {
	t.Helper()
	if err := env.Client.Get(context.Background(), client.ObjectKeyFromObject(k), k); err != nil {
		t.Fatal(err)
	}
	status, err := json.Marshal(k.Status)
	if err != nil {
		t.Fatal(err)
	}
	core := &corev1.EventList{}
	if err := env.Client.List(context.Background(), core, client.InNamespace(k.Namespace)); err != nil {
		t.Fatal(err)
	}
	coreJSON, err := json.Marshal(core)
	if err != nil {
		t.Fatal(err)
	}
	places := map[string]string{"status": string(status), "events": eventsOf(k), "core Events": string(coreJSON),
		"logs": logs.String()}
	for _, v := range values {
		for _, form := range []string{v, base64.StdEncoding.EncodeToString([]byte(v))} {
			for where, text := range places {
				if strings.Contains(text, form) {
					t.Errorf("the %s hold the plaintext %q", where, form)
				}
			}
		}
	}
}

// eventsOf returns every event the reconciler emitted for obj, one per line.
func eventsOf(obj client.Object) string {
	events.mu.Lock()
	defer events.mu.Unlock()
	var b strings.Builder
	for _, e := range events.events {
		if e.object == obj.GetNamespace()+"/"+obj.GetName() {
			fmt.Fprintf(&b, "%s %s %s\n", e.kind, e.reason, e.message)
		}
	}
	return b.String()
}

func TestSOPSSecretsAreAppliedDecrypted(t *testing.T) {
	f := newSOPSFixture(t)
	password, token, apiKey := secretValue(t, "password"), secretValue(t, "token"), secretValue(t, "apikey")
	rev := f.publish(t, map[string]string{
		"app/kustomization.yaml": generatorKustomization,
		"app/secret.yaml":        f.encrypt(t, secretManifest("db-password", password, token), formats.Yaml),
		"app/api.env":            f.encrypt(t, "API_KEY="+apiKey+"\n", formats.Dotenv),
	})
	k := f.kustomization(t, "app", "./app", f.withDecryption)
	waitApplied(t, k, rev)

	db := secretData(t, f.ns, "db-password")
	if string(db["password"]) != password || string(db["token"]) != token {
		t.Errorf("Secret db-password holds %q, %q; want the decrypted values", db["password"], db["token"])
	}
	if got := string(secretData(t, f.ns, "api")["API_KEY"]); got != apiKey {
		t.Errorf("generated Secret api holds API_KEY=%q, want the decrypted value", got)
	}
	if events := eventsOf(k); !strings.Contains(events, "Secret/"+f.ns+"/db-password created") {
		t.Errorf("no event for the created Secret: %s", events)
	}

	// Another reconcile decrypts again (the build is cached encrypted) and finds nothing to change.
	token2 := requestReconcile(t, k)
	waitFor(t, k, "reconcile request handled", func(k *kustomizev1.Kustomization) bool {
		return k.Status.LastHandledReconcileAt == token2 && conditionMessage(k) == "Applied revision: "+rev
	})
	if events := eventsOf(k); strings.Contains(events, "configured") {
		t.Errorf("the unchanged decrypted Secrets were applied again: %s", events)
	}
	assertNoPlaintext(t, k, password, token, apiKey)
}

func TestSOPSDecryptionFailuresKeepAppliedObjects(t *testing.T) {
	f := newSOPSFixture(t)
	password, apiKey := secretValue(t, "password"), secretValue(t, "apikey")
	rev := f.publish(t, map[string]string{
		"app/kustomization.yaml": generatorKustomization,
		"app/secret.yaml":        f.encrypt(t, secretManifest("db-password", password, "t"), formats.Yaml),
		"app/api.env":            f.encrypt(t, "API_KEY="+apiKey+"\n", formats.Dotenv),
	})
	k := f.kustomization(t, "app", "./app", func(k *kustomizev1.Kustomization) {
		f.withDecryption(k)
		k.Spec.RetryInterval = &metav1.Duration{Duration: time.Second}
	})
	waitApplied(t, k, rev)

	// The key is rotated in the Secret but the files are still encrypted for the old one.
	wrong := decrypttest.AgeKey(t)
	keys := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: f.ns, Name: "sops-age"}}
	if !exists(t, keys) {
		t.Fatal("key Secret missing")
	}
	keys.Data = map[string][]byte{"identity.agekey": decrypttest.AgeKeyFile(wrong)}
	if err := env.Client.Update(context.Background(), keys); err != nil {
		t.Fatal(err)
	}
	requestReconcile(t, k)
	want := fmt.Sprintf("no age identity in Secret %s/sops-age matches the recipients %s", f.ns, f.id.Recipient())
	msg := waitFailed(t, k, meta.BuildFailedReason)
	t.Logf("Ready message: %s", msg)
	if !strings.Contains(msg, want) || !strings.Contains(msg, "decrypting app/api.env") {
		t.Errorf("Ready message %q does not name the file and %q", msg, want)
	}
	waitEvent(t, k, corev1.EventTypeWarning, meta.BuildFailedReason, want)
	assertDecryptedKept(t, f, k, password, apiKey)

	// Without the Secret.
	if err := env.Client.Delete(context.Background(), keys); err != nil {
		t.Fatal(err)
	}
	missing := fmt.Sprintf("decryption Secret '%s/sops-age' not found", f.ns)
	waitFor(t, k, "missing key Secret reported", func(k *kustomizev1.Kustomization) bool {
		return strings.Contains(conditionMessage(k), missing)
	})
	waitEvent(t, k, corev1.EventTypeWarning, meta.BuildFailedReason, missing)
	assertDecryptedKept(t, f, k, password, apiKey)
	assertNoPlaintext(t, k, password, apiKey)
}

// assertDecryptedKept checks that the Secrets applied before the failure are still there, decrypted, and
// still in the inventory.
func assertDecryptedKept(t *testing.T, f *sopsFixture, k *kustomizev1.Kustomization, password, apiKey string) {
	t.Helper()
	if string(secretData(t, f.ns, "db-password")["password"]) != password || string(secretData(t, f.ns, "api")["API_KEY"]) != apiKey {
		t.Error("the applied Secrets changed")
	}
	if k.Status.Inventory == nil || len(k.Status.Inventory.Entries) != 2 {
		t.Errorf("inventory changed: %v", k.Status.Inventory)
	}
}

func conditionMessage(k *kustomizev1.Kustomization) string {
	for _, c := range k.Status.Conditions {
		if c.Type == meta.ReadyCondition {
			return c.Message
		}
	}
	return ""
}

// TestSOPSMessagesWithholdDecryptedValues makes kustomize and the substitution fail on decrypted content whose
// messages would quote it: the failure is reported, the content is not.
func TestSOPSMessagesWithholdDecryptedValues(t *testing.T) {
	cases := []struct {
		name, reason, message string
		files                 func(f *sopsFixture, value string) map[string]string
		mutate                func(*kustomizev1.Kustomization)
	}{
		{name: "kustomize refuses a decrypted env file", reason: meta.BuildFailedReason,
			message: "failed on the decrypted content of app/api.env; kustomize's message is withheld",
			files: func(f *sopsFixture, value string) map[string]string {
				return map[string]string{
					"app/kustomization.yaml": "secretGenerator:\n- name: api\n  envs: [api.env]\n",
					// Not UTF-8 once decrypted: kustomize's error would print the line.
					"app/api.env": f.encrypt(t, "API_KEY="+value+"\xff\n", formats.Dotenv),
				}
			}},
		{name: "substitution fails in a decrypted Secret", reason: meta.BuildFailedReason,
			message: "post-build substitution of Secret/",
			files: func(f *sopsFixture, value string) map[string]string {
				return map[string]string{"app/secret.yaml": f.encrypt(t, secretManifest("s", "${"+value, "t"), formats.Yaml)}
			},
			mutate: func(k *kustomizev1.Kustomization) {
				k.Spec.PostBuild = &kustomizev1.PostBuild{Substitute: map[string]string{"cluster": "prod"}}
			}},
		{name: "a number where the API server wants a string", reason: meta.BuildFailedReason,
			message: "stringData entry 'port' is not a string after decryption",
			files: func(f *sopsFixture, value string) map[string]string {
				return map[string]string{"app/secret.yaml": f.encrypt(t,
					"apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\nstringData:\n  port: 4242"+strings.Repeat("7", 9)+"\n  v: "+value+"\n",
					formats.Yaml)}
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newSOPSFixture(t)
			value := secretValue(t, "withheld")
			f.publish(t, tc.files(f, value))
			k := f.kustomization(t, "app", "./app", func(k *kustomizev1.Kustomization) {
				f.withDecryption(k)
				if tc.mutate != nil {
					tc.mutate(k)
				}
			})
			msg := waitFailed(t, k, tc.reason)
			t.Logf("Ready message: %s", msg)
			if !strings.Contains(msg, tc.message) {
				t.Errorf("Ready message %q does not contain %q", msg, tc.message)
			}
			waitEvent(t, k, corev1.EventTypeWarning, tc.reason, tc.message)
			assertNoPlaintext(t, k, value, "4242"+strings.Repeat("7", 9))
		})
	}
}

func TestSOPSEncryptedSecretWithoutDecryptionIsRefused(t *testing.T) {
	f := newSOPSFixture(t)
	password := secretValue(t, "password")
	f.publish(t, map[string]string{
		"app/secret.yaml": f.encrypt(t, secretManifest("db-password", password, "t"), formats.Yaml),
		"app/cm.yaml":     configMapYAML("settings", "v1"),
	})
	k := f.kustomization(t, "app", "./app", func(k *kustomizev1.Kustomization) { k.Spec.TargetNamespace = f.ns })
	msg := waitFailed(t, k, meta.ReconciliationFailedReason)
	want := fmt.Sprintf("Secret/%s/db-password is SOPS encrypted, configuring decryption is required for this secret to be reconciled", f.ns)
	if msg != want {
		t.Errorf("Ready message %q, want %q", msg, want)
	}
	waitEvent(t, k, corev1.EventTypeWarning, meta.ReconciliationFailedReason, want)
	if exists(t, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: f.ns, Name: "db-password"}}) ||
		exists(t, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: f.ns, Name: "settings"}}) {
		t.Error("objects were applied although a Secret is still encrypted")
	}
	if k.Status.Inventory != nil && len(k.Status.Inventory.Entries) > 0 {
		t.Errorf("inventory recorded: %v", k.Status.Inventory.Entries)
	}
}
