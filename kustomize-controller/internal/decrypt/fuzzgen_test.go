/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package decrypt

import (
	"encoding/json"
	"strings"

	"github.com/getsops/sops/v3/cmd/sops/formats"
	"go.yaml.in/yaml/v3"

	"github.com/tide-gitops/tide/kustomize-controller/internal/decrypt/decrypttest"
)

// docGen builds a plaintext document, and the options to encrypt it with, from fuzz input: every choice
// takes a byte of the input (0 once it is used up).
type docGen struct {
	in  []byte
	pos int
}

// next returns the next input byte.
func (g *docGen) next() byte {
	if g.pos >= len(g.in) {
		return 0
	}
	b := g.in[g.pos]
	g.pos++
	return b
}

// intn returns a choice in [0, n).
func (g *docGen) intn(n int) int { return int(g.next()) % n }

// pick returns one of the choices.
func (g *docGen) pick(choices ...string) string { return choices[g.intn(len(choices))] }

// textTokens are the pieces of generated text: ordinary words, the plaintext marker, and characters that
// every format treats specially.
var textTokens = []string{"a", "b", "value", fuzzSecret, " ", "\n", ":", ": ", "#", " #", "-", "'", `"`, "é", `\n`,
	"=", "[", "]", "{", "}", "0", "1.5", "true", "null", "~", "ENC[", "\t", "\r", ",", "&a", "*a", "!!str", ";",
	"\u2028", "\x00", "\xff", "_unencrypted", "sops", "<&>"}

// text returns up to max tokens; without newlines when oneLine.
func (g *docGen) text(max int, oneLine bool) string {
	var b strings.Builder
	for n := g.intn(max + 1); n > 0; n-- {
		t := textTokens[g.intn(len(textTokens))]
		if oneLine {
			t = strings.NewReplacer("\n", "", "\r", "", "\u2028", "").Replace(t)
		}
		b.WriteString(t)
	}
	return b.String()
}

// key returns a map key: a word, with sometimes a suffix or prefix the rules look at.
func (g *docGen) key() string {
	return g.pick("", "pass") + g.pick("a", "b", "key", "data", "x y", "1", "Ünï") +
		g.pick("", "", "_unencrypted", "_enc", "word")
}

// options returns the encryption options: one rule (some of them invalid expressions), sometimes
// mac_only_encrypted, and one or three key groups.
func (g *docGen) options(ages []string) decrypttest.Options {
	o := decrypttest.Options{Age: ages[:1], MACOnlyEncrypted: g.intn(3) == 0}
	v := g.pick("_unencrypted", "_enc", "word", "^pass", "a$", "(", "sops", "^b", "enc")
	switch g.intn(8) {
	case 1:
		o.UnencryptedSuffix = v
	case 2:
		o.EncryptedSuffix = v
	case 3:
		o.UnencryptedRegex = v
	case 4:
		o.EncryptedRegex = v
	case 5:
		o.UnencryptedCommentRegex = v
	case 6:
		o.EncryptedCommentRegex = v
	}
	if g.intn(6) == 0 {
		o.Age = nil
		o.Groups = []decrypttest.Group{{Age: ages[:1]}, {Age: ages[1:2]}, {Age: ages[2:3]}}
		o.ShamirThreshold = 2
	}
	return o
}

// document returns a plaintext document of format f; nil when the YAML encoder cannot write the nodes.
func (g *docGen) document(f formats.Format) (doc []byte) {
	switch f {
	case formats.Yaml:
		root := g.yamlMap(0)
		root.HeadComment = g.comment()
		defer func() {
			if recover() != nil { // the encoder panics on some comment placements
				doc = nil
			}
		}()
		out, err := yaml.Marshal(&yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{root}})
		if err != nil {
			return nil
		}
		return out
	case formats.Json:
		var b strings.Builder
		g.jsonValue(&b, 0, true)
		return []byte(b.String())
	case formats.Dotenv:
		return g.dotenv()
	case formats.Ini:
		return g.ini()
	default:
		return g.in[min(g.pos, len(g.in)):]
	}
}

// comment returns a YAML comment, often none.
func (g *docGen) comment() string {
	if g.intn(3) != 0 {
		return ""
	}
	return "#" + g.pick(" ", "", " sops", " enc") + g.text(3, true)
}

