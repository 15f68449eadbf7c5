package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/hookseal/hookseal/verify"
)

// cmdFlags is one command's flag set and help text.
type cmdFlags struct {
	*flag.FlagSet
	name     string
	synopsis string // "hookseal sign --provider P --secret S [flags] < body"
	about    string // what the command does, a paragraph or two
	examples string // indented example lines
}

func newFlags(name, synopsis, about, examples string) *cmdFlags {
	fs := flag.NewFlagSet("hookseal "+name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return &cmdFlags{FlagSet: fs, name: name, synopsis: synopsis, about: about, examples: examples}
}

// parse parses args. It returns ok false and the exit code when the command
// must stop: after printing help (0) or a usage error (2).
func (f *cmdFlags) parse(e *env, args []string) (ok bool, code int) {
	err := f.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		f.help(e.stdout)
		return false, exitOK
	}
	if err != nil {
		return false, fail(e, f.name, usagef("%v", err))
	}
	if f.NArg() > 0 {
		return false, fail(e, f.name, usagef("unexpected argument %q (flags start with -)", f.Arg(0)))
	}
	return true, exitOK
}

func (f *cmdFlags) help(w io.Writer) {
	var b strings.Builder
	fmt.Fprintf(&b, "Usage:\n  %s\n\n%s\n\nFlags:\n", f.synopsis, strings.TrimSpace(f.about))
	f.SetOutput(&b)
	f.PrintDefaults()
	f.SetOutput(io.Discard)
	fmt.Fprintf(&b, "\nExamples:\n%s\n", strings.TrimRight(f.examples, "\n"))
	_, _ = io.WriteString(w, b.String())
}

// headerFlags collects repeated -H 'Name: value' flags.
type headerFlags struct{ h http.Header }

func (hf *headerFlags) String() string { return "" }

func (hf *headerFlags) Set(s string) error {
	name, value, ok := strings.Cut(s, ":")
	name = strings.TrimSpace(name)
	if !ok || name == "" || strings.ContainsAny(name, " \t") {
		return errors.New(`want "Name: value", as curl's -H takes it`)
	}
	if hf.h == nil {
		hf.h = make(http.Header)
	}
	hf.h.Add(name, strings.TrimLeft(value, " \t"))
	return nil
}

// splitSecrets reads a --secret list by the library's one rule for
// secrets (verify.ParseSecrets: comma-separated, each trimmed, none blank)
// and also returns the items as given, for the verify command's diagnosis
// of whitespace around a secret. Errors name the flag, never a value.
func splitSecrets(source, value string) (raw, trimmed []string, err error) {
	s, err := verify.ParseSecrets(value)
	if err != nil {
		return nil, nil, usagef("%s: %s", source, strings.TrimPrefix(err.Error(), "verify: "))
	}
	return strings.Split(value, ","), secretValues(s), nil
}

func secretValues(s []verify.Secret) []string {
	out := make([]string, len(s))
	for i, x := range s {
		out[i] = x.Value
	}
	return out
}

// splitList splits a comma-separated flag that holds no secret (--audience,
// --jwt-alg), each item trimmed; an empty item is a usage error.
func splitList(source, value string) ([]string, error) {
	if strings.TrimSpace(value) == "" {
		return nil, nil
	}
	items := strings.Split(value, ",")
	for i := range items {
		if items[i] = strings.TrimSpace(items[i]); items[i] == "" {
			return nil, usagef("%s has an empty item (%d of %d); remove the extra comma", source, i+1, len(items))
		}
	}
	return items, nil
}

// parseTime parses a --timestamp or --now value: Unix seconds, Unix
// milliseconds or RFC 3339.
func parseTime(flagName, s string) (time.Time, error) {
	t, err := verify.ParseTimestamp(s, verify.TimestampLenient)
	if err != nil {
		return time.Time{}, usagef("%s %q: want Unix seconds, Unix milliseconds or an RFC 3339 time", flagName, s)
	}
	return t, nil
}

// maxInput bounds a body read from stdin or a file.
const maxInput = 16 << 20

func readInput(r io.Reader, what string) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, maxInput+1))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", what, err)
	}
	if len(b) > maxInput {
		return nil, usagef("%s is larger than %d bytes", what, maxInput)
	}
	return b, nil
}

// pick returns the flag's value when set, else the environment variable's.
func pick(flagValue, envName string, e *env) string {
	if flagValue != "" {
		return flagValue
	}
	return e.getenv(envName)
}
