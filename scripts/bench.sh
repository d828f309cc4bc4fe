#!/usr/bin/env bash
# `npm run bench`: installs what is missing, starts the local services, prints benchmark figures.
# Benches record their figures in bench/results/; bench/render.ts turns them into docs/benchmarks.md.
source "$(dirname "$0")/lib.sh"
cd "$(dirname "$0")/.."
bash scripts/setup.sh >&2
bash scripts/services.sh up temporal elasticsearch >&2
# `npm run bench -- <name> [args]` runs one bench (bench/<name>.ts; `backfill` is the scale
# backfill) and renders the docs from what the benches recorded.
if [ $# -gt 0 ]; then
  name="$1"
  shift
  [ "$name" = backfill ] && name=scale-backfill
  [ "$name" = cluster-backfill ] && bash scripts/services.sh up cluster >&2
  [ -f "bench/$name.ts" ] || die "no bench named $name: pick one of $(cd bench && ls -- *.ts | grep -vE '^(harness|results|render|synthetic-corpus)\.ts$' | sed 's/\.ts$//' | tr '\n' ' ')"
  node --import tsx "bench/$name.ts" "$@"
  exec node --import tsx bench/render.ts
fi
node --import tsx bench/search-latency.ts
node --import tsx bench/query-precision.ts
node --import tsx bench/rate-limited-throughput.ts
node --import tsx bench/cli-latency.ts
node --import tsx bench/backfill-throughput.ts
node --import tsx bench/quality.ts
node --import tsx bench/client-install.ts
node --import tsx bench/adapter.ts
node --import tsx bench/scale-backfill.ts --docs 20000 --workers 2
node --import tsx bench/render.ts
