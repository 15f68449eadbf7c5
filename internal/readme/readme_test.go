// Package readme keeps the README's code honest: every Go block marked
// with a snippet comment must be the named file's program, which that
// file's module compiles in its tests.
package readme

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/hookseal/hookseal/event/checkly"
)

var marker = regexp.MustCompile("(?m)^<!-- snippet: (\\S+) -->\n```go\n((?s:.*?))```\n")

func TestSnippetsMatchTheirFiles(t *testing.T) {
	root := filepath.Join("..", "..")
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	found := marker.FindAllStringSubmatch(string(readme), -1)
	if len(found) < 2 {
		t.Fatalf("found %d snippet blocks in README.md, want the echo and gin ones at least", len(found))
	}
	for _, m := range found {
		path, block := m[1], m[2]
		src, err := os.ReadFile(filepath.Join(root, path))
		if err != nil {
			t.Errorf("README snippet names %s: %v", path, err)
			continue
		}
		if want := program(string(src)); strings.TrimSpace(block) != want {
			t.Errorf("README's snippet differs from %s (copy the file's program into the README, package main):\n--- README\n%s\n--- %s\n%s", path, block, path, want)
		}
	}
}

// program is a test file's program as a reader would paste it: lint
// directives dropped, the test package renamed main.
func program(src string) string {
	var keep []string
	for _, l := range strings.Split(src, "\n") {
		if strings.HasPrefix(l, "//lint:") {
			continue
		}
		if strings.HasPrefix(l, "package ") && strings.HasSuffix(l, "_test") {
			l = "package main"
		}
		keep = append(keep, l)
	}
	return strings.TrimSpace(strings.Join(keep, "\n"))
}

// The README shows Checkly's recommended template verbatim, so a reader
// can paste it without go doc; it must be the constant the tests check.
func TestRecommendedTemplateShown(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("(?m)^<!-- template: checkly.RecommendedTemplate -->\n```handlebars\n((?s:.*?))```\n").FindStringSubmatch(string(readme))
	if m == nil {
		t.Fatal("README.md does not show checkly.RecommendedTemplate (a handlebars block after <!-- template: checkly.RecommendedTemplate -->)")
	}
	if m[1] != checkly.RecommendedTemplate {
		t.Errorf("README's template differs from checkly.RecommendedTemplate:\n--- README\n%s\n--- constant\n%s", m[1], checkly.RecommendedTemplate)
	}
}
