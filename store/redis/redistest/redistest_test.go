package redistest_test

import (
	"bufio"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/hookseal/hookseal/store/redis/redistest"
)

// send sends one inline command to addr over a fresh connection and
// returns the first line of the reply, waiting at most timeout.
func send(addr, command string, timeout time.Duration) (string, error) {
	c, err := net.DialTimeout("tcp", addr, timeout)
	if err != nil {
		return "", err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(timeout))
	if _, err := c.Write([]byte(command + "\r\n")); err != nil {
		return "", err
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	return strings.TrimSpace(line), err
}

// want fails t unless command, sent to addr, is answered reply.
func want(t *testing.T, addr, command, reply string) {
	t.Helper()
	got, err := send(addr, command, 2*time.Second)
	if err != nil || got != reply {
		t.Fatalf("%s to %s = %q, %v; want %q", command, addr, got, err, reply)
	}
}

func TestStart(t *testing.T) {
	var addr string
	t.Run("server", func(t *testing.T) {
		srv := redistest.Start(t)
		addr = srv.Addr
		host, port, err := net.SplitHostPort(srv.Addr)
		if err != nil || host != "127.0.0.1" || port == "0" {
			t.Fatalf("Addr = %q, want 127.0.0.1:<port>", srv.Addr)
		}
		if got, want := srv.URL(), "redis://"+srv.Addr+"/0"; got != want {
			t.Errorf("URL() = %q, want %q", got, want)
		}
		want(t, srv.Addr, "PING", "+PONG")
		want(t, srv.Addr, "SET k v", "+OK")
		want(t, srv.Addr, "EXISTS k", ":1")
	})
	if addr == "" {
		t.Skip("no server was started")
	}
	// Killed at the subtest's cleanup: nothing answers there any more.
	if got, err := send(addr, "PING", time.Second); err == nil {
		t.Fatalf("PING after the test ended = %q, want no answer", got)
	}
}

func TestStartGivesEachTestItsOwnServer(t *testing.T) {
	a, b := redistest.Start(t), redistest.Start(t)
	if a.Addr == b.Addr {
		t.Fatalf("both servers on %s", a.Addr)
	}
	want(t, a.Addr, "SET k v", "+OK")
	want(t, b.Addr, "EXISTS k", ":0")
}

func TestKill(t *testing.T) {
	srv := redistest.Start(t)
	srv.Kill()
	if got, err := send(srv.Addr, "PING", time.Second); err == nil {
		t.Fatalf("PING after Kill = %q, want no answer", got)
	}
	srv.Kill() // a second Kill does nothing
	if err := srv.Pause(); err == nil {
		t.Error("Pause of a killed server: no error")
	}
}

func TestRestart(t *testing.T) {
	srv := redistest.Start(t)
	addr := srv.Addr
	want(t, addr, "SET k v", "+OK")

	srv.Kill()
	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	if srv.Addr != addr {
		t.Fatalf("Addr after Restart = %s, was %s", srv.Addr, addr)
	}
	want(t, addr, "PING", "+PONG")
	want(t, addr, "EXISTS k", ":0") // restarted empty

	// Restart of a running server kills it first.
	want(t, addr, "SET k v", "+OK")
	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	want(t, addr, "EXISTS k", ":0")
}

// Arguments given to Start hold for every start: a server started with a
// password still wants it after Restart.
func TestStartArgs(t *testing.T) {
	srv := redistest.Start(t, "--requirepass", "pw-for-test")
	if got, err := send(srv.Addr, "PING", time.Second); err != nil || !strings.HasPrefix(got, "-NOAUTH") {
		t.Fatalf("PING without the password = %q, %v; want -NOAUTH", got, err)
	}
	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	if got, err := send(srv.Addr, "PING", time.Second); err != nil || !strings.HasPrefix(got, "-NOAUTH") {
		t.Fatalf("PING without the password after Restart = %q, %v; want -NOAUTH", got, err)
	}
}

func TestPauseResume(t *testing.T) {
	srv := redistest.Start(t)
	if err := srv.Pause(); errors.Is(err, errors.ErrUnsupported) {
		t.Skip(err)
	} else if err != nil {
		t.Fatal(err)
	}
	resumed := false
	t.Cleanup(func() {
		if !resumed {
			_ = srv.Resume()
		}
	})

	// Paused, the server still accepts connections (the kernel does) but
	// answers nothing: a client times out.
	c, err := net.DialTimeout("tcp", srv.Addr, time.Second)
	if err != nil {
		t.Fatalf("dialing a paused server: %v", err)
	}
	defer c.Close()
	r := bufio.NewReader(c)
	_ = c.SetDeadline(time.Now().Add(300 * time.Millisecond))
	if _, err := c.Write([]byte("PING\r\n")); err != nil {
		t.Fatal(err)
	}
	if line, err := r.ReadString('\n'); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("PING to a paused server = %q, %v; want a timeout", line, err)
	}

	if err := srv.Resume(); err != nil {
		t.Fatal(err)
	}
	resumed = true
	// The PING sent while paused is answered now, and new ones too.
	_ = c.SetDeadline(time.Now().Add(2 * time.Second))
	if line, err := r.ReadString('\n'); err != nil || strings.TrimSpace(line) != "+PONG" {
		t.Fatalf("PING sent while paused, after Resume = %q, %v; want +PONG", line, err)
	}
	want(t, srv.Addr, "PING", "+PONG")
}

