package demo

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/hookseal/hookseal/store"
	redisstore "github.com/hookseal/hookseal/store/redis"
)

// redisPingTimeout bounds the start-up check that Redis answers.
const redisPingTimeout = 5 * time.Second

// StoreFromEnv returns the store HOOKSEAL_REDIS_URL names, and a func that
// closes it. When the variable is unset it returns a nil store (each route
// then keeps its own in-memory store, right for a single replica) and a
// no-op close.
//
// The URL is what redis.ParseURL takes: redis://[user:password@]host:port/db,
// rediss://... for TLS. Several replicas of a receiver given the same URL
// share their dedupe and ordering state, so a sender's retry that lands on
// another replica is still a duplicate. Redis is pinged once at start-up, so
// a wrong URL or password stops the receiver at once instead of turning
// every delivery into a 503. Errors and logs never quote the URL, which may
// carry a password.
func StoreFromEnv(ctx context.Context, env func(string) string, log *slog.Logger) (store.Store, func() error, error) {
	raw := env(EnvRedisURL)
	if raw == "" {
		return nil, func() error { return nil }, nil
	}
	opt, err := redis.ParseURL(raw)
	if err != nil {
		// The parser's message may quote the URL, password included.
		return nil, nil, fmt.Errorf("%s: not a Redis URL (want redis://[user:password@]host:port/db or rediss://...)", EnvRedisURL)
	}
	// Let go-redis give up a socket read when the store's per-call budget
	// runs out, rather than hold the connection until its ReadTimeout.
	opt.ContextTimeoutEnabled = true
	client := redis.NewClient(opt)

	pctx, cancel := context.WithTimeout(ctx, redisPingTimeout)
	defer cancel()
	if err := client.Ping(pctx).Err(); err != nil {
		_ = client.Close()
		return nil, nil, fmt.Errorf("%s: Redis at %s does not answer: %w", EnvRedisURL, opt.Addr, err)
	}
	st, err := redisstore.New(client)
	if err != nil {
		_ = client.Close()
		return nil, nil, err
	}
	log.Info("dedupe and ordering state in Redis", "addr", opt.Addr, "db", opt.DB, "prefix", redisstore.DefaultPrefix)
	return st, client.Close, nil
}
