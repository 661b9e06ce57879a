/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package controller

import (
	"strings"
	"testing"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// testKubeConfig returns a kubeconfig with one context "remote" (cluster "c", user "u") using a token, changed
// by mutate, serialized as a Secret would hold it.
func testKubeConfig(t testing.TB, mutate func(*clientcmdapi.Config)) []byte {
	t.Helper()
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["c"] = &clientcmdapi.Cluster{Server: "https://127.0.0.1:6443", CertificateAuthorityData: []byte("ca")}
	cfg.AuthInfos["u"] = &clientcmdapi.AuthInfo{Token: "secret-token"}
	cfg.Contexts["remote"] = &clientcmdapi.Context{Cluster: "c", AuthInfo: "u"}
	cfg.CurrentContext = "remote"
	if mutate != nil {
		mutate(cfg)
	}
	b, err := clientcmd.Write(*cfg)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func execUser(u *clientcmdapi.AuthInfo) {
	u.Token = ""
	u.Exec = &clientcmdapi.ExecConfig{APIVersion: "client.authentication.k8s.io/v1", Command: "aws",
		Args: []string{"eks", "get-token"}, InteractiveMode: clientcmdapi.NeverExecInteractiveMode}
}

func TestParseKubeConfig(t *testing.T) {
	all := KubeConfigOptions{InsecureExec: true, InsecureTLS: true}
	cases := []struct {
		name    string
		data    []byte
		opts    KubeConfigOptions
		wantErr string // empty: accepted
		check   func(*rest.Config) bool
	}{
		{name: "token", data: testKubeConfig(t, nil), check: func(c *rest.Config) bool {
			return c.Host == "https://127.0.0.1:6443" && c.BearerToken == "secret-token" && string(c.CAData) == "ca" &&
				c.Timeout == remoteRequestTimeout
		}},
		{name: "client certificate", data: testKubeConfig(t, func(c *clientcmdapi.Config) {
			c.AuthInfos["u"] = &clientcmdapi.AuthInfo{ClientCertificateData: []byte("cert"), ClientKeyData: []byte("key")}
		}), check: func(c *rest.Config) bool { return string(c.CertData) == "cert" && string(c.KeyData) == "key" }},
		{name: "exec refused", data: testKubeConfig(t, func(c *clientcmdapi.Config) { execUser(c.AuthInfos["u"]) }),
			wantErr: "user 'u' uses an exec credential plugin (command 'aws'), which is refused"},
		{name: "exec allowed by the flag", opts: KubeConfigOptions{InsecureExec: true},
			data:  testKubeConfig(t, func(c *clientcmdapi.Config) { execUser(c.AuthInfos["u"]) }),
			check: func(c *rest.Config) bool { return c.ExecProvider != nil && c.ExecProvider.Command == "aws" }},
		{name: "exec of another context's user is never used", data: testKubeConfig(t, func(c *clientcmdapi.Config) {
			c.AuthInfos["other"] = &clientcmdapi.AuthInfo{}
			execUser(c.AuthInfos["other"])
		}), check: func(c *rest.Config) bool { return c.ExecProvider == nil }},
		{name: "insecure-skip-tls-verify refused", data: testKubeConfig(t, func(c *clientcmdapi.Config) {
			c.Clusters["c"].CertificateAuthorityData, c.Clusters["c"].InsecureSkipTLSVerify = nil, true
		}), opts: KubeConfigOptions{InsecureExec: true}, wantErr: "--insecure-kubeconfig-tls"},
		{name: "insecure-skip-tls-verify allowed by the flag", opts: KubeConfigOptions{InsecureTLS: true},
			data: testKubeConfig(t, func(c *clientcmdapi.Config) {
				c.Clusters["c"].CertificateAuthorityData, c.Clusters["c"].InsecureSkipTLSVerify = nil, true
			}), check: func(c *rest.Config) bool { return c.Insecure }},
		{name: "auth-provider refused whatever the flags", opts: all, data: testKubeConfig(t, func(c *clientcmdapi.Config) {
			c.AuthInfos["u"] = &clientcmdapi.AuthInfo{AuthProvider: &clientcmdapi.AuthProviderConfig{Name: "oidc"}}
		}), wantErr: "auth-provider plugin 'oidc', which is not supported"},
		{name: "token file refused", opts: all, data: testKubeConfig(t, func(c *clientcmdapi.Config) {
			c.AuthInfos["u"] = &clientcmdapi.AuthInfo{TokenFile: "/var/run/secrets/kubernetes.io/serviceaccount/token"}
		}), wantErr: "reads its token from a file"},
		{name: "client key file refused", opts: all, data: testKubeConfig(t, func(c *clientcmdapi.Config) {
			c.AuthInfos["u"] = &clientcmdapi.AuthInfo{ClientCertificateData: []byte("cert"), ClientKey: "/etc/key.pem"}
		}), wantErr: "client certificate or key from a file"},
		{name: "certificate authority file refused", opts: all, data: testKubeConfig(t, func(c *clientcmdapi.Config) {
			c.Clusters["c"].CertificateAuthority = "/etc/ca.pem"
		}), wantErr: "certificate-authority from a file"},
		{name: "empty", data: []byte(" \n"), wantErr: "the kubeconfig is empty"},
		{name: "malformed", data: []byte("apiVersion: v1\nclusters: [name: x\n"), wantErr: "not a valid kubeconfig"},
		{name: "no current context", data: []byte("foo: bar\n"), wantErr: "has no current-context"},
		{name: "unknown current context", data: testKubeConfig(t, func(c *clientcmdapi.Config) { c.CurrentContext = "prod" }),
			wantErr: "current-context 'prod' is not among"},
		{name: "unknown cluster", data: testKubeConfig(t, func(c *clientcmdapi.Config) { delete(c.Clusters, "c") }),
			wantErr: "cluster 'c' of context 'remote' is not among"},
		{name: "unknown user", data: testKubeConfig(t, func(c *clientcmdapi.Config) { delete(c.AuthInfos, "u") }),
			wantErr: "user 'u' of context 'remote' is not among"},
		{name: "no server", data: testKubeConfig(t, func(c *clientcmdapi.Config) { c.Clusters["c"].Server = "" }),
			wantErr: "cluster 'c' has no server address"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := parseKubeConfig(tc.data, tc.opts)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error = %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("refused: %v", err)
			}
			if !tc.check(cfg) {
				t.Errorf("unexpected config: %+v", cfg)
			}
		})
	}
}

