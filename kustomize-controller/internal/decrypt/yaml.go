/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package decrypt

import (
	"bytes"
	"errors"
	"io"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/tide-gitops/tide/internal/yamlguard"
)

// yamlIndent is the indentation sops writes YAML with.
const yamlIndent = 4

// errTooLarge refuses a YAML document whose aliases expand it past the node budget.
var errTooLarge = errors.New("its aliases expand it beyond the size limit")

// yamlReader converts YAML nodes to the tree. Comments become items: a comment before or after a key or list
// item is a comment of the enclosing map or list, and the comment on the line of a scalar value is marked
// inline. Aliases are expanded, within the node budget the build uses for every file (a document of n bytes
// may expand to n + yamlguard.ExtraNodes nodes).
type yamlReader struct {
	budget int
}

// loadYAML reads the documents of a YAML stream, one branch each. As in sops, the first document must be a
// map without duplicate keys, and every document a map (or empty).
func loadYAML(data []byte) ([]mapping, error) {
	if len(data) > 0 {
		if err := yaml.NewDecoder(bytes.NewReader(data)).Decode(map[string]any{}); err != nil {
			return nil, err
		}
	}
	r := &yamlReader{budget: len(data) + yamlguard.ExtraNodes}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var branches []mapping
	for {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if err == io.EOF {
			return branches, nil
		}
		if err != nil {
			return nil, err
		}
		b, err := r.appendMap(&doc, mapping{}, false, 0)
		if err != nil {
			return nil, err
		}
		branches = append(branches, b)
	}
}

// yamlComments returns the lines of a node comment, each without its first character (the '#').
func yamlComments(text string) []string {
	var out []string
	for _, line := range strings.Split(text, "\n") {
		if line != "" {
			out = append(out, line[1:])
		}
	}
	return out
}

// addMapComments appends the lines of a node comment to m as comment keys.
func addMapComments(m mapping, text string, inline bool) mapping {
	for _, c := range yamlComments(text) {
		m = append(m, item{Key: comment{Value: c, Inline: inline}})
	}
	return m
}

// addListComments appends the lines of a node comment to l as comment items.
func addListComments(l []any, text string, inline bool) []any {
	for _, c := range yamlComments(text) {
		l = append(l, comment{Value: c, Inline: inline})
	}
	return l
}

// spend takes a node from the budget.
func (r *yamlReader) spend(depth int) error {
	if depth > maxDepth {
		return errTooDeep
	}
	if r.budget--; r.budget < 0 {
		return errTooLarge
	}
	return nil
}

// appendMap appends the entries of a document, map or alias node to m. handled says that the node's own head
// and line comments were read by the caller.
func (r *yamlReader) appendMap(n *yaml.Node, m mapping, handled bool, depth int) (mapping, error) {
	if err := r.spend(depth); err != nil {
		return nil, err
	}
	if !handled {
		m = addMapComments(m, n.HeadComment, false)
		m = addMapComments(m, n.LineComment, false)
	}
	var err error
	switch n.Kind {
	case yaml.DocumentNode:
		for _, c := range n.Content {
			if m, err = r.appendMap(c, m, false, depth+1); err != nil {
				return nil, err
			}
		}
	case yaml.SequenceNode:
		return nil, errors.New("YAML documents that are lists are not supported")
	case yaml.MappingNode:
		if m, err = r.appendEntries(n, m, depth); err != nil {
			return nil, err
		}
	case yaml.ScalarNode:
		if n.ShortTag() == "!!null" {
			return m, nil
		}
		return nil, errors.New("YAML documents that are single values are not supported")
	case yaml.AliasNode:
		if m, err = r.appendMap(n.Alias, m, false, depth+1); err != nil {
			return nil, err
		}
	}
	if !handled {
		m = addMapComments(m, n.FootComment, false)
	}
	return m, nil
}

// appendEntries appends the key/value pairs of a map node, with the comments around them.
func (r *yamlReader) appendEntries(n *yaml.Node, m mapping, depth int) (mapping, error) {
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		m = addMapComments(m, k.HeadComment, false)
		m = addMapComments(m, k.LineComment, false)
		scalar := v.Kind == yaml.ScalarNode || v.Kind == yaml.AliasNode
		if scalar {
			m = addMapComments(m, v.HeadComment, false)
			m = addMapComments(m, v.LineComment, true)
		}
		var key any
		_ = k.Decode(&key) // as in sops, a key that does not decode is nil (and refused by the walk)
		value, err := r.value(v, scalar, depth+1)
		if err != nil {
			return nil, err
		}
		m = append(m, item{Key: key, Value: value})
		if scalar {
			m = addMapComments(m, v.FootComment, false)
		}
		m = addMapComments(m, k.FootComment, false)
	}
	return m, nil
}

// value converts a value node. A scalar is what the YAML decoder makes of it (nil when it does not decode).
func (r *yamlReader) value(n *yaml.Node, handled bool, depth int) (any, error) {
	if err := r.spend(depth); err != nil {
		return nil, err
	}
	switch n.Kind {
	case yaml.SequenceNode:
		return r.list(n, handled, depth)
	case yaml.MappingNode:
		return r.appendMap(n, mapping{}, handled, depth+1)
	case yaml.ScalarNode:
		var v any
		_ = n.Decode(&v)
		return v, nil
	case yaml.AliasNode:
		return r.value(n.Alias, false, depth+1)
	case yaml.DocumentNode:
		return nil, errors.New("a YAML document is nested in another")
	}
	return nil, nil
}

