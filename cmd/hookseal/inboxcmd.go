package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"github.com/hookseal/hookseal/inbox"
	boltstore "github.com/hookseal/hookseal/store/bolt"
	redisstore "github.com/hookseal/hookseal/store/redis"
)

const inboxAbout = `
Operate the inbox of a hookseal proxy (or listen --inbox): the file backend
in --data-dir, or Redis (--redis, or HOOKSEAL_REDIS_URL, with the inbox's
--name and --redis-prefix as the config file sets them).

  counts        pending, running and dead entries, and the oldest pending age
  dead          the dead letters, oldest first
  show ID       one entry: its metadata and body
  revive ID     return a dead letter to pending, to run at once
  drop ID       delete a dead letter

The file backend is one process's: while a proxy has it open, the file is
locked, and the command waits a second and then says so. Stop the proxy
first, or use Redis, whose inbox any number of processes share. An inbox
never holds a secret: show prints the metadata a route keeps (provider,
content type, the matched secret's ID, scope, times, key) and the body as
the sender signed it. Exit 1 when there is no such entry.`

const inboxExamples = `  hookseal inbox counts --data-dir /var/lib/hookseal
  hookseal inbox dead --data-dir /var/lib/hookseal
  hookseal inbox show 42 --data-dir /var/lib/hookseal
  hookseal inbox revive 42 --data-dir /var/lib/hookseal
  HOOKSEAL_REDIS_URL=redis://redis.internal:6379/0 hookseal inbox dead --name hookseal --json`

type inboxFlags struct {
	dataDir, redisURL, name, prefix string
	limit                           int
	json                            bool
}

func runInbox(e *env, args []string) int {
	f := newFlags("inbox", "hookseal inbox counts|dead|show ID|revive ID|drop ID (--data-dir DIR | --redis URL) [flags]", inboxAbout, inboxExamples)
	var fl inboxFlags
	f.StringVar(&fl.dataDir, "data-dir", "", "the proxy's data_dir (`dir`), holding the file inbox")
	f.StringVar(&fl.redisURL, "redis", "", "Redis `URL` of a Redis inbox (env HOOKSEAL_REDIS_URL)")
	f.StringVar(&fl.name, "name", defaultInbox().name, "the Redis inbox's `name` (the config file's inbox.name)")
	f.StringVar(&fl.prefix, "redis-prefix", redisstore.DefaultPrefix, "what the Redis inbox's keys start with (the config file's redis.prefix)")
	f.IntVar(&fl.limit, "limit", 100, "list at most `n` dead letters")
	f.BoolVar(&fl.json, "json", false, "print JSON (one object per line) instead of text")

	// The subcommand comes first, its ID after it; flags may sit before,
	// between or after them.
	var pos []string
	rest := args
	for {
		if ok, code := f.parseSome(e, rest); !ok {
			return code
		}
		if f.NArg() == 0 {
			break
		}
		pos, rest = append(pos, f.Arg(0)), f.Args()[1:]
	}
	if len(pos) == 0 {
		return fail(e, "inbox", usagef("say what to do: counts, dead, show ID, revive ID or drop ID"))
	}
	op, ids := pos[0], pos[1:]
	needID := map[string]bool{"counts": false, "dead": false, "show": true, "revive": true, "drop": true}
	want, known := needID[op]
	switch {
	case !known:
		return fail(e, "inbox", usagef("%q is not one of counts, dead, show, revive, drop", op))
	case want && len(ids) != 1:
		return fail(e, "inbox", usagef("%s takes one entry ID (as dead lists them)", op))
	case !want && len(ids) > 0:
		return fail(e, "inbox", usagef("%s takes no argument, got %q", op, ids[0]))
	case fl.limit <= 0:
		return fail(e, "inbox", usagef("--limit must be positive, got %d", fl.limit))
	}
	ib, closeInbox, err := fl.open(e)
	if err != nil {
		return fail(e, "inbox", err)
	}
	defer closeInbox()
	ctx, cancel := context.WithTimeout(e.ctx, 30*time.Second)
	defer cancel()
	var id string
	if want {
		id = ids[0]
	}
	if err := inboxOp(ctx, e.stdout, ib, op, id, fl); err != nil {
		if errors.Is(err, inbox.ErrNotFound) {
			return fail(e, "inbox", fmt.Errorf("%s %s: no such entry%s", op, id, map[bool]string{true: " among the dead letters", false: ""}[op != "show"]))
		}
		return fail(e, "inbox", err)
	}
	return exitOK
}

