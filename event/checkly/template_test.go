package checkly

import (
	"maps"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/hookseal/hookseal/event"
)

// documentedVars is Checkly's list of template variables (PROVIDERS.md).
var documentedVars = []string{
	"ALERT_TITLE", "ALERT_TYPE", "CHECK_ID", "CHECK_NAME", "CHECK_TYPE", "CHECK_RESULT_ID",
	"CHECK_ERROR_MESSAGE", "CHECK_DESCRIPTION", "GROUP_NAME", "RESPONSE_TIME", "RESULT_LINK",
	"RUN_LOCATION", "REGION", "STARTED_AT", "TAGS", "IS_REMINDER", "REMINDER_SEQUENCE",
	"API_CHECK_RESPONSE_STATUS_CODE", "API_CHECK_RESPONSE_STATUS_TEXT", "SSL_CHECK_DOMAIN",
	"SSL_DAYS_REMAINING", "AI_ANALYSIS_CLASSIFICATION", "AI_ANALYSIS_CODE_FIX", "AI_ANALYSIS_LINK",
	"AI_ANALYSIS_ROOT_CAUSE", "AI_ANALYSIS_USER_IMPACT",
}

// The template carries every documented variable but the free-text ones,
// each with {{VAR}}.
func TestRecommendedTemplateVariables(t *testing.T) {
	if strings.Contains(RecommendedTemplate, "{{{") {
		t.Error("template uses {{{VAR}}}, which turns escaping off")
	}
	used := map[string]bool{}
	for _, m := range regexp.MustCompile(`\{\{(?:#each )?([A-Z_]+)\}\}`).FindAllStringSubmatch(RecommendedTemplate, -1) {
		used[m[1]] = true
	}
	want := slices.Sorted(slices.Values(documentedVars))
	carried := slices.DeleteFunc(slices.Clone(want), func(s string) bool { return slices.Contains(freeText, s) })
	if got := slices.Sorted(maps.Keys(used)); !slices.Equal(got, carried) {
		t.Errorf("template variables\n got %q\nwant %q", got, carried)
	}
	if got := slices.Sorted(maps.Keys(sampleVars)); !slices.Equal(got, slices.DeleteFunc(want, func(s string) bool { return s == "TAGS" })) {
		t.Errorf("sample variables %q do not match the documented list", got)
	}
}

