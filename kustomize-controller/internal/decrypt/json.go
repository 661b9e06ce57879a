/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package decrypt

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
)

// jsonReader reads a JSON document token by token, keeping key order and duplicate keys, as sops does.
type jsonReader struct {
	dec *json.Decoder
}

// loadJSON reads a JSON document whose top level is an object, in one branch. Numbers are ints when they are
// integers that fit, floats otherwise. As in sops, what follows the top-level object is not read, and an
// object that ends before a value (truncated input) ends there.
func loadJSON(data []byte) ([]mapping, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	t, err := dec.Token()
	if err != nil {
		return nil, err
	}
	if d, ok := t.(json.Delim); !ok || d != '{' {
		return nil, errors.New("sops only reads JSON documents whose top level is an object")
	}
	m, err := (&jsonReader{dec: dec}).object(0)
	if err != nil {
		return nil, err
	}
	return []mapping{m}, nil
}

// errNotAKey is a token where an object key was expected (including the end of the input).
var errNotAKey = errors.New("a JSON object has something other than a key where a key is expected")

// object reads the entries of an object whose '{' was read. The end of the input where a value is expected
// ends the object without that entry; where a key is expected, it is an error.
func (r *jsonReader) object(depth int) (mapping, error) {
	if depth > maxDepth {
		return nil, errTooDeep
	}
	var m mapping
	for {
		t, err := r.dec.Token()
		if err != nil && err != io.EOF {
			return nil, err
		}
		if d, ok := t.(json.Delim); ok && d == '}' {
			return m, nil
		}
		key, ok := t.(string)
		if !ok {
			return nil, errNotAKey
		}
		v, err := r.value(depth)
		if err == io.EOF {
			return m, nil
		}
		if err != nil {
			return nil, err
		}
		m = append(m, item{Key: key, Value: v})
	}
}

// value reads the next value: an object, a list or a scalar. It returns io.EOF at the end of the input.
func (r *jsonReader) value(depth int) (any, error) {
	t, err := r.dec.Token()
	if err != nil {
		return nil, err
	}
	switch t {
	case json.Delim('{'):
		return r.object(depth + 1)
	case json.Delim('['):
		return r.list(depth + 1)
	}
	return jsonScalar(t)
}

// list reads the items of a list whose '[' was read; the end of the input is io.EOF.
func (r *jsonReader) list(depth int) ([]any, error) {
	if depth > maxDepth {
		return nil, errTooDeep
	}
	var l []any
	for {
		t, err := r.dec.Token()
		if err != nil {
			return nil, err
		}
		var v any
		switch t {
		case json.Delim(']'):
			return l, nil
		case json.Delim('{'):
			v, err = r.object(depth + 1)
		case json.Delim('['):
			v, err = r.list(depth + 1)
		default:
			v, err = jsonScalar(t)
		}
		if err != nil {
			return nil, err
		}
		l = append(l, v)
	}
}

// jsonScalar converts a scalar token; a number is an int when it is an integer in range, else a float.
func jsonScalar(t json.Token) (any, error) {
	n, ok := t.(json.Number)
	if !ok {
		return t, nil
	}
	if i, err := n.Int64(); err == nil {
		return int(i), nil
	}
	f, err := n.Float64()
	if err != nil {
		return nil, errors.New("a JSON number is out of range")
	}
	return f, nil
}

// emitJSON writes the first branch as a JSON object, as sops writes it: entries in order, comments left out,
// one entry per line without indentation, and a final newline.
func emitJSON(branches []mapping) ([]byte, error) {
	if len(branches) == 0 {
		return nil, errors.New("there is no document to write")
	}
	var compact bytes.Buffer
	if err := writeJSON(&compact, branches[0]); err != nil {
		return nil, err
	}
	var out bytes.Buffer
	if err := json.Indent(&out, compact.Bytes(), "", ""); err != nil {
		return nil, errors.New("the JSON encoder refused it")
	}
	out.WriteByte('\n')
	return out.Bytes(), nil
}

// writeJSON writes a value: maps and lists without their comments, other values as encoding/json writes them.
func writeJSON(b *bytes.Buffer, v any) error {
	switch v := v.(type) {
	case mapping:
		b.WriteByte('{')
		n := 0
		for _, it := range v {
			if _, ok := it.Key.(comment); ok {
				continue
			}
			key, ok := it.Key.(string)
			if !ok {
				return errNonStringKey
			}
			if n > 0 {
				b.WriteByte(',')
			}
			n++
			k, _ := json.Marshal(key)
			b.Write(k)
			b.WriteString(": ")
			if err := writeJSON(b, it.Value); err != nil {
				return err
			}
		}
		b.WriteByte('}')
	case []any:
		b.WriteByte('[')
		n := 0
		for _, it := range v {
			if _, ok := it.(comment); ok {
				continue
			}
			if n > 0 {
				b.WriteByte(',')
			}
			n++
			if err := writeJSON(b, it); err != nil {
				return err
			}
		}
		b.WriteByte(']')
	default:
		s, err := json.Marshal(v)
		if err != nil {
			return errors.New("a value cannot be written in JSON (not a number, or infinite)")
		}
		b.Write(s)
	}
	return nil
}

// emitBinary writes the "data" entry of a binary document's only branch: the file as it was encrypted.
func emitBinary(branches []mapping) ([]byte, error) {
	if len(branches) != 1 {
		return nil, errors.New("a binary document has exactly one branch")
	}
	for _, it := range branches[0] {
		if k, ok := it.Key.(string); ok && k == "data" {
			if s, ok := it.Value.(string); ok {
				return []byte(s), nil
			}
			return nil, errors.New("the 'data' entry of a binary document is not text")
		}
	}
	return nil, errors.New("a binary document has no 'data' entry")
}
