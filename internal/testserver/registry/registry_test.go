/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package registry

import (
	"context"
	"errors"
	"net"
	"net/http"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

// pushPull pushes a random image to repo:tag and pulls it back, returning the first error.
func pushPull(t *testing.T, reg *Registry, opts ...remote.Option) error {
	t.Helper()
	ref, err := name.ParseReference(reg.Repo("tide/test") + ":v1")
	if err != nil {
		t.Fatal(err)
	}
	img, err := random.Image(1024, 2)
	if err != nil {
		t.Fatal(err)
	}
	opts = append(opts, remote.WithContext(context.Background()))
	if err := remote.Write(ref, img, opts...); err != nil {
		return err
	}
	pulled, err := remote.Image(ref, opts...)
	if err != nil {
		return err
	}
	want, _ := img.Digest()
	got, err := pulled.Digest()
	if err != nil {
		return err
	}
	if got != want {
		t.Fatalf("pulled digest %s, pushed %s", got, want)
	}
	layers, err := pulled.Layers()
	if err != nil {
		return err
	}
	if len(layers) != 2 {
		t.Fatalf("pulled %d layers, want 2", len(layers))
	}
	return nil
}

// statusCode returns the HTTP status of a registry error, or 0.
func statusCode(err error) int {
	var terr *transport.Error
	if errors.As(err, &terr) {
		return terr.StatusCode
	}
	return 0
}

func TestPushPullWithoutAuth(t *testing.T) {
	reg := New(t, Options{})
	if !strings.HasPrefix(reg.Addr, "127.0.0.1:") {
		t.Fatalf("registry listens on %s, want 127.0.0.1", reg.Addr)
	}
	if err := pushPull(t, reg, remote.WithTransport(reg.Transport())); err != nil {
		t.Fatalf("push/pull without auth: %v", err)
	}
}

func TestBasicAuth(t *testing.T) {
	reg := New(t, Options{Auth: true})
	tr := remote.WithTransport(reg.Transport())

	err := pushPull(t, reg, tr)
	if statusCode(err) != http.StatusUnauthorized {
		t.Fatalf("anonymous push: got %v, want 401 Unauthorized", err)
	}
	wrong := remote.WithAuth(&authn.Basic{Username: reg.Username, Password: "wrong"})
	if err := pushPull(t, reg, tr, wrong); statusCode(err) != http.StatusUnauthorized {
		t.Fatalf("push with a wrong password: got %v, want 401 Unauthorized", err)
	}
	good := remote.WithAuth(&authn.Basic{Username: reg.Username, Password: reg.Password})
	if err := pushPull(t, reg, tr, good); err != nil {
		t.Fatalf("push/pull with credentials: %v", err)
	}
	if len(reg.DockerConfigJSON()) == 0 || !strings.Contains(string(reg.DockerConfigJSON()), reg.Addr) {
		t.Fatalf("docker config does not name %s: %s", reg.Addr, reg.DockerConfigJSON())
	}
}

func TestTLSWithAuth(t *testing.T) {
	reg := New(t, Options{Auth: true, TLS: true})
	good := remote.WithAuth(&authn.Basic{Username: reg.Username, Password: reg.Password})
	if err := pushPull(t, reg, remote.WithTransport(reg.Transport()), good); err != nil {
		t.Fatalf("push/pull over TLS: %v", err)
	}
	// Without the CA the server certificate is not trusted.
	plain := http.DefaultTransport.(*http.Transport).Clone()
	plain.Proxy = nil
	err := pushPull(t, reg, remote.WithTransport(plain), good)
	if err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("push without the CA: got %v, want a certificate error", err)
	}
}

func TestClientCertificates(t *testing.T) {
	reg := New(t, Options{ClientCerts: true})
	if err := pushPull(t, reg, remote.WithTransport(reg.Transport())); err != nil {
		t.Fatalf("push/pull with a client certificate: %v", err)
	}
	noCert := reg.Transport()
	noCert.TLSClientConfig.Certificates = nil
	if err := pushPull(t, reg, remote.WithTransport(noCert)); err == nil {
		t.Fatal("push without a client certificate succeeded, want a TLS error")
	}
}

func TestOtherLoopbackHost(t *testing.T) {
	reg := New(t, Options{Host: "127.0.0.2"})
	if !strings.HasPrefix(reg.Addr, "127.0.0.2:") {
		t.Fatalf("registry listens on %s, want 127.0.0.2", reg.Addr)
	}
	ref, err := name.ParseReference(reg.Repo("tide/test")+":v1", name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	img, err := random.Image(64, 1)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(ref, img, remote.WithTransport(reg.Transport())); err != nil {
		t.Fatalf("push to %s: %v", reg.Addr, err)
	}
}

func TestStopEndsProcessAndRemovesFiles(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	reg, err := Start(ctx, Options{Auth: true, TLS: true})
	if err != nil {
		t.Fatal(err)
	}
	pid := reg.proc.Pid()
	if err := reg.Stop(); err != nil {
		t.Fatalf("stop: %v", err)
	}
	select {
	case <-reg.Exited():
	default:
		t.Fatal("process still running after Stop")
	}
	if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
		t.Fatalf("process %d still exists after Stop (kill -0: %v)", pid, err)
	}
	if _, err := os.Stat(reg.Dir); !os.IsNotExist(err) {
		t.Fatalf("directory %s still there after Stop: %v", reg.Dir, err)
	}
	if conn, err := net.Dial("tcp", reg.Addr); err == nil {
		conn.Close()
		t.Fatalf("%s still accepts connections after Stop", reg.Addr)
	}
	if err := reg.Stop(); err != nil {
		t.Fatalf("second stop: %v", err)
	}
}

func TestMissingBinary(t *testing.T) {
	_, err := Start(context.Background(), Options{Binary: "/nonexistent/docker-registry"})
	if err == nil || !strings.Contains(err.Error(), "apt-get install -y docker-registry") {
		t.Fatalf("missing binary: got %v, want an error with the install command", err)
	}
}
