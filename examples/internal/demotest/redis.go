package demotest

import (
	"context"
	"net"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// StartRedis starts a throw-away redis-server on a free loopback port for
// the test and returns its URL (redis://127.0.0.1:<port>/0) and a func that
// stops it early (it is stopped at the test's end anyway). Without a
// redis-server binary the test is skipped, unless CI=true, where it fails:
// CI must run the Redis tests.
func StartRedis(t *testing.T) (url string, stop func()) {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		if _, serr := os.Stat("/usr/bin/redis-server"); serr == nil {
			bin, err = "/usr/bin/redis-server", nil
		}
	}
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("redis-server not found; CI must install it (apt-get install redis-server)")
		}
		t.Skip("redis-server not found; install it to run the Redis tests")
	}

	// The port is free when chosen and may be taken before redis-server
	// binds it: try a few.
	for attempt := 0; attempt < 3; attempt++ {
		port := freePort(t)
		cmd := exec.Command(bin,
			"--port", strconv.Itoa(port), "--bind", "127.0.0.1",
			"--save", "", "--appendonly", "no", "--dir", t.TempDir(),
			"--logfile", "", "--loglevel", "warning")
		if err := cmd.Start(); err != nil {
			t.Fatalf("starting redis-server: %v", err)
		}
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()

		url := "redis://127.0.0.1:" + strconv.Itoa(port) + "/0"
		if waitRedis(url, exited) {
			stop := sync.OnceFunc(func() {
				_ = cmd.Process.Kill()
				<-exited
			})
			t.Cleanup(stop)
			return url, stop
		}
		_ = cmd.Process.Kill()
		<-exited
	}
	t.Fatal("redis-server did not start")
	return "", nil
}

// waitRedis pings url until it answers (true), the server exits or 10 s
// pass (false).
func waitRedis(url string, exited <-chan error) bool {
	opt, err := redis.ParseURL(url)
	if err != nil {
		return false
	}
	opt.MaxRetries = -1
	c := redis.NewClient(opt)
	defer c.Close()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			return false
		default:
		}
		ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
		err := c.Ping(ctx).Err()
		cancel()
		if err == nil {
			return true
		}
		time.Sleep(20 * time.Millisecond)
	}
	return false
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
