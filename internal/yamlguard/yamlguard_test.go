/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package yamlguard

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	yaml "go.yaml.in/yaml/v3"
)

// laughs returns a "billion laughs" document: levels of lists of ten aliases to the level below.
func laughs(levels int) string {
	var b strings.Builder
	b.WriteString("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\nl0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n")
	for i := 1; i <= levels; i++ {
		fmt.Fprintf(&b, "l%d: &l%d [%s]\n", i, i, strings.TrimSuffix(strings.Repeat(fmt.Sprintf("*l%d, ", i-1), 10), ", "))
	}
	return b.String()
}

func TestCheckAliases(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		refused bool
	}{
		{"no aliases", "a: 1\nb: [x, y]\n", false},
		{"ampersand and star without aliases", "url: http://x/?a=1&b=2\ncron: '*/5 * * * *'\n", false},
		{"shared block", "base: &base {image: nginx, env: [{name: A, value: b}]}\none: *base\ntwo: *base\n", false},
		{"three levels", laughs(3), false},
		{"nine levels", laughs(9), true},
		{"spread over documents", strings.Repeat("---\n"+laughs(5), 20), true},
		{"merge keys", "a: &a {x: 1}\nb:\n  <<: *a\n  y: 2\n", false},
		{"invalid YAML", "a: &a [1\nb: *a\n", false},
		{"unknown anchor", "a: *nope\n&x\n", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckAliases([]byte(tt.in))
			if (err != nil) != tt.refused {
				t.Fatalf("CheckAliases = %v, refused want %v", err, tt.refused)
			}
			if err != nil && !strings.Contains(err.Error(), "aliases expand") {
				t.Fatalf("message %q does not say why", err)
			}
		})
	}
}

// expanded counts the nodes of data with every alias copied, as a de-anchoring library would, stopping at
// limit. It is the reference for the fuzz test, exponential but bounded.
func expanded(data []byte, limit int64) int64 {
	var total int64
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		if n == nil || total > limit {
			return
		}
		total++
		if n.Kind == yaml.AliasNode {
			walk(n.Alias)
		}
		for _, c := range n.Content {
			walk(c)
		}
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for total <= limit {
		var doc yaml.Node
		if dec.Decode(&doc) != nil {
			break
		}
		walk(&doc)
	}
	return total
}

// FuzzCheckAliases compares CheckAliases with a copy-everything count: a stream is refused exactly when it
// expands past the limit.
func FuzzCheckAliases(f *testing.F) {
	for _, s := range []string{laughs(2), laughs(4), "a: &a [*a]\n", "a: &a x\nb: [*a, *a]\n", "&a [*a, &b [*b]]"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		data := []byte(s)
		err := CheckAliases(data)
		limit := int64(len(data)) + ExtraNodes
		if n := expanded(data, limit); err == nil && n > limit && bytes.ContainsAny(data, "&") {
			t.Fatalf("%q expands to more than %d nodes but was not refused", s, limit)
		} else if err != nil && n <= limit {
			t.Fatalf("%q expands to %d nodes, within %d, but was refused: %v", s, n, limit, err)
		}
	})
}
