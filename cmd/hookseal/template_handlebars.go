package main

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"

	"github.com/mailgun/raymond/v2"
	"github.com/mailgun/raymond/v2/ast"
	"github.com/mailgun/raymond/v2/parser"

	"github.com/hookseal/hookseal/event/checkly"
)

// --- Checkly: Handlebars, through github.com/mailgun/raymond/v2 ---

// raymond escapes {{VAR}} with Go's html.EscapeString rules (& ' < > ",
// the apostrophe as &apos;), where Handlebars.js's escapeExpression writes
// & < > " ' ` = as &amp; &lt; &gt; &quot; &#x27; &#x60; &#x3D;. To render
// as Checkly does, the three characters that differ travel through raymond
// as '<' plus a private-use rune: an escaped mustache turns the '<' into
// &lt;, an unescaped one leaves it, and hbsOut writes each as Handlebars.js
// would have.
var (
	hbsIn  = strings.NewReplacer("'", "<\uE000", "`", "<\uE001", "=", "<\uE002")
	hbsOut = strings.NewReplacer(
		"&lt;\uE000", "&#x27;", "&lt;\uE001", "&#x60;", "&lt;\uE002", "&#x3D;",
		"<\uE000", "'", "<\uE001", "`", "<\uE002", "=")
)

// hbsBuiltins are Handlebars.js's own helpers, which raymond has too.
var hbsBuiltins = map[string]bool{"if": true, "unless": true, "each": true, "with": true, "lookup": true, "log": true}

// checklyHelpers are the helpers Checkly adds (github.com/checkly/handlebars:
// its own and handlebars-helpers' comparison helpers).
var checklyHelpers = map[string]bool{
	"$UUID": true, "$RANDOM_NUMBER": true, "RANDOM_NUMBER": true, "moment": true, "split": true,
	"and": true, "compare": true, "contains": true, "default": true, "eq": true, "gt": true, "gte": true,
	"has": true, "isFalsey": true, "isTruthy": true, "ifEven": true, "ifNth": true, "ifOdd": true,
	"is": true, "isnt": true, "lt": true, "lte": true, "neither": true, "not": true, "or": true,
	"unlessEq": true, "unlessGt": true, "unlessLt": true, "unlessGteq": true, "unlessLteq": true,
}

// raymond registers helpers Handlebars.js does not have; a template using
// them would render here and fail in Checkly.
var hbsSetup = sync.OnceFunc(func() {
	for _, h := range []string{"equal", "ifGt", "ifLt", "ifEq", "ifMatchesRegexStr", "pluralize"} {
		raymond.RemoveHelper(h)
	}
})

// hbsScan is what a Handlebars template uses.
type hbsScan struct {
	vars      map[string]bool
	helpers   map[string]int // helper name → number of parameters of its no-op stand-in, -1 when uses differ
	names     []string       // helper names in order of first use
	unknown   []string       // bare names that are neither variables nor helpers
	unescaped []string
	bareTags  bool  // {{TAGS}}: Handlebars.js writes the list comma-separated
	each      []any // the lists {{#each}} blocks iterate, innermost last (a name, or nil)
}

func compileHandlebars(src string) (*tplCompiled, error) {
	hbsSetup()
	prog, err := parser.Parse(src)
	if err != nil {
		return nil, err
	}
	s := &hbsScan{vars: map[string]bool{}, helpers: map[string]int{}}
	for _, v := range checkly.Variables {
		s.vars[v] = true
	}
	s.node(prog)
	c := &tplCompiled{unescaped: s.unescaped, deliver: tplAsIs}
	for _, h := range s.names {
		if checklyHelpers[h] {
			c.warnings = append(c.warnings, fmt.Sprintf("helpers: uses helper %s, which this check cannot render (rendered as \"\"); check that part in Checkly's preview", h))
		} else {
			c.warnings = append(c.warnings, fmt.Sprintf("helpers: uses helper %s, which neither Handlebars nor Checkly has (rendered as \"\"); Checkly fails to render a template with a missing helper", h))
		}
	}
	for _, v := range s.unknown {
		c.warnings = append(c.warnings, fmt.Sprintf("variables: {{%s}} is not a Checkly alert variable (an environment variable?); rendered as \"\"", v))
	}
	c.render = func(ctx map[string]any) (out string, err error) {
		defer func() { // raymond panics on what it cannot evaluate
			if v := recover(); v != nil {
				out, err = "", fmt.Errorf("%v", v)
			}
		}()
		tpl, err := raymond.Parse(src)
		if err != nil {
			return "", err
		}
		// raymond calls a helper only with the number of parameters it
		// declares; one used with several numbers stays unregistered, and
		// raymond renders it as a missing name: "" (a block, its {{else}}).
		for name, n := range s.helpers {
			if n >= 0 {
				tpl.RegisterHelper(name, hbsNoop(n))
			}
		}
		in := hbsMark(ctx).(map[string]any)
		if _, helper := s.helpers["TAGS"]; s.bareTags && !helper {
			tags, _ := in["TAGS"].([]any)
			tpl.RegisterHelper("TAGS", func(*raymond.Options) string {
				parts := make([]string, len(tags))
				for i, t := range tags {
					parts[i] = raymond.Str(t)
				}
				return strings.Join(parts, ",") // Array.prototype.toString
			})
		}
		if out, err = tpl.Exec(in); err != nil {
			msg, _, _ := strings.Cut(err.Error(), "\nCurrent node:") // the node dump follows
			return "", errors.New(msg)
		}
		return hbsOut.Replace(out), nil
	}
	return c, nil
}

