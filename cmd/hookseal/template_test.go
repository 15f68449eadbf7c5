package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/hookseal/hookseal/event/checkly"
	"github.com/hookseal/hookseal/event/datadog"
	"github.com/hookseal/hookseal/event/oncall"
	"github.com/hookseal/hookseal/hooktest"
)

// checkTemplateRun runs "hookseal template --check -" with the template on
// stdin, checks the report's shape and that it dumps no body, and returns
// the result.
func checkTemplateRun(t *testing.T, provider, tpl string, extra ...string) result {
	t.Helper()
	r := hookseal(t, []byte(tpl), nil, append([]string{"template", "--provider", provider, "--check", "-"}, extra...)...)
	if r.code == exitUsage {
		t.Fatalf("usage error: %s", r)
	}
	lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
	for _, l := range lines {
		if !regexp.MustCompile(`^(ok|warning|problem): [a-z ]+: `).MatchString(l) {
			t.Errorf("report line %q does not start with ok, warning or problem and a topic", l)
		}
		if utf8.RuneCountInString(l) > 400 {
			t.Errorf("report line of %d characters: %q", utf8.RuneCountInString(l), l)
		}
	}
	if r.stderr != "" {
		t.Errorf("stderr: %s", r.stderr)
	}
	// No rendered body, nor a sample value, reaches the report.
	a := hooktest.ChecklyAlert(checkly.AlertFailure, tplBase)
	d := hooktest.DatadogEvent(datadog.Triggered, tplBase)
	noSecrets(t, []string{r.stdout, r.stderr}, tplError, strings.SplitN(tplError, "\n", 2)[1], "Zürich", "{\n", `\"`,
		a.CheckResultID, d.ID, hooktest.OnCallAlertGroupID+`"`, "&quot;", "Place order", "Runbook", "payments.tsx", "Carts are kept", "waitForResponse")
	return r
}

// hasLine reports whether the report has a line starting with prefix.
func hasLine(r result, prefix string) bool {
	for _, l := range strings.Split(r.stdout, "\n") {
		if strings.HasPrefix(l, prefix) {
			return true
		}
	}
	return false
}

func wantLine(t *testing.T, r result, prefix string) {
	t.Helper()
	if !hasLine(r, prefix) {
		t.Errorf("no line starting %q in:\n%s", prefix, r.stdout)
	}
}

// problems returns the report's problem lines.
func problems(r result) []string {
	var out []string
	for _, l := range strings.Split(r.stdout, "\n") {
		if strings.HasPrefix(l, "problem: ") {
			out = append(out, l)
		}
	}
	return out
}

func TestTemplatePrintsRecommended(t *testing.T) {
	t.Parallel()
	for p, want := range map[string]string{
		"checkly": checkly.RecommendedTemplate, "oncall": oncall.RecommendedTemplate, "datadog": datadog.RecommendedPayload,
	} {
		r := hookseal(t, nil, nil, "template", "--provider", p)
		wantCode(t, r, exitOK)
		if r.stdout != want {
			t.Errorf("%s: printed\n%s\nwant\n%s", p, r.stdout, want)
		}
	}
	r := hookseal(t, nil, nil, "template", "--help")
	wantCode(t, r, exitOK)
	for _, s := range []string{"Usage:\n  hookseal template", "Flags:", "-check", "-keys", "Examples:\n", "hookseal template --provider checkly --check"} {
		if !strings.Contains(r.stdout, s) {
			t.Errorf("help lacks %q:\n%s", s, r.stdout)
		}
	}
	if r := hookseal(t, nil, nil, "--help"); !strings.Contains(r.stdout, "template") {
		t.Errorf("usage does not list template:\n%s", r.stdout)
	}
}

