/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package build

import (
	"bytes"
	"fmt"
	"path/filepath"

	"sigs.k8s.io/kustomize/api/konfig"
	kustypes "sigs.k8s.io/kustomize/api/types"
)

// This file keeps large plain-YAML builds with a targetNamespace linear where kustomize is quadratic.
//
// kustomize checks every resource's id against every other one when it reads a multi-document file and
// again when its namespace transformer moves each resource: 1,000 documents cost ~0.4 s of the ~0.8 s build.
// For a generated kustomization (plain YAML, Flux's most common shape) that only sets a namespace, the same
// output comes from smaller kustomizations: the documents are split into in-memory files, grouped in order
// into chunk kustomizations that each set the namespace, and the top kustomization lists the chunks (and
// keeps namePrefix, nameSuffix and images, which kustomize runs after the namespace in both shapes). Name
// references are still fixed once, at the top, over every resource, and the output order is the same. An id
// conflict fails either shape; on any error the build runs again unchunked so the message is kustomize's
// usual one. TestChunkedBuildSameAsWhole and FuzzChunkedBuildSameAsWhole hold the two shapes equal.

// chunkDocs is how many documents one chunk kustomization holds; a build with fewer is not chunked.
var chunkDocs = 64

// chunkDirPrefix names the in-memory directories of the chunk kustomizations inside the built path.
const chunkDirPrefix = ".tide-build-chunk-"

// chunking is a chunked kustomization set up in a rootFS, which undo takes back.
type chunking struct {
	fsys  *rootFS
	file  string
	whole []byte
	added []string
}

// undo restores the unchunked kustomization.
func (c *chunking) undo() {
	for _, p := range c.added {
		delete(c.fsys.overrides, p)
		delete(c.fsys.dirs, p)
	}
	c.fsys.overrides[c.file] = c.whole
}

// chunkEntry is one resource of a chunk: a document's text, or a reference to a kustomization directory.
type chunkEntry struct {
	doc []byte
	ref string
}

// chunkable tells whether p may be built in chunks: a generated kustomization of resources that only adds a
// namespace before its other transformers (patches and components run before it).
func chunkable(p *plan) bool {
	return p.generated && p.kus.Namespace != "" && len(p.kus.Resources) > 0 &&
		len(p.kus.Patches) == 0 && len(p.kus.Components) == 0
}

// chunkResources replaces the generated kustomization whole (already in fsys) with chunks when p is
// chunkable and holds more than chunkDocs documents; it returns nil when it changed nothing.
func chunkResources(fsys *rootFS, dir string, p *plan, whole []byte) (*chunking, error) {
	if !chunkable(p) {
		return nil, nil
	}
	var entries []chunkEntry
	for _, r := range p.kus.Resources {
		path := filepath.Join(dir, r)
		if fsys.IsDir(path) {
			entries = append(entries, chunkEntry{ref: filepath.Join("..", r)})
			continue
		}
		data, err := fsys.ReadFile(path)
		if err != nil {
			return nil, nil // kustomize reports it
		}
		for _, d := range splitDocuments(data) {
			entries = append(entries, chunkEntry{doc: d})
		}
	}
	if len(entries) <= chunkDocs {
		return nil, nil
	}
	c := &chunking{fsys: fsys, file: p.file, whole: whole}
	top := p.kus
	top.Namespace, top.Resources = "", nil
	for start, n := 0, 0; start < len(entries); start, n = start+chunkDocs, n+1 {
		name := fmt.Sprintf("%s%04d", chunkDirPrefix, n)
		cdir := filepath.Join(dir, name)
		if fsys.Exists(cdir) {
			c.undo()
			return nil, nil // the artifact has a directory of that name: build it whole
		}
		data, err := c.addChunk(cdir, p.kus.Namespace, entries[start:min(start+chunkDocs, len(entries))])
		if err != nil {
			c.undo()
			return nil, err
		}
		c.add(filepath.Join(cdir, konfig.DefaultKustomizationFileName()), data)
		top.Resources = append(top.Resources, name)
	}
	data, err := marshalKustomization(fsys, dir, &top)
	if err != nil {
		c.undo()
		return nil, err
	}
	fsys.overrides[p.file] = data
	return c, nil
}

// addChunk adds the in-memory directory cdir with the documents of entries and returns its kustomization.
func (c *chunking) addChunk(cdir, namespace string, entries []chunkEntry) ([]byte, error) {
	c.fsys.dirs[cdir] = true
	c.added = append(c.added, cdir)
	kus := kustypes.Kustomization{
		TypeMeta:  kustypes.TypeMeta{APIVersion: kustypes.KustomizationVersion, Kind: kustypes.KustomizationKind},
		Namespace: namespace,
	}
	for i, e := range entries {
		if e.ref != "" {
			kus.Resources = append(kus.Resources, e.ref)
			continue
		}
		name := fmt.Sprintf("%04d.yaml", i)
		c.add(filepath.Join(cdir, name), e.doc)
		kus.Resources = append(kus.Resources, name)
	}
	return marshalKustomization(c.fsys, cdir, &kus)
}

// add shadows path with data and remembers it for undo.
func (c *chunking) add(path string, data []byte) {
	c.fsys.overrides[path] = data
	c.added = append(c.added, path)
}

// splitDocuments returns the documents of a YAML stream as sub-slices of data, each starting with its own
// "---" line (the first may have none). A line that starts with "---" followed by a space, a tab or the end
// of the line is always a document boundary in YAML, even inside a block scalar. A stream with directives
// ("%" lines) or document end markers ("...") is returned whole: they change how what follows is read. So is
// one that may hold a list kind (kustomize moves the items of a FooList after the file's other documents):
// any "List" in the text, or a backslash (an escape can spell it). Documents that hold nothing (comments,
// whitespace) are kept: kustomize decides what they mean.
func splitDocuments(data []byte) [][]byte {
	if bytes.Contains(data, []byte("List")) || bytes.IndexByte(data, '\\') >= 0 {
		return [][]byte{data}
	}
	var docs [][]byte
	start := 0
	for off := 0; off < len(data); {
		end := bytes.IndexByte(data[off:], '\n')
		next := len(data)
		if end >= 0 {
			next = off + end + 1
		}
		line := data[off:next]
		switch {
		case len(line) > 0 && line[0] == '%', isMarker(line, "..."):
			return [][]byte{data}
		case isMarker(line, "---") && off > start:
			docs = appendDocument(docs, data[start:off])
			start = off
		}
		off = next
	}
	return appendDocument(docs, data[start:])
}

// isMarker reports whether line is the marker followed by a space, a tab or the end of the line.
func isMarker(line []byte, marker string) bool {
	if !bytes.HasPrefix(line, []byte(marker)) {
		return false
	}
	rest := line[len(marker):]
	return len(rest) == 0 || rest[0] == ' ' || rest[0] == '\t' || rest[0] == '\n' || rest[0] == '\r'
}

// appendDocument appends doc unless it is empty.
func appendDocument(docs [][]byte, doc []byte) [][]byte {
	if len(doc) == 0 {
		return docs
	}
	return append(docs, doc)
}