// The free-text variables are left out because Handlebars escapes for HTML
// only: each sample value holds a line break and a backslash, as real ones
// do, and rendered into a JSON string the way the template renders the
// others, it makes the body invalid JSON.
func TestRecommendedTemplateLeavesOutFreeText(t *testing.T) {
	for _, v := range freeText {
		if strings.Contains(RecommendedTemplate, v) {
			t.Errorf("the template renders %s", v)
		}
		if val := sampleVars[v]; !strings.Contains(val, "\n") || !strings.Contains(val, `\`) {
			t.Errorf("sample %s has no line break or no backslash: %q", v, val)
		}
		body, err := render(`{"`+strings.ToLower(v)+`": "{{`+v+`}}"}`, sampleVars, nil)
		if err != nil {
			t.Fatal(err)
		}
		if jsontext.Value(body).IsValid() {
			t.Errorf("%s rendered with Handlebars' escaping is valid JSON: %s", v, body)
		}
	}
}

// Rendered the way Checkly renders it, the template decodes losslessly: every
// field it carries equals the sample value, quotes and HTML's special
// characters included, and nothing is left over in Unknown.
func TestRecommendedTemplateRoundTrip(t *testing.T) {
	body := sampleBody(t)
	if !jsontext.Value(body).IsValid() {
		t.Fatalf("rendered template is not valid JSON:\n%s", body)
	}
	var a Alert
	if err := event.Decode("application/json", body, &a); err != nil {
		t.Fatalf("Decode: %v\n%s", err, body)
	}
	checkAlert(t, a, recommendedAlert())
	if !strings.Contains(string(body), `&quot;Checkout API – EU&quot;`) || !strings.Contains(string(body), `&amp;utm_source&#x3D;webhook`) {
		t.Errorf("the body is not escaped as Handlebars escapes it:\n%s", body)
	}
	if len(body) < 900 || len(body) > 1400 {
		t.Errorf("sample body is %d bytes, want about 1 KiB for the benchmark", len(body))
	}
}

// The same template with nothing set (a browser check without tags, not a
// reminder, no AI analysis) still decodes, and the optional numbers stay nil.
func TestRecommendedTemplateEmptyValues(t *testing.T) {
	vars := map[string]string{}
	for _, v := range documentedVars {
		vars[v] = ""
	}
	vars["ALERT_TYPE"], vars["CHECK_ID"], vars["CHECK_TYPE"] = "ALERT_RECOVERY", "c1", "BROWSER"
	body, err := render(RecommendedTemplate, vars, nil)
	if err != nil {
		t.Fatal(err)
	}
	a := decode(t, body)
	checkAlert(t, a, Alert{AlertType: AlertRecovery, CheckID: "c1", CheckType: CheckBrowser})
	if !strings.Contains(body, `"tags": [],`) {
		t.Errorf("no tags should render as an empty array:\n%s", body)
	}
}

// The template's keys are the keys Alert marshals with, so a marshalled
// Alert looks like a rendered template; the free-text fields the template
// leaves out marshal under their variable's name in lower case.
func TestRecommendedTemplateKeysMatchMarshal(t *testing.T) {
	tplKeys := topLevelKeys(t, sampleBody(t))
	rec := recommendedAlert()
	b, err := json.Marshal(&rec)
	if err != nil {
		t.Fatal(err)
	}
	if got := topLevelKeys(t, b); !slices.Equal(got, tplKeys) {
		t.Errorf("marshal keys\n got %q\nwant %q", got, tplKeys)
	}
	full := sampleAlert()
	if b, err = json.Marshal(&full); err != nil {
		t.Fatal(err)
	}
	want := slices.Clone(tplKeys)
	for _, v := range freeText {
		want = append(want, strings.ToLower(v))
	}
	if got := topLevelKeys(t, b); !slices.Equal(got, slices.Sorted(slices.Values(want))) {
		t.Errorf("marshal keys of a full alert\n got %q\nwant %q", got, want)
	}
}

func topLevelKeys(t *testing.T, b []byte) []string {
	t.Helper()
	var m map[string]jsontext.Value
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return slices.Sorted(maps.Keys(m))
}

// The renderer itself must be right for the round trip to mean anything:
// HTML escaping as Handlebars.js writes it, line breaks and backslashes
// left as they are.
func TestRender(t *testing.T) {
	got, err := render(`{"a":"{{X}}","t":[{{#each TAGS}} "{{this}}" {{#unless @last}},{{/unless}} {{/each}}]}`,
		map[string]string{"X": "q\"&<>'`=\n\\"}, []string{"a", "b="})
	if err != nil {
		t.Fatal(err)
	}
	if want := "{\"a\":\"q&quot;&amp;&lt;&gt;&#x27;&#x60;&#x3D;\n\\\",\"t\":[ \"a\" ,  \"b&#x3D;\"  ]}"; got != want {
		t.Errorf("render = %s, want %s", got, want)
	}
	if _, err := render(`{{NOPE}}`, nil, nil); err == nil {
		t.Error("unknown variable rendered without error")
	}
}

// Checkly renders {{VAR}} through Handlebars, HTML-escaping each value; the
// typed alert holds the values as Checkly knows them.
func TestHandlebarsEscapingIsUndone(t *testing.T) {
	body := `{"alert_type":"ALERT_FAILURE","check_name":"Checkout &amp; &quot;Payments&quot; &lt;eu&gt;",` +
		`"check_error_message":"it&#x27;s ` + "&#x60;down&#x60;" + `","result_link":"https://app.checklyhq.com/x?a&#x3D;1&amp;b&#x3D;2",` +
		`"tags":["team&#x3D;api","&amp;"],"check_id":"c"}`
	var a Alert
	if err := event.Decode("application/json", []byte(body), &a); err != nil {
		t.Fatal(err)
	}
	want := Alert{
		AlertType: AlertFailure, CheckID: "c",
		CheckName:         `Checkout & "Payments" <eu>`,
		CheckErrorMessage: "it's `down`",
		ResultLink:        "https://app.checklyhq.com/x?a=1&b=2",
		Tags:              []string{"team=api", "&"},
	}
	if !reflect.DeepEqual(a, want) {
		t.Fatalf("decoded\n%+v\nwant\n%+v", a, want)
	}
	if got := Unescape("no entities here"); got != "no entities here" {
		t.Fatalf("Unescape changed plain text: %q", got)
	}
	if got := Unescape("&nbsp;&#39;"); got != "&nbsp;&#39;" {
		t.Fatalf("Unescape touched entities Handlebars does not write: %q", got)
	}
}

// Variables is exactly Checkly's documented list, and every variable maps
// to the member RecommendedTemplate renders it under, or, for the free-text
// variables it leaves out, to the variable's name in lower case.
func TestVariablesMapToTheRecommendedTemplate(t *testing.T) {
	if !slices.Equal(Variables[:], documentedVars) {
		t.Fatalf("Variables = %v\nwant the documented %v", Variables, documentedVars)
	}
	var a Alert
	for _, v := range Variables {
		for _, spelling := range []string{v, "{{" + v + "}}", " {{{" + strings.ToLower(v) + "}}} "} {
			p, ok := a.VariablePath(spelling)
			switch {
			case !ok:
				t.Errorf("VariablePath(%q) does not map", spelling)
			case slices.Contains(freeText, v):
				if p != "/"+strings.ToLower(v) {
					t.Errorf("VariablePath(%q) = %q", spelling, p)
				}
			case v != "TAGS" && !strings.Contains(RecommendedTemplate, `"`+p[1:]+`": "{{`+v+`}}"`):
				t.Errorf("VariablePath(%q) = %q: not the member the recommended template renders", spelling, p)
			}
		}
	}
	if _, ok := a.VariablePath("ALERT_TYPO"); ok {
		t.Error("an unknown variable maps")
	}
}
