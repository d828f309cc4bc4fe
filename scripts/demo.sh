#!/usr/bin/env bash
# `npm run demo`: installs what is missing, starts the local services and runs the main
# job. The services stay up afterwards so the Temporal Web UI can be explored;
# `npm run services:down` stops them.
source "$(dirname "$0")/lib.sh"
cd "$(dirname "$0")/.."

bash scripts/setup.sh
bash scripts/services.sh up temporal elasticsearch
exec node --import tsx src/demo/main.ts "$@"
