#!/usr/bin/env bash
# Crawl benchmark (issue 2): gmvscope's whole pipeline (crawl, parse, store
# raw pages, frontier and snapshot) against a plain net/http + goquery pool
# on the 20,000-creator sample market. Prints pages/s for both, the ratio,
# and peak RSS. Usage: bench/crawl.sh [-creators N] [-rounds N] [-concurrency N]
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT
go build -o "$bin/gmvscope" ./cmd/gmvscope
go build -o "$bin/plainpool" ./bench/plainpool
go run ./bench/crawlbench -gmvscope "$bin/gmvscope" -plainpool "$bin/plainpool" "$@"
