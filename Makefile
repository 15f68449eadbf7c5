# hookseal: every target loops over every Go module in the repository, so a
# new module is tested, vetted and linted without editing this file.
SHELL := /bin/bash
# Each module is built as a user builds it, from its own go.mod (with its
# replace lines), not with the go.work that lets "go run ./cmd/hookseal"
# work from the repository root.
export GOWORK := off
MODULES := $(shell find . -name go.mod -not -path '*/testdata/*' -not -path './.*' -exec dirname {} \; | sort)
STATICCHECK ?= $(shell command -v staticcheck 2>/dev/null || echo $$(go env GOPATH)/bin/staticcheck)
STATICCHECK_VERSION := v0.8.2
FUZZTIME ?= 10s
BENCHTIME ?= 1s
BENCHCOUNT ?= 1

.PHONY: test test-race test-long test-norace vet staticcheck ctcompare fmt-check fuzz lint tools bench load

## TESTTAGS leave gin's msgpack binding (github.com/ugorji/go/codec) out of
## the test builds: hookseal never binds msgpack, and it was the slowest
## package of a cold make test to compile (24 s of 89 for the gin adapter
## alone, measured with an empty GOCACHE). test-norace, vet and staticcheck
## build gin as users do.
TESTTAGS := -tags=nomsgpack

## test: run every module's tests with -short: all but the long suites,
## which skip themselves under -short (Redis Cluster and Sentinel failovers
## and deployments, the file store's crash tests, soak and slow-client
## tests, the proxy's real-upstream outage test). scripts/test-modules runs
## the modules a few at a time, each module's packages compiled (in the
## foreground, on every core) while the previous modules' tests wait on
## their servers and timeouts. It leaves two things to the targets .ci/run
## runs after it, to keep a fresh clone's first make test within 3 minutes
## on a 2-core machine: the race detector (make test-long runs every test
## under it; compiling every dependency a second time, instrumented, is
## what took a cold make test to 5 minutes) and vet's checks (make vet).
test:
	@scripts/test-modules $(TESTTAGS) -short -count=1 -timeout=10m -vet=off -ldflags=-w

## test-race: make test under the race detector, the same way: a quicker
## race run than make test-long while working on concurrent code.
test-race:
	@scripts/test-modules $(TESTTAGS) -race -short -count=1 -timeout=10m -vet=off -ldflags=-w

## test-long: every module's tests in full, without -short, the long suites
## included, under the race detector; .ci/run runs it after make test.
test-long:
	@set -e; for m in $(MODULES); do \
		echo "== go test -race $$m"; \
		(cd $$m && go test $(TESTTAGS) -race -count=1 -timeout=15m ./...); \
	done

## test-norace: the tests that measure allocations and heap, which skip
## themselves under the race detector (it allocates and keeps shadow
## memory of its own), run without it, unlike make test-long; make test
## runs them too, and .ci/run runs this after test-long.
NORACE_TESTS := Allocs|IdleConnectionsHoldLittleMemory
test-norace:
	@set -eo pipefail; for m in $(MODULES); do \
		echo "== go test -run '$(NORACE_TESTS)' $$m"; \
		(cd $$m && go test -count=1 -run '$(NORACE_TESTS)' ./...) | { grep -v 'no test files\|no tests to run' || true; }; \
	done

## vet: go vet every module.
vet:
	@set -e; for m in $(MODULES); do echo "== go vet $$m"; (cd $$m && go vet ./...); done

## staticcheck: lint every module (installs the pinned staticcheck if missing).
staticcheck: tools
	@set -e; for m in $(MODULES); do echo "== staticcheck $$m"; (cd $$m && $(STATICCHECK) ./...); done

## ctcompare: the go/analysis pass (tools/ctcompare) that fails on any
## comparison returning at the first differing byte in verify's code, where
## secrets, MACs and credentials are compared.
ctcompare:
	@set -e; d=$$(mktemp -d); trap 'rm -rf "$$d"' EXIT; \
		(cd tools/ctcompare && go build -o "$$d/ctcompare" ./cmd/ctcompare); \
		echo "== ctcompare ./verify/..."; "$$d/ctcompare" -test=false ./verify/...

## fmt-check: fail when gofmt would change a file.
fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

## fuzz: run every fuzz target for FUZZTIME each.
fuzz:
	@set -e; for m in $(MODULES); do \
		(cd $$m && for pkg in $$(go list ./...); do \
			for f in $$(go test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); do \
				echo "== fuzz $$pkg $$f ($(FUZZTIME))"; \
				go test -run='^$$' -timeout=5m -fuzzminimizetime=2s -fuzz="^$$f\$$" -fuzztime=$(FUZZTIME) $$pkg; \
			done; \
		done); \
	done

## bench: every module's benchmarks with -benchmem, written to bench.txt in
## the form benchstat reads, then hookseal's time as a ratio of each floor's
## measured in the same run (the median of BENCHCOUNT runs each), and for
## the rows with a goal (Checkly verification at 1 KiB to 1 MiB against the
## pooled-HMAC floor, Checkly decoding against plain JSON v2) whether this
## run meets it. BENCHTIME and BENCHCOUNT tune it (BENCHCOUNT=5 on a shared
## machine).
bench:
	@set -eo pipefail; : > bench.txt; for m in $(MODULES); do \
		echo "== go test -bench $$m"; \
		(cd $$m && go test -run='^$$' -bench=. -benchmem -benchtime=$(BENCHTIME) -count=$(BENCHCOUNT) ./...) | tee -a bench.txt; \
	done; \
	go run ./internal/benchratio < bench.txt

## load: hookseal listen, and hookseal proxy forwarding to a minimal
## upstream (inline, then with its file inbox), against a hand-written floor
## server over loopback, the same bounded run of signed Checkly deliveries
## each; prints each one's throughput ratio to the floor (LOADFLAGS to tune,
## e.g. LOADFLAGS="-n 20000 -c 32", or -proxy=false for listen alone).
## With HOOKSEAL_REDIS_URL set (or LOADFLAGS="-redis URL") it also runs
## listen on that Redis, right after listen on memory, and prints the ratio
## of the two (goal 0.7; -order for ordered routes).
## LOADFLAGS="-c 1,8,64 -rounds 5" instead runs the floor and listen alone,
## in alternating rounds at each connection count (each run at most
## -round-n deliveries or -round-time), and prints per count the median of
## the same-round ratios listen/floor (goal 0.95) and each server's CPU per
## request; -cpuprofile DIR writes both servers' CPU profiles there.
## With -pair inbox the rounds compare listen inline with listen on its file
## inbox (goal 0.5), with -pair redis (and -redis URL) listen on memory with
## listen on Redis (goal 0.7).
LOADFLAGS ?=
load:
	@set -e; d=$$(mktemp -d); trap 'rm -rf "$$d"' EXIT; \
		(cd cmd/hookseal && go build -o "$$d/hookseal" .); \
		go build -o "$$d/loadtest" ./internal/loadtest; \
		"$$d/loadtest" -hookseal "$$d/hookseal" $(LOADFLAGS)

lint: fmt-check vet staticcheck ctcompare

tools:
	@test -x $(STATICCHECK) || GOFLAGS= go install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)
