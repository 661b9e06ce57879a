/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package gitserver

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tide-gitops/tide/internal/testserver/process"
)

// SSHServer is a running OpenSSH sshd on 127.0.0.1 that lets one generated client key run git-upload-pack and
// git-receive-pack on the server's repositories, as the user running the tests.
type SSHServer struct {
	// Addr is "127.0.0.1:PORT".
	Addr string
	// User is the login name in repository URLs (the user running the tests).
	User string
	// ClientKey is the unencrypted OpenSSH private key accepted by the server.
	ClientKey []byte
	// ClientKeyFile holds ClientKey (mode 0600).
	ClientKeyFile string
	// ClientPublicKey is the authorized_keys line of ClientKey.
	ClientPublicKey string
	// KnownHosts is the known_hosts line of the server's host key ("[127.0.0.1]:PORT ssh-ed25519 ...").
	KnownHosts []byte
	// KnownHostsFile holds KnownHosts.
	KnownHostsFile string
	// HostKeyFile is the server's private host key, for tests that need a second server with the same key.
	HostKeyFile string

	s              *Server
	dir            string
	authorizedKeys string
	proc           *process.Process
}

// sshdLogSize is how much of sshd's log SSHServer.Log keeps: all of it in practice.
const sshdLogSize = 4 << 20

// sshdPath finds sshd, which lives in /usr/sbin, outside most users' PATH.
func sshdPath() (string, error) {
	if p, err := exec.LookPath("sshd"); err == nil {
		return p, nil
	}
	for _, p := range []string{"/usr/sbin/sshd", "/usr/local/sbin/sshd"} {
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", errors.New("sshd not found: install OpenSSH's server (Debian package openssh-server)")
}

// StartSSH starts sshd serving the repositories until the test ends. URLs carry the repository's absolute
// path: ssh://USER@127.0.0.1:PORT/<root>/<name>.git (see RepoURL).
func (s *Server) StartSSH(t testing.TB) *SSHServer {
	t.Helper()
	sshd, err := sshdPath()
	if err != nil {
		t.Fatal(err)
	}
	u, err := user.Current()
	if err != nil {
		t.Fatalf("looking up the current user: %v", err)
	}
	h := &SSHServer{s: s, dir: t.TempDir(), User: u.Username}
	if err := h.writeKeys(); err != nil {
		t.Fatal(err)
	}
	if os.Geteuid() == 0 {
		// sshd running as root insists on its privilege separation directory, which only the system's
		// service start-up would otherwise create.
		if err := os.MkdirAll("/run/sshd", 0o755); err != nil {
			t.Fatalf("creating /run/sshd: %v", err)
		}
	}
	h.proc, err = process.OnFreePort("127.0.0.1", process.Attempts, func(port string) (*process.Process, error) {
		return h.start(sshd, port)
	})
	if err != nil {
		t.Fatalf("starting sshd: %v", err)
	}
	t.Cleanup(h.Close)
	if err := h.writeKnownHosts(); err != nil {
		t.Fatal(err)
	}
	return h
}

func (h *SSHServer) writeKeys() error {
	h.HostKeyFile = filepath.Join(h.dir, "ssh_host_ed25519_key")
	h.ClientKeyFile = filepath.Join(h.dir, "id_ed25519")
	for _, k := range []string{h.HostKeyFile, h.ClientKeyFile} {
		out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "gitserver", "-f", k).CombinedOutput()
		if err != nil {
			return fmt.Errorf("ssh-keygen (Debian package openssh-client): %w: %s", err, out)
		}
	}
	var err error
	if h.ClientKey, err = os.ReadFile(h.ClientKeyFile); err != nil {
		return err
	}
	pub, err := os.ReadFile(h.ClientKeyFile + ".pub")
	if err != nil {
		return err
	}
	h.ClientPublicKey = strings.TrimSpace(string(pub))
	h.authorizedKeys = filepath.Join(h.dir, "authorized_keys")
	return os.WriteFile(h.authorizedKeys, []byte(h.ClientPublicKey+"\n"), 0o600)
}

