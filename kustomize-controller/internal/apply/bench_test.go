/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package apply

import (
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/fluxcd/pkg/ssa"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// requestCounter counts the HTTP requests a client sends to the API server, and the dry-runs among them.
type requestCounter struct {
	next                      http.RoundTripper
	total, dryRuns            atomic.Int64
	gets, lists, applyPatches atomic.Int64
}

func (c *requestCounter) RoundTrip(r *http.Request) (*http.Response, error) {
	c.total.Add(1)
	switch {
	case strings.Contains(r.URL.RawQuery, "dryRun="):
		c.dryRuns.Add(1)
	case r.Method == http.MethodPatch:
		c.applyPatches.Add(1)
	case r.Method == http.MethodGet && strings.Contains(r.URL.RawQuery, "labelSelector="):
		c.lists.Add(1)
	case r.Method == http.MethodGet:
		c.gets.Add(1)
	}
	return c.next.RoundTrip(r)
}

func (c *requestCounter) reset() {
	for _, n := range []*atomic.Int64{&c.total, &c.dryRuns, &c.gets, &c.lists, &c.applyPatches} {
		n.Store(0)
	}
}

// countingClient returns a client without client-side rate limiting whose requests are counted.
func countingClient(b testing.TB) (client.Client, *requestCounter) {
	cfg := rest.CopyConfig(env.Config)
	cfg.QPS, cfg.Burst = -1, 0 // the API server, not a client-side token bucket, is what is measured
	rc := &requestCounter{}
	cfg.Wrap(func(rt http.RoundTripper) http.RoundTripper { rc.next = rt; return rc })
	c, err := client.New(cfg, client.Options{Scheme: env.Scheme})
	if err != nil {
		b.Fatal(err)
	}
	return c, rc
}

func configMaps(ns string, n int) []*unstructured.Unstructured {
	objs := make([]*unstructured.Unstructured, n)
	for i := range objs {
		objs[i] = configMap(ns, fmt.Sprintf("cm-%04d", i), map[string]any{"index": fmt.Sprint(i), "app": "big"}, nil)
	}
	return objs
}

func report(b *testing.B, rc *requestCounter) {
	n := float64(b.N)
	b.ReportMetric(float64(rc.total.Load())/n, "requests/op")
	b.ReportMetric(float64(rc.gets.Load())/n, "GETs/op")
	b.ReportMetric(float64(rc.lists.Load())/n, "LISTs/op")
	b.ReportMetric(float64(rc.dryRuns.Load())/n, "dry-runs/op")
	b.ReportMetric(float64(rc.applyPatches.Load())/n, "applies/op")
}

// BenchmarkApply1000ConfigMaps measures one Kustomization of 1,000 ConfigMaps: the first apply and a
// no-change re-apply, with the dry-run path (as Flux) and with ApplyOptions.SkipUnchanged, reporting the
// API requests per apply.
func BenchmarkApply1000ConfigMaps(b *testing.B) {
	for _, skip := range []bool{false, true} {
		mode := "dry-run"
		if skip {
			mode = "skip-unchanged"
		}
		opts := ApplyOptions{SkipUnchanged: skip}
		b.Run(mode+"/first", func(b *testing.B) {
			c, rc := countingClient(b)
			_, _ = c.RESTMapper().RESTMapping(configMaps("default", 1)[0].GroupVersionKind().GroupKind()) // discovery outside the count
			rc.reset()
			for b.Loop() {
				b.StopTimer()
				ns := newNamespace(b) // through env.Client: not counted
				m := New(c, types.NamespacedName{Namespace: ns, Name: "big"})
				objs := configMaps(ns, 1000)
				b.StartTimer()
				if _, err := m.Apply(testContext(b), objs, opts); err != nil {
					b.Fatal(err)
				}
			}
			report(b, rc)
		})
		b.Run(mode+"/no-change", func(b *testing.B) {
			c, rc := countingClient(b)
			ns := newNamespace(b)
			m := New(c, types.NamespacedName{Namespace: ns, Name: "big"})
			objs := configMaps(ns, 1000)
			if _, err := m.Apply(testContext(b), objs, opts); err != nil {
				b.Fatal(err)
			}
			rc.reset()
			for b.Loop() {
				cs, err := m.Apply(testContext(b), objs, opts)
				if err != nil {
					b.Fatal(err)
				}
				if n := len(cs.ToGroupedMap()[ssa.UnchangedAction]); n != 1000 {
					b.Fatalf("%d unchanged, want 1000", n)
				}
			}
			report(b, rc)
		})
	}
}
