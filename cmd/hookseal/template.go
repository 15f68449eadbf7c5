package main

import (
	"os"
	"strconv"
	"strings"

	"github.com/hookseal/hookseal/event"
	"github.com/hookseal/hookseal/event/checkly"
	"github.com/hookseal/hookseal/event/datadog"
	"github.com/hookseal/hookseal/event/oncall"
)

const templateAbout = `
Print the recommended body template of a sender whose webhook body is a
template you write (Checkly's webhook payload, Grafana OnCall's webhook
data, Datadog's custom payload), or check your own with --check.

--check renders your template as the sender would — Handlebars for
Checkly ({{VAR}} HTML-escaped as Handlebars.js escapes it, {{{VAR}}} raw),
Jinja2 for OnCall (over the forward-all body, each string already escaped
for JSON, as OnCall escapes it), $VARIABLES for Datadog (each value
escaped for a JSON string, as Datadog escapes it) — over sample alerts
whose values hold quotes, backslashes, line breaks and non-ASCII text,
and one with every optional value empty. A helper or filter the check
does not have (Checkly's moment, OnCall's datetimeformat) renders as ""
and is named in a warning. Then it decodes each rendering as a hookseal
route does (checkly.Alert, oncall.Event, datadog.Event; after --keys, as
WithTemplateKeys maps them) and reports, one finding a line ("ok",
"warning" or "problem"): whether every rendering is JSON, and if not
which value breaks it; which fields the route needs the template fills
(event type, resource, time, identity; the title and other text worth
carrying, and for Checkly that the error message, which Handlebars
cannot escape for JSON, is left out); whether two distinct alerts of one
check render distinct bodies; whether ordering and, for Checkly, the
signed time in the body can work.

Exit 0 when the template is sound (warnings included), 1 when it would
lose or merge alerts (a rendering that is not JSON or does not decode, no
event type, two distinct alerts rendering one body), 2 on a usage error.`

const templateExamples = `  hookseal template --provider checkly > payload.hbs
  hookseal template --provider checkly --check payload.hbs
  hookseal template --provider checkly --check payload.hbs --keys type=ALERT_TYPE,started=STARTED_AT
  hookseal template --provider oncall --check data.j2 --keys kind=event.type,/group/id=alert_group.id
  hookseal template --provider datadog | hookseal template --provider datadog --check -`

// tplPayload is a payload type whose body is a user's template.
type tplPayload interface {
	event.Payload
	event.Mapped
	event.Templated
}

// tplText is a text field worth carrying, beside the route's fields.
type tplText struct {
	label, variable string
	get             func(tplPayload) string
}

// checklyFreeText are the variables checkly.RecommendedTemplate leaves
// out: free text that can hold line breaks and backslashes, which
// Handlebars does not escape for JSON.
var checklyFreeText = []string{"CHECK_ERROR_MESSAGE", "CHECK_DESCRIPTION", "AI_ANALYSIS_ROOT_CAUSE", "AI_ANALYSIS_USER_IMPACT", "AI_ANALYSIS_CODE_FIX"}

// tplSender is a sender whose webhook body is a template.
type tplSender struct {
	name, title, lang string // "checkly", "Checkly", "Handlebars"
	recommended       string
	compile           func(src string) (*tplCompiled, error)
	scenarios         func() []tplScenario
	payload           func() tplPayload
	varName           func(path []string) string // a context path as the report names it
	texts             []tplText
	leftOut           map[string]string   // text variables no template carries safely → why, so the recommended one leaves them out
	tsHeader          string              // the sender's unsigned timestamp header, "" when none
	signed            bool                // the body is signed, so a time in it is too
	textVars          []string            // variables of free text ({{{VAR}}} on them risks the JSON)
	renderFails       string              // what the sender does when the template fails to render
	identityLimit     string              // what the identity cannot tell apart, whatever the template
	unescape          func(string) string // undoes the sender's escaping of a value in a JSON string
}