// Each recommended template is sound: exit 0, no problem and no warning,
// and every field the check knows is ok.
func TestTemplateRecommendedSound(t *testing.T) {
	t.Parallel()
	for _, s := range tplSenders {
		r := checkTemplateRun(t, s.name, s.recommended)
		wantCode(t, r, exitOK)
		for _, l := range strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n") {
			if !strings.HasPrefix(l, "ok: ") {
				t.Errorf("%s: %q is not ok", s.name, l)
			}
		}
		fields := []string{"render", "json", "type", "resource", "time", "identity", "distinct", "ordering"}
		for _, x := range s.texts {
			fields = append(fields, x.label)
		}
		if s.name == "checkly" {
			fields = append(fields, "escaping", "signed time")
		}
		for _, f := range fields {
			wantLine(t, r, "ok: "+f+": ")
		}
		switch s.name {
		case "checkly":
			wantLine(t, r, "ok: error message: CHECK_ERROR_MESSAGE is left out, as it should be: Handlebars escapes values for HTML, never for JSON")
		case "oncall": // the limit of an identity that is event.time alone
			wantLine(t, r, "ok: identity: {{ event.time }} fills it, so distinct alerts render distinct bodies; "+
				"but the events that carry no event.time (escalation, unacknowledge, unresolve, unsilence) have no identity")
		}
	}
}

// The recommended Checkly template carries every variable but the
// free-text ones, each of which, added back, breaks the JSON: the check's
// samples give every one of them a line break and a backslash.
func TestTemplateChecklyFreeText(t *testing.T) {
	t.Parallel()
	for _, v := range checkly.Variables {
		if strings.Contains(checkly.RecommendedTemplate, "{{"+v+"}}") == slices.Contains(checklyFreeText, v) && v != "TAGS" {
			t.Errorf("the recommended template carries %s: %v", v, !slices.Contains(checklyFreeText, v))
		}
	}
	for _, v := range checklyFreeText {
		t.Run(v, func(t *testing.T) {
			t.Parallel()
			checklyFreeTextBreaks(t, v)
		})
	}
}

// checklyFreeTextBreaks checks that the free-text variable v, added to the
// recommended Checkly template, breaks its JSON, and that the report says so.
func checklyFreeTextBreaks(t *testing.T, v string) {
	tpl := strings.Replace(checkly.RecommendedTemplate, "\n  \"group_name\"",
		"\n  \""+strings.ToLower(v)+"\": \"{{"+v+"}}\",\n  \"group_name\"", 1)
	r := checkTemplateRun(t, "checkly", tpl)
	wantCode(t, r, exitNo)
	wantLine(t, r, "problem: json: FAILURE is not valid JSON (line 8, column ")
	if !strings.Contains(r.stdout, "): "+v+" breaks it with a backslash and a line break; ") ||
		!strings.Contains(r.stdout, "; leave the free-text variables out") {
		t.Errorf("%s: the report does not name it:\n%s", v, r.stdout)
	}
	for _, p := range problems(r) {
		if !strings.HasPrefix(p, "problem: json: ") {
			t.Errorf("%s: unexpected problem %q", v, p)
		}
	}
}

