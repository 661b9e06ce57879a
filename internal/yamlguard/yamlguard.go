/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

// Package yamlguard refuses YAML that would make a library expand it without bound before the library sees it.
//
// kyaml (kustomize, setters) de-anchors every document it reads: each alias becomes a full copy of its anchor.
// A few hundred bytes of nested aliases ("billion laughs") then expand to billions of nodes, and the
// controller reading a file from Git runs out of memory, taking every other object's reconcile down with it.
// CheckAliases counts what the aliases expand to, in time linear in the document, and refuses more than a
// budget.
package yamlguard

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	yaml "go.yaml.in/yaml/v3"
)

// ExtraNodes is how many nodes a stream of n bytes may expand to beyond n through aliases. Real manifests use
// aliases to share a block or two and stay far below it.
const ExtraNodes = 1 << 20

// CheckAliases returns an error when the aliases of the YAML stream in data expand it to more than
// len(data) + ExtraNodes nodes. A stream without both "&" and "*" has no aliases and is not parsed. A stream
// that does not parse is not refused here: the caller's parser reports it with its own message.
func CheckAliases(data []byte) error {
	if bytes.IndexByte(data, '&') < 0 || bytes.IndexByte(data, '*') < 0 {
		return nil
	}
	limit := int64(len(data)) + ExtraNodes
	var total int64
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var doc yaml.Node
		if err := dec.Decode(&doc); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return nil // not ours to report
		}
		c := counter{limit: limit - total, sizes: map[*yaml.Node]int64{}}
		total += c.size(&doc)
		if total > limit {
			return fmt.Errorf("its YAML aliases expand it to more than %d nodes: refused", limit)
		}
	}
}

// counter computes expanded node counts, once per node, capped just above limit.
type counter struct {
	limit int64
	sizes map[*yaml.Node]int64
}

// inProgress marks a node whose size is being computed: meeting it again is an alias cycle.
const inProgress = -1

// size returns the number of nodes n expands to, or limit+1 when that is more than limit (or n expands
// into itself).
func (c *counter) size(n *yaml.Node) int64 {
	if n == nil {
		return 0
	}
	if s, ok := c.sizes[n]; ok {
		if s == inProgress {
			return c.limit + 1
		}
		return s
	}
	c.sizes[n] = inProgress
	s := int64(1)
	if n.Kind == yaml.AliasNode {
		s += c.size(n.Alias)
	}
	for _, child := range n.Content {
		if s += c.size(child); s > c.limit {
			s = c.limit + 1
			break
		}
	}
	s = min(s, c.limit+1)
	c.sizes[n] = s
	return s
}
