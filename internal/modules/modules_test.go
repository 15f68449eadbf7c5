// Package modules checks that the go.mod files of the repository agree, so
// the modules can be released together from one commit (scripts/release):
// one go directive, every hookseal module required at the version in
// VERSION, each such requirement replaced by the checkout for development,
// and go.work using every module.
package modules

import (
	"bufio"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const modulePath = "github.com/hookseal/hookseal"

type goMod struct {
	dir        string // relative to the repository root, "." for the core
	module     string
	goDir      string            // the go directive
	requires   map[string]string // hookseal module path → version
	thirdParty map[string]string // any other required module path → version
	replaces   map[string]string // hookseal module path → replacement directory
}

func root(t *testing.T) string {
	t.Helper()
	r, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func readGoMods(t *testing.T, root string) []goMod {
	t.Helper()
	var mods []goMod
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".") && p != root) {
			return filepath.SkipDir
		}
		if d.Name() != "go.mod" {
			return nil
		}
		dir, _ := filepath.Rel(root, filepath.Dir(p))
		mods = append(mods, parse(t, p, filepath.ToSlash(dir)))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return mods
}

// parse reads the lines of a go.mod this test needs; go.mod's syntax is
// simple enough for that without golang.org/x/mod, which the core module
// does not require.
func parse(t *testing.T, path, dir string) goMod {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m := goMod{dir: dir, requires: map[string]string{}, thirdParty: map[string]string{}, replaces: map[string]string{}}
	block := ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if i := strings.Index(line, "//"); i >= 0 {
			line = strings.TrimSpace(line[:i])
		}
		switch {
		case line == ")":
			block = ""
			continue
		case strings.HasSuffix(line, "("):
			block = strings.TrimSpace(strings.TrimSuffix(line, "("))
			continue
		}
		fields := strings.Fields(line)
		if len(fields) == 0 {
			continue
		}
		verb := block
		if verb == "" {
			verb, fields = fields[0], fields[1:]
		}
		switch {
		case verb == "module" && len(fields) == 1:
			m.module = fields[0]
		case verb == "go" && len(fields) == 1:
			m.goDir = fields[0]
		case verb == "require" && len(fields) == 2 && strings.HasPrefix(fields[0], modulePath):
			m.requires[fields[0]] = fields[1]
		case verb == "require" && len(fields) == 2:
			m.thirdParty[fields[0]] = fields[1]
		case verb == "replace" && len(fields) == 3 && fields[1] == "=>" && strings.HasPrefix(fields[0], modulePath):
			m.replaces[fields[0]] = fields[2]
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestGoModsAgree(t *testing.T) {
	r := root(t)
	mods := readGoMods(t, r)
	if len(mods) < 6 {
		t.Fatalf("found %d go.mod files; run from internal/modules", len(mods))
	}
	version, err := os.ReadFile(filepath.Join(r, "VERSION"))
	if err != nil {
		t.Fatal(err)
	}
	want := strings.TrimSpace(string(version))
	byPath := map[string]goMod{}
	for _, m := range mods {
		byPath[m.module] = m
	}
	goDirective := mods[0].goDir
	for _, m := range mods {
		if wantPath := strings.TrimSuffix(modulePath+"/"+m.dir, "/."); m.module != wantPath {
			t.Errorf("%s/go.mod declares module %s, want %s", m.dir, m.module, wantPath)
		}
		if m.goDir != goDirective {
			t.Errorf("%s/go.mod says go %s, %s/go.mod go %s: one go directive for every module", m.dir, m.goDir, mods[0].dir, goDirective)
		}
		for dep, v := range m.requires {
			if v != want {
				t.Errorf("%s requires %s %s, want %s (VERSION)", m.dir, dep, v, want)
			}
			rep, ok := m.replaces[dep]
			if !ok {
				t.Errorf("%s requires %s without a replace to the checkout", m.dir, dep)
				continue
			}
			target, ok := byPath[dep]
			if !ok {
				t.Errorf("%s requires %s, which is no module of this repository", m.dir, dep)
				continue
			}
			if got := filepath.ToSlash(filepath.Clean(filepath.Join(m.dir, rep))); got != target.dir {
				t.Errorf("%s replaces %s with %s, which is %s, not %s", m.dir, dep, rep, got, target.dir)
			}
		}
		for dep := range m.replaces {
			if _, ok := m.requires[dep]; !ok {
				t.Errorf("%s replaces %s but does not require it", m.dir, dep)
			}
		}
	}

	// A dependency two modules share is required at one version: a
	// package compiled for one module is then a build-cache hit for the
	// next, which is most of what a cold "make test" costs (with two
	// versions of golang.org/x/net, everything above it, quic-go and gin
	// included, compiled twice), and users who import several hookseal
	// modules get the versions they were tested with.
	seen := map[string]goMod{}
	for _, m := range mods {
		for dep, v := range m.thirdParty {
			if first, ok := seen[dep]; ok && first.thirdParty[dep] != v {
				t.Errorf("%s requires %s %s, %s requires %s: one version in every go.mod", first.dir, dep, first.thirdParty[dep], m.dir, v)
			} else if !ok {
				seen[dep] = m
			}
		}
	}

	// go.work uses every module, so "go run ./cmd/hookseal" works from
	// the repository root.
	work, err := os.ReadFile(filepath.Join(r, "go.work"))
	if err != nil {
		t.Fatal(err)
	}
	var used []string
	for _, l := range strings.Split(string(work), "\n") {
		l = strings.TrimSpace(l)
		if l == "." || strings.HasPrefix(l, "./") {
			used = append(used, strings.TrimPrefix(l, "./"))
		}
	}
	for _, m := range mods {
		if !slices.Contains(used, m.dir) {
			t.Errorf("go.work does not use %s", m.dir)
		}
	}
}