// The templates hookseal recommended before stay unsound: Checkly's with
// the error message (Handlebars escapes no line break), OnCall's with a
// bare tojson on event.time (absent from escalations), and Datadog
// payloads whose $EVENT_MSG is not inside quotes or which are not JSON.
func TestTemplateFormerRecommendedFail(t *testing.T) {
	t.Parallel()
	// Each template is checked by a run of its own, side by side.
	run := func(name string, f func(t *testing.T)) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f(t)
		})
	}
	run("checkly", func(t *testing.T) {
		oldChecklyTpl := strings.Replace(checkly.RecommendedTemplate, "\n  \"group_name\"",
			"\n  \"check_error_message\": \"{{CHECK_ERROR_MESSAGE}}\",\n  \"group_name\"", 1)
		r := checkTemplateRun(t, "checkly", oldChecklyTpl)
		wantCode(t, r, exitNo)
		wantLine(t, r, "problem: json: FAILURE is not valid JSON (line 8, column 70): CHECK_ERROR_MESSAGE breaks it with a backslash and a line break;")
		wantLine(t, r, "problem: json: second FAILURE is not valid JSON (line 8, column 70): CHECK_ERROR_MESSAGE breaks it")
		wantLine(t, r, "warning: error message: leave CHECK_ERROR_MESSAGE out: Handlebars escapes values for HTML, never for JSON")
		if len(problems(r)) != 2 {
			t.Errorf("problems %q, want the two FAILUREs'", problems(r))
		}
	})
	// With all five free-text variables, as it was, one line names them all.
	run("checkly-free-text", func(t *testing.T) {
		var all strings.Builder
		for _, v := range checklyFreeText {
			all.WriteString("\n  \"" + strings.ToLower(v) + "\": \"{{" + v + "}}\",")
		}
		r := checkTemplateRun(t, "checkly", strings.Replace(checkly.RecommendedTemplate, "\n  \"group_name\"", all.String()+"\n  \"group_name\"", 1))
		wantCode(t, r, exitNo)
		wantLine(t, r, "problem: json: FAILURE is not valid JSON (line 8, column 70): AI_ANALYSIS_CODE_FIX, AI_ANALYSIS_ROOT_CAUSE, AI_ANALYSIS_USER_IMPACT, "+
			"CHECK_DESCRIPTION and CHECK_ERROR_MESSAGE break it with a backslash and a line break;")
		wantLine(t, r, "problem: json: RECOVERY is not valid JSON (line 9, column 99): CHECK_DESCRIPTION breaks it with a backslash and a line break;")
	})

	run("oncall", func(t *testing.T) {
		oldOnCall := strings.Replace(oncall.RecommendedTemplate, "{{ event.time | default(None) | tojson }}", "{{ event.time | tojson }}", 1)
		if oldOnCall == oncall.RecommendedTemplate {
			t.Fatal("the recommended OnCall template has no event.time | default(None) | tojson")
		}
		r := checkTemplateRun(t, "oncall", oldOnCall)
		wantCode(t, r, exitNo)
		if p := problems(r); len(p) != 1 || p[0] != "problem: render: escalation with empty values: Jinja2 cannot render the template: line 2: event.time: "+
			"the value is undefined, and Jinja2's tojson cannot write an undefined value; OnCall then sends no webhook" {
			t.Errorf("problems %q", p)
		}
	})

	// tojson on a title OnCall has already escaped escapes it twice.
	run("oncall-tojson-title", func(t *testing.T) {
		twice := strings.Replace(oncall.RecommendedTemplate, `"{{ alert_group.title }}"`, `{{ alert_group.title | tojson }}`, 1)
		if twice == oncall.RecommendedTemplate {
			t.Fatal("the recommended OnCall template has no \"{{ alert_group.title }}\"")
		}
		r := checkTemplateRun(t, "oncall", twice)
		wantLine(t, r, "warning: title: arrives escaped twice")
	})

	run("datadog-unquoted", func(t *testing.T) {
		unquoted := strings.Replace(datadog.RecommendedPayload, `"body": "$EVENT_MSG",`, `"body": $EVENT_MSG,`, 1)
		if unquoted == datadog.RecommendedPayload {
			t.Fatal("the recommended Datadog payload has no \"body\": \"$EVENT_MSG\"")
		}
		r := checkTemplateRun(t, "datadog", unquoted)
		wantCode(t, r, exitNo)
		wantLine(t, r, "problem: json: Triggered is not valid JSON (line 5, column 11): it is not JSON whatever the values")
	})
	run("datadog-not-json", func(t *testing.T) {
		r := checkTemplateRun(t, "datadog", strings.Replace(datadog.RecommendedPayload, `"$EVENT_TYPE",`, `"$EVENT_TYPE"`, 1))
		wantCode(t, r, exitNo)
		wantLine(t, r, "problem: json: Triggered is not valid JSON (line 4, column 3): it is not JSON whatever the values")
	})
}

