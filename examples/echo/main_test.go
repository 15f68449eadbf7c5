package main

import (
	"testing"

	"github.com/hookseal/hookseal/examples/internal/demotest"
)

// Each test serves the receiver over real HTTP on loopback and sends it
// deliveries signed as the senders sign them; the checks themselves are in
// demotest, shared with the net/http and gin receivers, which must answer
// exactly alike.

func TestRoutes(t *testing.T) {
	base, logs := demotest.Start(t, newHandler, demotest.FullEnv())
	demotest.CheckRoutes(t, base, logs)
}

func TestUnconfiguredRoutesAreNotMounted(t *testing.T) {
	base, _ := demotest.Start(t, newHandler, demotest.ChecklyOnlyEnv())
	demotest.CheckChecklyOnly(t, base)
}

func TestConfigErrors(t *testing.T) {
	t.Parallel()
	demotest.CheckConfigErrors(t, newHandler)
}

// TestServer runs the real server, as main does, on a loopback port.
func TestServer(t *testing.T) {
	demotest.CheckServer(t, newHandler, demotest.FullEnv(), demotest.DeliverChecklyAlert)
	demotest.CheckBadAddr(t, newHandler, demotest.ChecklyOnlyEnv())
}

func TestRedis(t *testing.T) {
	t.Parallel()
	demotest.CheckRedis(t, newHandler)
}
