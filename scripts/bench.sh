#!/usr/bin/env bash
# `npm run bench`: installs what is missing, starts the local services, prints benchmark figures.
source "$(dirname "$0")/lib.sh"
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/services.sh up temporal elasticsearch
node --import tsx bench/search-latency.ts
node --import tsx bench/rate-limited-throughput.ts
node --import tsx bench/cli-latency.ts
node --import tsx bench/backfill-throughput.ts
node --import tsx bench/quality.ts