// A plausible template whose keys Alert does not read: no event type
// (exit 1), and the report says which --keys would map it. Mapped, it is
// sound, with STARTED_AT the only identity.
func TestTemplateChecklyKeys(t *testing.T) {
	t.Parallel()
	const tpl = `{"alert":"{{ALERT_TITLE}}","type":"{{ALERT_TYPE}}","check_id":"{{CHECK_ID}}","started":"{{STARTED_AT}}"}`
	r := checkTemplateRun(t, "checkly", tpl)
	wantCode(t, r, exitNo)
	wantLine(t, r, `problem: type: no event type, so a router cannot dispatch it: add ALERT_TYPE (the body carries it as "type": map it with --keys type=ALERT_TYPE)`)
	wantLine(t, r, `warning: time: no event time, so events cannot be ordered: add STARTED_AT (the body carries it as "started": map it with --keys started=STARTED_AT)`)
	wantLine(t, r, "warning: signed time: no STARTED_AT in the signed body")
	if p := problems(r); len(p) != 1 {
		t.Errorf("problems %q, want only the event type", p)
	}

	r = checkTemplateRun(t, "checkly", tpl, "--keys", "type=ALERT_TYPE,started=STARTED_AT,alert=ALERT_TITLE")
	wantCode(t, r, exitOK)
	for _, f := range []string{"type", "resource", "time", "title", "distinct", "ordering", "signed time"} {
		wantLine(t, r, "ok: "+f+": ")
	}
	wantLine(t, r, "warning: identity: no CHECK_RESULT_ID: STARTED_AT alone tells alerts apart (the route counts the body as identified)")
	wantLine(t, r, "warning: name: stays empty: add CHECK_NAME")
}

// Two FAILUREs of one check render one body: deduplication merges them.
func TestTemplateChecklyIdenticalBodies(t *testing.T) {
	t.Parallel()
	const tpl = `{"message":"{{ALERT_TITLE}}","type":"{{ALERT_TYPE}}"}`
	const merged = "problem: distinct: the FAILURE and the second FAILURE render identical bodies, so they are one delivery to deduplication; " +
		"a hookseal route, finding no identity in the body, tells them apart only by the unsigned x-checkly-timestamp header"
	r := checkTemplateRun(t, "checkly", tpl)
	wantCode(t, r, exitNo)
	wantLine(t, r, merged)
	wantLine(t, r, "problem: type: no event type")
	wantLine(t, r, `warning: title: stays empty: add ALERT_TITLE (the body carries it as "message": map it with --keys message=ALERT_TITLE)`)

	r = checkTemplateRun(t, "checkly", tpl, "--keys", "type=ALERT_TYPE,message=ALERT_TITLE")
	wantCode(t, r, exitNo)
	if p := problems(r); len(p) != 1 || !strings.HasPrefix(p[0], merged) {
		t.Errorf("problems %q, want only the identical bodies", p)
	}
	wantLine(t, r, "ok: type: ALERT_TYPE fills it")
	wantLine(t, r, "ok: title: ALERT_TITLE fills it and decodes to the sender's value")
}

// {{{VAR}}} turns Handlebars' escaping off: the quote scenario breaks.
func TestTemplateChecklyTripleStash(t *testing.T) {
	t.Parallel()
	const tpl = `{"alert_type":"{{ALERT_TYPE}}","check_id":"{{CHECK_ID}}","check_result_id":"{{CHECK_RESULT_ID}}",` +
		`"started_at":"{{STARTED_AT}}","alert_title":"{{{ALERT_TITLE}}}"}`
	r := checkTemplateRun(t, "checkly", tpl)
	wantCode(t, r, exitNo)
	wantLine(t, r, "problem: json: FAILURE is not valid JSON (line 1, column 203): ALERT_TITLE breaks it with a quote;")
	wantLine(t, r, "problem: json: RECOVERY is not valid JSON")
	wantLine(t, r, "warning: escaping: {{{ALERT_TITLE}}} turns Handlebars' escaping off")
	wantLine(t, r, "warning: json: the findings below judge those scenarios with quotes, backslashes and line breaks removed")
	wantLine(t, r, "ok: identity: CHECK_RESULT_ID fills it")

	r = checkTemplateRun(t, "checkly", strings.ReplaceAll(tpl, "{{{ALERT_TITLE}}}", "{{{CHECK_ERROR_MESSAGE}}}"))
	wantCode(t, r, exitNo)
	wantLine(t, r, "problem: json: FAILURE is not valid JSON (line 1, column ")
	if !strings.Contains(r.stdout, "CHECK_ERROR_MESSAGE breaks it with a quote, a backslash and a line break") {
		t.Errorf("report does not name CHECK_ERROR_MESSAGE:\n%s", r.stdout)
	}
	if hasLine(r, "problem: json: RECOVERY") {
		t.Errorf("the RECOVERY has no error message, yet is reported:\n%s", r.stdout)
	}
}

