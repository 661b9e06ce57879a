/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package decrypt

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// loadDotenv reads a dotenv document in one branch, as sops reads it: one KEY=value per line (split at the
// first '='), "#" lines are comments, empty lines are skipped, and \n in a value is a newline. Nothing is
// trimmed or unquoted.
func loadDotenv(data []byte) ([]mapping, error) {
	var m mapping
	for i, line := range bytes.Split(data, []byte("\n")) {
		switch {
		case len(line) == 0:
		case line[0] == '#':
			m = append(m, item{Key: comment{Value: string(line[1:])}})
		default:
			key, value, ok := bytes.Cut(line, []byte("="))
			if !ok {
				return nil, fmt.Errorf("line %d is not KEY=value", i+1)
			}
			m = append(m, item{Key: string(key), Value: strings.ReplaceAll(string(value), `\n`, "\n")})
		}
	}
	return []mapping{m}, nil
}

// emitDotenv writes the first branch as a dotenv document: comments as "#" lines, newlines in text values as
// \n, other values as text (see plainText). Maps and lists cannot be written.
func emitDotenv(branches []mapping) ([]byte, error) {
	if len(branches) == 0 {
		return nil, errors.New("there is no document to write")
	}
	var b bytes.Buffer
	for _, it := range branches[0] {
		switch it.Value.(type) {
		case mapping, []any:
			return nil, errors.New("a dotenv document cannot hold a map or a list")
		}
		if c, ok := it.Key.(comment); ok {
			b.WriteString("#" + c.Value + "\n")
			continue
		}
		value, ok := it.Value.(string)
		if ok {
			value = strings.ReplaceAll(value, "\n", `\n`)
		} else {
			value = plainText(it.Value)
		}
		fmt.Fprintf(&b, "%s=%s\n", it.Key, value)
	}
	return b.Bytes(), nil
}

// plainText writes a scalar as sops writes it in dotenv and INI documents: a float always with a decimal
// point or an exponent, booleans as true and false, times in RFC 3339, anything else as fmt prints it.
func plainText(v any) string {
	switch v := v.(type) {
	case float64:
		s := strconv.FormatFloat(v, 'G', -1, 64)
		if !strings.ContainsAny(s, ".E") {
			s = strconv.FormatFloat(v, 'f', 1, 64)
		}
		return s
	case bool:
		return strconv.FormatBool(v)
	case time.Time:
		return v.Format(time.RFC3339)
	case fmt.Stringer:
		return v.String()
	default:
		return fmt.Sprintf("%v", v)
	}
}
