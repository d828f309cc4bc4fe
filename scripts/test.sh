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
# The type check and lint run while the services start, when the JVMs starting leave a core
# part idle; lint's report is printed after the tests'.
REEMBED_STARTED_FILE="$started_file" bash scripts/services.sh up temporal elasticsearch elasticsearch-secure &
services_up=$!
if [ $# -eq 0 ]; then
  lint_report=$(mktemp)
  timed "lint" npm run --silent lint >"$lint_report" 2>&1 &
  lint=$!
fi
static=0
[ $# -gt 0 ] || timed "typecheck" node_modules/.bin/tsc --noEmit || static=$?
# Waited for even when the check failed: the services it starts are stopped on the way out.
services=0
wait $services_up || services=$?
[ $static -eq 0 ] || die "the type check failed (above); no test ran"
[ $services -eq 0 ] || die "the services did not start (above); no test ran"

if [ $# -gt 0 ]; then
  node --import tsx --test --test-concurrency=1 "$@"
  exit
fi
# The suite is CPU-bound, so it keeps three test files running at any time (a migration test
# also waits on timers, polls and Elasticsearch). Node's runner takes its files in alphabetical
# order, so the longest file, the cluster's, starts at once in a lane of its own, and that lane
# then runs the unit tests and three shared files while the main run goes on two at a time.
# The tests that restart a service restart one of their own, so they run among the others.
# A file that still hangs is stopped after 15 minutes (the longest takes about 7) and reported
# as failed, so the rest of the run still reports.
per_file_limit=--test-timeout=900000
lane_files=(test/integration/elasticsearch-cluster.test.ts "test/unit/*.test.ts" test/integration/batch-api.test.ts test/integration/catch-up.test.ts test/integration/time-skipping.test.ts)
shared=()
for f in test/integration/*.test.ts test/e2e/*.test.ts test/workflow/*.test.ts; do
  [[ " ${lane_files[*]} " == *" $f "* ]] || shared+=("$f")
done
# A lane runs its files one after the other beside the main run; its report is printed once
# both have ended.
lane() { # report-file test-file-glob...
  local report="$1" status=0 files
  shift
  for files in "$@"; do
    # shellcheck disable=SC2086 # a glob names several files
    node --import tsx --test "$per_file_limit" $files >>"$report" 2>&1 || status=1
  done
  return $status
}
status=0
lane_report=$(mktemp)
lane "$lane_report" "${lane_files[@]}" &
side_lane=$!
node --import tsx --test --test-concurrency=2 "$per_file_limit" "${shared[@]}" || status=$?
wait $side_lane || status=$?
cat "$lane_report"
wait $lint || { status=1; echo "lint or format failed:"; }
cat "$lint_report"
rm -f "$lane_report" "$lint_report"
exit $status