// FuzzParseKubeConfig feeds arbitrary Secret contents to the parser: it must never panic, and whatever it accepts
// must carry nothing it refuses (exec plugins and insecure TLS without the flags, auth-provider plugins and
// file references ever).
func FuzzParseKubeConfig(f *testing.F) {
	f.Add(testKubeConfig(f, nil), false, false)
	f.Add(testKubeConfig(f, func(c *clientcmdapi.Config) { execUser(c.AuthInfos["u"]) }), true, false)
	f.Add(testKubeConfig(f, func(c *clientcmdapi.Config) { execUser(c.AuthInfos["u"]) }), false, true)
	f.Add(testKubeConfig(f, func(c *clientcmdapi.Config) { c.Clusters["c"].InsecureSkipTLSVerify = true }), false, true)
	f.Add(testKubeConfig(f, func(c *clientcmdapi.Config) { c.AuthInfos["u"].TokenFile = "/tmp/t" }), true, true)
	f.Add([]byte(`{"apiVersion":"v1","kind":"Config","current-context":"x","contexts":[{"name":"x","context":{"cluster":"x"}}],`+
		`"clusters":[{"name":"x","cluster":{"server":"http://h"}}]}`), false, false)
	f.Add([]byte("current-context: a\ncontexts:\n- name: a\n  context: {cluster: a, user: a}\n"), false, false)
	f.Fuzz(func(t *testing.T, data []byte, allowExec, allowTLS bool) {
		cfg, err := parseKubeConfig(data, KubeConfigOptions{InsecureExec: allowExec, InsecureTLS: allowTLS})
		if err != nil {
			return
		}
		switch {
		case cfg.ExecProvider != nil && !allowExec:
			t.Error("accepted an exec plugin without --insecure-kubeconfig-exec")
		case cfg.Insecure && !allowTLS:
			t.Error("accepted insecure-skip-tls-verify without --insecure-kubeconfig-tls")
		case cfg.AuthProvider != nil:
			t.Error("accepted an auth-provider plugin")
		case cfg.CAFile != "" || cfg.CertFile != "" || cfg.KeyFile != "" || cfg.BearerTokenFile != "":
			t.Errorf("accepted a file reference: %+v", cfg.TLSClientConfig)
		case cfg.Host == "":
			t.Error("accepted a kubeconfig without a server")
		}
	})
}
