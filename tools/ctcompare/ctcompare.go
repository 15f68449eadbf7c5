// Package ctcompare is a go/analysis pass that keeps secret comparisons in
// constant time: in the packages it is run on (hookseal's verify and
// verify/jwt), it reports every comparison that returns at the first
// differing byte, so a timing observer could learn how much of a forged
// signature or credential was right.
//
// It reports calls to bytes.Equal, bytes.Compare, reflect.DeepEqual,
// slices.Equal and slices.Compare, and == or != between arrays of bytes
// (a digest compared with ==), except a comparison with an empty
// composite literal (k == Key{}), which tests for the zero value and
// depends on no secret. Compare with crypto/hmac.Equal or crypto/subtle
// instead. A line may opt out with a comment "//ctcompare:ok <reason>" on
// the line before, which the review of that line then has to accept.
package ctcompare

import (
	"go/ast"
	"go/token"
	"go/types"
	"strings"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/passes/inspect"
	"golang.org/x/tools/go/ast/inspector"
)

// Analyzer is the pass.
var Analyzer = &analysis.Analyzer{
	Name:     "ctcompare",
	Doc:      "report comparisons that return early where secrets, MACs and credentials must be compared in constant time",
	Requires: []*analysis.Analyzer{inspect.Analyzer},
	Run:      run,
}

// early are the functions that return at the first differing element.
var early = map[string]bool{
	"bytes.Equal":       true,
	"bytes.Compare":     true,
	"reflect.DeepEqual": true,
	"slices.Equal":      true,
	"slices.Compare":    true,
}

func run(pass *analysis.Pass) (any, error) {
	ins := pass.ResultOf[inspect.Analyzer].(*inspector.Inspector)
	optOut := optOutLines(pass)
	report := func(n ast.Node, format string, args ...any) {
		p := pass.Fset.Position(n.Pos())
		if optOut[p.Filename][p.Line-1] {
			return
		}
		pass.Reportf(n.Pos(), format, args...)
	}
	ins.Preorder([]ast.Node{(*ast.CallExpr)(nil), (*ast.BinaryExpr)(nil)}, func(n ast.Node) {
		switch n := n.(type) {
		case *ast.CallExpr:
			fn := typeutilCallee(pass, n)
			if fn == nil || fn.Pkg() == nil {
				return
			}
			if name := fn.Pkg().Path() + "." + fn.Name(); early[name] {
				report(n, "%s returns at the first differing byte; compare secrets, MACs and credentials with hmac.Equal or crypto/subtle", name)
			}
		case *ast.BinaryExpr:
			if n.Op != token.EQL && n.Op != token.NEQ {
				return
			}
			if isEmptyLiteral(n.X) || isEmptyLiteral(n.Y) {
				return
			}
			if isByteArray(pass.TypesInfo.TypeOf(n.X)) {
				report(n, "%s between byte arrays returns at the first differing byte; compare with hmac.Equal or crypto/subtle", n.Op)
			}
		}
	})
	return nil, nil
}

// typeutilCallee returns the package-level function a call calls, or nil.
func typeutilCallee(pass *analysis.Pass, call *ast.CallExpr) *types.Func {
	var id *ast.Ident
	switch f := ast.Unparen(call.Fun).(type) {
	case *ast.Ident:
		id = f
	case *ast.SelectorExpr:
		id = f.Sel
	case *ast.IndexExpr: // an instantiated generic: slices.Equal[[]byte]
		if s, ok := f.X.(*ast.SelectorExpr); ok {
			id = s.Sel
		}
	default:
		return nil
	}
	if id == nil {
		return nil
	}
	fn, _ := pass.TypesInfo.Uses[id].(*types.Func)
	if fn == nil {
		return nil
	}
	if sig, ok := fn.Type().(*types.Signature); ok && sig.Recv() != nil {
		return nil // a method, not one of the functions above
	}
	return fn
}

func isByteArray(t types.Type) bool {
	if t == nil {
		return false
	}
	a, ok := t.Underlying().(*types.Array)
	if !ok {
		return false
	}
	b, ok := a.Elem().Underlying().(*types.Basic)
	return ok && (b.Kind() == types.Byte || b.Kind() == types.Uint8)
}

func isEmptyLiteral(e ast.Expr) bool {
	lit, ok := ast.Unparen(e).(*ast.CompositeLit)
	return ok && len(lit.Elts) == 0
}

// optOutLines finds the lines carrying a //ctcompare:ok comment.
func optOutLines(pass *analysis.Pass) map[string]map[int]bool {
	out := map[string]map[int]bool{}
	for _, f := range pass.Files {
		for _, cg := range f.Comments {
			for _, c := range cg.List {
				if strings.HasPrefix(c.Text, "//ctcompare:ok") {
					p := pass.Fset.Position(c.Pos())
					if out[p.Filename] == nil {
						out[p.Filename] = map[int]bool{}
					}
					out[p.Filename][p.Line] = true
				}
			}
		}
	}
	return out
}
