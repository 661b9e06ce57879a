/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package manager

import (
	"strings"
	"testing"

	"github.com/spf13/pflag"
)

func TestOptionsFlagsAndValidate(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{name: "defaults", args: nil},
		{name: "all shared flags", args: []string{"--concurrent=10", "--requeue-dependency=5s", "--watch-label-selector=shard=a",
			"--no-cross-namespace-refs", "--log-level=debug", "--log-encoding=console", "--enable-leader-election",
			"--metrics-addr=:9090", "--health-addr=:9441"}},
		{name: "zero concurrency", args: []string{"--concurrent=0"}, wantErr: "--concurrent must be at least 1"},
		{name: "negative requeue", args: []string{"--requeue-dependency=-1s"}, wantErr: "--requeue-dependency must be positive"},
		{name: "bad selector", args: []string{"--watch-label-selector=a==b==c"}, wantErr: "--watch-label-selector"},
		{name: "bad encoding", args: []string{"--log-encoding=xml"}, wantErr: "--log-encoding must be json or console"},
		{name: "bad level", args: []string{"--log-level=verbose"}, wantErr: "--log-level must be one of"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := NewOptions("test-controller")
			fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
			o.BindFlags(fs)
			if err := fs.Parse(tt.args); err != nil {
				t.Fatal(err)
			}
			err := o.Validate()
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("error = %v, want it to contain %q", err, tt.wantErr)
			}
		})
	}
}

func TestDefaults(t *testing.T) {
	o := NewOptions("c")
	o.BindFlags(pflag.NewFlagSet("test", pflag.ContinueOnError))
	if o.Concurrent != 4 || o.RequeueDependency.Seconds() != 30 || !o.Watch.AllNamespaces || o.ACL.NoCrossNamespaceRefs {
		t.Errorf("unexpected defaults: %+v", o)
	}
}

func TestSpecConcurrentIsTheFlagDefault(t *testing.T) {
	for _, tt := range []struct{ spec, want int }{{0, 4}, {10, 10}} {
		o := Spec{Name: "x", Concurrent: tt.spec}.NewOptions()
		fs := pflag.NewFlagSet("x", pflag.ContinueOnError)
		o.BindFlags(fs)
		if err := fs.Parse(nil); err != nil {
			t.Fatal(err)
		}
		if o.Concurrent != tt.want {
			t.Errorf("Spec.Concurrent %d: --concurrent defaults to %d, want %d", tt.spec, o.Concurrent, tt.want)
		}
		if err := fs.Parse([]string{"--concurrent", "2"}); err != nil || o.Concurrent != 2 {
			t.Errorf("--concurrent 2 gave %d (%v)", o.Concurrent, err)
		}
	}
}
