package redisstore_test

import (
	"crypto/rand"
	"flag"
	"fmt"
	"os"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/hookseal/hookseal/store/redis/redistest"
)

// The tests run against a real redis-server started for them (see
// redistest): one shared by most tests, started in TestMain, and private
// ones (redistest.Start) for the tests that kill, pause or restart theirs,
// or flush the whole server. Without redis-server those tests are skipped,
// except under CI=true, where they fail.

// shared is the server most tests use; nil when none could be started,
// with sharedErr saying why.
var (
	shared    *redistest.Server
	sharedErr error
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "hookseal-redis-")
	if err != nil {
		sharedErr = err
	} else {
		shared, sharedErr = redistest.NewServer(dir)
	}
	skipRunnableExamples()
	code := m.Run()
	if shared != nil {
		shared.Kill()
	}
	if dir != "" {
		os.RemoveAll(dir)
	}
	os.Exit(code)
}

// runnableExamples are the examples that start a redis-server and have
// an Output comment, so "go test" runs them.
const runnableExamples = "^ExampleNewInbox$"

// skipRunnableExamples skips the runnable examples when there is no
// redis-server, as the tests that need one are skipped (unless CI=true,
// where they fail): an example cannot skip itself.
func skipRunnableExamples() {
	if shared != nil || os.Getenv("CI") == "true" {
		return
	}
	flag.Parse()
	skip := runnableExamples
	if cur := flag.Lookup("test.skip").Value.String(); cur != "" {
		skip = cur + "|" + skip
	}
	if err := flag.Set("test.skip", skip); err == nil {
		fmt.Fprintf(os.Stderr, "skipping %s: no redis-server: %v\n", runnableExamples, sharedErr)
	}
}

// needRedis returns the shared server, or skips the test (fails it when
// CI=true) when there is none. Tests using it keep their keys apart with
// uniquePrefix, and must not stop or flush it.
func needRedis(t testing.TB) *redistest.Server {
	t.Helper()
	if shared == nil {
		redistest.Unavailable(t, sharedErr)
	}
	return shared
}

// newClient returns a client of addr with go-redis's default options,
// closed when t ends.
func newClient(t testing.TB, addr string) *redis.Client {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: addr})
	t.Cleanup(func() { c.Close() })
	return c
}

// uniquePrefix is a key prefix no other test or run uses.
func uniquePrefix(t testing.TB) string {
	return "hookseal-test:" + t.Name() + ":" + rand.Text()[:8] + ":"
}
