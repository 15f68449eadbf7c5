package main

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// What in a value can break a JSON string a template puts it in.
const (
	tplQuote     = 1 << iota // "
	tplBackslash             // \
	tplLineBreak             // \n \r
	tplControl               // a tab or another control character
)

var tplClassNames = []struct {
	class int
	name  string
}{{tplQuote, "a quote"}, {tplBackslash, "a backslash"}, {tplLineBreak, "a line break"}, {tplControl, "a tab"}}

func tplClass(r rune) int {
	switch {
	case r == '"':
		return tplQuote
	case r == '\\':
		return tplBackslash
	case r == '\n' || r == '\r':
		return tplLineBreak
	case r < 0x20:
		return tplControl
	}
	return 0
}

func tplClasses(s string) int {
	c := 0
	for _, r := range s {
		c |= tplClass(r)
	}
	return c
}

// tplDefang returns s without the characters of the classes not in keep:
// a quote becomes an apostrophe, a backslash a slash, the others a space.
func tplDefang(s string, keep int) string {
	return strings.Map(func(r rune) rune {
		c := tplClass(r)
		switch {
		case c == 0 || c&keep != 0:
			return r
		case c == tplQuote:
			return '\''
		case c == tplBackslash:
			return '/'
		}
		return ' '
	}, s)
}

// tplLeaf is one value of a context: a string or null, and where it is.
type tplLeaf struct {
	path  []string
	value any
}

func tplLeaves(v any, path []string, out *[]tplLeaf) {
	switch x := v.(type) {
	case map[string]any:
		for _, k := range slices.Sorted(maps.Keys(x)) {
			tplLeaves(x[k], append(slices.Clip(path), k), out)
		}
	case []any:
		for i, e := range x {
			tplLeaves(e, append(slices.Clip(path), strconv.Itoa(i)), out)
		}
	case string, nil:
		*out = append(*out, tplLeaf{path: path, value: v})
	}
}

// tplWith returns a copy of ctx with the leaf at path set to v.
func tplWith(ctx any, path []string, v any) any {
	if len(path) == 0 {
		return v
	}
	switch x := ctx.(type) {
	case map[string]any:
		out := maps.Clone(x)
		out[path[0]] = tplWith(x[path[0]], path[1:], v)
		return out
	case []any:
		out := slices.Clone(x)
		i, _ := strconv.Atoi(path[0])
		out[i] = tplWith(x[i], path[1:], v)
		return out
	}
	return ctx
}

// tplPlain returns ctx with every JSON-breaking character removed from its
// values.
func tplPlain(ctx map[string]any) map[string]any {
	var leaves []tplLeaf
	tplLeaves(ctx, nil, &leaves)
	var out any = ctx
	for _, l := range leaves {
		if s, ok := l.value.(string); ok && tplClasses(s) != 0 {
			out = tplWith(out, l.path, tplDefang(s, 0))
		}
	}
	return out.(map[string]any)
}

// tplCulprits says which values of ctx make the rendering invalid JSON:
// each value with JSON-breaking characters is restored alone on a
// rendering made with plain values, and each empty one left empty alone on
// a rendering whose empty values are filled. It names the variables and
// the characters, never the values; why is the JSON decoder's complaint.
func tplCulprits(s *tplSender, c *tplCompiled, ctx map[string]any, why string) string {
	var leaves []tplLeaf
	tplLeaves(ctx, nil, &leaves)
	base := any(tplPlain(ctx))
	var empties []tplLeaf
	for _, l := range leaves {
		if l.value == nil || l.value == "" {
			empties = append(empties, l)
			base = tplWith(base, l.path, "0")
		}
	}
	if !tplValid(c, base.(map[string]any)) {
		return "it is not JSON whatever the values (" + why + "); check the quotes, commas and braces around the variables"
	}
	var hostile []string
	byVar := map[string]int{}
	for _, l := range leaves {
		v, _ := l.value.(string)
		classes := tplClasses(v)
		if classes == 0 || tplValid(c, tplWith(base, l.path, v).(map[string]any)) {
			continue
		}
		name := s.varName(l.path)
		if _, seen := byVar[name]; !seen {
			hostile = append(hostile, name)
		}
		for _, cl := range tplClassNames {
			if classes&cl.class != 0 && !tplValid(c, tplWith(base, l.path, tplDefang(v, cl.class)).(map[string]any)) {
				byVar[name] |= cl.class
			}
		}
	}
	// The variables that break it with the same characters, together.
	var parts []string
	var classes []int
	groups := map[int][]string{}
	for _, name := range hostile {
		if _, seen := groups[byVar[name]]; !seen {
			classes = append(classes, byVar[name])
		}
		groups[byVar[name]] = append(groups[byVar[name]], name)
	}
	freeText := false
	for _, cls := range classes {
		var what []string
		for _, cl := range tplClassNames {
			if cls&cl.class != 0 {
				what = append(what, cl.name)
			}
		}
		if len(what) == 0 {
			what = []string{"their characters together"}
			if len(groups[cls]) == 1 {
				what = []string{"its characters together"}
			}
		}
		verb := "break"
		if len(groups[cls]) == 1 {
			verb = "breaks"
		}
		parts = append(parts, fmt.Sprintf("%s %s it with %s", tplAnd(groups[cls]), verb, tplAnd(what)))
		for _, v := range groups[cls] {
			freeText = freeText || s.name == "checkly" && slices.Contains(checklyFreeText, v)
		}
	}
	if len(parts) > 0 {
		switch s.name {
		case "checkly":
			parts = append(parts, `Handlebars escapes & < > " ' `+"`"+` = in {{VAR}}, nothing in {{{VAR}}}, and never a backslash or a line break`)
			if freeText {
				parts = append(parts, "leave the free-text variables out")
			}
		case "datadog":
			parts = append(parts, "Datadog escapes a value for a JSON string, which keeps the JSON valid only with the variable directly inside quotes")
		}
	}
	for _, l := range empties {
		others := tplWith(base, l.path, l.value)
		if !tplValid(c, others.(map[string]any)) {
			name := s.varName(l.path)
			parts = append(parts, fmt.Sprintf("an empty %s leaves a hole (put it inside quotes)", name))
		}
	}
	if len(parts) == 0 {
		return "no single value explains it"
	}
	return strings.Join(parts, "; ")
}

// tplLookup returns the context's value for a variable as the sender
// writes it (ALERT_TYPE, {{ event.time }}, $DATE), as text.
func tplLookup(ctx map[string]any, variable string) string {
	name := strings.TrimPrefix(strings.Trim(strings.TrimSpace(variable), "{} "), "$")
	var v any = ctx
	for _, part := range strings.Split(name, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return ""
		}
		v = m[part]
	}
	switch x := v.(type) {
	case string:
		return x
	case int64, float64:
		return fmt.Sprint(x)
	}
	return ""
}

// tplAnd joins "a", "b" and "c" as "a, b and c".
func tplAnd(items []string) string {
	if len(items) < 2 {
		return strings.Join(items, "")
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}
