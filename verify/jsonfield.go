package verify

// topLevelString finds the member called name in the top-level JSON object
// of body and returns its string value without decoding the rest of the
// body. Verification must not pay for a full JSON decode, and the typed
// decoder runs later anyway.
//
// found is false when the body is an object without that member. err is set
// when the body is not a JSON object, the member is not a string, the string
// uses escapes (no timestamp needs them), or the member appears twice (a
// later decoder could otherwise see a different value than the one judged
// here).
//
// The scanner is iterative and bounded by len(body): hostile nesting cannot
// exhaust the stack.
func topLevelString(body []byte, name string) (value string, found bool, err error) {
	bad := func(what string) (string, bool, error) {
		return "", false, errorf(ErrMalformedTimestamp, "body member %q: %s", name, what)
	}
	i := skipWS(body, 0)
	if i >= len(body) || body[i] != '{' {
		return bad("body is not a JSON object")
	}
	i++
	for {
		i = skipWS(body, i)
		if i < len(body) && body[i] == '}' {
			return value, found, nil
		}
		// Member name.
		keyStart := i
		end, escaped, ok := scanString(body, i)
		if !ok {
			return bad("body is not valid JSON")
		}
		key := body[keyStart+1 : end-1]
		i = skipWS(body, end)
		if i >= len(body) || body[i] != ':' {
			return bad("body is not valid JSON")
		}
		i = skipWS(body, i+1)
		match := !escaped && string(key) == name
		if match {
			if found {
				return bad("appears twice")
			}
			vEnd, vEscaped, ok := scanString(body, i)
			if !ok {
				return bad("is not a string")
			}
			if vEscaped {
				return bad("uses escape sequences")
			}
			value, found = string(body[i+1:vEnd-1]), true
			i = vEnd
		} else {
			var ok bool
			if i, ok = skipValue(body, i); !ok {
				return bad("body is not valid JSON")
			}
		}
		i = skipWS(body, i)
		if i >= len(body) {
			return bad("body is not valid JSON")
		}
		switch body[i] {
		case ',':
			i++
		case '}':
			return value, found, nil
		default:
			return bad("body is not valid JSON")
		}
	}
}

func skipWS(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// scanString reads the string starting at b[i] (which must be '"') and
// returns the index just past its closing quote.
func scanString(b []byte, i int) (end int, escaped, ok bool) {
	if i >= len(b) || b[i] != '"' {
		return 0, false, false
	}
	for j := i + 1; j < len(b); j++ {
		switch c := b[j]; {
		case c == '\\':
			escaped = true
			j++ // skip the escaped byte; \uXXXX digits are plain bytes
		case c == '"':
			return j + 1, escaped, true
		case c < 0x20:
			return 0, false, false
		}
	}
	return 0, false, false
}

// skipValue skips one JSON value starting at b[i]. Objects and arrays are
// skipped by counting brackets outside strings, without recursion.
func skipValue(b []byte, i int) (int, bool) {
	if i >= len(b) {
		return 0, false
	}
	switch b[i] {
	case '"':
		end, _, ok := scanString(b, i)
		return end, ok
	case '{', '[':
		depth := 0
		for i < len(b) {
			switch b[i] {
			case '"':
				end, _, ok := scanString(b, i)
				if !ok {
					return 0, false
				}
				i = end
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1, true
				}
			}
			i++
		}
		return 0, false
	default:
		// Number or literal: runs until a delimiter.
		start := i
		for i < len(b) {
			switch b[i] {
			case ',', '}', ']', ' ', '\t', '\n', '\r':
				return i, i > start
			}
			i++
		}
		return i, i > start
	}
}
