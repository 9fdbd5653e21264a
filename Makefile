# The two commands a new user needs are `make run` and `make test`; each runs
# `make setup` first, which is quick and offline once deps/ is fetched.
GO ?= go

.PHONY: setup build test run bench vet
setup:
	@bash scripts/setup.sh

build: setup
	$(GO) build -o bin/visage ./cmd/visage

vet:
	@test -z "$$(gofmt -l .)" || { echo "gofmt needed:"; gofmt -l .; exit 1; }
	$(GO) vet ./...

test: setup vet
	@bash scripts/browser.sh
	$(GO) test ./...
	@echo "screenshots of the widget and the console: bin/screenshots/"

run: build
	./bin/visage serve --demo

bench: build
	./bin/visage bench speed
	./bin/visage bench accuracy --data ../shared/datasets
