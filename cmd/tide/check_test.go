/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package main

import (
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
)

func TestVersionAtLeast(t *testing.T) {
	for _, tc := range []struct {
		server string
		want   bool
	}{
		{"v1.37.2", true},
		{"v1.35.0", true},
		{"v1.35.0-eks-4f4795d", true},
		{"v1.36.1+k3s1", true},
		{"v1.34.9", false},
		{"v1.9.0", false},
		{"v2.0.0", true},
	} {
		got, err := versionAtLeast(tc.server, minKubernetesVersion)
		if err != nil || got != tc.want {
			t.Errorf("versionAtLeast(%s, %s) = %v, %v; want %v", tc.server, minKubernetesVersion, got, err, tc.want)
		}
	}
	if _, err := versionAtLeast("unknown", minKubernetesVersion); err == nil {
		t.Error("a version that is not one is accepted")
	}
}

// TestMinKubernetesVersion: the minimum stays two minor releases behind the client-go tide is built with (the
// three releases Kubernetes maintains), so upgrading client-go without moving it fails here.
func TestMinKubernetesVersion(t *testing.T) {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		t.Fatal("no build information in the test binary")
	}
	for _, dep := range info.Deps {
		if dep.Path != "k8s.io/client-go" {
			continue
		}
		parts := strings.Split(strings.TrimPrefix(dep.Version, "v"), ".") // v0.37.2
		minor, err := strconv.Atoi(parts[1])
		if err != nil {
			t.Fatalf("client-go version %s: %v", dep.Version, err)
		}
		if want := "1." + strconv.Itoa(minor-2) + ".0"; minKubernetesVersion != want {
			t.Errorf("client-go %s: minKubernetesVersion is %s, want %s", dep.Version, minKubernetesVersion, want)
		}
		return
	}
	t.Fatal("k8s.io/client-go is not among the test binary's dependencies")
}
