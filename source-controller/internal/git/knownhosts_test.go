/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package git

import (
	"errors"
	"net"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// hashHost returns the hashed known_hosts form (|1|salt|hash) of a host, made by x/crypto.
func hashHost(t *testing.T, host string) string {
	t.Helper()
	return knownhosts.HashHostname(host)
}

const (
	edKey  = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl"
	rsaKey = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQCkQLa627Gz9NFwrWGnU7hvZGsupYJdfybn0lg3VlNQRkgqSlBC7A5nSE82QhGUfJhTHZPV0csLbUZPXFlunsnwpZPQSRrcisQ7io8vE/9nX8KqltuOpLjiYo1USoHhUDgumyYlXKLe+c1Ic6kYtjfEWC/2OpNjd+ech1Rh38vcpw=="
)

func TestParseKnownHosts(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		data string
		n    int
		err  string
	}{
		{"github.com " + edKey + "\n", 1, ""},
		{"# comment\n\n  github.com,140.82.121.4 " + edKey + " comment\n@revoked bad.example " + rsaKey + "\n", 2, ""},
		{"|1|c2FsdA==|aGFzaA== " + edKey, 1, ""},
		{"", 0, "no host key found"},
		{"# only a comment", 0, "no host key found"},
		{"github.com", 0, "line 1"},
		{"github.com ssh-ed25519 not-base64!", 0, "line 1"},
		{"ok.example " + edKey + "\nbroken", 0, "line 2"},
	} {
		kh, err := parseKnownHosts([]byte(tc.data))
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("parseKnownHosts(%q) error = %v, want %q", tc.data, err, tc.err)
			}
			continue
		}
		if err != nil || len(kh) != tc.n {
			t.Errorf("parseKnownHosts(%q) = %d entries, %v; want %d", tc.data, len(kh), err, tc.n)
		}
	}
}

func TestMatchHost(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		patterns []string
		host     string
		want     bool
	}{
		{[]string{"github.com"}, "github.com", true},
		{[]string{"GitHub.com"}, "github.com", true},
		{[]string{"github.com"}, "[github.com]:2222", false},
		{[]string{"[github.com]:2222"}, "[github.com]:2222", true},
		{[]string{"*.example.com"}, "git.example.com", true},
		{[]string{"*.example.com"}, "example.com", false},
		{[]string{"git?.example.com"}, "git1.example.com", true},
		{[]string{"*", "!evil.example.com"}, "evil.example.com", false},
		{[]string{"*", "!evil.example.com"}, "good.example.com", true},
		{[]string{"[10.0.0.*]:*"}, "[10.0.0.7]:2222", true},
		{[]string{"a*b*c"}, "axxbyyc", true},
		{[]string{"a*b*c"}, "axxbyy", false},
		{[]string{"|1|bad"}, "github.com", false},
		{[]string{hashHost(t, "github.com")}, "github.com", true},
		{[]string{hashHost(t, "github.com")}, "gitlab.com", false},
	} {
		if got := matchHost(tc.patterns, tc.host); got != tc.want {
			t.Errorf("matchHost(%q, %q) = %v, want %v", tc.patterns, tc.host, got, tc.want)
		}
	}
}

func TestHostKeyAlgorithms(t *testing.T) {
	t.Parallel()
	kh, err := parseKnownHosts([]byte("a.example " + edKey + "\na.example " + rsaKey + "\nb.example " + rsaKey + "\n"))
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(kh.hostKeyAlgorithms("a.example:22"), ",")
	if got != "ssh-ed25519,rsa-sha2-512,rsa-sha2-256,ssh-rsa" {
		t.Fatalf("algorithms for a.example = %s", got)
	}
	if got := kh.hostKeyAlgorithms("c.example:22"); len(got) != 0 {
		t.Fatalf("algorithms for an unknown host = %v", got)
	}
	pub, _, _, _, err := ssh.ParseAuthorizedKey([]byte(edKey))
	if err != nil {
		t.Fatal(err)
	}
	cb := kh.hostKeyCallback()
	addr := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 22}
	if err := cb("a.example:22", addr, pub); err != nil {
		t.Fatalf("trusted key refused: %v", err)
	}
	if err := cb("b.example:22", addr, pub); !errors.Is(err, ErrHostKey) {
		t.Fatalf("untrusted key: %v", err)
	}
}

// FuzzParseKnownHosts feeds arbitrary known_hosts data (it comes from users' Secrets) to the parser and
// the matcher: neither may panic, and a parsed file always has entries.
func FuzzParseKnownHosts(f *testing.F) {
	f.Add("github.com "+edKey, "github.com:22")
	f.Add("@revoked *,!x "+rsaKey, "[x]:2222")
	f.Add("|1|c2FsdA==|aGFzaA== "+edKey+"\n# c\n", "h:1")
	f.Add("[a*]:* "+edKey, "[abc]:22")
	f.Add("\x00\n\n", "")
	f.Fuzz(func(t *testing.T, data, addr string) {
		kh, err := parseKnownHosts([]byte(data))
		if err != nil {
			return
		}
		if len(kh) == 0 {
			t.Fatal("parsed known_hosts without entries")
		}
		_ = kh.hostKeyAlgorithms(addr)
		for _, e := range kh {
			_ = matchHost(e.patterns, addr)
		}
	})
}

func FuzzGlob(f *testing.F) {
	f.Add("*.example.com", "git.example.com")
	f.Add("a*b?c*", "aXbYcZ")
	f.Add("***", "")
	f.Add("*", "*0")
	f.Fuzz(func(t *testing.T, pattern, s string) {
		// Host names are ASCII; '?' matches one byte.
		if !isASCII(pattern) || !isASCII(s) {
			return
		}
		// The reference: the same wildcards as a regular expression.
		re := strings.NewReplacer(`\*`, ".*", `\?`, ".").Replace(regexp.QuoteMeta(pattern))
		want := regexp.MustCompile(`(?s)\A` + re + `\z`).MatchString(s)
		if got := glob(pattern, s); got != want {
			t.Fatalf("glob(%q, %q) = %v, want %v", pattern, s, got, want)
		}
	})
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
