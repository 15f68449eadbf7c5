package hooksealotel

import (
	"strings"
	"testing"
)

func TestClip(t *testing.T) {
	for _, c := range []struct{ name, in, want string }{
		{"ok, short", "ALERT_FAILURE", "ALERT_FAILURE"},
		{"ok, at the bound", strings.Repeat("a", maxValue), strings.Repeat("a", maxValue)},
		{"nok, long", strings.Repeat("a", maxValue+10), strings.Repeat("a", maxValue)},
		{"nok, long, a character across the bound", strings.Repeat("a", maxValue-1) + "é", strings.Repeat("a", maxValue-1)},
		{"nok, invalid UTF-8", "ab\xffcd", "ab\uFFFDcd"},
		{"nok, invalid UTF-8 early in a long value", "ab\xff" + strings.Repeat("c", maxValue),
			("ab\uFFFD" + strings.Repeat("c", maxValue))[:maxValue]},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := clip(c.in); got != c.want {
				t.Errorf("clip(%q) = %q, want %q", c.in, got, c.want)
			}
		})
	}
}
