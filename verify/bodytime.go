package verify

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"sync"

	"github.com/go-json-experiment/json/jsontext"
)

// topLevelString finds the member called name in the top-level JSON object
// of body and returns its string value, read with the same JSON reader the
// event decoders use (jsontext), so the value judged for freshness is the
// value the payload decodes: escapes are decoded, and invalid UTF-8, a
// duplicate member name or a body that is not one JSON object is an error
// (a later decoder could otherwise see something else than what was
// judged). found is false when the object has no such member. Nesting
// deeper than jsontext's limit is an error, not a stack overflow.
func topLevelString(body []byte, name string) (value string, found bool, err error) {
	bad := func(what string) (string, bool, error) {
		return "", false, errorf(ErrMalformedTimestamp, "body member %q: %s", name, what)
	}
	d := bodyDecoders.Get().(*bodyDecoder)
	defer d.put()
	d.r.Reset(body)
	d.dec.Reset(&d.r)

	tok, err := d.dec.ReadToken()
	if err != nil || tok.Kind() != '{' {
		return bad("body is not a JSON object")
	}
	for {
		tok, err := d.dec.ReadToken()
		if err != nil {
			return bad(describeJSONError(err))
		}
		if tok.Kind() == '}' {
			break
		}
		if tok.String() != name {
			if err := d.dec.SkipValue(); err != nil {
				return bad(describeJSONError(err))
			}
			continue
		}
		v, err := d.dec.ReadToken()
		if err != nil {
			return bad(describeJSONError(err))
		}
		if v.Kind() != '"' {
			return bad("is not a string")
		}
		value, found = v.String(), true
	}
	if !d.ended() {
		return bad("body holds more than one JSON value")
	}
	return value, found, nil
}

func describeJSONError(err error) string {
	var se *jsontext.SyntacticError
	if errors.As(err, &se) && se.Err != nil {
		return "body is not valid JSON: " + se.Err.Error()
	}
	return "body is not valid JSON"
}

// bodyDecoder is a reusable reader for topLevelString: a jsontext.Decoder
// keeps buffers worth reusing across deliveries.
type bodyDecoder struct {
	r   bytes.Reader
	dec *jsontext.Decoder
}

var bodyDecoders = sync.Pool{New: func() any {
	d := &bodyDecoder{}
	d.dec = jsontext.NewDecoder(&d.r)
	return d
}}

// ended reports whether nothing follows the value just read: the decoder
// reads a stream of values, where a second one (`{...}0`) is no error.
func (d *bodyDecoder) ended() bool {
	_, err := d.dec.ReadToken()
	return err == io.EOF
}

func (d *bodyDecoder) put() {
	d.r.Reset(nil)
	d.dec.Reset(&d.r)
	bodyDecoders.Put(d)
}

// parsePointer splits a JSON Pointer (RFC 6901) into its reference tokens,
// unescaping "~1" and "~0". The empty pointer (the whole body) is not a
// member and is refused.
func parsePointer(p string) ([]string, error) {
	if !strings.HasPrefix(p, "/") {
		return nil, errors.New("a JSON Pointer starts with '/'")
	}
	toks := strings.Split(p[1:], "/")
	for i, t := range toks {
		if strings.Contains(strings.ReplaceAll(strings.ReplaceAll(t, "~0", ""), "~1", ""), "~") {
			return nil, errors.New("'~' in a JSON Pointer must be followed by 0 or 1")
		}
		toks[i] = strings.ReplaceAll(strings.ReplaceAll(t, "~1", "/"), "~0", "~")
	}
	return toks, nil
}

// bodyString returns the string at path in a JSON body made of nested
// objects, read with the JSON reader the event decoders use: ok is false
// when the body is not JSON, a member on the way is missing or not an
// object, the value is not a string, or a name is repeated on the way (the
// decoders refuse such a body, so nothing is taken from it).
func bodyString(body []byte, path []string) (string, bool) {
	d := bodyDecoders.Get().(*bodyDecoder)
	defer d.put()
	d.r.Reset(body)
	d.dec.Reset(&d.r)
	for depth, name := range path {
		if tok, err := d.dec.ReadToken(); err != nil || tok.Kind() != '{' {
			return "", false
		}
		for {
			tok, err := d.dec.ReadToken()
			if err != nil || tok.Kind() == '}' {
				return "", false
			}
			if tok.String() == name {
				break
			}
			if d.dec.SkipValue() != nil {
				return "", false
			}
		}
		if depth == len(path)-1 {
			v, err := d.dec.ReadToken()
			if err != nil || v.Kind() != '"' {
				return "", false
			}
			val := v.String()
			// The rest must hold no second member of that name (the
			// decoder refuses duplicates) and be well formed, and nothing
			// may follow the object.
			for {
				if _, err := d.dec.ReadToken(); err != nil {
					return "", false
				}
				if d.dec.StackDepth() == 0 { // the object has ended
					if !d.ended() {
						return "", false
					}
					return val, true
				}
			}
		}
	}
	return "", false
}
