package redistest_test

import (
	"bufio"
	"fmt"
	"log"
	"net"
	"os"

	"github.com/hookseal/hookseal/store/redis/redistest"
)

// A server started without a test, as TestMain would start one shared by
// a package's tests, then sent a PING over a plain connection (a test would
// use its Redis client, with srv.Addr or srv.URL()).
//
// The example has no Output comment, so "go test" compiles it but does not
// run it: it needs a redis-server, and the package's tests must pass (by
// skipping) on machines without one. With redis-server it prints +PONG.
func ExampleNewServer() {
	dir, err := os.MkdirTemp("", "redistest-example-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	srv, err := redistest.NewServer(dir)
	if err != nil {
		log.Fatal(err) // in TestMain: keep err for redistest.Unavailable
	}
	defer srv.Kill()

	c, err := net.Dial("tcp", srv.Addr)
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	fmt.Fprint(c, "PING\r\n")
	reply, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		log.Fatal(err)
	}
	fmt.Print(reply)
}