// A helper Checkly has and raymond does not renders as "" with a warning;
// raymond's own extras (ifEq) are not taken for Handlebars.
func TestTemplateChecklyHelpers(t *testing.T) {
	t.Parallel()
	tpl := strings.Replace(checkly.RecommendedTemplate, `"group_name": "{{GROUP_NAME}}",`,
		`"uuid": "{{$UUID}}", "day": "{{moment "YYYY-MM-DD"}}", "sev": "{{#eq ALERT_TYPE "ALERT_FAILURE"}}high{{/eq}}", `+
			`"x": "{{#ifEq CHECK_TYPE "API"}}api{{/ifEq}}", "env": "{{MY_TEAM}}", "all_tags": "{{TAGS}}", "group_name": "{{GROUP_NAME}}",`, 1)
	if tpl == checkly.RecommendedTemplate {
		t.Fatal("the recommended template has no group_name")
	}
	r := checkTemplateRun(t, "checkly", tpl)
	wantCode(t, r, exitOK)
	for _, h := range []string{"$UUID", "moment", "eq"} {
		wantLine(t, r, "warning: helpers: uses helper "+h+", which this check cannot render (rendered as \"\"); check that part in Checkly's preview")
	}
	wantLine(t, r, "warning: helpers: uses helper ifEq, which neither Handlebars nor Checkly has")
	wantLine(t, r, "warning: variables: {{MY_TEAM}} is not a Checkly alert variable")
}

func TestTemplateOnCall(t *testing.T) {
	t.Parallel()
	// Without event.type: no event type.
	r := checkTemplateRun(t, "oncall", `{"alert_group": {"id": "{{ alert_group.id }}"}, "event": {"time": {{ event.time | default(None) | tojson }}}}`)
	wantCode(t, r, exitNo)
	wantLine(t, r, "problem: type: no event type, so a router cannot dispatch it: add {{ event.type }}")
	wantLine(t, r, "ok: resource: {{ alert_group.id }} fills it")

	// Its own keys, mapped with JSON Pointers; text inside quotes is
	// escaped by OnCall; unquoted, it breaks the JSON whatever it holds.
	r = checkTemplateRun(t, "oncall", `{"kind": "{{ event.type }}", "group": {"id": "{{ alert_group.id }}"}, "at": {{ event.time | default(None) | tojson }}, "t": "{{ alert_group.title }}"}`,
		"--keys", "kind=event.type,/group/id=alert_group.id,at=event.time,t=alert_group.title")
	wantCode(t, r, exitOK)
	for _, f := range []string{"type", "resource", "time", "identity", "title", "distinct", "ordering"} {
		wantLine(t, r, "ok: "+f+": ")
	}
	r = checkTemplateRun(t, "oncall", `{"event": {"type": "{{ event.type }}"}, "title": {{ alert_group.title }}}`)
	wantCode(t, r, exitNo)
	wantLine(t, r, "problem: json: alert group created is not valid JSON (line 1, column 55): it is not JSON whatever the values")

	// Type and group only: the two alert groups created render one body,
	// and OnCall sends nothing else to tell them apart.
	r = checkTemplateRun(t, "oncall", `{"event": {"type": "{{ event.type }}"}, "alert_group": {"id": "{{ alert_group.id }}"}}`)
	wantCode(t, r, exitNo)
	if p := problems(r); len(p) != 1 || p[0] != "problem: distinct: the alert group created and the second alert group created render identical bodies, "+
		"so the second is dropped as a duplicate of the first (OnCall sends no timestamp header that could tell them apart): add {{ event.time }}" {
		t.Errorf("problems %q, want only the identical bodies", p)
	}
	wantLine(t, r, "warning: identity: no identity: add {{ event.time }}")

	// An attribute of None is undefined: fine printed, an error for tojson.
	r = checkTemplateRun(t, "oncall", `{"event": {"type": "{{ event.type }}"}, "who": "{{ user.username }}", "by": {{ user.username | tojson }}}`)
	wantCode(t, r, exitNo)
	wantLine(t, r, "problem: render: alert group created: Jinja2 cannot render the template: line 1: user.username: the value is undefined")
	if hasLine(r, "problem: render: resolve") {
		t.Errorf("the resolve has a user:\n%s", r.stdout)
	}

	// An OnCall filter this check does not have.
	r = checkTemplateRun(t, "oncall", `{"event": {"type": "{{ event.type }}"}, "d": "{{ event.time | iso8601_to_time | datetimeformat }}"}`)
	wantLine(t, r, "warning: filters: uses filter iso8601_to_time, which this check cannot render")
}

