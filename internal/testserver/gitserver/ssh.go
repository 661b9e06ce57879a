/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package gitserver

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
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
	cmd            *exec.Cmd
	done           chan struct{}
	mu             sync.Mutex
	log            bytes.Buffer
}

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
	// A free port can be taken between our probe and sshd's bind: try a few.
	for attempt := 0; ; attempt++ {
		err = h.start(sshd)
		if err == nil {
			break
		}
		if attempt == 4 {
			t.Fatalf("starting sshd: %v", err)
		}
	}
	t.Cleanup(h.Close)
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

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer func() { _ = l.Close() }()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func (h *SSHServer) config(port int) string {
	return strings.Join([]string{
		"Port " + strconv.Itoa(port),
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

// start runs sshd on a free port and returns once it listens.
func (h *SSHServer) start(sshd string) error {
	port, err := freePort()
	if err != nil {
		return err
	}
	cfg := filepath.Join(h.dir, "sshd_config")
	if err := os.WriteFile(cfg, []byte(h.config(port)), 0o600); err != nil {
		return err
	}
	cmd := exec.Command(sshd, "-D", "-e", "-f", cfg)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("running %s: %w", sshd, err)
	}
	ready := make(chan struct{})
	done := make(chan struct{})
	go h.readLog(stderr, ready, done)
	select {
	case <-ready:
	case <-done:
		_ = cmd.Wait()
		return fmt.Errorf("sshd exited: %s", h.Log())
	}
	h.cmd, h.done = cmd, done
	h.Addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	hostPub, err := os.ReadFile(h.HostKeyFile + ".pub")
	if err != nil {
		return err
	}
	fields := strings.Fields(string(hostPub))
	h.KnownHosts = []byte(fmt.Sprintf("[127.0.0.1]:%d %s %s\n", port, fields[0], fields[1]))
	h.KnownHostsFile = filepath.Join(h.dir, "known_hosts")
	return os.WriteFile(h.KnownHostsFile, h.KnownHosts, 0o644)
}

// readLog keeps sshd's log and closes ready when sshd listens, done when its stderr closes.
func (h *SSHServer) readLog(r io.Reader, ready, done chan struct{}) {
	defer close(done)
	sc := bufio.NewScanner(r)
	signalled := false
	for sc.Scan() {
		h.mu.Lock()
		h.log.WriteString(sc.Text() + "\n")
		h.mu.Unlock()
		if !signalled && strings.HasPrefix(sc.Text(), "Server listening on") {
			signalled = true
			close(ready)
		}
	}
}

// Log returns what sshd printed so far, for test failure messages.
func (h *SSHServer) Log() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.log.String()
}

// RepoURL returns the ssh:// URL of the repository `<name>.git`.
func (h *SSHServer) RepoURL(name string) string {
	return fmt.Sprintf("ssh://%s@%s%s", h.User, h.Addr, filepath.ToSlash(filepath.Join(h.s.root, name+".git")))
}

// GitSSHCommand is a GIT_SSH_COMMAND value that makes the git CLI use the client key and known_hosts.
func (h *SSHServer) GitSSHCommand() string {
	return fmt.Sprintf("ssh -i %s -o IdentitiesOnly=yes -o UserKnownHostsFile=%s -o StrictHostKeyChecking=yes -o BatchMode=yes",
		h.ClientKeyFile, h.KnownHostsFile)
}

// Close stops sshd. Tests need not call it: it runs at cleanup.
func (h *SSHServer) Close() {
	if h.cmd == nil || h.cmd.Process == nil {
		return
	}
	_ = h.cmd.Process.Signal(syscall.SIGTERM)
	<-h.done
	_ = h.cmd.Wait()
	h.cmd = nil
}
