package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"regexp"
	"strings"

	"github.com/nikolalohinski/gonja/v2"
	"github.com/nikolalohinski/gonja/v2/builtins"
	"github.com/nikolalohinski/gonja/v2/config"
	gonjaexec "github.com/nikolalohinski/gonja/v2/exec"
	"github.com/nikolalohinski/gonja/v2/loaders"
	"github.com/nikolalohinski/gonja/v2/nodes"
	"github.com/nikolalohinski/gonja/v2/tokens"
)

// --- OnCall: Jinja2, through github.com/nikolalohinski/gonja/v2 ---

// oncallFilters are the filters OnCall adds to Jinja2's
// (engine/common/jinja_templater/jinja_template_env.py).
var oncallFilters = map[string]bool{
	"datetimeformat": true, "datetimeformat_as_timezone": true, "datetimeparse": true, "iso8601_to_time": true,
	"timedeltaparse": true, "tojson_pretty": true, "regex_replace": true, "regex_match": true, "regex_search": true,
	"json_dumps": true, "b64decode": true, "parse_json": true, "timestamp_to_datetime": true,
}

func compileJinja(src string) (*tplCompiled, error) {
	gonja.SetLoggerOutput(io.Discard)
	cfg := config.New() // Jinja2's defaults, as OnCall's SandboxedEnvironment uses them
	filters := gonjaexec.NewFilterSet(map[string]gonjaexec.FilterFunction{}).Update(builtins.Filters)
	// Jinja2's tojson fails on an undefined value (json.dumps cannot write
	// it), where gonja's writes null. gonja has one nil for undefined and
	// None, but the context's Nones are jinjaNone: a nil reaching tojson
	// straight from a variable (see jinjaMarkPaths) is undefined.
	tojson, _ := filters.Get("tojson")
	_ = filters.Register(jinjaPathToJSON, func(e *gonjaexec.Evaluator, in *gonjaexec.Value, params *gonjaexec.VarArgs) *gonjaexec.Value {
		if in.IsNil() {
			return gonjaexec.AsValue(errors.New("the value is undefined, and Jinja2's tojson cannot write an undefined value"))
		}
		return tojson(e, in, params)
	})
	// OnCall's JSON filters, as Python's json.dumps writes them.
	_ = filters.Register("json_dumps", jinjaJSON(""))
	_ = filters.Register("tojson_pretty", jinjaJSON("    "))
	_ = filters.Register("b64decode", func(_ *gonjaexec.Evaluator, in *gonjaexec.Value, _ *gonjaexec.VarArgs) *gonjaexec.Value {
		b, err := base64.StdEncoding.DecodeString(in.String())
		if err != nil {
			return gonjaexec.AsValue(nil)
		}
		return gonjaexec.AsValue(string(b))
	})
	// OnCall parses the rendering (json.loads: a member twice is kept
	// once, the last) and sends what it parsed, serialised again.
	c := &tplCompiled{deliver: jinjaDeliver, dupOK: true}
	stream := tokens.LexAll(src, cfg)
	for prev := (*tokens.Token)(nil); !stream.End(); {
		tok := stream.Next()
		if prev != nil && prev.Type == tokens.Pipe && tok.Type == tokens.Name && !filters.Exists(tok.Val) {
			if oncallFilters[tok.Val] {
				c.warnings = append(c.warnings, fmt.Sprintf("filters: uses filter %s, which this check cannot render (rendered as \"\"); check that part in OnCall's preview", tok.Val))
			} else {
				c.warnings = append(c.warnings, fmt.Sprintf("filters: uses filter %s, which neither Jinja2 (as this check has it) nor OnCall has (rendered as \"\"); check that part in OnCall's preview", tok.Val))
			}
			_ = filters.Register(tok.Val, func(*gonjaexec.Evaluator, *gonjaexec.Value, *gonjaexec.VarArgs) *gonjaexec.Value {
				return gonjaexec.AsValue("")
			})
		}
		prev = tok
	}
	env := &gonjaexec.Environment{
		Context:           gonjaexec.EmptyContext().Update(builtins.GlobalFunctions).Update(builtins.GlobalVariables),
		Filters:           filters,
		Tests:             builtins.Tests,
		ControlStructures: builtins.ControlStructures,
		Methods:           builtins.Methods,
	}
	// A memory loader: {% include %} and {% import %} find nothing.
	loader, err := loaders.NewMemoryLoader(map[string]string{"/data": src})
	if err != nil {
		return nil, err
	}
	tpl, err := gonjaexec.NewTemplate("/data", cfg, loader, env)
	if err != nil {
		if inner := errors.Unwrap(err); inner != nil { // the outer message quotes the whole template
			err = inner
		}
		return nil, err
	}
	jinjaMarkPaths(reflect.ValueOf(tpl.Root()), map[uintptr]bool{})
	c.render = func(ctx map[string]any) (out string, err error) {
		defer func() {
			if v := recover(); v != nil {
				out, err = "", fmt.Errorf("%v", v)
			}
		}()
		out, err = tpl.ExecuteToString(gonjaexec.NewContext(jinjaContext(ctx).(map[string]any)))
		if err != nil {
			return "", jinjaError(err)
		}
		return out, nil
	}
	return c, nil
}

