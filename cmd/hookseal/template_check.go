package main

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/hookseal/hookseal/event"
)

// tplReport is the check's findings, one line each.
type tplReport struct {
	lines    []string
	problems int
}

func (r *tplReport) add(level, topic, format string, args ...any) {
	r.lines = append(r.lines, level+": "+topic+": "+fmt.Sprintf(format, args...))
	if level == "problem" {
		r.problems++
	}
}

// tplRendered is one scenario rendered.
type tplRendered struct {
	sc     *tplScenario
	body   string // with the sample values
	judged string // the body the later checks judge: body, or plainBody when body is not JSON
	plain  bool   // judged is plainBody
	// plainBody is the body rendered with JSON-breaking characters
	// removed from the values, "" when that is not JSON either.
	plainBody string
	p         tplPayload
}

// checkTemplate renders src over s's scenarios and reports what a route
// with the template key map keys would make of the bodies.
func checkTemplate(s *tplSender, src string, keys event.KeyMap) *tplReport {
	rep := &tplReport{}
	c, err := s.compile(src)
	if err != nil {
		rep.add("problem", "render", "the template is not valid %s: %s", s.lang, tplClip(oneLine(err.Error())))
		return rep
	}
	scs := s.scenarios()
	var names []string
	for i := range scs {
		names = append(names, scs[i].name)
	}
	rs := make([]*tplRendered, len(scs))
	renderOK, jsonOK := true, true
	for i := range scs {
		r := &tplRendered{sc: &scs[i]}
		rs[i] = r
		body, err := c.render(scs[i].ctx)
		if err != nil {
			renderOK = false
			rep.add("problem", "render", "%s: %s cannot render the template: %s%s", scs[i].name, s.lang, tplClip(oneLine(err.Error())), s.renderFails)
			continue
		}
		r.body = body
		if plain, err := c.render(tplPlain(scs[i].ctx)); err == nil {
			if _, _, _, ok := tplJSON(plain, c.dupOK); ok {
				r.plainBody = c.deliver(plain)
			}
		}
		if line, col, why, ok := tplJSON(body, c.dupOK); !ok {
			jsonOK = false
			rep.add("problem", "json", "%s is not valid JSON (line %d, column %d): %s", scs[i].name, line, col, tplCulprits(s, c, scs[i].ctx, why))
			r.judged, r.plain = r.plainBody, r.plainBody != ""
			continue
		}
		r.judged = c.deliver(body)
	}
	if renderOK {
		rep.lines = append([]string{fmt.Sprintf("ok: render: %d scenarios rendered as %s does (%s): %s",
			len(scs), s.title, s.lang, strings.Join(names, ", "))}, rep.lines...)
	}
	if jsonOK && renderOK {
		rep.add("ok", "json", "every scenario renders valid JSON, quotes, backslashes, line breaks and empty values included")
	} else if slices.ContainsFunc(rs, func(r *tplRendered) bool { return r.plain }) {
		rep.add("warning", "json", "the findings below judge those scenarios with quotes, backslashes and line breaks removed from the values")
	}
	for _, w := range c.warnings {
		rep.add("warning", strings.SplitN(w, ": ", 2)[0], "%s", strings.SplitN(w, ": ", 2)[1])
	}
	for _, r := range rs {
		if r.judged == "" {
			continue
		}
		p, err := tplDecode(s, r.judged, keys)
		if err != nil {
			rep.add("problem", "decode", "%s: the route cannot decode the body and answers 400: %s", r.sc.name, tplClip(oneLine(err.Error())))
			continue
		}
		r.p = p
	}
	first, second := rs[0], rs[2]
	if first.p == nil {
		rep.add("problem", "fields", "cannot tell which fields the template fills: the %s does not render a body the route decodes", first.sc.name)
		return rep
	}
	tplFields(rep, s, first, keys)
	tplTexts(rep, s, first, keys)
	if s.textVars != nil {
		tplEscaping(rep, s, c)
	}
	tplDistinct(rep, s, first, second)
	tplOrdering(rep, s, first)
	return rep
}

// tplJSON reports whether body is one JSON value and, if not, where it
// breaks (1-based line and column, in characters) and why. dupOK accepts
// a member name twice, as Python's json.loads does.
func tplJSON(body string, dupOK bool) (line, col int, why string, ok bool) {
	dec := jsontext.NewDecoder(strings.NewReader(body), jsontext.AllowDuplicateNames(dupOK))
	_, err := dec.ReadValue()
	if err == nil {
		if _, err = dec.ReadToken(); err == io.EOF {
			return 0, 0, "", true
		}
		if err == nil {
			err = errors.New("more than one JSON value")
		}
	}
	off := int(dec.InputOffset())
	why = "invalid JSON"
	var se *jsontext.SyntacticError
	if errors.As(err, &se) {
		off = int(se.ByteOffset)
		if se.Err != nil {
			why = se.Err.Error()
		}
	} else if errors.Is(err, io.ErrUnexpectedEOF) {
		why = "the body ends early"
	}
	off = min(max(off, 0), len(body))
	before := body[:off]
	line = strings.Count(before, "\n") + 1
	col = utf8.RuneCountInString(before[strings.LastIndexByte(before, '\n')+1:]) + 1
	return line, col, why, false
}

func tplValid(c *tplCompiled, ctx map[string]any) bool {
	body, err := c.render(ctx)
	if err != nil {
		return false
	}
	_, _, _, ok := tplJSON(body, c.dupOK)
	return ok
}

// tplDecode decodes a rendered body as the route does: remapped by its
// template key map, then decoded into the payload type.
func tplDecode(s *tplSender, body string, keys event.KeyMap) (tplPayload, error) {
	p := s.payload()
	b := []byte(body)
	if keys != nil {
		var err error
		if b, err = event.Remap(b, keys, p); err != nil {
			return nil, err
		}
	}
	if err := event.Decode("application/json", b, p); err != nil {
		return nil, err
	}
	return p, nil
}

// tplClip shortens a message for one report line.
func tplClip(s string) string {
	if utf8.RuneCountInString(s) > 160 {
		return string([]rune(s)[:160]) + "..."
	}
	return s
}
