#!/usr/bin/env bash
# `npm test`: installs what is missing, starts the services the suite needs, runs every
# test (or the files given as arguments) and stops only the services it started.
source "$(dirname "$0")/lib.sh"
cd "$(dirname "$0")/.."

bash scripts/setup.sh

started_file=$(mktemp)
stop_started() {
  local code=$?
  if [ -s "$started_file" ]; then
    # shellcheck disable=SC2046
    bash scripts/services.sh down $(cat "$started_file") || true
  fi
  rm -f "$started_file"
  exit $code
}
trap stop_started EXIT
REEMBED_STARTED_FILE="$started_file" bash scripts/services.sh up temporal elasticsearch elasticsearch-secure

tests=("$@")
[ ${#tests[@]} -eq 0 ] && tests=(test/unit/*.test.ts test/integration/*.test.ts)
# One file at a time: the integration tests share two CPU cores with Elasticsearch,
# Temporal and the embedding models.
node --import tsx --test --test-concurrency=1 "${tests[@]}"