// AuthorizeKey adds an authorized_keys line (e.g. the public key of an encrypted private key) to the keys
// the server accepts.
func (h *SSHServer) AuthorizeKey(t testing.TB, publicKey string) {
	t.Helper()
	f, err := os.OpenFile(h.authorizedKeys, os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	if _, err := f.WriteString(strings.TrimSpace(publicKey) + "\n"); err != nil {
		t.Fatal(err)
	}
}

func (h *SSHServer) config(port string) string {
	return strings.Join([]string{
		"Port " + port,
		"ListenAddress 127.0.0.1",
		"HostKey " + h.HostKeyFile,
		"PidFile none",
		"AuthorizedKeysFile " + h.authorizedKeys,
		"PubkeyAuthentication yes",
		"PasswordAuthentication no",
		"KbdInteractiveAuthentication no",
		"UsePAM no",
		"StrictModes no",
		"PermitRootLogin prohibit-password",
		"AllowTcpForwarding no",
		"X11Forwarding no",
		"PrintMotd no",
		"MaxStartups 100",
		"MaxSessions 100",
		"LogLevel VERBOSE",
	}, "\n") + "\n"
}

// start runs sshd on port and returns once it listens. On failure the process it returns (if any) has
// ended.
func (h *SSHServer) start(sshd, port string) (*process.Process, error) {
	cfg := filepath.Join(h.dir, "sshd_config")
	if err := os.WriteFile(cfg, []byte(h.config(port)), 0o600); err != nil {
		return nil, err
	}
	p, err := process.Launch(sshd, []string{"-D", "-e", "-f", cfg}, process.Options{LogSize: sshdLogSize}, waitListening)
	if err == nil {
		h.Addr = net.JoinHostPort("127.0.0.1", port)
	}
	return p, err
}

// waitListening waits until sshd logs that it listens.
func waitListening(p *process.Process) error {
	// sshd has no timeout of its own for this: a minute is far more than it takes.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	err := p.WaitReady(ctx, 10*time.Millisecond, func() error {
		if strings.Contains(p.Logs(), "Server listening on") {
			return nil
		}
		return errors.New("not listening yet")
	})
	if errors.Is(err, process.ErrExited) {
		return fmt.Errorf("sshd exited: %s", p.Logs())
	}
	if err != nil {
		return fmt.Errorf("sshd did not listen: %w: %s", err, p.Logs())
	}
	return nil
}

// writeKnownHosts writes the known_hosts line of the server's host key at h.Addr.
func (h *SSHServer) writeKnownHosts() error {
	hostPub, err := os.ReadFile(h.HostKeyFile + ".pub")
	if err != nil {
		return err
	}
	_, port, err := net.SplitHostPort(h.Addr)
	if err != nil {
		return err
	}
	fields := strings.Fields(string(hostPub))
	h.KnownHosts = []byte(fmt.Sprintf("[127.0.0.1]:%s %s %s\n", port, fields[0], fields[1]))
	h.KnownHostsFile = filepath.Join(h.dir, "known_hosts")
	return os.WriteFile(h.KnownHostsFile, h.KnownHosts, 0o644)
}

// Log returns what sshd printed so far, for test failure messages.
func (h *SSHServer) Log() string { return h.proc.Logs() }

// RepoURL returns the ssh:// URL of the repository `<name>.git`.
func (h *SSHServer) RepoURL(name string) string {
	return fmt.Sprintf("ssh://%s@%s%s", h.User, h.Addr, filepath.ToSlash(filepath.Join(h.s.root, name+".git")))
}

// GitSSHCommand is a GIT_SSH_COMMAND value that makes the git CLI use the client key and known_hosts.
func (h *SSHServer) GitSSHCommand() string {
	return fmt.Sprintf("ssh -i %s -o IdentitiesOnly=yes -o UserKnownHostsFile=%s -o StrictHostKeyChecking=yes -o BatchMode=yes",
		h.ClientKeyFile, h.KnownHostsFile)
}

// Close stops sshd (SIGTERM, then SIGKILL after 10s). Tests need not call it: it runs at cleanup.
func (h *SSHServer) Close() { h.proc.Stop(10 * time.Second) }
