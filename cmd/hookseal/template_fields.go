package main

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/hookseal/hookseal/event"
)

// tplFields reports the fields a route needs: type, resource, time and
// identity, each against the sender's own value.
func tplFields(rep *tplReport, s *tplSender, r *tplRendered, keys event.KeyMap) {
	p, want := r.p, r.sc.want
	hint := func(f event.Field, value string) string {
		v := event.TrimVariable(p.TemplateVariable(f))
		if k := tplKeyFor(s, r.judged, value); k != "" && keys[k] == "" {
			return fmt.Sprintf(" (the body carries it as %q: map it with --keys %s=%s)", k, k, v)
		}
		return ""
	}
	variable := func(f event.Field) string { return p.TemplateVariable(f) }
	switch got := p.EventType(); {
	case got == "":
		rep.add("problem", "type", "no event type, so a router cannot dispatch it: add %s%s", variable(event.FieldType), hint(event.FieldType, want.EventType()))
	case got != want.EventType():
		rep.add("problem", "type", "the event type is %q, not %s's %q", tplClip(got), variable(event.FieldType), want.EventType())
	default:
		rep.add("ok", "type", "%s fills it", variable(event.FieldType))
	}
	switch got := p.ResourceKey(); {
	case got == "":
		rep.add("warning", "resource", "no resource, so events cannot be ordered: add %s%s", variable(event.FieldResource), hint(event.FieldResource, want.ResourceKey()))
	case got != want.ResourceKey():
		from := "another value"
		if v := tplVarOf(s, r.sc.ctx, got); v != "" {
			from = v + "'s value"
		}
		rep.add("warning", "resource", "the resource is %s, not %s's, so ordering keys on something else", from, variable(event.FieldResource))
	default:
		rep.add("ok", "resource", "%s fills it", variable(event.FieldResource))
	}
	tplTime := func(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }
	switch got := p.OccurredAt(); {
	case got.IsZero():
		rep.add("warning", "time", "no event time, so events cannot be ordered: add %s%s", variable(event.FieldTime), hint(event.FieldTime, tplLookup(r.sc.ctx, variable(event.FieldTime))))
	case !got.Equal(want.OccurredAt()):
		rep.add("warning", "time", "the time is %s, not %s's %s", tplTime(got), variable(event.FieldTime), tplTime(want.OccurredAt()))
	default:
		rep.add("ok", "time", "%s fills it", variable(event.FieldTime))
	}
	idVar, stampVar := variable(event.FieldIdentity), variable(event.FieldTime)
	var hasID, hasStamp, wrongID bool
	if id, ok := p.(event.Identified); ok {
		hasID = id.EventID() != "" && id.EventID() == want.(event.Identified).EventID()
		wrongID = id.EventID() != "" && !hasID
	}
	if st, ok := p.(event.Stamped); ok {
		hasStamp = !st.StampedAt().IsZero() && st.StampedAt().Equal(want.(event.Stamped).StampedAt())
	}
	_, identified := p.(event.Identified)
	switch {
	case wrongID:
		rep.add("warning", "identity", "the identity is not %s's value, so it may not tell distinct alerts apart", idVar)
	case hasID || (!identified && hasStamp):
		rep.add("ok", "identity", "%s fills it, so distinct alerts render distinct bodies%s", idVar, s.identityLimit)
	case hasStamp:
		rep.add("warning", "identity", "no %s: %s alone tells alerts apart (the route counts the body as identified), so two alerts stamped alike are taken for one", idVar, stampVar)
	default:
		what := idVar
		if idVar != stampVar {
			what += " or " + stampVar
		}
		rep.add("warning", "identity", "no identity: add %s; without one, distinct alerts can render identical bodies", what)
	}
}

// tplTexts reports the sender's text fields: filled, and equal to the
// value the sender had once decoded (escaping undone).
func tplTexts(rep *tplReport, s *tplSender, r *tplRendered, keys event.KeyMap) {
	for _, t := range s.texts {
		want := t.get(r.sc.want)
		if r.plain {
			want = tplDefang(want, 0)
		}
		why := s.leftOut[t.variable]
		switch got := t.get(r.p); {
		case why != "" && got == "":
			rep.add("ok", t.label, "%s is left out, as it should be: %s", t.variable, why)
		case why != "":
			rep.add("warning", t.label, "leave %s out: %s", t.variable, why)
		case got == "":
			hint := ""
			if k := tplKeyFor(s, r.judged, want); k != "" && keys[k] == "" {
				hint = fmt.Sprintf(" (the body carries it as %q: map it with --keys %s=%s)", k, k, event.TrimVariable(t.variable))
			}
			rep.add("warning", t.label, "stays empty: add %s%s", t.variable, hint)
		case s.name == "oncall" && got == jinjaEscape(want):
			rep.add("warning", t.label, "arrives escaped twice: OnCall already escapes every string of the template's context for JSON, so | tojson escapes %s again; write it inside quotes, \"%s\"", t.variable, t.variable)
		case got != want:
			rep.add("warning", t.label, "is filled, but does not decode to %s's value (mapped from another variable, or escaped twice?)", t.variable)
		default:
			rep.add("ok", t.label, "%s fills it and decodes to the sender's value", t.variable)
		}
	}
}

