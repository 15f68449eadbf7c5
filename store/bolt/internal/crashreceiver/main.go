// Command crashreceiver is the receiver the crash tests kill: a Checkly
// route whose inbox, dedupe and ordering state live in one boltstore file,
// and whose handler calls a downstream over HTTP (the receiver of
// internal/crashreceiver, which store/redis's crash tests kill too). It
// prints the address it listens on, then serves until it is killed.
package main

import (
	"flag"
	"log"
	"time"

	"github.com/hookseal/hookseal/internal/crashreceiver"
	boltstore "github.com/hookseal/hookseal/store/bolt"
)

func main() {
	path := flag.String("db", "", "the boltstore file")
	addr := flag.String("addr", "127.0.0.1:0", "where to listen")
	downstream := flag.String("downstream", "", "the URL each run is POSTed to")
	secret := flag.String("secret", "", "the Checkly secret")
	flag.Parse()

	db, err := boltstore.Open(*path, boltstore.WithLockTimeout(5*time.Second))
	if err != nil {
		log.Fatal(err)
	}
	log.Fatal(crashreceiver.Serve(db.Inbox(), db.Store(), *addr, *downstream, *secret))
}