var tplSenders = []*tplSender{
	{
		name: "checkly", title: "Checkly", lang: "Handlebars", recommended: checkly.RecommendedTemplate,
		compile: compileHandlebars, scenarios: checklyScenarios,
		payload: func() tplPayload { return new(checkly.Alert) },
		varName: func(p []string) string { return p[0] },
		texts: []tplText{
			{"title", "ALERT_TITLE", func(p tplPayload) string { return p.(*checkly.Alert).AlertTitle }},
			{"name", "CHECK_NAME", func(p tplPayload) string { return p.(*checkly.Alert).CheckName }},
			{"error message", "CHECK_ERROR_MESSAGE", func(p tplPayload) string { return p.(*checkly.Alert).CheckErrorMessage }},
			{"link", "RESULT_LINK", func(p tplPayload) string { return p.(*checkly.Alert).ResultLink }},
		},
		leftOut: map[string]string{"CHECK_ERROR_MESSAGE": "Handlebars escapes values for HTML, never for JSON, so a line break or a backslash in it " +
			"(a stack trace) makes the body invalid JSON and the alert is refused; the handler can follow RESULT_LINK for the details"},
		tsHeader: "x-checkly-timestamp", signed: true, unescape: checkly.Unescape,
		textVars: []string{"ALERT_TITLE", "CHECK_NAME", "CHECK_ERROR_MESSAGE", "CHECK_DESCRIPTION", "GROUP_NAME",
			"RESULT_LINK", "RUN_LOCATION", "TAGS", "API_CHECK_RESPONSE_STATUS_TEXT", "SSL_CHECK_DOMAIN",
			"AI_ANALYSIS_CLASSIFICATION", "AI_ANALYSIS_CODE_FIX", "AI_ANALYSIS_LINK", "AI_ANALYSIS_ROOT_CAUSE", "AI_ANALYSIS_USER_IMPACT"},
	},
	{
		name: "oncall", title: "OnCall", lang: "Jinja2", recommended: oncall.RecommendedTemplate,
		compile: compileJinja, scenarios: oncallScenarios,
		payload: func() tplPayload { return new(oncall.Event) },
		varName: func(p []string) string {
			var b strings.Builder
			for i, s := range p {
				if _, err := strconv.Atoi(s); err == nil {
					b.WriteString("[" + s + "]")
					continue
				}
				if i > 0 {
					b.WriteByte('.')
				}
				b.WriteString(s)
			}
			return b.String()
		},
		renderFails: "; OnCall then sends no webhook",
		identityLimit: "; but the events that carry no event.time (escalation, unacknowledge, unresolve, unsilence) " +
			"have no identity: two of one alert group that render alike are one delivery to deduplication",
		texts: []tplText{
			{"title", "{{ alert_group.title }}", func(p tplPayload) string { return p.(*oncall.Event).AlertGroup.Title }},
			{"integration name", "{{ integration.name }}", func(p tplPayload) string { return p.(*oncall.Event).Integration.Name }},
		},
	},
	{
		name: "datadog", title: "Datadog", lang: "$VARIABLES", recommended: datadog.RecommendedPayload,
		compile: compileDollar, scenarios: datadogScenarios,
		payload: func() tplPayload { return new(datadog.Event) },
		varName: func(p []string) string { return "$" + p[0] },
		texts: []tplText{
			{"title", "$EVENT_TITLE", func(p tplPayload) string { return p.(*datadog.Event).Title }},
			{"message", "$EVENT_MSG", func(p tplPayload) string { return p.(*datadog.Event).Body }},
			{"link", "$LINK", func(p tplPayload) string { return p.(*datadog.Event).Link }},
		},
	},
}

func runTemplate(e *env, args []string) int {
	f := newFlags("template", "hookseal template --provider checkly|oncall|datadog [--check FILE [--keys key=VARIABLE,...]]",
		templateAbout, templateExamples)
	name := f.String("provider", "", "the sender: checkly, oncall or datadog")
	check := f.String("check", "", "the template `file` to check (- reads stdin); without it, print the recommended template")
	keysFlag := f.String("keys", "", "the route's template key map (WithTemplateKeys): comma-separated `key=VARIABLE` pairs, a key a member name or a JSON Pointer")
	if ok, code := f.parse(e, args); !ok {
		return code
	}
	s, err := findTemplateSender(*name)
	if err != nil {
		return fail(e, "template", err)
	}
	if *check == "" {
		if *keysFlag != "" {
			return fail(e, "template", usagef("--keys needs --check: it maps the keys of the template being checked"))
		}
		_, _ = e.stdout.Write([]byte(s.recommended))
		return exitOK
	}
	keys, err := parseTemplateKeys(*keysFlag, s.payload())
	if err != nil {
		return fail(e, "template", err)
	}
	src, err := readTemplate(e, *check)
	if err != nil {
		return fail(e, "template", err)
	}
	rep := checkTemplate(s, string(src), keys)
	_, _ = e.stdout.Write([]byte(strings.Join(rep.lines, "\n") + "\n"))
	if rep.problems > 0 {
		return exitNo
	}
	return exitOK
}

func findTemplateSender(name string) (*tplSender, error) {
	if name == "" {
		return nil, usagef("--provider is required (checkly, oncall or datadog)")
	}
	for _, s := range tplSenders {
		if strings.EqualFold(s.name, name) {
			return s, nil
		}
	}
	return nil, usagef("--provider %q has no body template; template knows checkly, oncall and datadog", name)
}

// parseTemplateKeys reads --keys as the route reads its event.KeyMap.
func parseTemplateKeys(value string, p tplPayload) (event.KeyMap, error) {
	return parseKeyMap("--keys", value, p)
}

// parseKeyMap reads a template key map written as comma-separated
// key=VARIABLE pairs (template's --keys, listen's --checkly-keys, ...) and
// checks it against payload m with event.CheckKeyMap, as the route will.
func parseKeyMap(flagName, value string, m event.Mapped) (event.KeyMap, error) {
	items, err := splitList(flagName, value)
	if err != nil || len(items) == 0 {
		return nil, err
	}
	km := event.KeyMap{}
	for _, it := range items {
		key, variable, ok := strings.Cut(it, "=")
		key, variable = strings.TrimSpace(key), strings.TrimSpace(variable)
		if !ok || key == "" || variable == "" {
			return nil, usagef("%s: %q is not key=VARIABLE", flagName, it)
		}
		if _, dup := km[key]; dup {
			return nil, usagef("%s: key %q is mapped twice", flagName, key)
		}
		km[key] = variable
	}
	if err := event.CheckKeyMap(km, m); err != nil {
		return nil, usagef("%s: %s", flagName, strings.TrimPrefix(err.Error(), "event: "))
	}
	return km, nil
}

func readTemplate(e *env, path string) ([]byte, error) {
	if path == "-" {
		return readInput(e.stdin, "stdin")
	}
	fh, err := os.Open(path)
	if err != nil {
		return nil, usagef("--check: cannot read the template: %v", err)
	}
	defer fh.Close()
	b, err := readInput(fh, "--check "+path)
	if err != nil {
		return nil, usagef("--check: %v", err)
	}
	return b, nil
}
