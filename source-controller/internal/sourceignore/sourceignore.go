/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

// Package sourceignore decides which files of a source end up in its artifact, with the rules of
// Flux's source-controller: gitignore-syntax patterns from `.sourceignore` files and from
// `spec.ignore`, on top of default exclusions.
//
// For GitRepository and OCIRepository trees (NewFilter), the patterns are those of every
// `.sourceignore` file in the tree, each scoped to its own directory, followed by the lines of
// spec.ignore. The VCS patterns (.git/, .gitignore, .gitmodules, .gitattributes) always come
// first. The other default exclusions (images, archives, CI configs, ...) apply only when there
// are no other patterns at all: as in Flux, a spec.ignore or a non-empty `.sourceignore` replaces
// them, and a `!pattern` can re-include anything, even below an excluded directory.
//
// For Bucket object keys (NewKeyFilter), the patterns are those of the `.sourceignore` object at
// the root of the bucket followed by spec.ignore, without any default exclusions.
package sourceignore

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"syscall"

	"github.com/go-git/go-git/v5/plumbing/format/gitignore"
)

// IgnoreFile is the name of the files holding ignore patterns in a source tree or bucket.
const IgnoreFile = ".sourceignore"

// maxIgnoreFileSize caps the size of one .sourceignore file.
const maxIgnoreFileSize = 4 << 20

var (
	// VCSPatterns are always excluded from tree artifacts (not from Bucket keys).
	VCSPatterns = []string{".git/", ".gitignore", ".gitmodules", ".gitattributes"}
	// DefaultPatterns are excluded from tree artifacts when no .sourceignore or spec.ignore
	// pattern is given: file extensions, CI configs, CLI configs and the Flux v1 config.
	DefaultPatterns = []string{
		"*.jpg", "*.jpeg", "*.gif", "*.png", "*.wmv", "*.flv", "*.tar.gz", "*.zip",
		".github/", ".circleci/", ".travis.yml", ".gitlab-ci.yml", "appveyor.yml", ".drone.yml",
		"cloudbuild.yaml", "codeship-services.yml", "codeship-steps.yml",
		"**/.goreleaser.yml", "**/.sops.yaml", "**/.flux.yaml",
	}
)

// Option changes how NewFilter builds its rules.
type Option func(*config)

type config struct {
	defaults bool
}

// WithoutDefaults leaves out the VCS and default exclusions, keeping only the patterns of
// .sourceignore files and spec.ignore.
func WithoutDefaults() Option {
	return func(c *config) { c.defaults = false }
}

// rule is one parsed pattern line; include is set for "!" lines, which gitignore.Pattern does
// not expose.
type rule struct {
	pattern gitignore.Pattern
	include bool
}

// parseLine parses one gitignore-syntax line scoped to the directory domain (nil for the root).
func parseLine(line string, domain []string) rule {
	return rule{pattern: gitignore.ParsePattern(line, domain), include: strings.HasPrefix(line, "!")}
}

// readRules parses gitignore-syntax text, one pattern a line, as Flux does: blank lines and
// lines starting with '#' are skipped and a trailing '\r' is dropped.
func readRules(r io.Reader, domain []string) ([]rule, error) {
	var rules []rule
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), maxIgnoreFileSize)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") || strings.TrimSpace(line) == "" {
			continue
		}
		rules = append(rules, parseLine(line, domain))
	}
	return rules, sc.Err()
}

func parseText(text string) []rule {
	rules, _ := readRules(strings.NewReader(text), nil)
	return rules
}

func parseList(list []string) []rule {
	rules := make([]rule, 0, len(list))
	for _, p := range list {
		rules = append(rules, parseLine(p, nil))
	}
	return rules
}

// loadRules reads every .sourceignore file under root, each scoped to its directory, parents
// before children and siblings by name. Like Flux it does not descend into directories named
// ".git"; unlike Flux it follows no symlinked directory and reads nothing outside root.
func loadRules(root string) ([]rule, error) {
	r, err := os.OpenRoot(root)
	if err != nil {
		return nil, fmt.Errorf("opening %s to load %s files: %w", root, IgnoreFile, err)
	}
	defer r.Close()
	return loadDir(r, "")
}

func loadDir(r *os.Root, rel string) ([]rule, error) {
	var domain []string
	name := "."
	if rel != "" {
		domain = strings.Split(rel, "/")
		name = rel
	}
	rules, err := readIgnoreFile(r, path.Join(rel, IgnoreFile), domain)
	if err != nil {
		return nil, err
	}
	d, err := r.Open(name)
	if err != nil {
		return nil, fmt.Errorf("opening directory %q: %w", name, err)
	}
	entries, err := d.ReadDir(-1)
	d.Close()
	if err != nil {
		return nil, fmt.Errorf("reading directory %q: %w", name, err)
	}
	slices.SortFunc(entries, func(a, b fs.DirEntry) int { return strings.Compare(a.Name(), b.Name()) })
	for _, e := range entries {
		if !e.IsDir() || e.Name() == ".git" {
			continue
		}
		sub, err := loadDir(r, path.Join(rel, e.Name()))
		if err != nil {
			return nil, err
		}
		rules = append(rules, sub...)
	}
	return rules, nil
}