// yamlMap returns a map node of up to 4 entries, with comments.
func (g *docGen) yamlMap(depth int) *yaml.Node {
	n := &yaml.Node{Kind: yaml.MappingNode}
	for i := g.intn(5); i > 0; i-- {
		k := &yaml.Node{Kind: yaml.ScalarNode, Value: g.key(), HeadComment: g.comment()}
		v := g.yamlValue(depth + 1)
		v.LineComment, v.FootComment = g.comment(), g.comment()
		n.Content = append(n.Content, k, v)
	}
	return n
}

// yamlValue returns a scalar in some style, a map or a list.
func (g *docGen) yamlValue(depth int) *yaml.Node {
	kind := g.intn(6)
	if depth > 3 {
		kind = 0
	}
	switch kind {
	case 4:
		return g.yamlMap(depth)
	case 5:
		n := &yaml.Node{Kind: yaml.SequenceNode, Style: []yaml.Style{0, yaml.FlowStyle}[g.intn(2)]}
		for i := g.intn(4); i > 0; i-- {
			it := g.yamlValue(depth + 1)
			it.HeadComment, it.LineComment = g.comment(), g.comment()
			n.Content = append(n.Content, it)
		}
		return n
	}
	n := &yaml.Node{Kind: yaml.ScalarNode}
	n.Value = g.pick(g.text(4, false), "42", "-7", "3.14", "1e21", "5.0", "-0.0", "true", "false", "null", "", "0x1F",
		"2024-01-02", "12345678901234567890", ".nan")
	if g.intn(2) == 0 {
		n.Style = []yaml.Style{yaml.DoubleQuotedStyle, yaml.SingleQuotedStyle, yaml.LiteralStyle, yaml.FoldedStyle}[g.intn(4)]
	}
	return n
}

// jsonValue writes an object (always at the top), a list or a scalar; objects may repeat a key.
func (g *docGen) jsonValue(b *strings.Builder, depth int, object bool) {
	kind := g.intn(5)
	if object {
		kind = 3
	} else if depth > 3 {
		kind = 0
	}
	switch kind {
	case 3:
		b.WriteString("{")
		for i := g.intn(5); i > 0; i-- {
			k, _ := json.Marshal(g.key())
			b.Write(k)
			b.WriteString(g.pick(":", ": "))
			g.jsonValue(b, depth+1, false)
			if i > 1 {
				b.WriteString(",")
			}
		}
		b.WriteString("}")
	case 4:
		b.WriteString("[")
		for i := g.intn(4); i > 0; i-- {
			g.jsonValue(b, depth+1, false)
			if i > 1 {
				b.WriteString(",")
			}
		}
		b.WriteString("]")
	default:
		s, _ := json.Marshal(g.text(4, false))
		b.WriteString(g.pick(string(s), "42", "-7", "3.14", "1e21", "5.0", "-0.0", "true", "false", "null", `""`,
			"12345678901234567890", "1e400"))
	}
}

// dotenv returns KEY=value lines, comments and blank lines.
func (g *docGen) dotenv() []byte {
	var b strings.Builder
	for i := g.intn(6); i > 0; i-- {
		switch g.intn(4) {
		case 0:
			b.WriteString("#" + g.text(3, true) + "\n")
		case 1:
			b.WriteString("\n")
		default:
			k := strings.NewReplacer("=", "", "#", "").Replace(g.key())
			b.WriteString(k + "=" + g.text(4, true) + "\n")
		}
	}
	return []byte(b.String())
}

// ini returns sections, keys and comments.
func (g *docGen) ini() []byte {
	var b strings.Builder
	for i := g.intn(8); i > 0; i-- {
		switch g.intn(5) {
		case 0:
			b.WriteString("[" + g.pick("db", "other", "sec tion", "db") + "]\n")
		case 1:
			b.WriteString(g.pick(";", "#", "; ", "# ") + g.text(3, true) + "\n")
		default:
			k := strings.NewReplacer("=", "", "#", "", ";", "", "[", "", ":", "").Replace(g.key())
			b.WriteString(k + " = " + g.text(3, true) + "\n")
		}
	}
	return []byte(b.String())
}
