/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package git

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha1" //nolint:gosec // OpenSSH hashes known_hosts names with HMAC-SHA1.
	"encoding/base64"
	"fmt"
	"net"
	"strings"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// knownHost is one key line of a known_hosts file.
type knownHost struct {
	marker   string // "", "revoked" or "cert-authority"
	patterns []string
	key      ssh.PublicKey
}

// knownHosts is a parsed known_hosts file.
type knownHosts []knownHost

// parseKnownHosts reads known_hosts data (OpenSSH format, plain or hashed host names, wildcards, negations,
// @revoked). It fails on a malformed line and on data without any entry.
func parseKnownHosts(data []byte) (knownHosts, error) {
	var kh knownHosts
	for i, line := range bytes.Split(data, []byte("\n")) {
		trimmed := bytes.TrimSpace(line)
		if len(trimmed) == 0 || trimmed[0] == '#' {
			continue
		}
		marker, hosts, key, _, _, err := ssh.ParseKnownHosts(trimmed)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", i+1, err)
		}
		kh = append(kh, knownHost{marker: marker, patterns: hosts, key: key})
	}
	if len(kh) == 0 {
		return nil, fmt.Errorf("no host key found")
	}
	return kh, nil
}

// keysFor returns the trusted and the revoked keys for addr ("host:port").
func (kh knownHosts) keysFor(addr string) (trusted, revoked []ssh.PublicKey) {
	host := knownhosts.Normalize(addr)
	for _, e := range kh {
		if !matchHost(e.patterns, host) {
			continue
		}
		switch e.marker {
		case "revoked":
			revoked = append(revoked, e.key)
		case "":
			trusted = append(trusted, e.key)
		}
	}
	return trusted, revoked
}

// hostKeyCallback accepts the keys of known_hosts for the dialled host.
func (kh knownHosts) hostKeyCallback() ssh.HostKeyCallback {
	return func(hostname string, _ net.Addr, key ssh.PublicKey) error {
		trusted, revoked := kh.keysFor(hostname)
		for _, r := range revoked {
			if bytes.Equal(r.Marshal(), key.Marshal()) {
				return &kindError{kind: ErrHostKey, msg: fmt.Sprintf("host key %s of %s is revoked in known_hosts",
					ssh.FingerprintSHA256(key), hostname)}
			}
		}
		if len(trusted) == 0 {
			return &kindError{kind: ErrHostKey, msg: fmt.Sprintf("known_hosts has no key for host %s",
				knownhosts.Normalize(hostname))}
		}
		for _, t := range trusted {
			if bytes.Equal(t.Marshal(), key.Marshal()) {
				return nil
			}
		}
		return &kindError{kind: ErrHostKey, msg: fmt.Sprintf("host key mismatch for %s: the server offered %s %s, "+
			"which known_hosts does not list", hostname, key.Type(), ssh.FingerprintSHA256(key))}
	}
}

// hostKeyAlgorithms lists the algorithms of the trusted keys of addr, so the server offers a key we can check.
func (kh knownHosts) hostKeyAlgorithms(addr string) []string {
	trusted, _ := kh.keysFor(addr)
	var algos []string
	seen := map[string]bool{}
	add := func(a ...string) {
		for _, s := range a {
			if !seen[s] {
				seen[s] = true
				algos = append(algos, s)
			}
		}
	}
	for _, k := range trusted {
		if k.Type() == ssh.KeyAlgoRSA {
			add(ssh.KeyAlgoRSASHA512, ssh.KeyAlgoRSASHA256, ssh.KeyAlgoRSA)
			continue
		}
		add(k.Type())
	}
	return algos
}

// matchHost applies a known_hosts pattern list to a normalized host ("host" or "[host]:port"): some
// pattern must match and no negated one.
func matchHost(patterns []string, host string) bool {
	matched := false
	for _, p := range patterns {
		negated := strings.HasPrefix(p, "!")
		p = strings.TrimPrefix(p, "!")
		var ok bool
		if strings.HasPrefix(p, "|1|") {
			ok = matchHashed(p, host)
		} else {
			ok = glob(strings.ToLower(p), strings.ToLower(host))
		}
		if ok && negated {
			return false
		}
		matched = matched || ok
	}
	return matched
}

// matchHashed checks a "|1|salt|hash" entry: hash = HMAC-SHA1(key=salt, host).
func matchHashed(entry, host string) bool {
	parts := strings.Split(entry, "|")
	if len(parts) != 4 {
		return false
	}
	salt, err1 := base64.StdEncoding.DecodeString(parts[2])
	want, err2 := base64.StdEncoding.DecodeString(parts[3])
	if err1 != nil || err2 != nil {
		return false
	}
	mac := hmac.New(sha1.New, salt)
	mac.Write([]byte(host))
	return hmac.Equal(mac.Sum(nil), want)
}

// glob matches s against a pattern where '*' matches any run of characters and '?' any one character.
func glob(pattern, s string) bool {
	// Iterative matching with backtracking to the last '*'.
	p, i, star, mark := 0, 0, -1, 0
	for i < len(s) {
		switch {
		case p < len(pattern) && pattern[p] == '*':
			star, mark = p, i
			p++
		case p < len(pattern) && (pattern[p] == '?' || pattern[p] == s[i]):
			p++
			i++
		case star >= 0:
			p = star + 1
			mark++
			i = mark
		default:
			return false
		}
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}