// parseSome parses flags up to the first argument that is not one.
func (f *cmdFlags) parseSome(e *env, args []string) (bool, int) {
	err := f.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		f.help(e.stdout)
		return false, exitOK
	}
	if err != nil {
		return false, fail(e, f.name, usagef("%v", err))
	}
	return true, exitOK
}

// open opens the inbox the flags name. The file backend is opened only if
// its file exists: a mistyped directory must not create an empty inbox
// that then reports nothing to do.
func (fl *inboxFlags) open(e *env) (inbox.Inbox, func(), error) {
	source := "--redis"
	if fl.redisURL == "" && fl.dataDir == "" {
		if v, ok := e.lookupEnv(envRedisURL); ok {
			fl.redisURL, source = strings.TrimSpace(v), envRedisURL
			if fl.redisURL == "" {
				return nil, nil, usagef("%s is set but empty", envRedisURL)
			}
		}
	}
	switch {
	case fl.dataDir != "" && fl.redisURL != "":
		return nil, nil, usagef("--data-dir and --redis name two inboxes; give one")
	case fl.dataDir != "":
		path := filepath.Join(fl.dataDir, dbFileName)
		if _, err := os.Stat(path); err != nil {
			return nil, nil, fmt.Errorf("--data-dir %s: no inbox there (%s: %w)", fl.dataDir, path, errors.Unwrap(err))
		}
		db, err := boltstore.Open(path)
		if err != nil {
			return nil, nil, fmt.Errorf("%w (a running hookseal proxy holds the file: stop it first)", err)
		}
		return db.Inbox(), func() { _ = db.Close() }, nil
	case fl.redisURL != "":
		// openRedis checks the URL (without quoting it) and that Redis answers.
		client, _, err := openRedis(e.ctx, &redisSettings{url: fl.redisURL, source: source, prefix: fl.prefix})
		if err != nil {
			return nil, nil, err
		}
		ib, err := redisstore.NewInbox(client, fl.name, redisstore.WithInboxPrefix(fl.prefix))
		if err != nil {
			_ = client.Close()
			return nil, nil, usagef("%v", err)
		}
		return ib, func() { _ = client.Close() }, nil
	}
	return nil, nil, usagef("say which inbox: --data-dir DIR (the proxy's data_dir) or --redis URL (or HOOKSEAL_REDIS_URL)")
}

func inboxOp(ctx context.Context, w io.Writer, ib inbox.Inbox, op, id string, fl inboxFlags) error {
	switch op {
	case "counts":
		s, err := ib.Stats(ctx)
		if err != nil {
			return err
		}
		age := time.Duration(0)
		if !s.OldestPending.IsZero() {
			age = time.Since(s.OldestPending).Round(time.Second)
		}
		if fl.json {
			return writeJSONLine(w, map[string]any{"pending": s.Pending, "running": s.Running, "dead": s.Dead, "oldest_pending_age_seconds": age.Seconds()})
		}
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintf(tw, "pending\t%d\nrunning\t%d\ndead\t%d\n", s.Pending, s.Running, s.Dead)
		if s.OldestPending.IsZero() {
			fmt.Fprintln(tw, "oldest pending\t-")
		} else {
			fmt.Fprintf(tw, "oldest pending\t%s ago (accepted %s)\n", age, s.OldestPending.UTC().Format(time.RFC3339))
		}
		return tw.Flush()
	case "dead":
		dead, err := ib.Dead(ctx, fl.limit)
		if err != nil {
			return err
		}
		if fl.json {
			for _, en := range dead {
				if err := writeJSONLine(w, entryJSON(en, false)); err != nil {
					return err
				}
			}
			return nil
		}
		if len(dead) == 0 {
			_, err := fmt.Fprintln(w, "no dead letters")
			return err
		}
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tROUTE\tACCEPTED\tATTEMPTS\tLAST ERROR")
		for _, en := range dead {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\n", en.ID, en.Route, en.Accepted.UTC().Format(time.RFC3339), en.Attempts, clip(oneLine(en.LastError), 120))
		}
		return tw.Flush()
	case "show":
		en, err := ib.Get(ctx, id)
		if err != nil {
			return err
		}
		if fl.json {
			return writeJSONLine(w, entryJSON(en, true))
		}
		return showEntry(w, en)
	case "revive":
		if err := ib.Revive(ctx, id); err != nil {
			return err
		}
		_, err := fmt.Fprintf(w, "revived %s: pending, to run at once\n", id)
		return err
	}
	if err := ib.Drop(ctx, id); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "dropped %s\n", id)
	return err
}

