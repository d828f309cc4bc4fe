#!/usr/bin/env bash
# `npm run bench`: installs what is missing, starts the local services, prints benchmark figures.
# `npm run bench -- backfill --docs <n> [--workers <w>] [--json]` runs the scale backfill alone.
# Benches record their figures in bench/results/; bench/render.ts turns them into docs/benchmarks.md.
source "$(dirname "$0")/lib.sh"
cd "$(dirname "$0")/.."
bash scripts/setup.sh >&2
bash scripts/services.sh up temporal elasticsearch >&2
if [ "${1:-}" = backfill ]; then
  shift
  exec node --import tsx bench/scale-backfill.ts "$@"
fi
# `npm run bench -- client-install` measures a client-only npm install of the packed package.
if [ "${1:-}" = client-install ]; then
  node --import tsx bench/client-install.ts
  exec node --import tsx bench/render.ts
fi
# `npm run bench -- quality` runs the quality gate bench alone.
if [ "${1:-}" = quality ]; then
  node --import tsx bench/quality.ts
  exec node --import tsx bench/render.ts
fi
node --import tsx bench/search-latency.ts
node --import tsx bench/query-precision.ts
node --import tsx bench/rate-limited-throughput.ts
node --import tsx bench/cli-latency.ts
node --import tsx bench/backfill-throughput.ts
node --import tsx bench/quality.ts
node --import tsx bench/adapter.ts
node --import tsx bench/scale-backfill.ts --docs 20000 --workers 2
node --import tsx bench/render.ts
