/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

// Package process runs a server binary as a child process for the test servers (registry, s3, gitserver):
// it starts the binary tied to the test process (on Linux the child is killed when the test process dies),
// keeps the tail of its output, waits until a readiness check passes and stops it with SIGTERM, then
// SIGKILL after a timeout.
//
//	p, err := process.OnFreePort("127.0.0.1", process.Attempts, func(port string) (*process.Process, error) {
//		return process.Launch(bin, []string{"--port", port}, process.Options{}, func(p *process.Process) error {
//			return p.WaitReady(ctx, 20*time.Millisecond, check)
//		})
//	})
//	defer p.Stop(10 * time.Second)
package process

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

// DefaultLogSize is how many bytes of output a Process keeps when Options.LogSize is zero.
const DefaultLogSize = 64 << 10

// ErrExited is wrapped by the error of WaitReady when the process ends before it is ready.
var ErrExited = errors.New("process exited")

// Options configure a process.
type Options struct {
	// Env is the process's environment; nil means the current one (see Environ).
	Env []string
	// Dir is the working directory; empty means the current one.
	Dir string
	// LogSize is how many bytes of the latest output (stdout and stderr) Logs keeps; zero means
	// DefaultLogSize.
	LogSize int
	// LogFile, when set, also receives all output: it is created or appended to, and closed once the process
	// has ended.
	LogFile string
}

// Process is a running child process. Its methods may be called on a nil *Process: they then do nothing,
// Exited returns a nil channel and Logs an empty string.
type Process struct {
	cmd     *exec.Cmd
	logs    *tailBuffer
	exited  chan struct{}
	waitErr error
}

// Start starts bin with args. The process runs until it ends by itself or Stop or Kill ends it; on Linux
// the kernel also kills it when the test process dies.
func Start(bin string, args []string, opts Options) (*Process, error) {
	size := opts.LogSize
	if size <= 0 {
		size = DefaultLogSize
	}
	p := &Process{logs: &tailBuffer{max: size}, exited: make(chan struct{})}
	var out io.Writer = p.logs
	var logFile *os.File
	if opts.LogFile != "" {
		f, err := os.OpenFile(opts.LogFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
		if err != nil {
			return nil, fmt.Errorf("opening log file %s: %w", opts.LogFile, err)
		}
		logFile, out = f, io.MultiWriter(f, p.logs)
	}
	cmd := exec.Command(bin, args...)
	cmd.Dir = opts.Dir
	cmd.Env = opts.Env
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = sysProcAttr()
	if err := cmd.Start(); err != nil {
		if logFile != nil {
			_ = logFile.Close()
		}
		return nil, fmt.Errorf("starting %s: %w", bin, err)
	}
	p.cmd = cmd
	go func() {
		p.waitErr = cmd.Wait()
		if logFile != nil {
			_ = logFile.Close()
		}
		close(p.exited)
	}()
	return p, nil
}

// Launch starts bin like Start and then calls ready with the process, e.g. to wait until it serves (see
// WaitReady). When ready fails, Launch kills the process and returns it, ended, with ready's error.
func Launch(bin string, args []string, opts Options, ready func(*Process) error) (*Process, error) {
	p, err := Start(bin, args, opts)
	if err != nil {
		return nil, err
	}
	if err := ready(p); err != nil {
		p.Kill()
		return p, err
	}
	return p, nil
}

// WaitReady calls ready every interval until it returns nil, and then returns nil. When the process ends
// first it returns an error wrapping ErrExited; when ctx ends first, one wrapping ctx's error.
func (p *Process) WaitReady(ctx context.Context, interval time.Duration, ready func() error) error {
	for {
		err := ready()
		if err == nil {
			return nil
		}
		select {
		case <-p.Exited():
			return fmt.Errorf("%w (%v) before it was ready (last check: %v)", ErrExited, p.Err(), err)
		case <-ctx.Done():
			return fmt.Errorf("not ready: %w (last check: %v)", ctx.Err(), err)
		case <-time.After(interval):
		}
	}
}

// Stop sends SIGTERM and waits for the process to end; after timeout it kills it (see Kill). Stopping a
// process that has already ended does nothing.
func (p *Process) Stop(timeout time.Duration) {
	if p == nil {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
	case <-time.After(timeout):
		p.Kill()
	}
}

// Kill ends the process at once and waits until it has ended.
func (p *Process) Kill() {
	if p == nil {
		return
	}
	_ = p.cmd.Process.Kill()
	<-p.exited
}

// Exited is closed once the process has ended.
func (p *Process) Exited() <-chan struct{} {
	if p == nil {
		return nil
	}
	return p.exited
}

// Err returns how the process ended, as exec.Cmd.Wait reports it (nil for exit status 0). It is valid once
// Exited is closed.
func (p *Process) Err() error {
	select {
	case <-p.Exited():
		return p.waitErr
	default:
		return nil
	}
}

// Pid returns the process ID, or 0 for a nil Process.
func (p *Process) Pid() int {
	if p == nil {
		return 0
	}
	return p.cmd.Process.Pid
}

// Logs returns the tail of the process's output.
func (p *Process) Logs() string {
	if p == nil {
		return ""
	}
	return p.logs.String()
}

// PortInUse reports whether the process's output says it could not listen because its address is in use.
func (p *Process) PortInUse() bool {
	logs := strings.ToLower(p.Logs())
	// The first is Go's and OpenSSH's wording (EADDRINUSE), the second MinIO's.
	return strings.Contains(logs, "address already in use") || strings.Contains(logs, "port is already in use")
}

// Environ returns the current environment without proxy settings (variables whose names contain PROXY)
// and without variables whose names start with one of prefixes, compared case-insensitively; e.g. a
// server's own settings, which would override its configuration.
func Environ(prefixes ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		name := strings.ToUpper(strings.SplitN(kv, "=", 2)[0])
		if strings.Contains(name, "PROXY") || hasAnyPrefix(name, prefixes) {
			continue
		}
		env = append(env, kv)
	}
	return env
}

// hasAnyPrefix reports whether name starts with one of prefixes, compared case-insensitively (name is
// upper case).
func hasAnyPrefix(name string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(name, strings.ToUpper(p)) {
			return true
		}
	}
	return false
}