// list converts a sequence node; comments become comment items, those on an item's line inline.
func (r *yamlReader) list(n *yaml.Node, handled bool, depth int) (any, error) {
	var l []any
	if !handled {
		l = addListComments(l, n.HeadComment, false)
		l = addListComments(l, n.LineComment, false)
	}
	for _, it := range n.Content {
		l = addListComments(l, it.HeadComment, false)
		l = addListComments(l, it.LineComment, true)
		v, err := r.value(it, true, depth+1)
		if err != nil {
			return nil, err
		}
		l = append(l, v)
		l = addListComments(l, it.FootComment, false)
	}
	if !handled {
		l = addListComments(l, n.FootComment, false)
	}
	return l, nil
}

// emitYAML writes the branches as a YAML stream, one document each, indented by 4 as sops writes it.
func emitYAML(branches []mapping) ([]byte, error) {
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(yamlIndent)
	for _, branch := range branches {
		root := &yaml.Node{Kind: yaml.MappingNode}
		fillMapNode(root, branch)
		if !commentsWritable(root) {
			return nil, errors.New("a comment is not valid UTF-8")
		}
		if err := enc.Encode(&yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{root}}); err != nil {
			// The encoder's message could quote a value.
			return nil, errors.New("the YAML encoder refused it")
		}
	}
	_ = enc.Close() // as in sops, what was written is the document
	return b.Bytes(), nil
}

// headComment adds comment lines before a node's head comment.
func headComment(n *yaml.Node, lines []string) {
	if len(lines) == 0 {
		return
	}
	c := "#" + strings.Join(lines, "\n#")
	if n.HeadComment != "" {
		c += "\n" + n.HeadComment
	}
	n.HeadComment = c
}

// appendComment adds comment lines after the existing ones of a node's foot or line comment.
func appendComment(existing *string, lines []string) {
	if len(lines) == 0 {
		return
	}
	c := "#" + strings.Join(lines, "\n#")
	if *existing != "" {
		c = *existing + "\n" + c
	}
	*existing = c
}

// valueNode returns the node of a value: maps and lists with their comments, any other value as the YAML
// encoder writes it.
func valueNode(v any) *yaml.Node {
	switch v := v.(type) {
	case mapping:
		n := &yaml.Node{Kind: yaml.MappingNode}
		fillMapNode(n, v)
		return n
	case []any:
		n := &yaml.Node{Kind: yaml.SequenceNode}
		fillListNode(n, v)
		return n
	default:
		n := &yaml.Node{}
		_ = n.Encode(v) // the tree holds only values the encoder supports
		return n
	}
}

// fillMapNode adds the entries of m to a map node. Comments before the first key are the map's head comment,
// later ones the head comment of the next key; inline comments go on the line of the next value; comments
// after the last key are its foot comment.
func fillMapNode(n *yaml.Node, m mapping) {
	var head, inline []string
	first := true
	for _, it := range m {
		if c, ok := it.Key.(comment); ok {
			if c.Inline {
				inline = append(inline, c.Value)
			} else {
				head = append(head, c.Value)
			}
			continue
		}
		k := &yaml.Node{}
		_ = k.Encode(it.Key)
		if first {
			headComment(n, head)
			first = false
		} else {
			headComment(k, head)
		}
		v := valueNode(it.Value)
		appendComment(&v.LineComment, inline)
		head, inline = nil, nil
		n.Content = append(n.Content, k, v)
	}
	rest := append(head, inline...)
	if first {
		headComment(n, rest)
	} else {
		appendComment(&n.Content[len(n.Content)-2].FootComment, rest)
	}
}

// fillListNode adds the items of l to a sequence node, with comments placed as fillMapNode places them.
func fillListNode(n *yaml.Node, l []any) {
	var head, inline []string
	first := true
	for _, it := range l {
		if c, ok := it.(comment); ok {
			if c.Inline {
				inline = append(inline, c.Value)
			} else {
				head = append(head, c.Value)
			}
			continue
		}
		v := valueNode(it)
		if first {
			headComment(n, head)
			first = false
		} else {
			headComment(v, head)
		}
		appendComment(&v.LineComment, inline)
		head, inline = nil, nil
		n.Content = append(n.Content, v)
	}
	rest := append(head, inline...)
	if first {
		headComment(n, rest)
	} else {
		appendComment(&n.Content[len(n.Content)-1].FootComment, rest)
	}
}

// commentsWritable reports whether the YAML emitter can write every comment of the node tree n.
func commentsWritable(n *yaml.Node) bool {
	for _, c := range []string{n.HeadComment, n.LineComment, n.FootComment} {
		if !yamlCommentWritable(c) {
			return false
		}
	}
	for _, child := range n.Content {
		if !commentsWritable(child) {
			return false
		}
	}
	return true
}

// yamlCommentWritable reports whether the YAML emitter can write the comment c. It walks c as the emitter
// does, one character at a time with the width its first byte announces, and fails (sops with it) on a byte
// that starts no UTF-8 sequence or on a sequence cut short by the end of the comment; its line-break test
// also reads one or two bytes past 0xC2 and 0xE2.
func yamlCommentWritable(c string) bool {
	for i := 0; i < len(c); {
		b := c[i]
		if (b == 0xC2 || b == 0xE2) && i+1 >= len(c) || b == 0xE2 && c[i+1] == 0x80 && i+2 >= len(c) {
			return false
		}
		w := 0
		switch {
		case b < 0x80:
			w = 1
		case b&0xE0 == 0xC0:
			w = 2
		case b&0xF0 == 0xE0:
			w = 3
		case b&0xF8 == 0xF0:
			w = 4
		}
		if w == 0 || i+w > len(c) {
			return false
		}
		i += w
	}
	return true
}