func TestUnavailableSkipsOutsideCI(t *testing.T) {
	t.Setenv("CI", "")
	var sub *testing.T
	went := false
	t.Run("sub", func(t *testing.T) {
		sub = t
		redistest.Unavailable(t, errors.New("no redis here"))
		went = true
	})
	if !sub.Skipped() || sub.Failed() {
		t.Errorf("after Unavailable: skipped %v, failed %v; want skipped only", sub.Skipped(), sub.Failed())
	}
	if went {
		t.Error("the test went on after Unavailable")
	}
}

// TestStartWithoutServer runs TestHelperStartWithoutServer in a child
// process (it fails on purpose under CI=true, which a subtest here could
// not do without failing this test), with no redis-server to find.
func TestStartWithoutServer(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "no-redis-server")
	for _, tc := range []struct {
		ci       string
		wantFail bool
		verdict  string
	}{
		{ci: "", wantFail: false, verdict: "--- SKIP"},
		{ci: "true", wantFail: true, verdict: "--- FAIL"},
	} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestHelperStartWithoutServer$", "-test.v", "-test.count=1")
		// GORACE: a -race binary would sleep a second at exit.
		cmd.Env = append(os.Environ(), "REDISTEST_HELPER=1", "CI="+tc.ci, redistest.EnvServer+"="+missing,
			"GORACE="+strings.TrimSpace(os.Getenv("GORACE")+" atexit_sleep_ms=0"))
		out, err := cmd.CombinedOutput()
		var exit *exec.ExitError
		if err != nil && !errors.As(err, &exit) {
			t.Fatal(err)
		}
		if failed := err != nil; failed != tc.wantFail {
			t.Errorf("CI=%q: test failed %v, want %v; output:\n%s", tc.ci, failed, tc.wantFail, out)
		}
		for _, s := range []string{tc.verdict, "apt-get install redis-server", missing} {
			if !strings.Contains(string(out), s) {
				t.Errorf("CI=%q: output lacks %q:\n%s", tc.ci, s, out)
			}
		}
		if strings.Contains(string(out), "went on") {
			t.Errorf("CI=%q: the test went on after Start:\n%s", tc.ci, out)
		}
	}
}

// TestHelperStartWithoutServer is run by TestStartWithoutServer only.
func TestHelperStartWithoutServer(t *testing.T) {
	if os.Getenv("REDISTEST_HELPER") != "1" {
		t.Skip("run by TestStartWithoutServer")
	}
	redistest.Start(t)
	t.Log("went on")
}

// A server that dies at start is reported with its output.
func TestNewServerReportsOutput(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("needs a shell script")
	}
	fake := filepath.Join(t.TempDir(), "fake-redis-server")
	script := "#!/bin/sh\necho 'fake: bad config line' >&2\nexit 1\n"
	if err := os.WriteFile(fake, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv(redistest.EnvServer, fake)
	srv, err := redistest.NewServer(t.TempDir())
	if err == nil {
		srv.Kill()
		t.Fatal("no error")
	}
	for _, s := range []string{"exited at start", "fake: bad config line"} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error %q lacks %q", err, s)
		}
	}
}

func TestNewServerNeedsDir(t *testing.T) {
	if srv, err := redistest.NewServer(""); err == nil {
		srv.Kill()
		t.Fatal("no error")
	}
}
