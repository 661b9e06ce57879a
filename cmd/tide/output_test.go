/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package main

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"
)

// TestTableFit shortens the flexible columns, the first one first, so that every line fits the screen, and
// leaves the others whole.
func TestTableFit(t *testing.T) {
	long := strings.Repeat("word ", 40)
	revision := "main@sha1:" + strings.Repeat("0123456789", 4)
	cases := []struct {
		name  string
		rows  [][]string
		fits  bool
		whole []string // cells that must be printed in full
	}{
		{"short rows stay as they are", [][]string{{"app", "main@sha1:0123456", "True", "ok"}}, true,
			[]string{"app", "main@sha1:0123456", "ok"}},
		{"a long message is cut first", [][]string{{"app", revision, "True", long}}, true, []string{"app", revision}},
		{"then the revision", [][]string{{strings.Repeat("n", 40), revision, "True", long}}, true,
			[]string{strings.Repeat("n", 40)}},
		{"names are never cut, even when nothing else can give", [][]string{{strings.Repeat("n", 120), revision, "True", long}}, false,
			[]string{strings.Repeat("n", 120)}},
		{"messages are one line", [][]string{{"app", "r", "True", "first\nsecond\tthird"}}, true, []string{"first second third"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tb := &table{headers: []string{"NAME", "REVISION", "READY", "MESSAGE"}, flexible: []int{3, 1}}
			for _, r := range c.rows {
				tb.addRow(append([]string(nil), r...)...)
			}
			var b bytes.Buffer
			if err := tb.write(&b, true); err != nil {
				t.Fatal(err)
			}
			for _, line := range strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n") {
				if fits := utf8.RuneCountInString(line) <= screenWidth; fits != c.fits {
					t.Errorf("line of %d columns (fits: %t, want %t):\n%s", utf8.RuneCountInString(line), fits, c.fits, line)
				}
			}
			assertContains(t, "table", b.String(), c.whole...)
			for _, r := range c.rows {
				for i, cell := range r {
					if !strings.Contains(b.String(), collapseSpace(cell)) && !strings.Contains(b.String(), "…") {
						t.Errorf("cell %d %q was cut without …:\n%s", i, cell, b.String())
					}
				}
			}
		})
	}
}

// TestTableUnfitted prints -o wide tables in full.
func TestTableUnfitted(t *testing.T) {
	long := strings.Repeat("x", 3*screenWidth)
	tb := &table{headers: []string{"NAME", "MESSAGE"}, flexible: []int{1}}
	tb.addRow("app", long)
	var b bytes.Buffer
	if err := tb.write(&b, false); err != nil {
		t.Fatal(err)
	}
	assertContains(t, "wide table", b.String(), " "+long+"\n")
}

func TestShortRevision(t *testing.T) {
	sha1 := strings.Repeat("a1", 20)
	sha256 := strings.Repeat("b2", 32)
	for in, want := range map[string]string{
		"main@sha1:" + sha1:         "main@sha1:" + sha1[:shortDigest],
		"sha256:" + sha256:          "sha256:" + sha256[:shortDigest],
		"v1.2.3@sha256:" + sha256:   "v1.2.3@sha256:" + sha256[:shortDigest],
		"refs/tags/v1@sha1:" + sha1: "refs/tags/v1@sha1:" + sha1[:shortDigest],
		"6.5.0":                     "6.5.0",
		"2026-01-02T03:04:05Z":      "2026-01-02T03:04:05Z",
		"main@sha1:abc":             "main@sha1:abc",
		"":                          "",
	} {
		if got := shortRevision(in); got != want {
			t.Errorf("shortRevision(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzShortRevision(f *testing.F) {
	for _, s := range []string{"main@sha1:" + strings.Repeat("a", 40), "sha256:abc", "@:", ":", "x@sha"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, rev string) {
		got := shortRevision(rev)
		if !strings.HasPrefix(rev, got) {
			t.Errorf("shortRevision(%q) = %q: not a prefix of the revision", rev, got)
		}
		if again := shortRevision(got); again != got {
			t.Errorf("shortRevision(%q) = %q, then %q: shortening twice changes it", rev, got, again)
		}
	})
}

// TestTableMessageBelow prints a message that fits on its row, and one that does not (or has several lines)
// below its row in full, on lines that fit the screen.
func TestTableMessageBelow(t *testing.T) {
	tb := &table{headers: []string{"OBJECT", "MESSAGE"}, messageBelow: true}
	long := strings.TrimSpace(strings.Repeat("word ", 60))
	tb.addRow("Kustomization/a", "short")
	tb.addRow("Kustomization/b", "Namespace/web created\nService/web/web created")
	tb.addRow("Kustomization/c", long)
	widths := tb.widths()
	var b strings.Builder
	for _, row := range append([][]string{tb.headers}, tb.rows...) {
		b.WriteString(tb.formatRow(row, widths))
	}
	out := b.String()
	assertContains(t, "table", out, "Kustomization/a   short\n",
		"Kustomization/b\n  Namespace/web created\n  Service/web/web created\n", "Kustomization/c\n  word word")
	if !strings.Contains(collapseSpace(out), long) {
		t.Errorf("the long message was not printed in full:\n%s", out)
	}
	for _, line := range strings.Split(out, "\n") {
		if utf8.RuneCountInString(line) > screenWidth || strings.HasSuffix(line, " ") {
			t.Errorf("line of %d columns or with trailing spaces: %q", utf8.RuneCountInString(line), line)
		}
	}
}
