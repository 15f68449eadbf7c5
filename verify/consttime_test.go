package verify

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestComparisonsAreConstantTime reads this package's source: secrets,
// MACs and credentials are compared with hmac.Equal or crypto/subtle, so a
// comparison that returns early (bytes.Equal, bytes.Compare,
// reflect.DeepEqual, slices.Equal) must not appear anywhere in it, and the
// files that compare MACs and credentials must use the constant-time ones.
func TestComparisonsAreConstantTime(t *testing.T) {
	banned := map[string]bool{"bytes.Equal": true, "bytes.Compare": true, "reflect.DeepEqual": true, "slices.Equal": true}
	required := map[string]string{"hmac.go": "hmac.Equal", "token.go": "subtle.ConstantTimeCompare"}
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	checked := 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		f, err := parser.ParseFile(fset, name, src, 0)
		if err != nil {
			t.Fatal(err)
		}
		checked++
		seen := map[string]bool{}
		ast.Inspect(f, func(n ast.Node) bool {
			sel, ok := n.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			if pkg, ok := sel.X.(*ast.Ident); ok {
				call := pkg.Name + "." + sel.Sel.Name
				seen[call] = true
				if banned[call] {
					t.Errorf("%s: %s returns early on the first differing byte; compare with hmac.Equal or crypto/subtle", fset.Position(sel.Pos()), call)
				}
			}
			return true
		})
		if want, ok := required[name]; ok && !seen[want] {
			t.Errorf("%s no longer calls %s", name, want)
		}
	}
	if checked < 10 {
		t.Fatalf("checked only %d files: run from the verify package directory", checked)
	}
}