// readIgnoreFile reads the rules of the .sourceignore at rel. A missing one has none, and so
// has one that is not a regular file inside the root (a symlink leaving it, a pipe, a
// directory). An unreadable one is an error: its rules cannot be honoured.
func readIgnoreFile(r *os.Root, rel string, domain []string) ([]rule, error) {
	f, err := r.OpenFile(rel, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if errors.Is(err, fs.ErrPermission) {
		return nil, fmt.Errorf("opening %s: %w", rel, err)
	}
	if err != nil {
		return nil, nil
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() {
		return nil, nil
	}
	if fi.Size() > maxIgnoreFileSize {
		return nil, fmt.Errorf("%s is larger than %d bytes", rel, maxIgnoreFileSize)
	}
	rules, err := readRules(f, domain)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", rel, err)
	}
	return rules, nil
}

// NewFilter returns the filter of the tree at root for artifact.Archive: it reports true for a
// slash-separated relative path that must be left out. Patterns come from the .sourceignore
// files under root and from specIgnore (nil when spec.ignore is not set), with Flux's defaults
// (see the package documentation). For a directory, true means that nothing below it can be
// re-included, so the archiver may skip the whole subtree.
func NewFilter(root string, specIgnore *string, opts ...Option) (func(relPath string, isDir bool) bool, error) {
	cfg := config{defaults: true}
	for _, o := range opts {
		o(&cfg)
	}
	rules, err := loadRules(root)
	if err != nil {
		return nil, err
	}
	if specIgnore != nil {
		rules = append(rules, parseText(*specIgnore)...)
	}
	if cfg.defaults {
		defaults := parseList(VCSPatterns)
		if len(rules) == 0 {
			defaults = append(defaults, parseList(DefaultPatterns)...)
		}
		rules = append(defaults, rules...)
	}
	return newMatcher(rules).filter, nil
}

// NewKeyFilter returns the filter Flux applies to Bucket object keys: it reports true for a key
// to leave out. Patterns come from ignoreFile, the content of the bucket's root .sourceignore
// object (nil when there is none), followed by specIgnore; there are no default exclusions. The
// ".sourceignore" key itself, directory placeholders ending in "/", and keys that are not safe
// relative paths (empty, absolute, or with a ".." element) are always left out.
func NewKeyFilter(ignoreFile io.Reader, specIgnore *string) (func(key string) bool, error) {
	var rules []rule
	if ignoreFile != nil {
		var buf bytes.Buffer
		if _, err := io.Copy(&buf, io.LimitReader(ignoreFile, maxIgnoreFileSize+1)); err != nil {
			return nil, fmt.Errorf("reading %s object: %w", IgnoreFile, err)
		}
		if buf.Len() > maxIgnoreFileSize {
			return nil, fmt.Errorf("%s object is larger than %d bytes", IgnoreFile, maxIgnoreFileSize)
		}
		rules = parseText(buf.String())
	}
	if specIgnore != nil {
		rules = append(rules, parseText(*specIgnore)...)
	}
	m := newMatcher(rules)
	return func(key string) bool {
		if key == IgnoreFile || strings.HasSuffix(key, "/") || !filepath.IsLocal(key) ||
			slices.Contains(strings.Split(key, "/"), "..") {
			return true
		}
		return m.filter(key, false)
	}, nil
}

// matcher evaluates rules like gitignore.Matcher (the last matching rule wins) and knows where
// the last inclusion rule is, to tell when a directory can be skipped whole.
type matcher struct {
	rules         []rule
	lastInclusion int
}

func newMatcher(rules []rule) *matcher {
	m := &matcher{rules: rules, lastInclusion: -1}
	for i, r := range rules {
		if r.include {
			m.lastInclusion = i
		}
	}
	return m
}

func (m *matcher) filter(relPath string, isDir bool) bool {
	if relPath == "" || relPath == "." {
		return false
	}
	parts := strings.Split(relPath, "/")
	for i := len(m.rules) - 1; i >= 0; i-- {
		switch m.rules[i].pattern.Match(parts, isDir) {
		case gitignore.Include:
			return false
		case gitignore.Exclude:
			// A later "!" rule could re-include something below this directory, which is then
			// walked and decided file by file, as Flux does. Without one, everything below is
			// excluded by this same rule, so the directory can be skipped whole.
			return !isDir || i > m.lastInclusion
		}
	}
	return false
}
