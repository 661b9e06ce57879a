/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tide-gitops/tide/internal/testserver/gitserver"
)

func TestEnsureResources(t *testing.T) {
	const patched = `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
# our own additions
resources:
- gotk-components.yaml
patches:
- patch: |
    - op: add
      path: /metadata/annotations/team
      value: platform
  target:
    kind: Deployment
`
	for _, tc := range []struct {
		name, existing string
		want           []string
		same           bool
	}{
		{name: "new", want: []string{"kind: Kustomization", "- gotk-components.yaml\n- gotk-sync.yaml\n"}},
		{name: "complete", existing: "resources:\n- gotk-sync.yaml\n- gotk-components.yaml\n", same: true},
		{name: "missing one, patches kept", existing: patched,
			want: []string{"# our own additions", "- gotk-components.yaml\n- gotk-sync.yaml\n", "path: /metadata/annotations/team"}},
		{name: "no resources", existing: "kind: Kustomization\n", want: []string{"resources:\n- gotk-components.yaml\n- gotk-sync.yaml\n"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var existing []byte
			if tc.existing != "" {
				existing = []byte(tc.existing)
			}
			got, err := ensureResources(existing, componentsFile, syncFile)
			if err != nil {
				t.Fatal(err)
			}
			if tc.same && string(got) != tc.existing {
				t.Errorf("a complete kustomization was rewritten:\n%s", got)
			}
			for _, w := range tc.want {
				if !strings.Contains(string(got), w) {
					t.Errorf("result lacks %q:\n%s", w, got)
				}
			}
		})
	}
	if _, err := ensureResources([]byte("resources: [unclosed\n"), componentsFile); err == nil {
		t.Error("invalid YAML is accepted")
	}
}

func TestCleanRepoPath(t *testing.T) {
	for in, want := range map[string]string{
		"":                      "",
		".":                     "",
		"./":                    "",
		"clusters/my-cluster":   "clusters/my-cluster",
		"./clusters/my-cluster": "clusters/my-cluster",
		"clusters//dev/":        "clusters/dev",
		"clusters/../prod":      "prod",
	} {
		if got, err := cleanRepoPath(in); err != nil || got != want {
			t.Errorf("cleanRepoPath(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"/clusters/dev", "..", "../other", "clusters/../../x"} {
		if _, err := cleanRepoPath(bad); err == nil {
			t.Errorf("cleanRepoPath(%q) accepted", bad)
		}
	}
}

// TestBootstrapGitSSH drives the Git side of bootstrap against a real sshd: the host key is scanned (and
// matches the server's), the private key authenticates, an empty repository gets its first commit on the
// branch, and a second run commits nothing. A known_hosts file with another key is refused.
func TestBootstrapGitSSH(t *testing.T) {
	newRootCommand() // the defaults of the global flags
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	srv := gitserver.New(t)
	repo := srv.CreateRepo(t, "fleet")
	sshd := srv.StartSSH(t)
	o := &bootstrapGitOptions{url: sshd.RepoURL("fleet"), branch: "main", path: "clusters/dev", privateKeyFile: sshd.ClientKeyFile,
		interval: time.Minute, registry: defaultRegistry, authorName: "tide", authorEmail: "tide@example.com"}

	var out bytes.Buffer
	remote, err := newGitRemote(ctx, &out, o)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "trusting the host key") || string(remote.secretData["known_hosts"]) != string(sshd.KnownHosts) {
		t.Errorf("scanned known_hosts %q, want %q\n%s", remote.secretData["known_hosts"], sshd.KnownHosts, out.String())
	}
	if string(remote.secretData["identity"]) != string(sshd.ClientKey) || !strings.HasPrefix(string(remote.secretData["identity.pub"]), "ssh-ed25519 ") {
		t.Errorf("secret keys %v", remote.secretData)
	}
	var heads []string
	for run := 1; run <= 2; run++ {
		co, err := remote.cloneBranch(ctx, o.branch)
		if err != nil {
			t.Fatalf("run %d: %v", run, err)
		}
		defer os.RemoveAll(co.dir)
		if co.fresh != (run == 1) {
			t.Errorf("run %d: fresh=%v", run, co.fresh)
		}
		out.Reset()
		head, err := commitManifests(ctx, &out, o, remote, co)
		if err != nil {
			t.Fatalf("run %d: %v\n%s", run, err, out.String())
		}
		if got := repo.Head(t, "main"); got != head.String() {
			t.Errorf("run %d: main is at %s, bootstrap reports %s", run, got, head)
		}
		heads = append(heads, head.String())
	}
	if heads[0] != heads[1] || !strings.Contains(out.String(), "up to date") {
		t.Errorf("the second run committed: %v\n%s", heads, out.String())
	}
	if files := repo.Git(t, "ls-tree", "-r", "--name-only", "main"); files != "clusters/dev/flux-system/gotk-components.yaml\n"+
		"clusters/dev/flux-system/gotk-sync.yaml\nclusters/dev/flux-system/kustomization.yaml" {
		t.Errorf("files on main:\n%s", files)
	}

	// A known_hosts file whose key is not the server's is refused before anything is sent.
	wrong := filepath.Join(t.TempDir(), "known_hosts")
	hostPort := strings.Fields(string(sshd.KnownHosts))[0]
	if err := os.WriteFile(wrong, []byte(hostPort+" "+sshd.ClientPublicKey+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	o.knownHostsFile = wrong
	remote, err = newGitRemote(ctx, &out, o)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := remote.cloneBranch(ctx, o.branch); err == nil || !strings.Contains(err.Error(), "host key is not in --ssh-known-hosts-file") {
		t.Errorf("a wrong host key: %v", err)
	}
}