// hbsMark copies a context, marking the characters raymond escapes
// differently (see hbsIn).
func hbsMark(v any) any {
	switch x := v.(type) {
	case string:
		return hbsIn.Replace(x)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = hbsMark(e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = hbsMark(e)
		}
		return out
	}
	return v
}

// hbsNoop is a helper of n parameters that renders nothing.
func hbsNoop(n int) any {
	in := make([]reflect.Type, n)
	for i := range in {
		in[i] = reflect.TypeFor[any]()
	}
	t := reflect.FuncOf(in, []reflect.Type{reflect.TypeFor[raymond.SafeString]()}, false)
	return reflect.MakeFunc(t, func([]reflect.Value) []reflect.Value {
		return []reflect.Value{reflect.ValueOf(raymond.SafeString(""))}
	}).Interface()
}

func (s *hbsScan) node(n ast.Node) {
	switch n := n.(type) {
	case *ast.Program:
		if n == nil {
			return
		}
		for _, b := range n.Body {
			s.node(b)
		}
	case *ast.MustacheStatement:
		name := s.expr(n.Expression, false)
		bare := len(n.Expression.Params) == 0 && n.Expression.Hash == nil
		if name == "TAGS" && bare {
			s.bareTags = true
		}
		if n.Unescaped && bare {
			if v := s.variable(n.Expression.Path); v != "" && !slices.Contains(s.unescaped, v) {
				s.unescaped = append(s.unescaped, v)
			}
		}
	case *ast.BlockStatement:
		name := s.expr(n.Expression, true)
		var list any
		if name == "each" && len(n.Expression.Params) > 0 {
			if v := s.variable(n.Expression.Params[0]); v != "" {
				list = v
			}
		}
		s.each = append(s.each, list)
		s.node(n.Program)
		s.node(n.Inverse)
		s.each = s.each[:len(s.each)-1]
	}
}

// variable returns the Checkly variable a path names: the variable itself,
// or the list an enclosing {{#each}} iterates for {{this}}.
func (s *hbsScan) variable(n ast.Node) string {
	p, ok := n.(*ast.PathExpression)
	if !ok || p.Data {
		return ""
	}
	if p.Original == "this" || p.Original == "." {
		if len(s.each) > 0 {
			if v, ok := s.each[len(s.each)-1].(string); ok {
				return v
			}
		}
		return ""
	}
	if len(p.Parts) > 0 && s.vars[p.Parts[0]] {
		return p.Parts[0]
	}
	return ""
}

// expr notes the helpers and unknown names an expression uses and returns
// its callee's name.
func (s *hbsScan) expr(e *ast.Expression, block bool) string {
	name := e.HelperName()
	call := block || len(e.Params) > 0 || e.Hash != nil
	switch {
	case name == "" || hbsBuiltins[name] || (s.vars[name] && !call):
	case s.vars[name] && block: // {{#VAR}}: a section over the value
	case call || checklyHelpers[name]:
		s.helper(name, len(e.Params))
	case !slices.Contains(s.unknown, name) && name != "this":
		s.unknown = append(s.unknown, name)
	}
	for _, p := range e.Params {
		s.param(p)
	}
	if e.Hash != nil {
		for _, kv := range e.Hash.Pairs {
			s.param(kv.Val)
		}
	}
	return name
}

func (s *hbsScan) param(n ast.Node) {
	if sub, ok := n.(*ast.SubExpression); ok {
		if name := sub.Expression.HelperName(); name != "" && !hbsBuiltins[name] {
			s.helper(name, len(sub.Expression.Params))
		}
		s.expr(sub.Expression, false)
	}
}

func (s *hbsScan) helper(name string, params int) {
	n, seen := s.helpers[name]
	switch {
	case !seen:
		s.helpers[name] = params
		s.names = append(s.names, name)
	case n != params:
		s.helpers[name] = -1
	}
}
