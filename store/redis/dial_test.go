package redisstore_test

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/hookseal/hookseal/store"
	redisstore "github.com/hookseal/hookseal/store/redis"
	"github.com/hookseal/hookseal/store/redis/redistest"
)

// password is what the Dial tests put in URLs: no error may quote it.
const password = "hunter2-s3cr3t"

func dialCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestDialUsesTheURLAndCloseClosesTheClient(t *testing.T) {
	srv := redistest.Start(t)
	s, err := redisstore.Dial(dialCtx(t), srv.URL()+"?client_name=hookseal-test", redisstore.WithPrefix(uniquePrefix(t)))
	if err != nil {
		t.Fatal(err)
	}
	c, err := s.Claim(context.Background(), "delivery", time.Minute)
	if err != nil || c.State != store.Claimed {
		t.Fatalf("Claim on a dialled store: %+v, %v", c, err)
	}
	if again, err := s.Claim(context.Background(), "delivery", time.Minute); err != nil || again.State != store.InFlight {
		t.Fatalf("second Claim: %+v, %v; want InFlight (the first claim is in Redis)", again, err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Claim(context.Background(), "other", time.Minute); !errors.Is(err, redis.ErrClosed) {
		t.Errorf("Claim after Close: %v, want an error wrapping redis.ErrClosed", err)
	}
}

func TestDialSelectsTheDatabase(t *testing.T) {
	srv := redistest.Start(t)
	s, err := redisstore.Dial(dialCtx(t), "redis://"+srv.Addr+"/3")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Claim(context.Background(), "in-db-3", time.Minute); err != nil {
		t.Fatal(err)
	}
	db3 := redis.NewClient(&redis.Options{Addr: srv.Addr, DB: 3})
	defer db3.Close()
	if n, err := db3.Exists(context.Background(), redisstore.DefaultPrefix+"dedupe:in-db-3").Result(); err != nil || n != 1 {
		t.Errorf("the claim is not in database 3: exists=%d, %v", n, err)
	}
}

func TestDialRefusesBadURLs(t *testing.T) {
	for _, c := range []struct{ raw, secret string }{
		{"", ""},
		{"not a url", ""},
		{"http://user:" + password + "@redis.internal:6379", password},
		{"redis//:" + password + "@redis.internal", password},
		{"redis://:" + password + "@redis.internal:6379/not-a-db", password},
		{"redis://:" + password + "@redis.internal:6379/0?dial_timeout=soon", password},
		{"redis://:" + password + "@redis.internal:6379/0?no_such_option=1", password},
		// Unencoded '#', '/' and '?' in a password end the authority
		// early. "4242" would otherwise be read as a port and show in
		// "Redis at localhost:4242", "admin:12" as a host and port.
		{"redis://:4242#" + password + "@127.0.0.1:6379/0", "4242"},
		{"redis://admin:12#" + password + "@redis.internal", "admin:12"},
		{"redis://:4242/" + password + "@127.0.0.1:6379/0", "4242"},
		{"redis://:4242?" + password + "@127.0.0.1:6379/0", "4242"},
	} {
		_, err := redisstore.Dial(dialCtx(t), c.raw)
		if !errors.Is(err, redisstore.ErrInvalidURL) {
			t.Errorf("Dial(%q) = %v, want ErrInvalidURL", c.raw, err)
			continue
		}
		for _, secret := range []string{password, c.secret} {
			if secret != "" && strings.Contains(err.Error(), secret) {
				t.Errorf("Dial(%q)'s error quotes %q: %v", c.raw, secret, err)
			}
		}
	}
	if _, err := redisstore.Dial(dialCtx(t), ""); err == nil || !strings.Contains(err.Error(), "percent-encoded") {
		t.Errorf("ErrInvalidURL should say to percent-encode special characters: %v", err)
	}
}

// A password with special characters works once percent-encoded, as the
// error tells.
func TestDialDecodesAnEncodedPassword(t *testing.T) {
	const special = "p#ss/w?rd@:%"
	srv := redistest.Start(t, "--requirepass", special)
	s, err := redisstore.Dial(dialCtx(t), "redis://:"+url.QueryEscape(special)+"@"+srv.Addr+"/0")
	if err != nil {
		t.Fatalf("Dial with the encoded password: %v", err)
	}
	s.Close()
}

func TestDialRefusesBadOptions(t *testing.T) {
	srv := redistest.Start(t)
	_, err := redisstore.Dial(dialCtx(t), srv.URL(), redisstore.WithPrefix(""))
	if err == nil || !strings.Contains(err.Error(), "WithPrefix") {
		t.Errorf("Dial with an empty prefix: %v, want an error naming WithPrefix", err)
	}
}

func TestDialFailsWhenRedisDoesNotAnswer(t *testing.T) {
	addr := unreachable(t).Options().Addr
	start := time.Now()
	_, err := redisstore.Dial(dialCtx(t), "redis://:"+password+"@"+addr+"/0")
	if err == nil {
		t.Fatal("Dial to a closed port succeeded")
	}
	if took := time.Since(start); took > 6*time.Second {
		t.Errorf("Dial took %s, beyond its context", took)
	}
	if !strings.Contains(err.Error(), "Redis at "+addr) || strings.Contains(err.Error(), password) {
		t.Errorf("error should name the address and not the password: %v", err)
	}
}

func TestDialFailsOnAWrongPassword(t *testing.T) {
	srv := redistest.Start(t)
	admin := redis.NewClient(&redis.Options{Addr: srv.Addr})
	defer admin.Close()
	if err := admin.ConfigSet(context.Background(), "requirepass", "right-"+password).Err(); err != nil {
		t.Fatal(err)
	}
	for _, raw := range []string{
		"redis://" + srv.Addr + "/0",                   // no password
		"redis://:" + password + "@" + srv.Addr + "/0", // the wrong one
	} {
		_, err := redisstore.Dial(dialCtx(t), raw)
		if err == nil {
			t.Errorf("Dial without the right password succeeded")
			continue
		}
		if strings.Contains(err.Error(), password) {
			t.Errorf("Dial's error quotes the password: %v", err)
		}
	}
	s, err := redisstore.Dial(dialCtx(t), "redis://:right-"+password+"@"+srv.Addr+"/0")
	if err != nil {
		t.Fatalf("Dial with the right password: %v", err)
	}
	s.Close()
}

// A Store from New leaves its caller's client open.
func TestCloseLeavesACallersClientOpen(t *testing.T) {
	srv := redistest.Start(t)
	client := redis.NewClient(&redis.Options{Addr: srv.Addr})
	defer client.Close()
	s, err := redisstore.New(client)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := client.Ping(context.Background()).Err(); err != nil {
		t.Errorf("the caller's client after Store.Close: %v", err)
	}
}

// A caller that gives up on a hung Redis gets Dial back at once, not when
// the deadline comes: go-redis alone would wait for the deadline.
func TestDialReturnsWhenCancelled(t *testing.T) {
	srv := redistest.Start(t)
	if err := srv.Pause(); errors.Is(err, errors.ErrUnsupported) {
		t.Skip(err)
	} else if err != nil {
		t.Fatal(err)
	}
	defer srv.Resume()

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	time.AfterFunc(200*time.Millisecond, cancel)
	start := time.Now()
	_, err := redisstore.Dial(ctx, srv.URL())
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Dial to a hung Redis, cancelled: %v, want context.Canceled", err)
	}
	// Cancelled at 200 ms; go-redis alone returns after about 5 s.
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("Dial returned %s after it started, cancelled at 200ms", took)
	}
}
