/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package decrypt

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
)

// fields are the entries of a map of the sops metadata, as plain Go values (map[string]any, []any, scalars).
type fields map[string]any

// get returns the entry named name; as in sops, a key differing only in case matches when none is exact.
func (f fields) get(name string) any {
	if v, ok := f[name]; ok {
		return v
	}
	keys := make([]string, 0, len(f))
	for k := range f {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if strings.EqualFold(k, name) {
			return f[k]
		}
	}
	return nil
}

// typeError says that a metadata field has a value of the wrong type; it names the field, not the value.
func typeError(name, want string) error {
	return fmt.Errorf("its sops metadata field %s is not %s", name, want)
}

// str returns a text field; a number or boolean is converted to text, and a missing field is "".
func (f fields) str(name string) (string, error) {
	switch v := f.get(name).(type) {
	case nil:
		return "", nil
	case string:
		return v, nil
	case bool:
		if v {
			return "1", nil
		}
		return "0", nil
	case int:
		return strconv.Itoa(v), nil
	case int64:
		return strconv.FormatInt(v, 10), nil
	case uint64:
		return strconv.FormatUint(v, 10), nil
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64), nil
	case []byte:
		return string(v), nil
	default:
		return "", typeError(name, "text")
	}
}

// integer returns a number field; a float is truncated, a boolean is 1 or 0, and text is parsed (with a base
// prefix, as Go does); a missing field is 0.
func (f fields) integer(name string) (int, error) {
	switch v := f.get(name).(type) {
	case nil:
		return 0, nil
	case int:
		return v, nil
	case int64:
		return int(v), nil
	case uint64:
		return int(v), nil //nolint:gosec // converted as sops converts it
	case float64:
		return int(v), nil
	case bool:
		if v {
			return 1, nil
		}
		return 0, nil
	case string:
		if v == "" {
			return 0, nil
		}
		i, err := strconv.ParseInt(v, 0, 64)
		if err != nil {
			return 0, typeError(name, "a number")
		}
		return int(i), nil
	default:
		return 0, typeError(name, "a number")
	}
}

// boolean returns a boolean field; a number is true unless zero, text is parsed, and a missing or empty
// field is false.
func (f fields) boolean(name string) (bool, error) {
	switch v := f.get(name).(type) {
	case nil:
		return false, nil
	case bool:
		return v, nil
	case int:
		return v != 0, nil
	case int64:
		return v != 0, nil
	case uint64:
		return v != 0, nil
	case float64:
		return v != 0, nil
	case string:
		b, err := strconv.ParseBool(v)
		if err != nil && v != "" {
			return false, typeError(name, "a boolean")
		}
		return b, nil
	default:
		return false, typeError(name, "a boolean")
	}
}

// list returns a field holding a list of maps; a single map is a list of one, and an empty map none.
func (f fields) list(name string) ([]fields, error) {
	var items []any
	switch v := f.get(name).(type) {
	case nil:
		return nil, nil
	case []any:
		items = v
	case map[string]any:
		if len(v) == 0 {
			return nil, nil
		}
		items = []any{v}
	default:
		return nil, typeError(name, "a list")
	}
	out := make([]fields, 0, len(items))
	for _, it := range items {
		switch it := it.(type) {
		case nil:
			out = append(out, fields{})
		case map[string]any:
			out = append(out, it)
		default:
			return nil, typeError(name, "a list of maps")
		}
	}
	return out, nil
}

// fieldReader reads several text fields, keeping the first error.
type fieldReader struct {
	f   fields
	err error
}

// str returns a text field, or "" after an error.
func (r *fieldReader) str(name string) string {
	s, err := r.f.str(name)
	if r.err == nil {
		r.err = err
	}
	return s
}

// plainValue converts a metadata value of the tree to plain Go values: maps without their comments, lists
// without their comment items.
func plainValue(v any, depth int) (any, error) {
	if depth > maxDepth {
		return nil, errTooDeep
	}
	switch v := v.(type) {
	case mapping:
		out := make(map[string]any, len(v))
		for _, it := range v {
			if _, ok := it.Key.(comment); ok {
				continue
			}
			k, ok := it.Key.(string)
			if !ok {
				return nil, errors.New("its sops metadata has a key that is not a string")
			}
			pv, err := plainValue(it.Value, depth+1)
			if err != nil {
				return nil, err
			}
			out[k] = pv
		}
		return out, nil
	case []any:
		out := make([]any, 0, len(v))
		for _, it := range v {
			if _, ok := it.(comment); ok {
				continue
			}
			pv, err := plainValue(it, depth+1)
			if err != nil {
				return nil, err
			}
			out = append(out, pv)
		}
		return out, nil
	default:
		return v, nil
	}
}

