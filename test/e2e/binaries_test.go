/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package e2e

import (
	"bytes"
	"debug/elf"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

var (
	buildOnce sync.Once
	binDir    string
	buildErr  error
)

// releaseBuildFlags build a controller binary as `make build` does for a release (with CGO_ENABLED=0): without
// Go plugin support in kustomize, which otherwise makes the linker export every symbol and keep every method
// (a third of the binary, and of its resident pages).
var releaseBuildFlags = []string{"-trimpath", "-tags", "kustomize_disable_go_plugin_support"}

// controllerBinary builds every controller binary once per test run and returns the path of one.
func controllerBinary(t testing.TB, name string) string {
	t.Helper()
	buildOnce.Do(func() {
		binDir, buildErr = os.MkdirTemp("", "tide-bin-")
		if buildErr != nil {
			return
		}
		for _, c := range controllers {
			cmd := exec.Command("go", append([]string{"build"}, append(releaseBuildFlags, "-o", filepath.Join(binDir, c), ".")...)...)
			cmd.Dir = filepath.Join(env.RepoRoot, c)
			cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
			if out, err := cmd.CombinedOutput(); err != nil {
				buildErr = fmt.Errorf("building %s: %v\n%s", c, err, out)
				return
			}
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return filepath.Join(binDir, name)
}

// TestControllerBinaries: each controller binary starts against the real API server, wins its leader election
// lease, reports ready, serves Prometheus metrics, and exits 0 on SIGTERM.
func TestControllerBinaries(t *testing.T) {
	for _, c := range controllers {
		t.Run(c, func(t *testing.T) {
			t.Parallel()
			bin := controllerBinary(t, c)
			metrics, health := freeAddr(t), freeAddr(t)
			var logs bytes.Buffer
			args := []string{"--kubeconfig", env.KubeconfigPath, "--metrics-addr", metrics, "--health-addr", health,
				"--enable-leader-election", "--log-encoding", "console"}
			if c == "source-controller" {
				storage := freeAddr(t)
				args = append(args, "--storage-path", t.TempDir(), "--storage-addr", storage, "--storage-adv-addr", storage)
			}
			cmd := exec.Command(bin, args...)
			cmd.Env = append(os.Environ(), "RUNTIME_NAMESPACE=flux-system", "KUBECONFIG=")
			cmd.Stdout, cmd.Stderr = &logs, &logs
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			exited := make(chan error, 1)
			go func() { exited <- cmd.Wait() }()
			defer func() {
				if cmd.ProcessState == nil {
					_ = cmd.Process.Kill()
				}
			}()

			waitHTTP(t, "http://"+health+"/readyz", exited, &logs)
			body := waitHTTP(t, "http://"+metrics+"/metrics", exited, &logs)
			for _, want := range []string{"go_goroutines", "rest_client_requests_total", "leader_election_master_status"} {
				if !strings.Contains(body, want) {
					t.Errorf("metrics lack %s", want)
				}
			}
			waitLease(t, c+"-leader-election")

			start := time.Now()
			if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
				t.Fatal(err)
			}
			select {
			case err := <-exited:
				if err != nil {
					t.Fatalf("exit after SIGTERM: %v\n%s", err, logs.String())
				}
				t.Logf("stopped %s after SIGTERM", time.Since(start).Round(time.Millisecond))
			case <-time.After(30 * time.Second):
				t.Fatalf("still running 30s after SIGTERM\n%s", logs.String())
			}
		})
	}
}

// TestControllerBinariesAreReleaseBuilds: the binaries are static and link no Go plugin loader (which would
// make the linker export every symbol and keep every method).
func TestControllerBinariesAreReleaseBuilds(t *testing.T) {
	for _, c := range controllers {
		f, err := elf.Open(controllerBinary(t, c))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		for _, p := range f.Progs {
			if p.Type == elf.PT_INTERP {
				t.Errorf("%s is dynamically linked", c)
			}
		}
		syms, err := f.Symbols()
		if err != nil {
			t.Fatalf("%s: %v", c, err)
		}
		for _, s := range syms {
			if strings.HasPrefix(s.Name, "plugin.") {
				t.Errorf("%s links the Go plugin loader (%s; build with %v)", c, s.Name, releaseBuildFlags)
				break
			}
		}
	}
}

// TestControllerBinaryRejectsBadFlags: a flag value that cannot work stops the binary at once with a message.
func TestControllerBinaryRejectsBadFlags(t *testing.T) {
	for _, tc := range []struct{ flag, want string }{
		{"--concurrent=0", "--concurrent must be at least 1"},
		{"--watch-label-selector=a==b==c", "--watch-label-selector"},
		{"--log-encoding=xml", "--log-encoding must be json or console"},
	} {
		cmd := exec.Command(controllerBinary(t, "source-controller"), "--kubeconfig", env.KubeconfigPath, tc.flag)
		out, err := cmd.CombinedOutput()
		var exitErr *exec.ExitError
		if !errors.As(err, &exitErr) || exitErr.ExitCode() == 0 {
			t.Errorf("%s: exit %v, want non-zero", tc.flag, err)
		}
		if !strings.Contains(string(out), tc.want) {
			t.Errorf("%s: output lacks %q:\n%s", tc.flag, tc.want, out)
		}
	}
}

// waitLease waits until the controller holds its leader election lease.
func waitLease(t *testing.T, name string) {
	t.Helper()
	ctx := testContext(t, 30*time.Second)
	key := client.ObjectKey{Namespace: "flux-system", Name: name}
	for {
		var lease coordinationv1.Lease
		err := env.Client.Get(ctx, key, &lease)
		if err == nil && lease.Spec.HolderIdentity != nil && *lease.Spec.HolderIdentity != "" {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("leader election lease %s not held within 30s: %v", name, err)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func freeAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// waitHTTP polls url until it answers 200 and returns the body; it fails early if the process exits.
func waitHTTP(t *testing.T, url string, exited <-chan error, logs *bytes.Buffer) string {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-exited:
			t.Fatalf("process exited (%v) before %s answered:\n%s", err, url, logs.String())
		default:
		}
		if resp, err := http.Get(url); err == nil {
			b, _ := io.ReadAll(resp.Body)
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return string(b)
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("%s did not answer 200 within 60s:\n%s", url, logs.String())
	return ""
}
