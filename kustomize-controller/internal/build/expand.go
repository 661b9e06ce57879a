/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package build

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ErrVariableNotSet is wrapped by the error of a strict substitution that meets a variable with no value and no
// default.
var ErrVariableNotSet = errors.New("variable not set (strict mode)")

// expander evaluates Flux's post-build substitution syntax, a subset of bash parameter expansion:
// ${var}, ${var:=default} (also :-, =, -, and the ?/+ forms, which Flux treats as defaults too), ${#var},
// ${var^}, ${var^^}, ${var,}, ${var,,}, ${var:offset[:length]}, ${var#glob}, ${var##glob}, ${var%glob},
// ${var%%glob}, ${var/glob/repl}, ${var//glob/repl}, ${var/#glob/repl} and ${var/%glob/repl}.
// "$$" writes a single "$", so "$${var}" writes "${var}" literally; a "$" not followed by "{" is kept as is.
type expander struct {
	lookup func(string) (string, bool)
	strict bool
}

// expand evaluates s.
func (e *expander) expand(s string) (string, error) {
	if !strings.Contains(s, "$") {
		return s, nil
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '$' && i+1 < len(s) && s[i+1] == '$':
			b.WriteByte('$')
			i += 2
		case c == '$' && i+1 < len(s) && s[i+1] == '{':
			end, err := closingBrace(s, i+2)
			if err != nil {
				return "", err
			}
			v, err := e.eval(s[i+2 : end])
			if err != nil {
				return "", err
			}
			b.WriteString(v)
			i = end + 1
		default:
			b.WriteByte(c)
			i++
		}
	}
	return b.String(), nil
}

// closingBrace returns the index of the "}" that closes the expression starting at from, skipping nested
// "${...}" expressions.
func closingBrace(s string, from int) (int, error) {
	depth := 0
	for i := from; i < len(s); i++ {
		switch {
		case s[i] == '$' && i+1 < len(s) && s[i+1] == '$':
			i++
		case s[i] == '$' && i+1 < len(s) && s[i+1] == '{':
			depth++
			i++
		case s[i] == '}':
			if depth == 0 {
				return i, nil
			}
			depth--
		}
	}
	return 0, fmt.Errorf("missing closing brace in %q", truncate(s[max(0, from-2):], 60))
}

// eval evaluates the inside of one "${...}".
func (e *expander) eval(expr string) (string, error) {
	if strings.HasPrefix(expr, "#") && isName(expr[1:]) {
		v, err := e.value(expr[1:], false)
		return strconv.Itoa(utf8.RuneCountInString(v)), err
	}
	n := 0
	for n < len(expr) {
		r, w := utf8.DecodeRuneInString(expr[n:])
		if !(unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_') {
			break
		}
		n += w
	}
	name, rest := expr[:n], expr[n:]
	if name == "" {
		return "", fmt.Errorf("bad substitution ${%s}", truncate(expr, 60))
	}
	op, arg := splitOp(rest)
	if op == "" && rest != "" {
		return "", fmt.Errorf("bad substitution ${%s}", truncate(expr, 60))
	}
	v, err := e.value(name, isDefaultOp(op))
	if err != nil {
		return "", err
	}
	if isDefaultOp(op) {
		if v != "" {
			return v, nil
		}
		return e.expand(arg)
	}
	return e.transform(v, op, arg)
}

// value looks name up; in strict mode a variable without value fails unless a default follows.
func (e *expander) value(name string, hasDefault bool) (string, error) {
	v, ok := e.lookup(name)
	if !ok && e.strict && !hasDefault {
		return "", fmt.Errorf("%w: %q", ErrVariableNotSet, name)
	}
	return v, nil
}

// operators, longest first so that "^^" wins over "^".
var operators = []string{":=", ":-", ":?", ":+", "^^", ",,", "##", "%%", "//", "/#", "/%",
	"=", "-", "?", "+", "^", ",", "#", "%", "/", ":"}

// splitOp splits the text after a variable name into its operator and argument.
func splitOp(rest string) (op, arg string) {
	for _, o := range operators {
		if strings.HasPrefix(rest, o) {
			return o, rest[len(o):]
		}
	}
	return "", rest
}

// isDefaultOp reports whether op supplies a value for an empty or unset variable.
func isDefaultOp(op string) bool {
	switch op {
	case ":=", ":-", ":?", ":+", "=", "-", "?", "+":
		return true
	}
	return false
}