// tplEscaping reports, for Checkly, text variables rendered with
// Handlebars' escaping turned off.
func tplEscaping(rep *tplReport, s *tplSender, c *tplCompiled) {
	var raw []string
	for _, v := range c.unescaped {
		if slices.Contains(s.textVars, v) {
			raw = append(raw, "{{{"+v+"}}}")
		}
	}
	if len(raw) == 0 {
		rep.add("ok", "escaping", "text variables are rendered with {{VAR}}, which Handlebars HTML-escapes, so a quote cannot end a JSON string (Alert undoes the entities)")
		return
	}
	rep.add("warning", "escaping", "%s turns Handlebars' escaping off: a quote or a line break in the value breaks the JSON; use {{VAR}}", strings.Join(raw, ", "))
}

// tplDistinct reports whether two distinct alerts of one check render
// distinct bodies: identical ones are one delivery to deduplication.
func tplDistinct(rep *tplReport, s *tplSender, a, b *tplRendered) {
	ab, bb := a.judged, b.judged
	if a.plain || b.plain { // compare like with like
		ab, bb = a.plainBody, b.plainBody
	}
	if ab == "" || bb == "" || a.p == nil {
		return
	}
	if ab != bb {
		rep.add("ok", "distinct", "the %s and the %s render distinct bodies, so deduplication keeps both", a.sc.name, b.sc.name)
		return
	}
	p := a.p
	add := p.TemplateVariable(event.FieldIdentity)
	if t := p.TemplateVariable(event.FieldTime); t != add {
		add += " or " + t
	}
	why := "so the second is dropped as a duplicate of the first"
	if tplLacksIdentity(p) && s.tsHeader != "" {
		why = fmt.Sprintf("so they are one delivery to deduplication; a hookseal route, finding no identity in the body, tells them apart only by the unsigned %s header, which a replay can rewrite", s.tsHeader)
	} else if s.tsHeader == "" {
		why += fmt.Sprintf(" (%s sends no timestamp header that could tell them apart)", s.title)
	}
	rep.add("problem", "distinct", "the %s and the %s render identical bodies, %s: add %s", a.sc.name, b.sc.name, why, add)
}

// tplLacksIdentity is the route's test (middleware's lacksIdentity).
func tplLacksIdentity(p tplPayload) bool {
	id, canID := p.(event.Identified)
	st, canStamp := p.(event.Stamped)
	if !canID && !canStamp {
		return false
	}
	return (!canID || id.EventID() == "") && (!canStamp || st.StampedAt().IsZero())
}

// tplOrdering reports whether ordering and, for a signed body, the signed
// time can work.
func tplOrdering(rep *tplReport, s *tplSender, r *tplRendered) {
	p := r.p
	res, at := p.TemplateVariable(event.FieldResource), p.TemplateVariable(event.FieldTime)
	var missing []string
	if p.ResourceKey() == "" {
		missing = append(missing, res)
	}
	if p.OccurredAt().IsZero() {
		missing = append(missing, at)
	}
	if len(missing) == 0 {
		rep.add("ok", "ordering", "%s and %s are filled, so a late retry of an older event (the alert after its recovery) is dropped", res, at)
	} else {
		rep.add("warning", "ordering", "cannot work without %s: a late retry of the alert after its recovery is taken as news", strings.Join(missing, " and "))
	}
	if !s.signed {
		return
	}
	if st, ok := p.(event.Stamped); ok && !st.StampedAt().IsZero() {
		rep.add("ok", "signed time", "%s is in the signed body, so a captured delivery replayed later with a rewritten %s is refused as stale", at, s.tsHeader)
		return
	}
	rep.add("warning", "signed time", "no %s in the signed body: %s is not signed, so a captured delivery can be replayed with a rewritten one", at, s.tsHeader)
}

// tplKeyFor returns the member of the JSON body that carries value: a
// top-level name, or a JSON Pointer for a nested one; "" when none does.
func tplKeyFor(s *tplSender, body, value string) string {
	if value == "" {
		return ""
	}
	var find func(v jsontext.Value, ptr string) string
	find = func(v jsontext.Value, ptr string) string {
		dec := jsontext.NewDecoder(bytes.NewReader(v))
		if tok, err := dec.ReadToken(); err != nil || tok.Kind() != '{' {
			return ""
		}
		for dec.PeekKind() == '"' {
			tok, err := dec.ReadToken()
			if err != nil {
				return ""
			}
			name := tok.String()
			val, err := dec.ReadValue()
			if err != nil {
				return ""
			}
			p := ptr + "/" + strings.ReplaceAll(strings.ReplaceAll(name, "~", "~0"), "/", "~1")
			switch val.Kind() {
			case '{':
				if k := find(val, p); k != "" {
					return k
				}
			case '"', '0':
				var text string
				if val.Kind() == '"' {
					t, _ := jsontext.AppendUnquote(nil, val)
					text = string(t)
					if s.unescape != nil {
						text = s.unescape(text)
					}
				} else {
					text = string(val)
				}
				if text == value {
					if strings.Count(p, "/") == 1 {
						return name
					}
					return p
				}
			}
		}
		return ""
	}
	return find(jsontext.Value(body), "")
}

// tplVarOf names the variable of ctx whose value is value, "" when none.
func tplVarOf(s *tplSender, ctx map[string]any, value string) string {
	var leaves []tplLeaf
	tplLeaves(ctx, nil, &leaves)
	for _, l := range leaves {
		if l.value == value {
			return s.varName(l.path)
		}
	}
	return ""
}
