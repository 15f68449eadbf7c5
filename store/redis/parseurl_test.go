package redisstore_test

import (
	"errors"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	redisstore "github.com/hookseal/hookseal/store/redis"
)

func TestParseURL(t *testing.T) {
	for _, c := range []struct {
		raw    string
		kind   redisstore.Kind
		addrs  []string
		pool   int
		dial   time.Duration
		String string
	}{
		{"redis://:pw@10.0.0.5:6379/2", redisstore.Node, []string{"10.0.0.5:6379"}, 0, 0, "Redis at 10.0.0.5:6379 (database 2)"},
		{"rediss://redis.internal?pool_size=7&dial_timeout=250ms", redisstore.Node, []string{"redis.internal:6379"}, 7, 250 * time.Millisecond, "Redis at redis.internal:6379 (database 0)"},
		{"redis+cluster://:pw@10.0.0.5:7000,10.0.0.6:7001", redisstore.Cluster, []string{"10.0.0.5:7000", "10.0.0.6:7001"}, 0, 0, "Redis Cluster through 10.0.0.5:7000, 10.0.0.6:7001"},
		{"rediss+cluster://u:pw@a:7000,b,[::1]:7002/?pool_size=100&read_timeout=2s", redisstore.Cluster, []string{"a:7000", "b:6379", "[::1]:7002"}, 100, 0, "Redis Cluster through a:7000, b:6379, [::1]:7002"},
		{"redis+sentinel://:pw@s1:26379,s2/main/3?dial_timeout=1", redisstore.Sentinel, []string{"s1:26379", "s2:26379"}, 0, time.Second, `Redis Sentinel primary "main" (database 3) through s1:26379, s2:26379`},
		{"redis+sentinel://s1/my%20primary?sentinel_password=sp", redisstore.Sentinel, []string{"s1:26379"}, 0, 0, `Redis Sentinel primary "my primary" (database 0) through s1:26379`},
	} {
		cfg, err := redisstore.ParseURL(c.raw)
		if err != nil {
			t.Errorf("ParseURL(%q): %v", c.raw, err)
			continue
		}
		if cfg.Kind != c.kind || !slices.Equal(cfg.Addrs(), c.addrs) || cfg.PoolSize != c.pool || cfg.DialTimeout != c.dial || cfg.String() != c.String {
			t.Errorf("ParseURL(%q) = %v %v pool %d dial %v %q; want %v %v pool %d dial %v %q",
				c.raw, cfg.Kind, cfg.Addrs(), cfg.PoolSize, cfg.DialTimeout, cfg.String(), c.kind, c.addrs, c.pool, c.dial, c.String)
		}
		if cl := cfg.NewClient(); cl == nil {
			t.Errorf("ParseURL(%q).NewClient() = nil", c.raw)
		} else {
			cl.Close()
		}
	}
}

func TestParseURLRefuses(t *testing.T) {
	for _, raw := range []string{
		"",
		"redis+cluster://",
		"redis+cluster://:" + password + "@a:7000,,b:7001",
		"redis+cluster://:" + password + "@a:port",
		"redis+cluster://:" + password + "@a:70000",
		"redis+cluster://:" + password + "@a:7000/1",
		"redis+cluster://:" + password + "@a:7000?addr=b:7001",
		"redis+cluster://:" + password + "@a:7000?no_such_option=1",
		"redis+cluster://:" + password + "@a:7000?pool_size=many",
		"redis+cluster://:4242#" + password + "@a:7000",
		"redis+cluster://:4242/" + password + "@a:7000",
		"redis+cluster://:4242?" + password + "@a:7000",
		"redis+cluster://:%zz" + password + "@a:7000",
		"redis+sentinel://:" + password + "@s1:26379",
		"redis+sentinel://:" + password + "@s1:26379/",
		"redis+sentinel://:" + password + "@s1:26379/main/x",
		"redis+sentinel://:" + password + "@s1:26379/main/0/extra",
		"redis+sentinel://:" + password + "@s1:26379/main?master_name=other",
		"redis+sentinel://:" + password + "@s1:26379/main?password=" + password,
		"redis+sentinel://s1/main?sentinel_password=" + password + "&dial_timeout=" + password,
		"redis+ring://a:1",
	} {
		_, err := redisstore.ParseURL(raw)
		if !errors.Is(err, redisstore.ErrInvalidURL) {
			t.Errorf("ParseURL(%q) = %v, want ErrInvalidURL", raw, err)
			continue
		}
		if strings.Contains(err.Error(), password) || strings.Contains(err.Error(), "4242") {
			t.Errorf("ParseURL(%q)'s error quotes the password: %v", raw, err)
		}
	}
}

// ParseURL never panics, and its errors never quote the password of the
// URL given, whatever follows it.
func FuzzParseURL(f *testing.F) {
	for _, s := range []string{
		"h:1/0", "a:1,b:2/?pool_size=3", "s:1,t/m/1?sentinel_password=x", "a", "/tmp/r.sock?db=2", "a/b/c/d", "a:1#frag", "a:1/?dial_timeout=",
	} {
		f.Add(s, "s3cr3t-pw")
	}
	f.Fuzz(func(t *testing.T, rest, pw string) {
		if len(pw) < 6 || strings.Contains(rest, pw) || strings.Contains(urlFormsText, pw) {
			return
		}
		for _, scheme := range []string{"redis://", "unix://", "redis+cluster://", "rediss+sentinel://"} {
			full := scheme + "user:" + url.QueryEscape(pw) + "@" + rest
			_, err := redisstore.ParseURL(full)
			if err == nil {
				continue
			}
			if !errors.Is(err, redisstore.ErrInvalidURL) {
				t.Fatalf("ParseURL(%q) = %v, not ErrInvalidURL", full, err)
			}
			if strings.Contains(err.Error(), pw) || strings.Contains(err.Error(), url.QueryEscape(pw)) {
				t.Fatalf("ParseURL(%q)'s error quotes the password %q: %v", full, pw, err)
			}
		}
	})
}

// urlFormsText is the part of every ErrInvalidURL error that describes
// valid URLs: a "password" made of its words is quoted by every error.
const urlFormsText = "want redis://[[user]:password@]host[:port][/db] (rediss:// for TLS, or unix:///path/to/redis.sock), " +
	"redis+cluster://[[user]:password@]host:port[,host:port...] for a Cluster, " +
	"or redis+sentinel://[[user]:password@]host:port[,host:port...]/primary-name[/db] for Sentinel, " +
	"with @ : / ? # % , and spaces in the user name or password percent-encoded"
