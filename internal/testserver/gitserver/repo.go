/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package gitserver

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

// DefaultAuthorName and DefaultAuthorEmail are the identity of commits and tags that set none.
const (
	DefaultAuthorName  = "Tide Test"
	DefaultAuthorEmail = "test@tide.invalid"
)

// Signer signs the payload of a commit or tag object (the object without its signature) and returns the
// armored signature, for example an OpenPGP "-----BEGIN PGP SIGNATURE-----" block or an SSH signature.
type Signer func(payload []byte) (string, error)

// Change describes one commit. Files, Symlinks, Gitlinks and Delete apply on top of the parent's tree (or
// on top of Dir when set).
type Change struct {
	// Message is the commit message; "update" when empty.
	Message string
	// Dir, when set, replaces the parent's tree with the content of this directory (git add -A).
	Dir string
	// Files maps slash-separated paths to their content.
	Files map[string]string
	// Executables maps slash-separated paths to the content of executable (mode 100755) files.
	Executables map[string]string
	// Symlinks maps slash-separated paths to the target of a symbolic link.
	Symlinks map[string]string
	// Gitlinks maps slash-separated paths to submodule commit hashes; .gitmodules goes in Files.
	Gitlinks map[string]string
	// Delete lists paths to remove.
	Delete []string
	// From is the revision the branch starts at when it does not exist yet; an orphan commit when empty.
	From string
	// Author is "Name <email>"; DefaultAuthorName and DefaultAuthorEmail when empty.
	Author string
	// When is the author and committer time; now when zero.
	When time.Time
	// Sign, when set, signs the commit (gpgsig header).
	Sign Signer
}

// Commit writes a commit on branch (created when missing) and returns its hash. The test fails on error.
func (r *Repo) Commit(t testing.TB, branch string, c Change) string {
	t.Helper()
	hash, err := r.commit(branch, c)
	if err != nil {
		t.Fatalf("committing to %s of %s: %v", branch, r.Name, err)
	}
	return hash
}

// CommitFiles writes a commit with the given files on branch and returns its hash.
func (r *Repo) CommitFiles(t testing.TB, branch string, files map[string]string) string {
	t.Helper()
	return r.Commit(t, branch, Change{Files: files})
}

func (r *Repo) commit(branch string, c Change) (string, error) {
	ref := "refs/heads/" + branch
	parent, _ := r.s.runGit("", r.env(), nil, "rev-parse", "--verify", "-q", ref+"^{commit}")
	tmp, err := os.MkdirTemp("", "gitserver-commit-")
	if err != nil {
		return "", err
	}
	defer func() { _ = os.RemoveAll(tmp) }()
	env := append(r.env(), "GIT_INDEX_FILE="+filepath.Join(tmp, "index"))
	base := parent
	if base == "" && c.From != "" {
		if base, err = r.s.runGit("", r.env(), nil, "rev-parse", "--verify", c.From+"^{commit}"); err != nil {
			return "", err
		}
	}
	if err := r.fillIndex(env, tmp, base, c); err != nil {
		return "", err
	}
	tree, err := r.s.runGit("", env, nil, "write-tree")
	if err != nil {
		return "", err
	}
	var parents []string
	if base != "" {
		parents = []string{base}
	}
	hash, err := r.writeCommit(tree, parents, c)
	if err != nil {
		return "", err
	}
	_, err = r.s.runGit("", r.env(), nil, "update-ref", ref, hash)
	return hash, err
}

func (r *Repo) env() []string { return []string{"GIT_DIR=" + r.Path} }

// fillIndex builds the index of the new commit in GIT_INDEX_FILE (set in env).
func (r *Repo) fillIndex(env []string, tmp, base string, c Change) error {
	switch {
	case c.Dir != "":
		dirEnv := append(env, "GIT_WORK_TREE="+c.Dir)
		if _, err := r.s.runGit(c.Dir, dirEnv, nil, "add", "-A", "--force", "."); err != nil {
			return err
		}
	case base != "":
		if _, err := r.s.runGit("", env, nil, "read-tree", base); err != nil {
			return err
		}
	}
	var lines []string
	blobs := map[string]string{}
	for p, content := range c.Files {
		blobs[p] = content
	}
	for p, content := range c.Executables {
		blobs[p] = content
	}
	for p, target := range c.Symlinks {
		blobs[p] = target
	}
	hashes, err := r.writeBlobs(tmp, blobs)
	if err != nil {
		return err
	}
	for p := range c.Files {
		lines = append(lines, fmt.Sprintf("100644 %s\t%s", hashes[p], p))
	}
	for p := range c.Executables {
		lines = append(lines, fmt.Sprintf("100755 %s\t%s", hashes[p], p))
	}
	for p := range c.Symlinks {
		lines = append(lines, fmt.Sprintf("120000 %s\t%s", hashes[p], p))
	}
	for p, h := range c.Gitlinks {
		lines = append(lines, fmt.Sprintf("160000 %s\t%s", h, p))
	}
	for _, p := range c.Delete {
		lines = append(lines, fmt.Sprintf("0 %s\t%s", strings.Repeat("0", 40), p))
	}
	if len(lines) == 0 {
		return nil
	}
	sort.Strings(lines)
	_, err = r.s.runGit("", env, []byte(strings.Join(lines, "\n")+"\n"), "update-index", "--index-info")
	return err
}

