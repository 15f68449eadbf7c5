// Command hookseal runs, tests and debugs webhook receivers built with the
// hookseal library.
//
//	hookseal demo      a scripted run of real-shaped deliveries against a local receiver
//	hookseal listen    a receiver for Checkly, StatusStack, Grafana OnCall, Datadog and Grafana Alerting
//	hookseal proxy     the routes of a config file in front of an app in any language, forwarded re-signed
//	hookseal inbox     the inbox's counts and dead letters: list, show, revive, drop
//	hookseal sign      the headers a sender would send with a body
//	hookseal send      a signed sample delivery to a receiver
//	hookseal verify    whether a delivery is authentic, and if not, which usual mistake explains it
//	hookseal template  the recommended body template of Checkly, OnCall or Datadog, or a check of yours
//
// Run "hookseal <command> --help" for a command's flags and examples.
//
// Exit codes: 0 success; 1 the command ran and the answer is no (a delivery
// is not authentic, a demo row or a sent delivery did not get the expected
// answer, the receiver failed); 2 a usage error (a flag or an input to fix).
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// Exit codes.
const (
	exitOK    = 0
	exitNo    = 1
	exitUsage = 2
)

// env is what a command may touch of the outside world, so tests and the
// demo need no globals.
type env struct {
	ctx       context.Context
	stdin     io.Reader
	stdout    io.Writer
	stderr    io.Writer
	lookupEnv func(string) (string, bool)
}

// getenv returns the variable's value, "" when it is unset.
func (e *env) getenv(name string) string {
	v, _ := e.lookupEnv(name)
	return v
}

type command struct {
	name  string
	short string
	run   func(e *env, args []string) int
}

var commands = []command{
	{"demo", "run scripted deliveries against a local receiver and show what each got", runDemo},
	{"listen", "serve /checkly, /statusstack, /oncall, /datadog and /grafana", runListen},
	{"proxy", "serve a config file's routes and forward each delivery to the app, re-signed", runProxy},
	{"inbox", "show the inbox's counts and dead letters; revive or drop one", runInbox},
	{"sign", "print the headers a sender sends with the body on stdin", runSign},
	{"send", "send a signed sample delivery (or your body) to a receiver", runSend},
	{"verify", "check a delivery's headers and body, and diagnose why it fails", runVerify},
	{"template", "print a sender's recommended body template, or check yours (--check)", runTemplate},
}

func main() {
	e := &env{ctx: context.Background(), stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, lookupEnv: os.LookupEnv}
	stopProfile := startCPUProfile(os.Getenv("HOOKSEAL_CPUPROFILE"), os.Stderr) // a developer aid: see profile.go
	code := run(e, os.Args[1:])
	stopProfile()
	os.Exit(code)
}

func run(e *env, args []string) int {
	if len(args) == 0 {
		usage(e.stderr)
		return exitUsage
	}
	name := args[0]
	switch name {
	case "-h", "-help", "--help", "help":
		if len(args) > 1 && name == "help" {
			return run(e, []string{args[1], "--help"})
		}
		usage(e.stdout)
		return exitOK
	}
	for _, c := range commands {
		if c.name == name {
			return c.run(e, args[1:])
		}
	}
	fmt.Fprintf(e.stderr, "hookseal: unknown command %q\n\n", name)
	usage(e.stderr)
	return exitUsage
}

func usage(w io.Writer) {
	var b strings.Builder
	b.WriteString("hookseal guards webhook routes: authenticate, judge freshness, decode, dedupe, order.\n\n")
	b.WriteString("Usage:\n  hookseal <command> [flags]\n\nCommands:\n")
	width := 0
	for _, c := range commands {
		width = max(width, len(c.name))
	}
	for _, c := range commands {
		fmt.Fprintf(&b, "  %-*s  %s\n", width, c.name, c.short)
	}
	b.WriteString(`
Run "hookseal <command> --help" for the command's flags and examples.

Examples:
  hookseal demo
  CHECKLY_WEBHOOK_SECRET=s3cr3t hookseal listen --order
  hookseal proxy --config proxy.yaml
  hookseal inbox dead --data-dir /var/lib/hookseal
  hookseal send --provider checkly --secret s3cr3t --url http://127.0.0.1:8080/checkly --event ALERT_RECOVERY
  printf '%s' "$BODY" | hookseal sign --provider stripe --secret whsec_abc
  hookseal verify --provider checkly --secret s3cr3t -H "x-checkly-signature: $SIG" < body.json

Exit codes: 0 success, 1 the answer is no (not authentic, unexpected outcome), 2 usage error.
`)
	_, _ = io.WriteString(w, b.String())
}

// usageError is a mistake in the command line or its input: the message
// names the flag or input to fix, and the command exits 2.
type usageError struct{ msg string }

func (u *usageError) Error() string { return u.msg }

func usagef(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

// fail reports err for command cmd and returns its exit code: 2 for usage
// errors (with a pointer to --help), 1 otherwise.
func fail(e *env, cmd string, err error) int {
	var u *usageError
	if errors.As(err, &u) {
		fmt.Fprintf(e.stderr, "hookseal %s: %s\nRun 'hookseal %s --help' for usage.\n", cmd, u.msg, cmd)
		return exitUsage
	}
	fmt.Fprintf(e.stderr, "hookseal %s: %v\n", cmd, err)
	return exitNo
}
