package demo

import (
	"encoding/base64"
	"net/http"
	"slices"
	"strings"
	"testing"
)

func TestList(t *testing.T) {
	for in, want := range map[string][]string{
		"":                 nil,
		" , ,":             nil,
		"a":                {"a"},
		" a , b ,, c ":     {"a", "b", "c"},
		"Bearer x,Token y": {"Bearer x", "Token y"},
	} {
		if got := List(in); !slices.Equal(got, want) {
			t.Errorf("List(%q) = %q, want %q", in, got, want)
		}
	}
}

func basic(user, pass string) http.Header {
	return http.Header{"Authorization": {"Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))}}
}

func TestDatadogCredentials(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

	// One user, two passwords: either password works (rotation), and the
	// matched credential is named, never shown.
	vs, err := VerifiersFromEnv(env(map[string]string{EnvDatadogUser: "dd", EnvDatadogPassword: "old,new"}))
	if err != nil || vs.Datadog == nil || vs.Checkly != nil || vs.OnCall != nil || vs.StatusStack != nil {
		t.Fatalf("VerifiersFromEnv: %v, %+v", err, vs)
	}
	for pass, id := range map[string]string{"old": "c1", "new": "c2"} {
		d, err := vs.Datadog.Verify(basic("dd", pass), []byte("{}"))
		if err != nil || d.SecretID != id || d.Provider != ProviderDatadog {
			t.Errorf("password %q: %+v, %v", pass, d, err)
		}
	}

	// As many users as passwords: paired in order.
	vs, err = VerifiersFromEnv(env(map[string]string{EnvDatadogUser: "a,b", EnvDatadogPassword: "1,2"}))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := vs.Datadog.Verify(basic("b", "2"), nil); err != nil {
		t.Errorf("b:2 refused: %v", err)
	}
	if _, err := vs.Datadog.Verify(basic("a", "2"), nil); err == nil {
		t.Error("a:2 accepted: users and passwords were not paired")
	}

	for _, m := range []map[string]string{
		{EnvDatadogUser: "dd"},
		{EnvDatadogPassword: "pw"},
		{EnvDatadogUser: "a,b", EnvDatadogPassword: "1,2,3"},
		{EnvDatadogUser: "a:b", EnvDatadogPassword: "pw"},
	} {
		if _, err := VerifiersFromEnv(env(m)); err == nil {
			t.Errorf("%v: no error", m)
		} else if strings.Contains(err.Error(), "pw") {
			t.Errorf("%v: error %q quotes the password", m, err)
		}
	}
}

func TestOnCallRotation(t *testing.T) {
	vs, err := VerifiersFromEnv(func(k string) string {
		if k == EnvOnCallAuth {
			return "Bearer old, Bearer new"
		}
		return ""
	})
	if err != nil {
		t.Fatal(err)
	}
	for v, id := range map[string]string{"Bearer old": "s1", "Bearer new": "s2"} {
		d, err := vs.OnCall.Verify(http.Header{"Authorization": {v}}, []byte("{}"))
		if err != nil || d.SecretID != id {
			t.Errorf("%q: %+v, %v", v, d, err)
		}
	}
	if _, err := vs.OnCall.Verify(http.Header{"Authorization": {"new"}}, nil); err == nil {
		t.Error("the token without its scheme was accepted")
	}
}