// writeBlobs stores each content as a blob with one git process and returns the hashes by path.
func (r *Repo) writeBlobs(tmp string, blobs map[string]string) (map[string]string, error) {
	if len(blobs) == 0 {
		return nil, nil
	}
	paths := make([]string, 0, len(blobs))
	var list strings.Builder
	for p, content := range blobs {
		f := filepath.Join(tmp, fmt.Sprintf("blob-%d", len(paths)))
		if err := os.WriteFile(f, []byte(content), 0o644); err != nil {
			return nil, err
		}
		paths = append(paths, p)
		list.WriteString(f + "\n")
	}
	out, err := r.s.runGit("", r.env(), []byte(list.String()), "hash-object", "-w", "--no-filters", "--stdin-paths")
	if err != nil {
		return nil, err
	}
	hashes := strings.Fields(out)
	if len(hashes) != len(paths) {
		return nil, fmt.Errorf("hash-object returned %d hashes for %d files", len(hashes), len(paths))
	}
	res := make(map[string]string, len(paths))
	for i, p := range paths {
		res[p] = hashes[i]
	}
	return res, nil
}

// identity returns the "Name <email> <unix> <zone>" line of an author, committer or tagger.
func identity(author string, when time.Time) string {
	if author == "" {
		author = DefaultAuthorName + " <" + DefaultAuthorEmail + ">"
	}
	if when.IsZero() {
		when = time.Now()
	}
	return fmt.Sprintf("%s %d %s", author, when.Unix(), when.Format("-0700"))
}

func message(m, def string) string {
	if m == "" {
		m = def
	}
	if !strings.HasSuffix(m, "\n") {
		m += "\n"
	}
	return m
}

func (r *Repo) writeCommit(tree string, parents []string, c Change) (string, error) {
	var head strings.Builder
	fmt.Fprintf(&head, "tree %s\n", tree)
	for _, p := range parents {
		fmt.Fprintf(&head, "parent %s\n", p)
	}
	id := identity(c.Author, c.When)
	fmt.Fprintf(&head, "author %s\ncommitter %s\n", id, id)
	body := "\n" + message(c.Message, "update")
	object := head.String() + body
	if c.Sign != nil {
		sig, err := c.Sign([]byte(object))
		if err != nil {
			return "", fmt.Errorf("signing commit: %w", err)
		}
		object = head.String() + "gpgsig " + indentSignature(sig) + body
	}
	return r.s.runGit("", r.env(), []byte(object), "hash-object", "-t", "commit", "-w", "--stdin")
}

// indentSignature formats a signature as a multi-line header value: continuation lines start with a space.
func indentSignature(sig string) string {
	lines := strings.Split(strings.TrimRight(sig, "\n"), "\n")
	return strings.Join(lines, "\n ") + "\n"
}

// Branch points refs/heads/<name> at rev (a hash, branch, tag or any revision git understands).
func (r *Repo) Branch(t testing.TB, name, rev string) {
	t.Helper()
	r.SetRef(t, "refs/heads/"+name, rev)
}

// SetRef points an arbitrary reference (e.g. "refs/pull/1/head") at the commit rev resolves to.
func (r *Repo) SetRef(t testing.TB, ref, rev string) {
	t.Helper()
	r.git(t, nil, nil, "update-ref", ref, r.Resolve(t, rev))
}

// DeleteRef removes a reference (e.g. "refs/heads/feature").
func (r *Repo) DeleteRef(t testing.TB, ref string) {
	t.Helper()
	r.git(t, nil, nil, "update-ref", "-d", ref)
}

// Tag creates the lightweight tag refs/tags/<name> pointing at the commit rev resolves to.
func (r *Repo) Tag(t testing.TB, name, rev string) {
	t.Helper()
	r.SetRef(t, "refs/tags/"+name, rev)
}

// TagOptions describe an annotated tag.
type TagOptions struct {
	// Message is the tag message; the tag name when empty.
	Message string
	// Tagger is "Name <email>"; the default identity when empty.
	Tagger string
	// When is the tag time; now when zero.
	When time.Time
	// Sign, when set, appends its signature to the tag object.
	Sign Signer
}

// AnnotatedTag creates the annotated tag refs/tags/<name> for the commit rev resolves to and returns the
// hash of the tag object.
func (r *Repo) AnnotatedTag(t testing.TB, name, rev string, o TagOptions) string {
	t.Helper()
	commit := r.Resolve(t, rev)
	object := fmt.Sprintf("object %s\ntype commit\ntag %s\ntagger %s\n\n%s",
		commit, name, identity(o.Tagger, o.When), message(o.Message, name))
	if o.Sign != nil {
		sig, err := o.Sign([]byte(object))
		if err != nil {
			t.Fatalf("signing tag %s: %v", name, err)
		}
		object += strings.TrimRight(sig, "\n") + "\n"
	}
	hash := r.git(t, nil, []byte(object), "hash-object", "-t", "tag", "-w", "--stdin")
	r.git(t, nil, nil, "update-ref", "refs/tags/"+name, hash)
	return hash
}

// Resolve returns the commit hash rev (hash, branch, tag, ref) points to.
func (r *Repo) Resolve(t testing.TB, rev string) string {
	t.Helper()
	return r.git(t, nil, nil, "rev-parse", "--verify", rev+"^{commit}")
}

// Head returns the commit hash at the tip of branch.
func (r *Repo) Head(t testing.TB, branch string) string {
	t.Helper()
	return r.Resolve(t, "refs/heads/"+branch)
}

// ReadFile returns the content of path in the tree of rev, with surrounding white space trimmed.
func (r *Repo) ReadFile(t testing.TB, rev, path string) string {
	t.Helper()
	return r.git(t, nil, nil, "show", rev+":"+path)
}
