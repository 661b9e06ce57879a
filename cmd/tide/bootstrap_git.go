/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/plumbing/transport"
	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"
	gitssh "github.com/go-git/go-git/v5/plumbing/transport/ssh"
	"github.com/go-git/go-git/v5/storage/memory"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// gitRemote is the repository bootstrap pushes to, with the credentials to reach it and the same credentials
// as the data of the Secret the GitRepository uses (keys as source-controller reads them).
type gitRemote struct {
	url        string
	auth       transport.AuthMethod
	caBundle   []byte
	secretData map[string][]byte
}

// newGitRemote checks the URL and loads the credentials: basic auth (and a CA) for https://, a private key
// with known hosts for ssh://.
func newGitRemote(ctx context.Context, out io.Writer, o *bootstrapGitOptions) (*gitRemote, error) {
	u, err := url.Parse(o.url)
	if err != nil {
		return nil, fmt.Errorf("--url %q: %w", o.url, err)
	}
	if _, hasPassword := u.User.Password(); hasPassword {
		return nil, errors.New("--url must not contain a password: pass it with --password or TIDE_GIT_PASSWORD")
	}
	switch u.Scheme {
	case "https":
		return newHTTPSRemote(o)
	case "ssh":
		return newSSHRemote(ctx, out, o, u)
	default:
		return nil, fmt.Errorf("--url %q: the scheme must be https:// or ssh://", o.url)
	}
}

func newHTTPSRemote(o *bootstrapGitOptions) (*gitRemote, error) {
	if o.privateKeyFile != "" || o.knownHostsFile != "" {
		return nil, errors.New("--private-key-file and --ssh-known-hosts-file apply to ssh:// URLs only")
	}
	r := &gitRemote{url: o.url, secretData: map[string][]byte{}}
	if o.password != "" {
		r.auth = &githttp.BasicAuth{Username: o.username, Password: o.password}
		r.secretData["username"] = []byte(o.username)
		r.secretData["password"] = []byte(o.password)
	}
	if o.caFile != "" {
		ca, err := os.ReadFile(o.caFile)
		if err != nil {
			return nil, fmt.Errorf("reading --ca-file: %w", err)
		}
		r.caBundle = ca
		r.secretData["ca.crt"] = ca
	}
	return r, nil
}

func newSSHRemote(ctx context.Context, out io.Writer, o *bootstrapGitOptions, u *url.URL) (*gitRemote, error) {
	if o.privateKeyFile == "" {
		return nil, errors.New("ssh:// URLs need --private-key-file: a key with push access to the repository")
	}
	if o.caFile != "" {
		return nil, errors.New("--ca-file applies to https:// URLs only")
	}
	key, err := os.ReadFile(o.privateKeyFile)
	if err != nil {
		return nil, fmt.Errorf("reading --private-key-file: %w", err)
	}
	user := u.User.Username()
	if user == "" {
		user = "git"
	}
	auth, err := gitssh.NewPublicKeys(user, key, o.password)
	if err != nil {
		return nil, fmt.Errorf("loading --private-key-file %s (a passphrase goes in --password): %w", o.privateKeyFile, err)
	}
	hostPort := net.JoinHostPort(u.Hostname(), portOr(u.Port(), "22"))
	knownHosts, err := loadKnownHosts(ctx, out, o.knownHostsFile, hostPort)
	if err != nil {
		return nil, err
	}
	if err := setKnownHosts(auth, knownHosts, hostPort); err != nil {
		return nil, err
	}
	data := map[string][]byte{
		"identity":     key,
		"identity.pub": ssh.MarshalAuthorizedKey(auth.Signer.PublicKey()),
		"known_hosts":  knownHosts,
	}
	if o.password != "" {
		data["password"] = []byte(o.password)
	}
	return &gitRemote{url: o.url, auth: auth, secretData: data}, nil
}

func portOr(port, def string) string {
	if port == "" {
		return def
	}
	return port
}