// Separators of the flattened metadata of dotenv and INI documents: sops_age__list_0__map_recipient.
const (
	flatMapSep  = "__map_"
	flatListSep = "__list_"
)

// flatNode is a node of the metadata being unflattened: a value, map entries or list items (only one kind).
type flatNode struct {
	set     bool
	value   any
	entries map[string]*flatNode
	items   map[int]*flatNode
}

// unflatten rebuilds the metadata of a dotenv or INI document from its flattened entries.
func unflatten(m mapping) (fields, error) {
	root := &flatNode{}
	for _, it := range m {
		if _, ok := it.Key.(comment); ok {
			continue
		}
		key, ok := it.Key.(string)
		if !ok {
			return nil, errors.New("its sops metadata has a key that is not a string")
		}
		if err := root.place(key, it.Value); err != nil {
			return nil, err
		}
	}
	v, err := root.build(0)
	if err != nil {
		return nil, err
	}
	f, ok := v.(map[string]any)
	if !ok {
		return nil, errors.New("its sops metadata is not a map")
	}
	return f, nil
}

// place stores value at the flattened path key.
func (n *flatNode) place(key string, value any) error {
	for _, t := range flatTokens(key) {
		var next *flatNode
		if t.list {
			if n.items == nil {
				n.items = map[int]*flatNode{}
			}
			if next = n.items[t.index]; next == nil {
				next = &flatNode{}
				n.items[t.index] = next
			}
		} else {
			if n.entries == nil {
				n.entries = map[string]*flatNode{}
			}
			if next = n.entries[t.key]; next == nil {
				next = &flatNode{}
				n.entries[t.key] = next
			}
		}
		n = next
	}
	if n.set {
		return errors.New("its sops metadata has an entry twice")
	}
	n.set, n.value = true, value
	return nil
}

// build returns the value of a node: its value, a map, or a list whose indices must be 0 to n-1.
func (n *flatNode) build(depth int) (any, error) {
	if depth > maxDepth {
		return nil, errTooDeep
	}
	kinds := 0
	for _, has := range []bool{n.set, len(n.entries) > 0, len(n.items) > 0} {
		if has {
			kinds++
		}
	}
	switch {
	case kinds > 1:
		return nil, errors.New("its sops metadata has an entry that is both a value and a map or list")
	case n.set:
		return n.value, nil
	case len(n.items) > 0:
		return n.buildList(depth)
	}
	out := make(map[string]any, len(n.entries))
	for k, child := range n.entries {
		v, err := child.build(depth + 1)
		if err != nil {
			return nil, err
		}
		out[k] = v
	}
	return out, nil
}

// buildList returns the items of a list node.
func (n *flatNode) buildList(depth int) (any, error) {
	lo, hi := math.MaxInt, math.MinInt
	for i := range n.items {
		lo, hi = min(lo, i), max(hi, i)
	}
	if lo != 0 || hi+1 != len(n.items) {
		return nil, errors.New("its sops metadata has a list with missing items")
	}
	out := make([]any, len(n.items))
	for i, child := range n.items {
		v, err := child.build(depth + 1)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

// flatToken is a step of a flattened path: a map key, or a list index.
type flatToken struct {
	key   string
	index int
	list  bool
}

// flatTokens splits a flattened path at its separators. The first step is a map key; an index that is not a
// number is 0, as in sops.
func flatTokens(path string) []flatToken {
	var tokens []flatToken
	list, start := false, 0
	add := func(end int) {
		t := flatToken{list: list, key: path[start:end]}
		if list {
			t.index, _ = strconv.Atoi(t.key)
			t.key = ""
		}
		tokens = append(tokens, t)
	}
	for i := 0; i < len(path); {
		switch {
		case strings.HasPrefix(path[i:], flatMapSep):
			add(i)
			list, i = false, i+len(flatMapSep)
		case strings.HasPrefix(path[i:], flatListSep):
			add(i)
			list, i = true, i+len(flatListSep)
		default:
			i++
			continue
		}
		start = i
	}
	add(len(path))
	return tokens
}
