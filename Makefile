# Cuepoint. `make run` starts the whole edge on embedded defaults; `make test` runs every test,
# integration tests included, against real Kafka (kfake), ClickHouse and Cassandra.
SHELL := /bin/bash
GO ?= go
BIN := bin/cuepoint
DEPS_STAMP := .cuepoint/deps.ok

.PHONY: all build run test test-unit bench lint deps clean help web

all: build

help:
	@echo "make run    - install what is missing, build, and start the whole edge (cuepoint dev)"
	@echo "make test   - every test, integration included, against the real stack"
	@echo "make bench  - benchmarks and load tests; rewrites figures in BENCHMARKS.md"
	@echo "make lint   - gofmt and go vet"
	@echo "make deps   - install system and npm dependencies (idempotent)"
	@echo "make web    - build the front-end bundles (web/*/dist) with npm"

# deps is idempotent; the stamp only saves the apt/npm round trip when nothing changed.
$(DEPS_STAMP): scripts/deps.sh package.json package-lock.json
	bash scripts/deps.sh
	@mkdir -p $(dir $@) && touch $@

deps:
	bash scripts/deps.sh
	@mkdir -p $(dir $(DEPS_STAMP)) && touch $(DEPS_STAMP)

# The front-end bundles, built by esbuild from npm into web/*/dist (never committed); the Go
# servers read them from disk. node_modules comes from `npm ci`, as scripts/deps.sh installs it.
NODE_MODULES := node_modules/.package-lock.json
$(NODE_MODULES): package.json package-lock.json
	npm ci --no-audit --no-fund

web: $(NODE_MODULES)
	npm run --silent build:dashboard
	npm run --silent build:player

build: web
	$(GO) build -o $(BIN) ./cmd/cuepoint

run: $(DEPS_STAMP) build
	./$(BIN) dev

# Every package runs under the race detector: nearly all of them serve concurrent requests.
# The integration tests start the servers they need through internal/stack/stacktest; with
# CI=true a missing server is a failure, never a skip.
test: $(DEPS_STAMP) lint web
	$(GO) test -count=1 -race -timeout 20m ./...

test-unit:
	$(GO) test -count=1 -short ./...

bench: $(DEPS_STAMP) build
	bash scripts/bench.sh

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

clean:
	rm -rf bin