// loadKnownHosts reads the known_hosts file, or, without one, asks the server for its host key and trusts it
// (as ssh-keyscan would), printing its fingerprint so the user can compare it with the server's.
func loadKnownHosts(ctx context.Context, out io.Writer, file, hostPort string) ([]byte, error) {
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("reading --ssh-known-hosts-file: %w", err)
		}
		return b, nil
	}
	var hostKey ssh.PublicKey
	errScanned := errors.New("host key scanned")
	cfg := &ssh.ClientConfig{
		User:    "git",
		Timeout: 30 * time.Second,
		HostKeyCallback: func(_ string, _ net.Addr, key ssh.PublicKey) error {
			hostKey = key
			return errScanned
		},
	}
	conn, err := (&net.Dialer{Timeout: cfg.Timeout}).DialContext(ctx, "tcp", hostPort)
	if err != nil {
		return nil, fmt.Errorf("scanning the SSH host key of %s: %w", hostPort, err)
	}
	defer conn.Close()
	if _, _, _, err := ssh.NewClientConn(conn, hostPort, cfg); hostKey == nil {
		return nil, fmt.Errorf("scanning the SSH host key of %s: %w", hostPort, err)
	}
	fmt.Fprintf(out, "◎ no --ssh-known-hosts-file: trusting the host key %s presents now: %s %s\n",
		hostPort, hostKey.Type(), ssh.FingerprintSHA256(hostKey))
	return []byte(knownhosts.Line([]string{knownhosts.Normalize(hostPort)}, hostKey) + "\n"), nil
}

// setKnownHosts makes auth accept only the host keys listed in knownHosts, negotiating their algorithms.
func setKnownHosts(auth *gitssh.PublicKeys, knownHosts []byte, hostPort string) error {
	f, err := os.CreateTemp("", "tide-known-hosts-")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(knownHosts); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	db, err := gitssh.NewKnownHostsDb(f.Name())
	if err != nil {
		return fmt.Errorf("reading the known hosts: %w", err)
	}
	auth.HostKeyCallback = db.HostKeyCallback()
	auth.HostKeyAlgorithms = db.HostKeyAlgorithms(hostPort)
	return nil
}

// explain turns go-git's errors into messages that say what to do.
func (r *gitRemote) explain(action string, err error) error {
	switch {
	// go-git repeats a sentinel's text in its message: keep only the sentinel.
	case errors.Is(err, transport.ErrAuthenticationRequired):
		return fmt.Errorf("%s %s: the server rejected the credentials: check --username and --password (or %s): %w",
			action, r.url, passwordEnv, transport.ErrAuthenticationRequired)
	case errors.Is(err, transport.ErrAuthorizationFailed):
		return fmt.Errorf("%s %s: the credentials are not allowed to access the repository (pushing needs write access): %w",
			action, r.url, transport.ErrAuthorizationFailed)
	case strings.Contains(err.Error(), "ssh: unable to authenticate"):
		return fmt.Errorf("%s %s: the SSH server rejected the key of --private-key-file: add its public key to the repository "+
			"(a deploy key with write access) or check the user in --url: %w", action, r.url, err)
	case strings.Contains(err.Error(), "knownhosts: key mismatch"), strings.Contains(err.Error(), "knownhosts: key is unknown"):
		return fmt.Errorf("%s %s: the SSH server's host key is not in --ssh-known-hosts-file: %w", action, r.url, err)
	case errors.Is(err, transport.ErrRepositoryNotFound):
		return fmt.Errorf("%s %s: the repository does not exist: create it first: %w", action, r.url, transport.ErrRepositoryNotFound)
	}
	return fmt.Errorf("%s %s: %w", action, r.url, err)
}

// checkout is a local clone of the bootstrap branch in a temporary directory.
type checkout struct {
	dir    string
	repo   *git.Repository
	branch plumbing.ReferenceName
	// fresh is true when the branch did not exist: the first commit creates it.
	fresh bool
}

