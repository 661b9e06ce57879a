/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package decrypt

import (
	"bytes"
	"errors"
	"slices"
	"strings"

	"gopkg.in/ini.v1"
)

// iniOptions are the options sops reads and writes INI documents with: a section may appear more than once.
var iniOptions = ini.LoadOptions{AllowNonUniqueSections: true}

// loadINI reads an INI document in one branch: one entry per section (the DEFAULT section first), each a map
// of its keys, with the section's comment first and each key's comment after it.
func loadINI(data []byte) ([]mapping, error) {
	f, err := ini.LoadSources(iniOptions, data)
	if err != nil {
		return nil, err
	}
	var m mapping
	for _, s := range f.Sections() {
		var entries mapping
		if s.Comment != "" {
			entries = append(entries, item{Key: comment{Value: stripINIComment(s.Comment)}})
		}
		for _, k := range s.Keys() {
			entries = append(entries, item{Key: k.Name(), Value: k.Value()})
			if k.Comment != "" {
				entries = append(entries, item{Key: comment{Value: stripINIComment(k.Comment)}})
			}
		}
		m = append(m, item{Key: s.Name(), Value: entries})
	}
	return []mapping{m}, nil
}

// stripINIComment removes the comment characters and spaces that start an INI comment.
func stripINIComment(c string) string {
	switch {
	case strings.HasPrefix(c, ";"):
		return strings.TrimLeft(c, "; ")
	case strings.HasPrefix(c, "#"):
		return strings.TrimLeft(c, "# ")
	}
	return c
}

// iniMetadata reads the [sops] section of an INI document: flattened entries whose \n are newlines.
func iniMetadata(branches []mapping) (*metadata, error) {
	meta, err := extractNested(branches)
	if err != nil {
		return nil, err
	}
	unescaped := make(mapping, len(meta))
	for i, it := range meta {
		if s, ok := it.Value.(string); ok {
			it.Value = strings.ReplaceAll(s, `\n`, "\n")
		}
		unescaped[i] = it
	}
	f, err := unflatten(unescaped)
	if err != nil {
		return nil, err
	}
	return parseMetadata(f)
}

// emitINI writes the branches as an INI document, as sops writes it: every top-level entry is a section and
// must be a map; a comment first in a section is the section's comment, a later one the comment of the key
// before it; values are written as text (see plainText).
func emitINI(branches []mapping) ([]byte, error) {
	f := ini.Empty(iniOptions)
	f.DeleteSection(ini.DefaultSection)
	for _, b := range branches {
		for _, it := range b {
			if _, ok := it.Key.(comment); ok {
				continue
			}
			name, _ := it.Key.(string)
			s, err := f.NewSection(name)
			if err != nil {
				return nil, errors.New("a section name cannot be written in INI")
			}
			entries, ok := it.Value.(mapping)
			if !ok {
				return nil, errors.New("an INI document holds sections only: a top-level value is not a map")
			}
			if err := fillINISection(s, entries); err != nil {
				return nil, err
			}
		}
	}
	if !iniCommentsWritable(f) {
		return nil, errors.New("a comment with an empty line cannot be written in INI")
	}
	var out bytes.Buffer
	_, _ = f.WriteTo(&out) // writes to memory
	return out.Bytes(), nil
}

// iniCommentsWritable reports whether the INI writer can write every comment of f: it fails (sops with it)
// on a comment with an empty line.
func iniCommentsWritable(f *ini.File) bool {
	writable := func(c string) bool {
		return c == "" || !slices.Contains(strings.Split(c, "\n"), "")
	}
	for _, s := range f.Sections() {
		if !writable(s.Comment) {
			return false
		}
		for _, k := range s.Keys() {
			if !writable(k.Comment) {
				return false
			}
		}
	}
	return true
}

// fillINISection adds the keys and comments of entries to a section.
func fillINISection(s *ini.Section, entries mapping) error {
	if len(entries) > 0 {
		if c, ok := entries[0].Key.(comment); ok {
			s.Comment = c.Value
			entries = entries[1:]
		}
	}
	var last *ini.Key
	for _, e := range entries {
		if c, ok := e.Key.(comment); ok {
			if last != nil {
				last.Comment = c.Value
			}
			continue
		}
		name, _ := e.Key.(string)
		k, err := s.NewKey(name, plainText(e.Value))
		if err != nil {
			return errors.New("a key cannot be written in INI")
		}
		last = k
	}
	return nil
}
