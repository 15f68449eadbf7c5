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

func TestRecommendedTemplateCarriesEveryVariable(t *testing.T) {
	if strings.Contains(RecommendedTemplate, "{{{") {
		t.Error("template uses {{{VAR}}}, which turns escaping off")
	}
	used := map[string]bool{}
	for _, m := range regexp.MustCompile(`\{\{(?:#each )?([A-Z_]+)\}\}`).FindAllStringSubmatch(RecommendedTemplate, -1) {
		used[m[1]] = true
	}
	want := slices.Sorted(slices.Values(documentedVars))
	if got := slices.Sorted(maps.Keys(used)); !slices.Equal(got, want) {
		t.Errorf("template variables\n got %q\nwant %q", got, want)
	}
	if got := slices.Sorted(maps.Keys(sampleVars)); !slices.Equal(got, slices.DeleteFunc(want, func(s string) bool { return s == "TAGS" })) {
		t.Errorf("sample variables %q do not match the documented list", got)
	}
}

// Rendered the way Checkly renders it, the template decodes losslessly: every
// field equals the sample value, including quotes, backslashes and line
// breaks, and nothing is left over in Unknown.
func TestRecommendedTemplateRoundTrip(t *testing.T) {
	body := sampleBody(t)
	if !jsontext.Value(body).IsValid() {
		t.Fatalf("rendered template is not valid JSON:\n%s", body)
	}
	var a Alert
	if err := event.Decode("application/json", body, &a); err != nil {
		t.Fatalf("Decode: %v\n%s", err, body)
	}
	checkAlert(t, a, sampleAlert())
	if len(body) < 1800 || len(body) > 2600 {
		t.Errorf("sample body is %d bytes, want about 2 KiB for the benchmark", len(body))
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
// Alert looks like a rendered template.
func TestRecommendedTemplateKeysMatchMarshal(t *testing.T) {
	tplKeys := topLevelKeys(t, sampleBody(t))
	full := sampleAlert()
	b, err := json.Marshal(&full)
	if err != nil {
		t.Fatal(err)
	}
	if got := topLevelKeys(t, b); !slices.Equal(got, tplKeys) {
		t.Errorf("marshal keys\n got %q\nwant %q", got, tplKeys)
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

// The renderer itself must be right for the round trip to mean anything.
func TestRender(t *testing.T) {
	got, err := render(`{"a":"{{X}}","t":[{{#each TAGS}} "{{this}}" {{#unless @last}},{{/unless}} {{/each}}]}`,
		map[string]string{"X": "q\"\n"}, []string{"a", "b"})
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"a":"q\"\n","t":[ "a" ,  "b"  ]}`; got != want {
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
// to the member RecommendedTemplate renders it under.
func TestVariablesMapToTheRecommendedTemplate(t *testing.T) {
	if !slices.Equal(Variables[:], documentedVars) {
		t.Fatalf("Variables = %v\nwant the documented %v", Variables, documentedVars)
	}
	var a Alert
	for _, v := range Variables {
		for _, spelling := range []string{v, "{{" + v + "}}", " {{{" + strings.ToLower(v) + "}}} "} {
			p, ok := a.VariablePath(spelling)
			if !ok || !strings.Contains(RecommendedTemplate, `"`+p[1:]+`": "{{`+v+`}}"`) && v != "TAGS" {
				t.Errorf("VariablePath(%q) = %q, %v: not the member the recommended template renders", spelling, p, ok)
			}
		}
	}
	if _, ok := a.VariablePath("ALERT_TYPO"); ok {
		t.Error("an unknown variable maps")
	}
}
