/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package decrypt

import (
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"regexp"
	"strings"
	"time"
)

// macOnlyEncryptedInit starts the MAC of a document with mac_only_encrypted, so that it differs from the MAC
// of the same values without it: the SHA-256 of "sops", as sops defines it.
var macOnlyEncryptedInit = sha256.Sum256([]byte("sops"))

// errNonStringKey refuses a mapping key that is not a string (a YAML key such as 1, true or null), as sops does.
var errNonStringKey = errors.New("a key is not a string (a number, boolean or null key): quote it")

// ruleKind is the metadata field that says which values are encrypted; a document has exactly one.
type ruleKind int

// The encryption rules, as the metadata names them.
const (
	unencryptedSuffix ruleKind = iota
	encryptedSuffix
	unencryptedRegex
	encryptedRegex
	unencryptedCommentRegex
	encryptedCommentRegex
)

// rule says which values of a document are encrypted: those of keys with(out) a suffix, matching a regular
// expression, or after comments matching one. An invalid expression matches nothing, as in sops.
type rule struct {
	kind  ruleKind
	value string
	re    *regexp.Regexp
}

// newRule compiles a rule.
func newRule(kind ruleKind, value string) rule {
	r := rule{kind: kind, value: value}
	if kind >= unencryptedRegex {
		r.re, _ = regexp.Compile(value)
	}
	return r
}

// match reports whether the rule's expression matches s.
func (r rule) match(s string) bool {
	return r.re != nil && r.re.MatchString(s)
}

// anyKey reports whether a key of path ends with the suffix, or matches the expression.
func (r rule) anyKey(path []string) bool {
	for _, k := range path {
		if (r.kind <= encryptedSuffix && strings.HasSuffix(k, r.value)) || (r.kind > encryptedSuffix && r.match(k)) {
			return true
		}
	}
	return false
}

// encrypted reports whether the value at path, after the comments of frames (one frame per enclosing map or
// list, each holding the comments read since its last value), is encrypted. self is set for a comment, which
// is the last comment of the last frame: with encrypted_comment_regex, a comment that matches is not itself
// encrypted, only what follows it.
func (r rule) encrypted(path []string, frames [][]string, self bool) bool {
	switch r.kind {
	case unencryptedSuffix, unencryptedRegex:
		return !r.anyKey(path)
	case encryptedSuffix, encryptedRegex:
		return r.anyKey(path)
	case unencryptedCommentRegex:
		for _, f := range frames {
			for _, c := range f {
				if r.match(c) {
					return false
				}
			}
		}
		return true
	default:
		last := len(frames) - 1
		for i, f := range frames {
			for j, c := range f {
				if self && i == last && j == len(f)-1 {
					continue
				}
				if r.match(c) {
					return true
				}
			}
		}
		return false
	}
}

// walker decrypts a tree in place, in document order, and computes its MAC: the SHA-512 of the plaintext
// values (all of them, or only the encrypted ones with mac_only_encrypted), in upper-case hex.
type walker struct {
	rule    rule
	macOnly bool
	cipher  *valueCipher
	mac     hash.Hash
}

// decryptTree decrypts the branches in place and returns their MAC.
func decryptTree(branches []mapping, m *metadata, key []byte) (string, error) {
	w := &walker{rule: m.rule, macOnly: m.macOnlyEncrypted, cipher: &valueCipher{key: key}, mac: sha512.New()}
	if w.macOnly {
		w.mac.Write(macOnlyEncryptedInit[:])
	}
	for _, b := range branches {
		if err := w.mapping(b, nil, nil, 0); err != nil {
			return "", err
		}
	}
	return strings.ToUpper(hex.EncodeToString(w.mac.Sum(nil))), nil
}

// mapping decrypts the values of m, whose path is path. Comment keys are decrypted as comments; a comment
// stays in the frame of its mapping until a value follows it.
func (w *walker) mapping(m mapping, path []string, frames [][]string, depth int) error {
	if depth > maxDepth {
		return errTooDeep
	}
	frames = append(frames, nil)
	top := len(frames) - 1
	for i := range m {
		if c, ok := m[i].Key.(comment); ok {
			frames[top] = append(frames[top], c.Value)
			k, err := w.commentKey(c, path, frames)
			if err != nil {
				return err
			}
			m[i].Key = k
			continue
		}
		c, valueIsComment := m[i].Value.(comment)
		if valueIsComment {
			frames[top] = append(frames[top], c.Value)
		}
		key, ok := m[i].Key.(string)
		if !ok {
			return errNonStringKey
		}
		v, err := w.value(m[i].Value, append(path, key), frames, depth+1)
		if err != nil {
			return err
		}
		m[i].Value = v
		if !valueIsComment {
			frames[top] = nil
		}
	}
	return nil
}

// list decrypts the items of l, which share the path of the list.
func (w *walker) list(l []any, path []string, frames [][]string, depth int) error {
	if depth > maxDepth {
		return errTooDeep
	}
	frames = append(frames, nil)
	top := len(frames) - 1
	for i, v := range l {
		c, isComment := v.(comment)
		if isComment {
			frames[top] = append(frames[top], c.Value)
		}
		nv, err := w.value(v, path, frames, depth+1)
		if err != nil {
			return err
		}
		l[i] = nv
		if !isComment {
			frames[top] = nil
		}
	}
	return nil
}

// value decrypts one value: a leaf, or a mapping or list walked in turn. nil stays nil and is not in the MAC.
func (w *walker) value(v any, path []string, frames [][]string, depth int) (any, error) {
	switch v := v.(type) {
	case mapping:
		return v, w.mapping(v, path, frames, depth)
	case []any:
		return v, w.list(v, path, frames, depth)
	case []byte:
		return w.leaf(string(v), path, frames)
	case string, int, bool, float64, time.Time, comment:
		return w.leaf(v, path, frames)
	case nil:
		return nil, nil
	default:
		return nil, fmt.Errorf("a value has the type %T, which sops does not support", v)
	}
}

// commentKey decrypts a comment that is a key of a mapping. A decrypted comment loses its inline mark, as
// in sops; a comment tagged as a string keeps it; any other type is refused.
func (w *walker) commentKey(c comment, path []string, frames [][]string) (comment, error) {
	v, err := w.leaf(c, path, frames)
	if err != nil {
		return comment{}, err
	}
	switch v := v.(type) {
	case comment:
		return v, nil
	case string:
		return comment{Value: v, Inline: c.Inline}, nil
	default:
		return comment{}, errors.New("an encrypted comment decrypts to a value that is not text")
	}
}

// leaf decrypts a scalar when the rules say it is encrypted, and adds its plaintext to the MAC. A comment
// that does not decrypt is taken as written in plain text (older sops versions did not encrypt comments); a
// value that does not decrypt is an error.
func (w *walker) leaf(in any, path []string, frames [][]string) (any, error) {
	c, isComment := in.(comment)
	encrypted := w.rule.encrypted(path, frames, isComment)
	out := in
	if encrypted {
		ad := strings.Join(path, ":") + ":"
		var err error
		switch in := in.(type) {
		case comment:
			if out, err = w.cipher.decrypt(in.Value, ad); errors.Is(err, errBytesType) {
				return nil, err
			} else if err != nil {
				out = c
			}
		case string:
			if out, err = w.cipher.decrypt(in, ad); err != nil {
				return nil, err
			}
		default:
			return nil, errNotEncrypted
		}
	}
	if _, outIsComment := out.(comment); !outIsComment && (encrypted || !w.macOnly) {
		b, err := macBytes(out)
		if err != nil {
			return nil, err
		}
		w.mac.Write(b)
	}
	return out, nil
}
