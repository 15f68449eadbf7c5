// Command crashreceiver is the receiver store/redis's crash tests kill: a
// Checkly route whose inbox (a Redis stream read through a consumer
// group), dedupe and ordering state live in Redis, and whose handler calls
// a downstream over HTTP (the receiver of internal/crashreceiver, which
// store/bolt's crash tests kill too, on a file). Several may run on one
// inbox, as replicas. It prints the address it listens on, then serves
// until it is killed.
//
// With -before-ack URL it POSTs a [crashreceiver.Run] to URL after each
// successful run, before acknowledging the entry, and waits for the
// answer: the test kills it there, between the handler's success and its
// acknowledgement.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"io"
	"log"
	"net/http"
	"os"

	"github.com/redis/go-redis/v9"

	"github.com/hookseal/hookseal/inbox"
	"github.com/hookseal/hookseal/internal/crashreceiver"
	redisstore "github.com/hookseal/hookseal/store/redis"
)

func main() {
	url := flag.String("redis", "", "the Redis URL, redis://127.0.0.1:<port>/0")
	name := flag.String("inbox", "crash", "the inbox's name, the same on every replica")
	prefix := flag.String("prefix", redisstore.DefaultPrefix, "the prefix of every key, the same on every replica")
	addr := flag.String("addr", "127.0.0.1:0", "where to listen")
	downstream := flag.String("downstream", "", "the URL each run is POSTed to")
	secret := flag.String("secret", "", "the Checkly secret")
	beforeAck := flag.String("before-ack", "", "a URL to POST to, and wait on, before each acknowledgement")
	flag.Parse()

	opts, err := redis.ParseURL(*url)
	if err != nil {
		log.Fatal(err)
	}
	client := redis.NewClient(opts)
	st, err := redisstore.New(client, redisstore.WithPrefix(*prefix))
	if err != nil {
		log.Fatal(err)
	}
	rib, err := redisstore.NewInbox(client, *name, redisstore.WithInboxPrefix(*prefix))
	if err != nil {
		log.Fatal(err)
	}
	var ib inbox.Inbox = rib
	if *beforeAck != "" {
		ib = pauseBeforeAck{rib, *beforeAck}
	}
	log.Fatal(crashreceiver.Serve(ib, st, *addr, *downstream, *secret))
}

// pauseBeforeAck is the Inbox, telling url of each acknowledgement it is
// about to make and waiting for the answer.
type pauseBeforeAck struct {
	*redisstore.Inbox
	url string
}

func (p pauseBeforeAck) Ack(ctx context.Context, l inbox.Lease) error {
	run, _ := json.Marshal(crashreceiver.Run{Key: l.Entry.Key, Attempt: l.Entry.Attempts, Receiver: os.Getpid()})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.url, bytes.NewReader(run))
	if err != nil {
		return err
	}
	if resp, err := http.DefaultClient.Do(req); err == nil {
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	return p.Inbox.Ack(ctx, l)
}