func TestTemplateDatadog(t *testing.T) {
	t.Parallel()
	// Datadog escapes values for JSON: inside quotes, the title's quote
	// and backslash and the message's line breaks are safe.
	r := checkTemplateRun(t, "datadog", `{"event_type": "$EVENT_TYPE", "id": "$ID", "date": $DATE, "alert_cycle_key": "$ALERT_CYCLE_KEY", "title": "$EVENT_TITLE", "body": "$EVENT_MSG", "who": "$USER"}`)
	wantCode(t, r, exitOK)
	wantLine(t, r, "ok: json: every scenario renders valid JSON")
	wantLine(t, r, "warning: variables: $USER is not a variable this check fills")
	wantLine(t, r, "ok: time: $DATE fills it")
	wantLine(t, r, "ok: title: $EVENT_TITLE fills it and decodes to the sender's value")
	wantLine(t, r, "ok: message: $EVENT_MSG fills it and decodes to the sender's value")

	// Outside quotes, the title is not JSON, whatever it holds.
	r = checkTemplateRun(t, "datadog", `{"event_type": "$EVENT_TYPE", "id": "$ID", "title": $EVENT_TITLE}`)
	wantCode(t, r, exitNo)
	wantLine(t, r, "problem: json: Triggered is not valid JSON (line 1, column 78): it is not JSON whatever the values")

	// The monitor and the transition only: two triggers render one body.
	r = checkTemplateRun(t, "datadog", `{"event_type": "$EVENT_TYPE", "alert_id": "$ALERT_ID", "alert_transition": "$ALERT_TRANSITION"}`)
	wantCode(t, r, exitNo)
	wantLine(t, r, "problem: distinct: the Triggered and the second Triggered render identical bodies, so the second is dropped as a duplicate of the first (Datadog sends no timestamp header")
	wantLine(t, r, "warning: resource: the resource is $ALERT_ID's value, not $ALERT_CYCLE_KEY's") // Event falls back to the monitor

	// An unquoted variable that can be empty leaves a hole.
	r = checkTemplateRun(t, "datadog", `{"event_type": "$EVENT_TYPE", "id": "$ID", "date": "$DATE", "updated": $LAST_UPDATED}`)
	wantCode(t, r, exitNo)
	wantLine(t, r, "problem: json: Triggered with empty values is not valid JSON (line 1, column 104): an empty $LAST_UPDATED leaves a hole")
	if hasLine(r, "problem: json: Triggered is") {
		t.Errorf("the full Triggered is valid JSON:\n%s", r.stdout)
	}
}

