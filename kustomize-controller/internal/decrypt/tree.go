/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package decrypt

import "errors"

// The document tree. Every format is read into the same tree, decrypted in place, then written in the output
// format. The tree is as lossy as sops' own, on purpose: the plaintext must be byte for byte what the sops
// CLI and library write, so it keeps what sops keeps (key order, duplicate JSON keys, comments as items) and
// drops what sops drops (YAML styles, anchors, the position of some comments).
//
// A value is one of: mapping, []any (a list), comment (a list item, or a value whose type tag says comment),
// string, int, float64, bool, time.Time, nil, or whatever else the YAML decoder gives for a scalar (which the
// walk refuses, as sops does).

// comment is a comment line of a YAML, dotenv or INI document, without its comment character. Inline marks a
// YAML comment that followed a value on its line. Its fields are exported and named as sops names them: a
// comment decrypted where a value was expected is written as a struct (as sops writes it).
type comment struct {
	Value  string
	Inline bool
}

// item is an entry of a mapping: a key (a string, a comment, or another scalar that the walk refuses) and
// its value (nil for a comment). Its field names and order make fmt print it as sops prints its items, which
// the INI and dotenv writers do for nested values.
type item struct {
	Key   any
	Value any
}

// mapping is an ordered map; comments are items whose key is a comment.
type mapping []item

// maxDepth bounds the nesting of a document (as encoding/json and yaml.v3 do), so that a hostile document
// cannot exhaust the stack.
const maxDepth = 10000

// errTooDeep refuses a document nested deeper than maxDepth.
var errTooDeep = errors.New("it is nested too deeply")

// sopsKey is the key of the metadata of a YAML or JSON document, and of the metadata section of an INI one.
const sopsKey = "sops"
