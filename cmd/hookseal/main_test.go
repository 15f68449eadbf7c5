package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// The tests drive the built binary, as a user runs it. TestMain builds it
// once (with -race when the tests run with it).

var (
	bin         string
	raceEnabled bool // set by race_test.go
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "hookseal-cli-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	bin = filepath.Join(dir, "hookseal")
	if runtime.GOOS == "windows" {
		bin += ".exe"
	}
	args := []string{"build", "-o", bin}
	if raceEnabled {
		args = append(args, "-race")
	}
	build := exec.Command(goTool(), append(args, ".")...)
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building hookseal:", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func goTool() string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	if root := os.Getenv("GOROOT"); root != "" {
		return filepath.Join(root, "bin", "go")
	}
	return "go"
}

// webhookEnv are the variables listen reads; tests start from an
// environment without them.
var webhookEnv = []string{
	"CHECKLY_WEBHOOK_SECRET", "STATUSSTACK_WEBHOOK_SECRET", "GRAFANA_WEBHOOK_SECRET", "ONCALL_AUTHORIZATION",
	"DATADOG_WEBHOOK_USER", "DATADOG_WEBHOOK_PASSWORD", "HOOKSEAL_REDIS_URL",
}

// environ returns the test process's environment without the webhook
// variables, plus extra ("NAME=value").
func environ(extra ...string) []string {
	var out []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		keep := true
		for _, w := range webhookEnv {
			if name == w {
				keep = false
			}
		}
		if keep {
			out = append(out, kv)
		}
	}
	// A -race binary sleeps a second at exit (GORACE atexit_sleep_ms); the
	// tests run it a hundred times.
	out = append(out, "GORACE=atexit_sleep_ms=0 halt_on_error=1")
	return append(out, extra...)
}

// result is one finished run of the binary.
type result struct {
	stdout, stderr string
	code           int
}

func (r result) String() string {
	return fmt.Sprintf("exit %d\n--- stdout\n%s--- stderr\n%s", r.code, r.stdout, r.stderr)
}

// hookseal runs the binary with args, stdin and the extra environment.
func hookseal(t *testing.T, stdin []byte, env []string, args ...string) result {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = environ(env...)
	cmd.Stdin = bytes.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("running hookseal %v: %v", args, err)
	}
	return result{stdout: out.String(), stderr: errb.String(), code: code}
}

// wantCode fails the test unless r exited with code.
func wantCode(t *testing.T, r result, code int) {
	t.Helper()
	if r.code != code {
		t.Fatalf("want exit %d, got %s", code, r)
	}
}

// noSecrets fails the test when any of secrets appears in any output.
func noSecrets(t *testing.T, outputs []string, secrets ...string) {
	t.Helper()
	for _, o := range outputs {
		for _, s := range secrets {
			if s != "" && strings.Contains(o, s) {
				t.Errorf("output contains the secret %q:\n%s", s, o)
			}
		}
	}
}

// lines collects a process's output lines as they arrive. It is the
// process's Stdout or Stderr, so Wait returns only once every line is in.
type lines struct {
	mu     sync.Mutex
	all    []string
	part   []byte
	change chan struct{}
}

func newLines() *lines { return &lines{change: make(chan struct{}, 1)} }

func (l *lines) Write(p []byte) (int, error) {
	l.mu.Lock()
	l.part = append(l.part, p...)
	for {
		i := bytes.IndexByte(l.part, '\n')
		if i < 0 {
			break
		}
		l.all = append(l.all, string(l.part[:i]))
		l.part = l.part[i+1:]
	}
	l.mu.Unlock()
	select {
	case l.change <- struct{}{}:
	default:
	}
	return len(p), nil
}

func (l *lines) snapshot() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.all...)
}

func (l *lines) text() string { return strings.Join(l.snapshot(), "\n") }

// wait returns the first line from index from on for which match holds,
// and its index, failing the test after 10 s.
func (l *lines) wait(t *testing.T, from int, what string, match func(map[string]any) bool) (map[string]any, int) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		all := l.snapshot()
		for i := from; i < len(all); i++ {
			var m map[string]any
			if err := json.Unmarshal([]byte(all[i]), &m); err != nil {
				t.Fatalf("line %d is not a JSON object: %q", i+1, all[i])
			}
			if match(m) {
				return m, i
			}
		}
		select {
		case <-l.change:
		case <-time.After(20 * time.Millisecond):
		case <-deadline:
			t.Fatalf("no line %s after 10 s; lines:\n%s", what, strings.Join(all, "\n"))
		}
	}
}

// listenProc is a running "hookseal listen" or "hookseal proxy".
type listenProc struct {
	cmd            *exec.Cmd
	addr           string
	admin          string // the admin listener's address, if it has one
	stdout, stderr *lines
	done           chan struct{}
	exit           int
}

// startListen starts listen on a free loopback port and waits until it
// says where it listens.
func startListen(t *testing.T, env []string, args ...string) *listenProc {
	t.Helper()
	return startServing(t, env, append([]string{"listen", "--addr", "127.0.0.1:0"}, args...)...)
}

// startServing starts hookseal with args (listen or proxy) and waits until
// it says where it listens.
func startServing(t *testing.T, env []string, args ...string) *listenProc {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = environ(env...)
	p := &listenProc{cmd: cmd, stdout: newLines(), stderr: newLines(), done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = p.stdout, p.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		err := cmd.Wait()
		p.exit = 0
		if ee, ok := err.(*exec.ExitError); ok {
			p.exit = ee.ExitCode()
		}
		close(p.done)
	}()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			_ = cmd.Process.Kill()
			<-p.done
		}
	})
	m, _ := p.stderr.wait(t, 0, `"listening"`, func(m map[string]any) bool { return m["msg"] == "listening" })
	p.addr, _ = m["addr"].(string)
	p.admin, _ = m["admin"].(string)
	if p.addr == "" {
		t.Fatalf("listening line without addr: %v", m)
	}
	return p
}

func (p *listenProc) url(path string) string { return "http://" + p.addr + path }

// waitExit waits for the process to end and returns its exit code.
func (p *listenProc) waitExit(t *testing.T) int {
	t.Helper()
	select {
	case <-p.done:
		return p.exit
	case <-time.After(30 * time.Second):
		t.Fatalf("%s did not exit; stderr:\n%s", p.cmd.Args[1], p.stderr.text())
		return -1
	}
}
