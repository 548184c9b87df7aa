# Ferry's everyday commands. `make help` lists them.
GO ?= go
FUZZTIME ?= 1000000x
CRASH_KILLS ?= 50
STATICCHECK ?= $(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2

.PHONY: help build test test-race lint fuzz crash bench-peer ci

help:
	@echo "build      build ./ferry"
	@echo "test       go test ./..."
	@echo "test-race  go test -race ./... (what CI runs)"
	@echo "lint       gofmt, go vet, staticcheck"
	@echo "fuzz       run every fuzz target for FUZZTIME ($(FUZZTIME))"
	@echo "crash      the crash test with CRASH_KILLS ($(CRASH_KILLS)) kills per database"
	@echo "bench-peer measure Prism mocking Payroc's OpenAPI file (bench/prism.sh)"
	@echo "ci         what CI runs: .ci/run"

build:
	$(GO) build -o ferry ./cmd/ferry

test:
	$(GO) test ./...

test-race:
	$(GO) test -race ./...

lint:
	@out=$$(gofmt -l .); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(STATICCHECK) ./...

# Runs each fuzz target in turn (Go allows one -fuzz target per run).
fuzz:
	FUZZTIME=$(FUZZTIME) bash .ci/fuzz

ci:
	bash .ci/run

# The crash test at length: many more SIGKILLs than CI's three.
crash:
	$(GO) test -run '^TestCrash$$' -count=1 -v ./cmd/ferry -args -crash.kills=$(CRASH_KILLS)

bench-peer:
	bash bench/prism.sh
