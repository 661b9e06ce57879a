/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/tide-gitops/tide/internal/gitserve"
)

// devPorts are the local ports of a state directory's servers, kept across runs: the GitRepository's URL and
// the artifacts' URLs stay valid when `tide dev` resumes, so nothing is fetched again for a new address.
type devPorts struct {
	Git       int `json:"git"`
	Artifacts int `json:"artifacts"`
}

func devPortsFile(stateDir string) string { return filepath.Join(stateDir, "ports.json") }

// loadDevPorts returns the ports of the previous run, or zeros on the first.
func loadDevPorts(stateDir string) (devPorts, error) {
	var p devPorts
	b, err := os.ReadFile(devPortsFile(stateDir))
	if errors.Is(err, os.ErrNotExist) {
		return p, nil
	}
	if err != nil {
		return p, err
	}
	if err := json.Unmarshal(b, &p); err != nil {
		return devPorts{}, nil // a damaged file only costs new ports
	}
	return p, nil
}

func saveDevPorts(stateDir string, p devPorts) error {
	b, err := json.Marshal(p)
	if err != nil {
		return err
	}
	return os.WriteFile(devPortsFile(stateDir), b, 0o644)
}

// listenLocal listens on 127.0.0.1:port, or on a free port when port is 0 or taken.
func listenLocal(port int) (net.Listener, error) {
	if port > 0 {
		if ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port))); err == nil {
			return ln, nil
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("finding a free local port: %w", err)
	}
	return ln, nil
}

// reusableAddr returns 127.0.0.1:port when that port is free, else a free port, for a server that listens by
// itself (the artifact server).
func reusableAddr(port int) (string, error) {
	ln, err := listenLocal(port)
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

func portOf(addr string) int {
	_, p, _ := net.SplitHostPort(addr)
	n, _ := strconv.Atoi(p)
	return n
}

// demoServer serves the state directory's demo repository over smart HTTP with git http-backend.
type demoServer struct {
	url  string
	port int
	srv  *http.Server
	done chan struct{}
	logs *os.File
}

// serveDemoRepo serves the repositories of the state directory (only the demo is one) on a local port,
// the previous run's when it is free. git http-backend's errors go to <state-dir>/logs/git.log.
func serveDemoRepo(stateDir string, port int) (*demoServer, error) {
	logs, err := os.OpenFile(filepath.Join(stateDir, "logs", "git.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("opening the Git server log: %w", err)
	}
	h, err := gitserve.New(gitserve.Options{Root: stateDir, Stderr: logs})
	if err != nil {
		_ = logs.Close()
		return nil, err
	}
	ln, err := listenLocal(port)
	if err != nil {
		_ = logs.Close()
		return nil, err
	}
	s := &demoServer{
		port: portOf(ln.Addr().String()),
		srv:  &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ErrorLog: log.New(logs, "", log.LstdFlags)},
		done: make(chan struct{}),
		logs: logs,
	}
	s.url = fmt.Sprintf("http://%s/%s", ln.Addr(), demoRepoName)
	go func() {
		defer close(s.done)
		_ = s.srv.Serve(ln) // returns http.ErrServerClosed after stop
	}()
	return s, nil
}

// stop stops accepting requests and waits (up to 10 s) for those in flight, and so for their git processes.
func (s *demoServer) stop(p *progress) {
	p.step("stopping the Git server")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.srv.Shutdown(ctx); err != nil {
		p.fail("stopping the Git server: %v", err)
		_ = s.srv.Close()
	}
	<-s.done
	_ = s.logs.Close()
}