func TestTemplateReadsAFile(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "payload.hbs")
	if err := os.WriteFile(path, []byte(checkly.RecommendedTemplate), 0o600); err != nil {
		t.Fatal(err)
	}
	r := hookseal(t, nil, nil, "template", "--provider", "checkly", "--check", path)
	wantCode(t, r, exitOK)
	wantLine(t, r, "ok: type: ALERT_TYPE fills it")
}

func TestTemplateUsageErrors(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		args  []string
		names string
	}{
		{[]string{"template"}, "--provider is required"},
		{[]string{"template", "--provider", "statusstack"}, `--provider "statusstack" has no body template`},
		{[]string{"template", "--provider", "checkly", "--check", "/nonexistent/payload.hbs"}, "--check: cannot read the template"},
		{[]string{"template", "--provider", "checkly", "--keys", "type=ALERT_TYPE"}, "--keys needs --check"},
		{[]string{"template", "--provider", "checkly", "--check", "-", "--keys", "type"}, `--keys: "type" is not key=VARIABLE`},
		{[]string{"template", "--provider", "checkly", "--check", "-", "--keys", "type=ALERT_TYPO"}, `--keys: template key map: "ALERT_TYPO" is not a variable`},
		{[]string{"template", "--provider", "checkly", "--check", "-", "--keys", "type=ALERT_TYPE,,x=CHECK_ID"}, "--keys has an empty item"},
		{[]string{"template", "--provider", "oncall", "--check", "-", "--keys", "a=event.type,b=event.type"}, "--keys: template key map: keys"},
		{[]string{"template", "--provider", "checkly", "extra"}, `unexpected argument "extra"`},
		{[]string{"template", "--bogus"}, "-bogus"},
	} {
		r := hookseal(t, []byte(`{"alert_type":"{{ALERT_TYPE}}"}`), nil, c.args...)
		wantCode(t, r, exitUsage)
		if !strings.Contains(r.stderr, c.names) || r.stdout != "" {
			t.Errorf("%v: stderr lacks %q (or stdout is not empty):\n%s", c.args, c.names, r)
		}
	}
}

// Handlebars.js's escapeExpression writes & < > " ' ` = as &amp; &lt; &gt;
// &quot; &#x27; &#x60; &#x3D;; raymond alone writes ' as &apos; and leaves
// ` and = as they are. Checkly's Alert undoes exactly Handlebars.js's.
func TestTemplateHandlebarsEscapesLikeHandlebarsJS(t *testing.T) {
	t.Parallel()
	const v = "a&b<c>d\"e'f`g=h ✓\n\\"
	c, err := compileHandlebars(`{{X}}|{{{X}}}|{{&X}}|{{TAGS}}|{{{TAGS}}}|[{{#each TAGS}}"{{this}}"{{#unless @last}},{{/unless}}{{/each}}]|{{TAGS.length}}|{{#if EMPTY}}yes{{else}}no{{/if}}`)
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.render(map[string]any{"X": v, "TAGS": []any{"a=b", `q"`}, "EMPTY": ""})
	if err != nil {
		t.Fatal(err)
	}
	want := "a&amp;b&lt;c&gt;d&quot;e&#x27;f&#x60;g&#x3D;h ✓\n\\|" + v + "|" + v +
		"|a&#x3D;b,q&quot;|a=b,q\"|[\"a&#x3D;b\",\"q&quot;\"]|2|no"
	if got != want {
		t.Errorf("rendered\n%q\nwant\n%q", got, want)
	}
	if u := checkly.Unescape("a&amp;b&lt;c&gt;d&quot;e&#x27;f&#x60;g&#x3D;h"); u != "a&b<c>d\"e'f`g=h" {
		t.Errorf("checkly.Unescape does not undo Handlebars.js's escaping: %q", u)
	}
	// Unknown helpers render nothing, whatever their arity; raymond's
	// extras are gone.
	c, err = compileHandlebars(`[{{moment}}|{{split "a:b" ":" 1}}|{{#eq A "x"}}in{{else}}out{{/eq}}|{{ifEq A "x"}}|{{default (moment "Y") "d"}}]`)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := c.render(map[string]any{"A": "x"}); err != nil || got != "[||||]" {
		t.Errorf("rendered %q, %v; want [||||]", got, err)
	}
	if len(c.warnings) != 5 {
		t.Errorf("warnings %q, want one per helper", c.warnings)
	}
}

