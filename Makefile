# Ferry's everyday commands. `make help` lists them.
GO ?= go
FUZZTIME ?= 30s
STATICCHECK ?= $(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2

.PHONY: help build test test-race lint fuzz ci

help:
	@echo "build      build ./ferry"
	@echo "test       go test ./..."
	@echo "test-race  go test -race ./... (what CI runs)"
	@echo "lint       gofmt, go vet, staticcheck"
	@echo "fuzz       run every fuzz target for FUZZTIME ($(FUZZTIME))"
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

# Runs each fuzz target in turn; Go allows one -fuzz target per run.
fuzz:
	@for pkg in $$($(GO) list ./...); do \
		for target in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
			echo "== $$pkg $$target"; \
			$(GO) test -run '^$$' -fuzz "^$$target$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
		done; \
	done

ci:
	bash .ci/run
