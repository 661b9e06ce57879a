/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package apply

import (
	"strings"
	"testing"
	"time"

	"github.com/fluxcd/cli-utils/pkg/kstatus/status"
	"github.com/fluxcd/cli-utils/pkg/object"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/tide-gitops/tide/internal/testenv"
)

func TestWaitForHealthyReportsReadyObjects(t *testing.T) {
	ctx, ns := testContext(t), newNamespace(t)
	m, _ := newManager(t, ns)
	cs, err := m.Apply(ctx, []*unstructured.Unstructured{
		configMap(ns, "cm", map[string]any{"k": "v"}, nil),
		{Object: map[string]any{"apiVersion": "v1", "kind": "Namespace", "metadata": map[string]any{"name": ns + "-extra"}}},
		{Object: map[string]any{"apiVersion": "v1", "kind": "Service", "metadata": map[string]any{"name": "svc", "namespace": ns},
			"spec": map[string]any{"clusterIP": "None", "ports": []any{map[string]any{"port": int64(80)}}}}},
	}, ApplyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	bad, err := m.WaitForHealthy(ctx, cs.ToObjMetadataSet(), time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if len(bad) != 0 || HealthError(bad) != nil {
		t.Errorf("unhealthy: %v", bad)
	}
}

func TestWaitForHealthyNamesObjectsThatAreNotReady(t *testing.T) {
	ctx, ns := testContext(t), newNamespace(t)
	m, _ := newManager(t, ns)
	group := strings.ReplaceAll(ns, "-", "") + ".example.com"
	crd := testenv.WidgetCRD(group)
	failing := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": group + "/v1", "kind": "Widget", "metadata": map[string]any{"name": "broken", "namespace": ns},
	}}
	if _, err := m.Apply(ctx, []*unstructured.Unstructured{crd, failing}, ApplyOptions{WaitInterval: 200 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = env.Client.Delete(ctx, crd) })
	// The widget's controller (played by the test) reports Ready=False with a reason.
	if err := env.Client.Get(ctx, client.ObjectKeyFromObject(failing), failing); err != nil {
		t.Fatal(err)
	}
	failing.Object["status"] = map[string]any{
		"observedGeneration": int64(1),
		"conditions": []any{map[string]any{
			"type": "Ready", "status": "False", "reason": "OutOfStock", "message": "no widgets left",
			"lastTransitionTime": "2026-01-01T00:00:00Z",
		}},
	}
	if err := env.Client.Status().Update(ctx, failing); err != nil {
		t.Fatal(err)
	}
	missing := object.ObjMetadata{Namespace: ns, Name: "absent", GroupKind: schema.GroupKind{Kind: "ConfigMap"}}
	widget := object.ObjMetadata{Namespace: ns, Name: "broken", GroupKind: schema.GroupKind{Group: group, Kind: "Widget"}}
	bad, err := m.WaitForHealthy(ctx, object.ObjMetadataSet{missing, widget}, 3*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if len(bad) != 2 {
		t.Fatalf("unhealthy = %v, want the missing ConfigMap and the widget", bad)
	}
	if bad[0].Object != missing || bad[0].Status != status.NotFoundStatus {
		t.Errorf("missing ConfigMap: %v", bad[0])
	}
	if bad[1].Object != widget || bad[1].Status == status.CurrentStatus || !strings.Contains(bad[1].Message, "no widgets left") {
		t.Errorf("widget: %v", bad[1])
	}
	msg := HealthError(bad).Error()
	for _, s := range []string{"2 objects not ready", "ConfigMap/" + ns + "/absent status: 'NotFound'", "Widget/" + ns + "/broken"} {
		if !strings.Contains(msg, s) {
			t.Errorf("message %q lacks %q", msg, s)
		}
	}
}
