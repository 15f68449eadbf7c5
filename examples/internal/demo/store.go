package demo

import (
	"context"
	"fmt"
	"log/slog"
	"time"

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
// The URL is what redisstore.Dial takes: redis://[user:password@]host:port/db,
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
	ctx, cancel := context.WithTimeout(ctx, redisPingTimeout)
	defer cancel()
	st, err := redisstore.Dial(ctx, raw)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", EnvRedisURL, err)
	}
	log.Info("dedupe and ordering state in Redis", "prefix", redisstore.DefaultPrefix)
	return st, st.Close, nil
}