// OnCall renders a webhook's data with Jinja2 over its forward-all body,
// every string of it escaped for JSON first; tojson escapes < > & ' as
// Jinja2's htmlsafe_json_dumps does, writes None as null and fails on an
// undefined value; includes find nothing.
func TestTemplateJinjaLikeOnCall(t *testing.T) {
	t.Parallel()
	ctx := map[string]any{"s": `a"b\c` + "\n<>&'", "n": nil, "i": int64(3), "m": map[string]any{"k": "v"}}
	for tpl, want := range map[string]string{
		`"{{ s }}"`:                          `"a\"b\\c\n<>&'"`,
		`{{ s | tojson }}`:                   `"a\\\"b\\\\c\\n\u003c\u003e\u0026\u0027"`,
		`{{ n | tojson }}|{{ n }}|{{ n.x }}`: `null|None|`,
		`{{ i | tojson }} {{ m | tojson }}`:  `3 {"k":"v"}`,
		`{% if n %}y{% else %}n{% endif %}`:  `n`,
		`{{ n.x | default(None) | tojson }}`: `null`,
		`{{ m | json_dumps }}`:               `{"k":"v"}`,
	} {
		c, err := compileJinja(tpl)
		if err != nil {
			t.Fatalf("%s: %v", tpl, err)
		}
		if got, err := c.render(ctx); err != nil || got != want {
			t.Errorf("%s: rendered %q, %v; want %q", tpl, got, err, want)
		}
	}
	for _, tpl := range []string{`{{ missing | tojson }}`, `{{ n.x | tojson }}`, `{% include "/etc/hostname" %}`} {
		c, err := compileJinja(tpl)
		if err != nil {
			continue
		}
		if got, err := c.render(ctx); err == nil {
			t.Errorf("%s: rendered %q, want an error", tpl, got)
		}
	}
}

// Datadog escapes each value for a JSON string as it substitutes it.
func TestTemplateDatadogSubstitution(t *testing.T) {
	t.Parallel()
	c, err := compileDollar(`$ALERT_TITLE|$ALERT_TYPE|$ALERT_T|$ID|$IDX|$NOPE|$|$DATE`)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := c.render(map[string]any{"ALERT_TITLE": `q"t`, "ALERT_TYPE": "error", "ID": "7", "DATE": ""})
	if want := `q\"t|error|$ALERT_T|7|7X|$NOPE|$|`; got != want {
		t.Errorf("rendered %q, want %q", got, want)
	}
	if !slices.ContainsFunc(c.warnings, func(w string) bool { return strings.Contains(w, "$NOPE") }) {
		t.Errorf("warnings %q lack $NOPE", c.warnings)
	}

	// A quote, a backslash, line breaks and a control character in
	// $EVENT_MSG come out escaped, and the body decodes to the message.
	const msg = "%%%\nCPU on \"web-1\" is 93%\r\n\tpath C:\\logs\x01 ✓\n%%%"
	c, err = compileDollar(`{"body": "$EVENT_MSG"}`)
	if err != nil {
		t.Fatal(err)
	}
	got, _ = c.render(map[string]any{"EVENT_MSG": msg})
	if want := `{"body": "%%%\nCPU on \"web-1\" is 93%\r\n\tpath C:\\logs\u0001 ✓\n%%%"}`; got != want {
		t.Errorf("rendered %s, want %s", got, want)
	}
	var back struct{ Body string }
	if err := json.Unmarshal([]byte(got), &back); err != nil || back.Body != msg {
		t.Errorf("decoded %q, %v; want %q", back.Body, err, msg)
	}
}
