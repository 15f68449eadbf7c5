package alertmanager_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hookseal/hookseal/event/alertmanager"
	"github.com/hookseal/hookseal/hooktest"
	"github.com/hookseal/hookseal/middleware"
	"github.com/hookseal/hookseal/middleware/middlewaretest"
	"github.com/hookseal/hookseal/verify"
	"github.com/hookseal/hookseal/verify/jwt"
)

// clock is the settable clock the verifier and the route share.
type clock = middlewaretest.Clock

// server serves an ordered Alertmanager route over real HTTP and counts
// the notifications its handler gets.
func server(t *testing.T, v verify.Verifier, clk *clock) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var handled atomic.Int32
	rt, err := middleware.NewRoute(v, func(_ context.Context, e middleware.Event[alertmanager.Message]) error {
		if e.Payload.GroupKey != hooktest.AlertmanagerGroupKey {
			t.Errorf("group key %q", e.Payload.GroupKey)
		}
		handled.Add(1)
		return nil
	}, middleware.WithOrdering(0), middleware.WithClock(clk.Now))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(rt)
	t.Cleanup(srv.Close)
	return srv, &handled
}

func post(t *testing.T, url string, body []byte, h http.Header) string {
	t.Helper()
	req, err := hooktest.Request(url, body, h)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.Header.Get(middleware.OutcomeHeader)
}

// Alertmanager re-sends an unchanged group's notification every
// repeat_interval, byte for byte. Behind verify.Repeating, a due repeat is
// handled and a retry seconds later is a duplicate. Without it, the
// body-derived key takes the repeat for a copy and swallows it.
func TestRepeatIsHandledRetryIsDuplicate(t *testing.T) {
	const repeatInterval = time.Hour // shorter than the route's dedupe window (1 h 1 min)
	t0 := time.Date(2026, 3, 2, 6, 0, 7, 0, time.UTC)
	body := hooktest.AlertmanagerBody(hooktest.AlertmanagerMessage(alertmanager.StatusFiring, t0.Add(-time.Minute)))
	h := hooktest.BearerHeader("am-t0ken")

	auth, err := verify.Authorization(hooktest.ProviderAlertmanager, verify.Secrets("Bearer am-t0ken"))
	if err != nil {
		t.Fatal(err)
	}
	// Arrivals: the notification, a retry 5 s later, the repeat one
	// interval later, its retry 10 s after that, and the next repeat
	// (Alertmanager sends a repeat at the first group_interval tick after
	// repeat_interval, so repeats are at least one interval apart).
	arrivals := []time.Duration{0, 5 * time.Second, repeatInterval, repeatInterval + 10*time.Second, 2*repeatInterval + 5*time.Minute}
	for _, tc := range []struct {
		name      string
		repeating bool
		want      []string
		handled   int32
	}{
		{"ok, repeating: repeats handled, retries duplicates", true,
			[]string{"processed", "duplicate", "processed", "duplicate", "processed"}, 3},
		// The control: the body key alone takes the repeat for a copy
		// while the dedupe window (1 h 1 min by default) remembers it.
		{"nok, body key alone swallows the repeat", false,
			[]string{"processed", "duplicate", "duplicate", "duplicate", "duplicate"}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clk := middlewaretest.NewClock(t0)
			v := verify.Verifier(auth)
			if tc.repeating {
				r, err := verify.Repeating(auth, repeatInterval, verify.WithRepeatClock(clk.Now))
				if err != nil {
					t.Fatal(err)
				}
				v = r
			}
			srv, handled := server(t, v, clk)
			var got []string
			for _, at := range arrivals {
				clk.Set(t0.Add(at))
				got = append(got, post(t, srv.URL, body, h))
			}
			if !equal(got, tc.want) || handled.Load() != tc.handled {
				t.Fatalf("outcomes %v, handled %d; want %v, %d", got, handled.Load(), tc.want, tc.handled)
			}
		})
	}
	// A wrong token is refused whatever the clock.
	clk := middlewaretest.NewClock(t0)
	r, _ := verify.Repeating(auth, repeatInterval, verify.WithRepeatClock(clk.Now))
	srv, handled := server(t, r, clk)
	if o := post(t, srv.URL, body, hooktest.BearerHeader("nope")); o != "unauthenticated" || handled.Load() != 0 {
		t.Fatalf("wrong token: %q, handled %d", o, handled.Load())
	}
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// The three ways Alertmanager's http_config authenticates, each with the
// verifier the package documentation names, behind Repeating.
func TestAuthenticationRecipes(t *testing.T) {
	t0 := time.Date(2026, 3, 2, 6, 0, 0, 0, time.UTC)
	clk := middlewaretest.NewClock(t0)
	body := hooktest.AlertmanagerBody(hooktest.AlertmanagerMessage(alertmanager.StatusFiring, t0))
	issuer, err := hooktest.NewJWTIssuer("RS256", "https://idp.example.com/", "hookseal-alertmanager", hooktest.WithJWTClock(clk.Now))
	if err != nil {
		t.Fatal(err)
	}
	cfg := issuer.Config()
	cfg.Now = clk.Now
	jv, err := jwt.New(hooktest.ProviderAlertmanager, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { jv.Close() })
	bearer, _ := verify.Authorization(hooktest.ProviderAlertmanager, verify.Secrets("Bearer am-t0ken"))
	basic, _ := verify.Basic(hooktest.ProviderAlertmanager, []verify.Credential{{ID: "am", Username: "alertmanager", Password: "b4sic-pass"}})
	token, err := issuer.Header()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		v    verify.Verifier
		ok   http.Header
		bad  http.Header
	}{
		{"authorization (Bearer)", bearer, hooktest.BearerHeader("am-t0ken"), hooktest.BearerHeader("am-t0ken2")},
		{"basic_auth", basic, hooktest.BasicHeader("alertmanager", "b4sic-pass"), hooktest.BasicHeader("alertmanager", "wrong")},
		{"oauth2 (JWT access token)", jv, token, hooktest.BearerHeader("eyJhbGciOiJub25lIn0.e30.")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := verify.Repeating(tc.v, 4*time.Hour, verify.WithRepeatClock(clk.Now))
			if err != nil {
				t.Fatal(err)
			}
			srv, handled := server(t, r, clk)
			if o := post(t, srv.URL, body, tc.bad); o != "unauthenticated" {
				t.Errorf("bad credential: %q", o)
			}
			if o := post(t, srv.URL, body, tc.ok); o != "processed" || handled.Load() != 1 {
				t.Errorf("good credential: %q, handled %d", o, handled.Load())
			}
			if o := post(t, srv.URL, body, tc.ok); o != "duplicate" {
				t.Errorf("retry: %q", o)
			}
		})
	}
}
