/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package process

import (
	"context"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// sh starts a shell script as a Process and stops it when the test ends.
func sh(t *testing.T, script string, opts Options) *Process {
	t.Helper()
	p, err := Start("/bin/sh", []string{"-c", script}, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Kill)
	return p
}

// logged returns a readiness check that passes once the process has printed s.
func logged(p *Process, s string) func() error {
	return func() error {
		if strings.Contains(p.Logs(), s) {
			return nil
		}
		return errors.New("not yet")
	}
}

func waitReady(t *testing.T, p *Process, s string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := p.WaitReady(ctx, 5*time.Millisecond, logged(p, s)); err != nil {
		t.Fatalf("waiting for %q: %v", s, err)
	}
}

func TestStopSendsSIGTERM(t *testing.T) {
	p := sh(t, `trap 'echo term; exit 0' TERM; echo ready; while :; do sleep 0.02; done`,
		Options{Dir: t.TempDir(), Env: []string{"PATH=" + os.Getenv("PATH")}})
	waitReady(t, p, "ready")
	p.Stop(10 * time.Second)
	select {
	case <-p.Exited():
	default:
		t.Fatal("process still running after Stop")
	}
	if err := p.Err(); err != nil {
		t.Fatalf("exit after SIGTERM: %v, want status 0", err)
	}
	if !strings.Contains(p.Logs(), "term") {
		t.Fatalf("the TERM trap did not run; logs: %q", p.Logs())
	}
	p.Stop(time.Second) // stopping again does nothing
}

func TestStopKillsAfterTimeout(t *testing.T) {
	p := sh(t, `trap '' TERM; echo ready; while :; do sleep 0.02; done`, Options{})
	waitReady(t, p, "ready")
	start := time.Now()
	p.Stop(200 * time.Millisecond)
	if d := time.Since(start); d < 200*time.Millisecond {
		t.Fatalf("Stop returned after %v, before the timeout", d)
	}
	var exit *exec.ExitError
	if err := p.Err(); !errors.As(err, &exit) || exit.ExitCode() != -1 {
		t.Fatalf("exit: %v, want killed by a signal", err)
	}
}

func TestWaitReadyReportsExit(t *testing.T) {
	p := sh(t, `echo bye; exit 3`, Options{})
	err := p.WaitReady(context.Background(), 5*time.Millisecond, logged(p, "never"))
	if !errors.Is(err, ErrExited) {
		t.Fatalf("WaitReady: %v, want ErrExited", err)
	}
	var exit *exec.ExitError
	if !errors.As(p.Err(), &exit) || exit.ExitCode() != 3 {
		t.Fatalf("Err: %v, want exit status 3", p.Err())
	}
	if p.Logs() != "bye\n" {
		t.Fatalf("logs %q, want %q", p.Logs(), "bye\n")
	}
}

func TestWaitReadyStopsWithContext(t *testing.T) {
	p := sh(t, `exec sleep 30`, Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	err := p.WaitReady(ctx, 5*time.Millisecond, logged(p, "never"))
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "not yet") {
		t.Fatalf("WaitReady: %v, want the deadline and the last check's error", err)
	}
	p.Kill()
	if p.Err() == nil {
		t.Fatal("Err is nil after Kill")
	}
}

func TestLogsKeepTailAndFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "out.log")
	p := sh(t, `printf 0123456789abcdefghij; printf XYZ >&2`, Options{LogSize: 8, LogFile: file})
	<-p.Exited()
	if got := p.Logs(); got != "fghijXYZ" {
		t.Fatalf("logs %q, want the last 8 bytes", got)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if string(data) != "0123456789abcdefghijXYZ" {
		t.Fatalf("log file %q, want all output", data)
	}
}

func TestStartMissingBinary(t *testing.T) {
	if _, err := Start(filepath.Join(t.TempDir(), "nothing"), nil, Options{}); err == nil {
		t.Fatal("Start of a missing binary succeeded")
	}
}

func TestNilProcess(t *testing.T) {
	var p *Process
	p.Stop(time.Second)
	p.Kill()
	if p.Exited() != nil || p.Logs() != "" || p.Err() != nil || p.Pid() != 0 || p.PortInUse() {
		t.Fatal("a nil Process is not empty")
	}
}

func TestFreePort(t *testing.T) {
	port, err := FreePort("127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", port))
	if err != nil {
		t.Fatalf("listening on the free port %s: %v", port, err)
	}
	_ = l.Close()
}

func TestOnFreePortRetriesOnlyTakenPorts(t *testing.T) {
	for _, tc := range []struct {
		name   string
		script string
		calls  int
	}{
		{"go", `echo "listen tcp 127.0.0.1:1: bind: address already in use"; exit 1`, 3},
		{"openssh", `echo "Bind to port 1 on 127.0.0.1 failed: Address already in use."; exit 1`, 3},
		{"minio", `echo "FATAL Unable to start the server: Specified port is already in use"; exit 1`, 3},
		{"other", `echo "bad config"; exit 1`, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			calls := 0
			_, err := OnFreePort("127.0.0.1", 3, func(port string) (*Process, error) {
				calls++
				p := sh(t, tc.script, Options{})
				return p, p.WaitReady(context.Background(), 5*time.Millisecond, logged(p, "never"))
			})
			if err == nil || calls != tc.calls {
				t.Fatalf("OnFreePort: %v after %d calls, want an error after %d", err, calls, tc.calls)
			}
		})
	}
	calls := 0
	p, err := OnFreePort("127.0.0.1", 3, func(port string) (*Process, error) {
		calls++
		if calls < 2 {
			p := sh(t, `echo "address already in use"`, Options{})
			<-p.Exited()
			return p, errors.New("taken")
		}
		return sh(t, `echo "listening on `+port+`"; exec sleep 30`, Options{}), nil
	})
	if err != nil || calls != 2 {
		t.Fatalf("OnFreePort: %v after %d calls, want success after 2", err, calls)
	}
	waitReady(t, p, "listening on ")
}

func TestEnviron(t *testing.T) {
	t.Setenv("TIDE_PROCESS_TEST", "1")
	t.Setenv("HTTPS_PROXY", "http://proxy")
	t.Setenv("no_proxy", "localhost")
	t.Setenv("TIDE_KEPT", "1")
	env := strings.Join(Environ("tide_process_"), "\n") + "\n"
	for _, gone := range []string{"TIDE_PROCESS_TEST=", "HTTPS_PROXY=", "no_proxy="} {
		if strings.Contains(env, gone) {
			t.Errorf("Environ kept %s", gone)
		}
	}
	if !strings.Contains(env, "TIDE_KEPT=1\n") {
		t.Error("Environ dropped TIDE_KEPT")
	}
}