// cloneBranch clones branch into a new temporary directory, or, when the repository is empty or has no such
// branch, starts a repository whose first commit will create it.
func (r *gitRemote) cloneBranch(ctx context.Context, branch string) (*checkout, error) {
	dir, err := os.MkdirTemp("", "tide-bootstrap-")
	if err != nil {
		return nil, err
	}
	co := &checkout{dir: dir, branch: plumbing.NewBranchReferenceName(branch)}
	exists, err := r.hasBranch(ctx, co.branch)
	if err == nil && exists {
		co.repo, err = git.PlainCloneContext(ctx, dir, false, &git.CloneOptions{
			URL: r.url, Auth: r.auth, CABundle: r.caBundle,
			ReferenceName: co.branch, SingleBranch: true,
		})
		err = r.wrapIf("cloning", err)
	} else if err == nil {
		co.fresh = true
		co.repo, err = initCheckout(dir, r.url, co.branch)
	}
	if err != nil {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	return co, nil
}

func (r *gitRemote) wrapIf(action string, err error) error {
	if err == nil {
		return nil
	}
	return r.explain(action, err)
}

// hasBranch lists the remote's references; an empty repository has no branch.
func (r *gitRemote) hasBranch(ctx context.Context, branch plumbing.ReferenceName) (bool, error) {
	remote := git.NewRemote(memory.NewStorage(), &config.RemoteConfig{Name: "origin", URLs: []string{r.url}})
	refs, err := remote.ListContext(ctx, &git.ListOptions{Auth: r.auth, CABundle: r.caBundle})
	if errors.Is(err, transport.ErrEmptyRemoteRepository) {
		return false, nil
	}
	if err != nil {
		return false, r.explain("connecting to", err)
	}
	for _, ref := range refs {
		if ref.Name() == branch {
			return true, nil
		}
	}
	return false, nil
}

// initCheckout creates an empty repository whose HEAD is the (unborn) branch, with the remote as origin.
func initCheckout(dir, remoteURL string, branch plumbing.ReferenceName) (*git.Repository, error) {
	repo, err := git.PlainInit(dir, false)
	if err != nil {
		return nil, fmt.Errorf("initializing a local repository: %w", err)
	}
	if _, err := repo.CreateRemote(&config.RemoteConfig{Name: "origin", URLs: []string{remoteURL}}); err != nil {
		return nil, err
	}
	if err := repo.Storer.SetReference(plumbing.NewSymbolicReference(plumbing.HEAD, branch)); err != nil {
		return nil, err
	}
	return repo, nil
}

// writeFiles writes files (paths relative to the repository root) that differ from what the checkout holds and
// returns the paths it changed.
func (co *checkout) writeFiles(files map[string][]byte) ([]string, error) {
	var changed []string
	for _, rel := range slices.Sorted(maps.Keys(files)) {
		p := filepath.Join(co.dir, filepath.FromSlash(rel))
		if old, err := os.ReadFile(p); err == nil && bytes.Equal(old, files[rel]) {
			continue
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return nil, err
		}
		if err := os.WriteFile(p, files[rel], 0o644); err != nil {
			return nil, err
		}
		changed = append(changed, rel)
	}
	return changed, nil
}

// readFile returns a file of the checkout, or nil when it does not exist.
func (co *checkout) readFile(rel string) ([]byte, error) {
	b, err := os.ReadFile(filepath.Join(co.dir, filepath.FromSlash(rel)))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	return b, err
}

// commit stages the paths and commits them.
func (co *checkout) commit(paths []string, message string, author *object.Signature) (plumbing.Hash, error) {
	wt, err := co.repo.Worktree()
	if err != nil {
		return plumbing.ZeroHash, err
	}
	for _, p := range paths {
		if _, err := wt.Add(p); err != nil {
			return plumbing.ZeroHash, fmt.Errorf("staging %s: %w", p, err)
		}
	}
	h, err := wt.Commit(message, &git.CommitOptions{Author: author})
	if err != nil {
		return plumbing.ZeroHash, fmt.Errorf("committing: %w", err)
	}
	return h, nil
}

// head is the commit the branch points at in the checkout.
func (co *checkout) head() (plumbing.Hash, error) {
	ref, err := co.repo.Reference(co.branch, true)
	if err != nil {
		return plumbing.ZeroHash, fmt.Errorf("reading branch %s: %w", co.branch.Short(), err)
	}
	return ref.Hash(), nil
}

// push sends the branch to the remote.
func (r *gitRemote) push(ctx context.Context, co *checkout) error {
	spec := config.RefSpec(co.branch.String() + ":" + co.branch.String())
	err := co.repo.PushContext(ctx, &git.PushOptions{
		RemoteName: "origin", RefSpecs: []config.RefSpec{spec}, Auth: r.auth, CABundle: r.caBundle,
	})
	if err != nil && !errors.Is(err, git.NoErrAlreadyUpToDate) {
		return r.explain("pushing to", err)
	}
	return nil
}
