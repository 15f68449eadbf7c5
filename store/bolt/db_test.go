package boltstore_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/hookseal/hookseal/inbox"
	boltstore "github.com/hookseal/hookseal/store/bolt"
)

func TestOpenRefusesBadPaths(t *testing.T) {
	dir := t.TempDir()
	corrupt := filepath.Join(dir, "corrupt.db")
	junk := make([]byte, 64<<10)
	for i := range junk {
		junk[i] = byte(i * 7)
	}
	if err := os.WriteFile(corrupt, junk, 0o600); err != nil {
		t.Fatal(err)
	}
	truncated := filepath.Join(dir, "truncated.db")
	if err := os.WriteFile(truncated, []byte("not a database"), 0o600); err != nil {
		t.Fatal(err)
	}
	foreign := filepath.Join(dir, "foreign.db")
	fdb, err := bolt.Open(foreign, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := fdb.Update(func(tx *bolt.Tx) error { _, err := tx.CreateBucket([]byte("widgets")); return err }); err != nil {
		t.Fatal(err)
	}
	fdb.Close()

	for _, tc := range []struct {
		name, path string
		want       []string // each must appear in the error
	}{
		{"empty path", "", []string{"boltstore: ", "path is empty"}},
		{"a directory", dir, []string{dir, "is a directory"}},
		{"no such directory", filepath.Join(dir, "missing", "hookseal.db"), []string{filepath.Join(dir, "missing"), "does not exist"}},
		{"random bytes", corrupt, []string{corrupt, "not a bolt database, or corrupt"}},
		{"too short", truncated, []string{truncated, "not a bolt database, or corrupt"}},
		{"another application's bolt file", foreign, []string{foreign, "not a hookseal database", "widgets"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db, err := boltstore.Open(tc.path, boltstore.WithLockTimeout(100*time.Millisecond))
			if err == nil {
				db.Close()
				t.Fatal("Open succeeded")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

// A second handle on the file, in this process, waits for the lock no
// longer than the timeout and says why it failed; once the first closes,
// the file opens.
func TestOpenLockedByAnotherHandle(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hookseal.db")
	first, err := boltstore.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	second, err := boltstore.Open(path, boltstore.WithLockTimeout(200*time.Millisecond))
	if err == nil {
		second.Close()
		t.Fatal("a second handle opened a file the first holds")
	}
	if waited := time.Since(start); waited > 5*time.Second {
		t.Errorf("Open waited %s with a 200ms lock timeout", waited)
	}
	for _, w := range []string{path, "locked by another process or handle", "200ms"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not mention %q", err, w)
		}
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	again, err := boltstore.Open(path)
	if err != nil {
		t.Fatalf("Open after the first handle closed: %v", err)
	}
	again.Close()
}

// helperEnv selects what the test binary does when the tests start it
// again as another process (see TestMain).
const helperEnv = "BOLTSTORE_TEST_HELPER"

// TestMain runs the tests, or, started by helper, plays the other
// process:
//
//   - hold: open the file, print "open", hold it until stdin closes;
//   - append: append entries from 8 goroutines, printing each ID once
//     Append has returned, until killed.
func TestMain(m *testing.M) {
	mode := os.Getenv(helperEnv)
	if mode == "" {
		os.Exit(m.Run())
	}
	db, err := boltstore.Open(os.Getenv(helperEnv + "_PATH"))
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	switch mode {
	case "hold":
		fmt.Println("open")
		_, _ = io.Copy(io.Discard, os.Stdin)
		db.Close()
	case "append":
		var mu sync.Mutex
		for g := range 8 {
			go func() {
				for i := 0; ; i++ {
					id, _, err := db.Inbox().Append(context.Background(), inbox.Entry{Key: fmt.Sprintf("g%d-%d", g, i), Body: []byte("x")})
					mu.Lock()
					if err != nil {
						fmt.Println("error:", err)
					} else {
						fmt.Println(id)
					}
					mu.Unlock()
				}
			}()
		}
		select {}
	}
	os.Exit(0)
}

func helper(t *testing.T, mode, path string) (*exec.Cmd, io.WriteCloser, *bufio.Scanner) {
	t.Helper()
	cmd := exec.Command(os.Args[0])
	// A -race binary sleeps a second at exit (GORACE atexit_sleep_ms),
	// which the test that waits for the holder to exit would wait out.
	cmd.Env = append(os.Environ(), helperEnv+"="+mode, helperEnv+"_PATH="+path,
		"GORACE="+strings.TrimSpace(os.Getenv("GORACE")+" atexit_sleep_ms=0"))
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	return cmd, stdin, bufio.NewScanner(stdout)
}

// Another process holding the file makes Open fail, naming the file,
// within the lock timeout.
func TestOpenLockedByAnotherProcess(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hookseal.db")
	cmd, stdin, out := helper(t, "hold", path)
	if !out.Scan() || out.Text() != "open" {
		t.Fatalf("the other process: %q, %v", out.Text(), out.Err())
	}
	db, err := boltstore.Open(path, boltstore.WithLockTimeout(100*time.Millisecond))
	if err == nil {
		db.Close()
		t.Fatal("opened a file another process holds")
	}
	if !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "locked by another process") {
		t.Errorf("error %q does not say the file is locked", err)
	}
	stdin.Close()
	if err := cmd.Wait(); err != nil {
		t.Fatalf("the other process: %v", err)
	}
	db, err = boltstore.Open(path)
	if err != nil {
		t.Fatalf("Open after the other process exited: %v", err)
	}
	db.Close()
}

// An entry whose Append returned survives the process being killed
// (SIGKILL) at any moment, under concurrent appends sharing commits.
func TestAppendSurvivesKill(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hookseal.db")
	cmd, _, out := helper(t, "append", path)
	var ids []string
	for out.Scan() && len(ids) < 300 {
		if strings.HasPrefix(out.Text(), "error:") {
			t.Fatal(out.Text())
		}
		ids = append(ids, out.Text())
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	for out.Scan() { // printed before the kill: returned, so stored
		if !strings.HasPrefix(out.Text(), "error:") {
			ids = append(ids, out.Text())
		}
	}
	_ = cmd.Wait()
	db := reopen(t, path)
	// A kill leaves the page cache to the kernel; a power cut does not,
	// and only bolt's fsync of each commit keeps an Append then.
	if boltstore.NoSync(db) {
		t.Fatal("bolt's commits are not fsync'd")
	}
	ib := db.Inbox()
	for _, id := range ids {
		if _, err := ib.Get(t.Context(), id); err != nil {
			t.Fatalf("entry %s, appended before the kill: %v", id, err)
		}
	}
	st, err := ib.Stats(t.Context())
	if err != nil || st.Pending < len(ids) {
		t.Fatalf("Stats = %+v, %v; want at least the %d entries appended", st, err, len(ids))
	}
}

func reopen(t *testing.T, path string, opts ...boltstore.Option) *boltstore.DB {
	t.Helper()
	db, err := boltstore.Open(path, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// After Close every operation fails with ErrClosed; Close again is
// harmless.
func TestClosed(t *testing.T) {
	db, err := boltstore.Open(filepath.Join(t.TempDir(), "hookseal.db"))
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	ctx := t.Context()
	_, _, err1 := db.Inbox().Append(ctx, inbox.Entry{Key: "k"})
	_, err2 := db.Inbox().Lease(ctx, time.Minute)
	_, err3 := db.Inbox().Stats(ctx)
	_, err4 := db.Store().Claim(ctx, "k", time.Minute)
	_, err5 := db.Store().Advance(ctx, "r", t0, time.Minute)
	for i, err := range []error{err1, err2, err3, err4, err5} {
		if !errors.Is(err, boltstore.ErrClosed) {
			t.Errorf("operation %d after Close = %v, want ErrClosed", i+1, err)
		}
	}
}

// Concurrent appends share commits and lose none: every ID is unique and
// every entry is there.
func TestConcurrentAppends(t *testing.T) {
	db := newDB(t)
	ib := db.Inbox()
	const writers, each = 32, 20
	var mu sync.Mutex
	seen := map[string]bool{}
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				id, added, err := ib.Append(t.Context(), inbox.Entry{Key: fmt.Sprintf("%d-%d", w, i), Body: []byte("b")})
				if err != nil || !added {
					t.Errorf("Append = %v, %v", added, err)
					return
				}
				mu.Lock()
				if seen[id] {
					t.Errorf("ID %s assigned twice", id)
				}
				seen[id] = true
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if st, err := ib.Stats(t.Context()); err != nil || st.Pending != writers*each || len(seen) != writers*each {
		t.Fatalf("Stats = %+v, %v; %d IDs; want %d pending", st, err, len(seen), writers*each)
	}
}
