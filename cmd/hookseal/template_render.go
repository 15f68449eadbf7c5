package main

import (
	"fmt"
	"slices"
	"strings"

	"github.com/hookseal/hookseal/event/datadog"
)

// tplCompiled is a user's template, ready to render over a scenario's
// context the way its sender renders it.
type tplCompiled struct {
	render    func(ctx map[string]any) (string, error)
	deliver   func(rendered string) string // the body the sender sends for a rendering that is JSON
	dupOK     bool                         // the sender parses the rendering, accepting a member twice
	warnings  []string                     // what the check cannot render as the sender would
	unescaped []string                     // Checkly: variables rendered with {{{VAR}}} or {{&VAR}}
}

func tplAsIs(s string) string { return s }

// --- Datadog: $VARIABLES, each replaced by its value escaped for JSON ---

// compileDollar replaces each of datadog.Variables, longest name first,
// with its value escaped for a JSON string, without the quotes: Datadog
// escapes what it substitutes into a JSON payload, so a quote, a backslash
// or a line break in $EVENT_MSG arrives as \", \\ or \n. Inside quotes
// the value is then always a valid JSON string; outside them, text is not
// JSON and an empty value leaves a hole. Other $WORDS stay as written.
func compileDollar(src string) (*tplCompiled, error) {
	names := slices.Clone(datadog.Variables[:])
	slices.SortFunc(names, func(a, b string) int { return len(b) - len(a) })
	match := func(rest string) string {
		for _, n := range names {
			if strings.HasPrefix(rest, n) {
				return n
			}
		}
		return ""
	}
	c := &tplCompiled{deliver: tplAsIs}
	for i := 0; i < len(src); i++ {
		if src[i] != '$' {
			continue
		}
		j := i + 1
		for j < len(src) && (src[j] == '_' || src[j] >= 'A' && src[j] <= 'Z' || src[j] >= '0' && src[j] <= '9') {
			j++
		}
		if j > i+1 && match(src[i+1:j]) == "" {
			c.warnings = append(c.warnings, fmt.Sprintf("variables: %s is not a variable this check fills; it is left as written", src[i:j]))
		}
	}
	c.render = func(ctx map[string]any) (string, error) {
		var b strings.Builder
		rest := src
		for {
			i := strings.IndexByte(rest, '$')
			if i < 0 {
				b.WriteString(rest)
				return b.String(), nil
			}
			b.WriteString(rest[:i])
			rest = rest[i+1:]
			if n := match(rest); n != "" {
				v, _ := ctx[n].(string)
				b.WriteString(tplJSONEscape(v))
				rest = rest[len(n):]
				continue
			}
			b.WriteByte('$')
		}
	}
	return c, nil
}

// tplJSONEscape returns s escaped for a JSON string, without the quotes: a
// quote, a backslash and the control characters, nothing else.
func tplJSONEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			if r < 0x20 {
				fmt.Fprintf(&b, `\u%04x`, r)
				continue
			}
			b.WriteRune(r)
		}
	}
	return b.String()
}
