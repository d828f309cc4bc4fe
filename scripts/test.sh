#!/usr/bin/env bash
# `npm test`: installs what is missing, starts the services the suite needs, runs every
# test (or the files given as arguments) and stops only the services it started.
source "$(dirname "$0")/lib.sh"
cd "$(dirname "$0")/.."

bash scripts/setup.sh

# The Web UI approval test drives Debian's Chromium (never a downloaded browser build).
if ! command -v chromium >/dev/null; then
  [ "$(id -u)" = "0" ] || die "the browser test needs Debian's chromium package: sudo apt-get install chromium"
  log "installing Debian's chromium for the Web UI test"
  timed "chromium" bash -c 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null'
fi

# Test indexes are small: C1-compiled Elasticsearch spends far less CPU on them (docs/testing.md).
# Exported, so the tests that restart the node start it the same way.
export REEMBED_ES_JIT="${REEMBED_ES_JIT:-c1}"

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
# The whole suite starts with the static checks: types (tests included), lint and format.
# They run while the services start: both wait on the CPU, and neither on the other.
REEMBED_STARTED_FILE="$started_file" bash scripts/services.sh up temporal elasticsearch elasticsearch-secure &
services_up=$!
static=0
if [ $# -eq 0 ]; then
  timed "typecheck" node_modules/.bin/tsc --noEmit || static=$?
  [ $static -ne 0 ] || timed "lint" npm run --silent lint || static=$?
fi
# Waited for even when a check failed: the services it starts are stopped on the way out.
services=0
wait $services_up || services=$?
[ $static -eq 0 ] || die "the static checks failed (above); no test ran"
[ $services -eq 0 ] || die "the services did not start (above); no test ran"

if [ $# -gt 0 ]; then
  node --import tsx --test --test-concurrency=1 "$@"
  exit
fi
# Test files run three at a time: a migration test spends much of its time waiting on timers,
# polls and Elasticsearch, and three keep both cores busy. Node's runner takes its files in
# alphabetical order, so the longest file, the cluster's, runs in a lane of its own from the
# start (its report follows the others) instead of starting minutes in and running last. Two
# files stop and start the shared services (the restarts test, and the canary schedule's
# Temporal restart): they run last, one after the other, while the unit tests, which use no
# service, run in a lane beside them.
# A file that still hangs is stopped after 15 minutes (the longest takes about 9) and reported
# as failed, so the rest of the run still reports.
per_file_limit=--test-timeout=900000
cluster=test/integration/elasticsearch-cluster.test.ts
restarting=(test/integration/canary.test.ts test/integration/service-restarts.test.ts)
shared=()
for f in test/integration/*.test.ts test/e2e/*.test.ts test/workflow/*.test.ts; do
  [[ " $cluster ${restarting[*]} " == *" $f "* ]] || shared+=("$f")
done
# A lane runs beside the main run; its report is printed once both have ended.
lane() { # report-file test-file...
  local report="$1"
  shift
  node --import tsx --test "$per_file_limit" "$@" >"$report" 2>&1
}
status=0
cluster_report=$(mktemp)
unit_report=$(mktemp)
lane "$cluster_report" "$cluster" &
cluster_lane=$!
node --import tsx --test --test-concurrency=2 "$per_file_limit" "${shared[@]}" || status=$?
wait $cluster_lane || status=$?
cat "$cluster_report"
lane "$unit_report" test/unit/*.test.ts &
unit_lane=$!
node --import tsx --test --test-concurrency=1 "$per_file_limit" "${restarting[@]}" || status=$?
wait $unit_lane || status=$?
cat "$unit_report"
rm -f "$cluster_report" "$unit_report"
exit $status