// jinjaNone is Python's None as gonja should see it: it prints as None,
// is false, has no attributes (reading one gives an undefined value, as
// Jinja2's getattr does, where gonja fails on a nil) and is null in JSON.
type jinjaNone map[string]any

func (jinjaNone) String() string               { return "None" }
func (jinjaNone) MarshalJSON() ([]byte, error) { return []byte("null"), nil }

// jinjaContext is the context OnCall renders a webhook's data template
// over (apps/webhooks/utils.py, apply_jinja_template_for_json): every
// string already escaped for a JSON string, as json.dumps(s,
// ensure_ascii=False)[1:-1] writes it, so "{{ alert_group.title }}" is
// valid JSON whatever the title, and None as jinjaNone.
func jinjaContext(v any) any {
	switch x := v.(type) {
	case nil:
		return jinjaNone{}
	case string:
		return jinjaEscape(x)
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = jinjaContext(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = jinjaContext(e)
		}
		return out
	}
	return v
}

// jinjaEscape escapes s as Python's json.dumps does inside a string.
func jinjaEscape(s string) string {
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
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		default:
			if r < 0x20 {
				fmt.Fprintf(&b, `\u%04x`, r)
			} else {
				b.WriteRune(r)
			}
		}
	}
	return b.String()
}

// jinjaDeliver is the body OnCall sends for a rendering: the JSON it
// parsed, serialised again (requests' json=).
func jinjaDeliver(rendered string) string {
	dec := json.NewDecoder(strings.NewReader(rendered))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return rendered
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return rendered
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// jinjaPathToJSON is tojson applied straight to a variable.
const jinjaPathToJSON = "tojson of a variable"

// jinjaMarkPaths renames the tojson filter applied straight to a variable
// (event.time | tojson) to jinjaPathToJSON, walking every node of the
// parsed template.
func jinjaMarkPaths(v reflect.Value, seen map[uintptr]bool) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return
		}
		if v.Kind() == reflect.Pointer {
			if seen[v.Pointer()] {
				return
			}
			seen[v.Pointer()] = true
			if fe, ok := v.Interface().(*nodes.FilteredExpression); ok && len(fe.Filters) > 0 &&
				fe.Filters[0].Name == "tojson" && jinjaIsPath(fe.Expression) {
				fe.Filters[0].Name = jinjaPathToJSON
			}
		}
		jinjaMarkPaths(v.Elem(), seen)
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				jinjaMarkPaths(v.Field(i), seen)
			}
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			jinjaMarkPaths(v.Index(i), seen)
		}
	case reflect.Map:
		for it := v.MapRange(); it.Next(); {
			jinjaMarkPaths(it.Value(), seen)
		}
	}
}

func jinjaIsPath(n nodes.Node) bool {
	switch x := n.(type) {
	case *nodes.Name:
		return true
	case *nodes.GetAttribute:
		return jinjaIsPath(x.Node)
	}
	return false
}

var (
	jinjaLine     = regexp.MustCompile(`at line (\d+)`)
	jinjaFiltered = regexp.MustCompile(`filtered_expression\(([^()]*)\)`)
)

// jinjaError shortens gonja's execution errors, which nest every step of
// the evaluation, to the line, the expression and the cause.
func jinjaError(err error) error {
	msg := err.Error()
	segs := strings.Split(msg, ": ")
	cause := segs[len(segs)-1]
	for i := len(segs) - 2; i >= 0; i-- {
		if strings.HasPrefix(segs[i], "Unable to evaluate ") && !strings.Contains(segs[i], "&{") {
			cause = segs[i] + ": " + cause
			break
		}
	}
	if m := jinjaFiltered.FindStringSubmatch(msg); m != nil && !strings.HasPrefix(cause, "Unable to evaluate") {
		cause = m[1] + ": " + cause
	}
	if m := jinjaLine.FindStringSubmatch(msg); m != nil {
		cause = "line " + m[1] + ": " + cause
	}
	return errors.New(cause)
}

// jinjaJSON is a filter writing its input as Python's json.dumps does:
// no HTML escaping, keys sorted (non-ASCII text stays as it is, which
// decodes the same as json.dumps' \u escapes).
func jinjaJSON(indent string) gonjaexec.FilterFunction {
	return func(_ *gonjaexec.Evaluator, in *gonjaexec.Value, _ *gonjaexec.VarArgs) *gonjaexec.Value {
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", indent)
		if err := enc.Encode(in.Interface()); err != nil {
			return gonjaexec.AsValue(nil)
		}
		return gonjaexec.AsSafeValue(strings.TrimSuffix(b.String(), "\n"))
	}
}
