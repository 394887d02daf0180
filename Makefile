# gmvscope. The README's quick start is `make demo` and `make test`.
GO ?= go
ECHARTS := templates/assets/echarts.min.js

.PHONY: demo test assets build bench clean

# Run the whole pipeline on the bundled sample market and print the report path.
demo: assets
	$(GO) run ./cmd/gmvscope demo

# Every test: unit, integration (real HTTP on loopback, real SQLite), browser
# (headless Chromium), CLI scripts. gotestsum (pinned in go.mod as a tool)
# runs go test and ends with the tests that were skipped and why.
test: assets
	$(GO) vet ./...
	$(GO) tool gotestsum --format pkgname-and-test-fails --format-hide-empty-pkg -- -race -count=1 ./...

# The binary, with its version and commit, at bin/gmvscope.
build: assets
	$(GO) build -buildvcs=auto -o bin/gmvscope ./cmd/gmvscope

# The pinned echarts build (templates/package.json and package-lock.json), fetched from npm.
assets: $(ECHARTS)
$(ECHARTS): templates/package.json templates/package-lock.json
	cd templates && npm ci --ignore-scripts --no-audit --no-fund
	cp templates/node_modules/echarts/dist/echarts.min.js $(ECHARTS)

bench: assets
	./bench/crawl.sh

clean:
	rm -rf output/gmvscope.db* output/reports bin