// transform applies a non-default operator to the value v.
func (e *expander) transform(v, op, arg string) (string, error) {
	arg, err := e.expand(arg)
	if err != nil {
		return "", err
	}
	switch op {
	case "":
		return v, nil
	case "^^":
		return strings.ToUpper(v), nil
	case ",,":
		return strings.ToLower(v), nil
	case "^", ",":
		if v == "" {
			return v, nil
		}
		r, w := utf8.DecodeRuneInString(v)
		if op == "^" {
			return string(unicode.ToUpper(r)) + v[w:], nil
		}
		return string(unicode.ToLower(r)) + v[w:], nil
	case ":":
		return substring(v, arg), nil
	case "#", "##", "%", "%%":
		return trim(v, op, arg), nil
	}
	return replace(v, op, arg), nil
}

// substring implements ${var:offset} and ${var:offset:length}; bad numbers leave the value unchanged.
func substring(v, arg string) string {
	runes := []rune(v)
	offStr, lenStr, hasLen := strings.Cut(arg, ":")
	off, err := strconv.Atoi(strings.TrimSpace(offStr))
	if err != nil {
		return v
	}
	if off < 0 {
		off = max(0, len(runes)+off)
	}
	off = min(off, len(runes))
	end := len(runes)
	if hasLen {
		l, err := strconv.Atoi(strings.TrimSpace(lenStr))
		if err != nil {
			return v
		}
		if l >= 0 {
			end = min(off+l, len(runes))
		}
	}
	return string(runes[off:end])
}

// match reports whether the shell glob pattern (*, ?, [...]) matches s entirely; "*" matches "/" too.
func match(pattern, s string) bool {
	re, err := globRegexp(pattern)
	if err != nil {
		return pattern == s
	}
	return re.MatchString(s)
}

// globRegexp translates a shell glob into an anchored regular expression.
func globRegexp(pattern string) (*regexp.Regexp, error) {
	var b strings.Builder
	b.WriteString(`^(?s:`)
	runes := []rune(pattern)
	for i := 0; i < len(runes); i++ {
		switch c := runes[i]; c {
		case '*':
			b.WriteString(`.*`)
		case '?':
			b.WriteString(`.`)
		case '[':
			end := slices.Index(runes[i+1:], ']')
			if end < 0 {
				b.WriteString(`\[`)
				continue
			}
			class := string(runes[i+1 : i+1+end])
			if strings.HasPrefix(class, "!") {
				class = "^" + class[1:]
			}
			b.WriteString("[" + strings.ReplaceAll(class, `\`, `\\`) + "]")
			i += end + 1
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	b.WriteString(`)$`)
	return regexp.Compile(b.String())
}

// trim strips the shortest (#, %) or longest (##, %%) glob match from the start (#) or end (%).
func trim(v, op, pattern string) string {
	n := len(v)
	switch op {
	case "#":
		for i := 0; i <= n; i++ {
			if match(pattern, v[:i]) {
				return v[i:]
			}
		}
	case "##":
		for i := n; i >= 0; i-- {
			if match(pattern, v[:i]) {
				return v[i:]
			}
		}
	case "%":
		for i := n; i >= 0; i-- {
			if match(pattern, v[i:]) {
				return v[:i]
			}
		}
	case "%%":
		for i := 0; i <= n; i++ {
			if match(pattern, v[i:]) {
				return v[:i]
			}
		}
	}
	return v
}

// replace implements ${var/glob/repl} (first), ${var//glob/repl} (all), /# (prefix) and /% (suffix).
func replace(v, op, arg string) string {
	pattern, repl, _ := strings.Cut(arg, "/")
	if pattern == "" {
		return v
	}
	switch op {
	case "/#":
		for i := len(v); i > 0; i-- {
			if match(pattern, v[:i]) {
				return repl + v[i:]
			}
		}
		return v
	case "/%":
		for i := 0; i < len(v); i++ {
			if match(pattern, v[i:]) {
				return v[:i] + repl
			}
		}
		return v
	}
	var b strings.Builder
	for i := 0; i < len(v); {
		j := longestMatchAt(v, i, pattern)
		if j < 0 {
			b.WriteByte(v[i])
			i++
			continue
		}
		b.WriteString(repl)
		i = j
		if op == "/" {
			b.WriteString(v[i:])
			return b.String()
		}
	}
	return b.String()
}

// longestMatchAt returns the end of the longest non-empty glob match starting at i, or -1.
func longestMatchAt(v string, i int, pattern string) int {
	for j := len(v); j > i; j-- {
		if match(pattern, v[i:j]) {
			return j
		}
	}
	return -1
}

// isName reports whether s is a valid variable name for ${#name}.
func isName(s string) bool {
	return s != "" && varName.MatchString(s)
}

// truncate shortens s for an error message.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