// shownMeta are the Meta keys a route keeps (middleware's deliveryMeta):
// none is a secret. Any other key is counted, not shown, in case some
// other writer of the inbox put something there that is.
var shownMeta = []string{"provider", "content-type", "secret-id", "scope", "timestamp", "timestamp-signed", "body-signed", "id", "key"}

func entryJSON(en inbox.Entry, withBody bool) map[string]any {
	m := map[string]any{
		"id": en.ID, "key": en.Key, "route": en.Route, "resource": en.Resource, "accepted": en.Accepted.UTC().Format(time.RFC3339Nano),
		"attempts": en.Attempts, "dead": en.Dead, "last_error": en.LastError, "body_bytes": len(en.Body),
	}
	if !en.EventTime.IsZero() {
		m["event_time"] = en.EventTime.UTC().Format(time.RFC3339Nano)
	}
	meta := map[string]string{}
	for _, k := range shownMeta {
		if v, ok := en.Meta[k]; ok {
			meta[k] = v
		}
	}
	m["meta"] = meta
	if hidden := len(en.Meta) - len(meta); hidden > 0 {
		m["meta_not_shown"] = hidden
	}
	if withBody {
		if utf8.Valid(en.Body) {
			m["body"] = string(en.Body)
		} else {
			m["body_base64"] = en.Body
		}
	}
	return m
}

func showEntry(w io.Writer, en inbox.Entry) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	state := "pending"
	if en.Dead {
		state = "dead"
	}
	fmt.Fprintf(tw, "id\t%s\nstate\t%s\nroute\t%s\nkey\t%s\n", en.ID, state, en.Route, en.Key)
	if en.Resource != "" {
		fmt.Fprintf(tw, "resource\t%s\n", en.Resource)
	}
	if !en.EventTime.IsZero() {
		fmt.Fprintf(tw, "event time\t%s\n", en.EventTime.UTC().Format(time.RFC3339Nano))
	}
	fmt.Fprintf(tw, "accepted\t%s\nattempts\t%d\n", en.Accepted.UTC().Format(time.RFC3339Nano), en.Attempts)
	if !en.NotBefore.IsZero() && !en.Dead {
		fmt.Fprintf(tw, "not before\t%s\n", en.NotBefore.UTC().Format(time.RFC3339Nano))
	}
	if en.LastError != "" {
		fmt.Fprintf(tw, "last error\t%s\n", oneLine(en.LastError))
	}
	for _, k := range shownMeta {
		if v, ok := en.Meta[k]; ok {
			fmt.Fprintf(tw, "%s\t%s\n", k, v)
		}
	}
	var hidden []string
	for k := range en.Meta {
		if !slices.Contains(shownMeta, k) {
			hidden = append(hidden, k)
		}
	}
	if len(hidden) > 0 {
		fmt.Fprintf(tw, "other metadata\t%d key(s), not shown\n", len(hidden))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if !utf8.Valid(en.Body) {
		_, err := fmt.Fprintf(w, "\nbody (%d bytes, not UTF-8; --json shows it in base64)\n", len(en.Body))
		return err
	}
	_, err := fmt.Fprintf(w, "\nbody (%d bytes):\n%s\n", len(en.Body), en.Body)
	return err
}

func writeJSONLine(w io.Writer, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}
