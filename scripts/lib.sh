# Shared settings for reembed's setup and service scripts. Sourced, never run.
# Everything built or downloaded lives outside the repo so a fresh clone reuses it.
set -euo pipefail

REEMBED_CACHE="${REEMBED_CACHE:-$HOME/.cache/reembed}"
REEMBED_STATE="${REEMBED_STATE:-$REEMBED_CACHE/state}"
TEMPORAL_CLI_VERSION="v1.5.1"
TEMPORAL_BIN="$REEMBED_CACHE/bin/temporal"
ES_VERSION="9.2.8"
ES_ARTIFACT="org.elasticsearch.distribution.integ-test-zip:elasticsearch:$ES_VERSION:zip"
ES_ZIP="${MAVEN_REPO:-$HOME/.m2/repository}/org/elasticsearch/distribution/integ-test-zip/elasticsearch/$ES_VERSION/elasticsearch-$ES_VERSION.zip"
REEMBED_MODELS="${REEMBED_MODELS:-$REEMBED_CACHE/models}"
# Time-skipping test server (Java, from Maven Central) for workflow tests with long timers.
TEST_SERVER_BIN="$REEMBED_CACHE/bin/temporal-test-server"

# Elasticsearch refuses to run as root. As root we run it as an unprivileged user,
# which cannot traverse /root, so its files live under /var/lib instead of ~/.cache.
if [ "$(id -u)" = "0" ]; then
  ES_USER="reembed"
  ES_ROOT="${REEMBED_ES_ROOT:-/var/lib/reembed}"
else
  ES_USER=""
  ES_ROOT="${REEMBED_ES_ROOT:-$REEMBED_CACHE/elasticsearch}"
fi
ES_HOME="$ES_ROOT/elasticsearch-$ES_VERSION"
# Each node's config, data and logs: a folder of its own lets a second node of the same name run
# beside the first (the restarts test stops and starts one without touching the shared node).
ES_NODES="${REEMBED_ES_NODES:-$ES_ROOT}"

log() { printf '[reembed %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf '[reembed] ERROR: %s\n' "$*" >&2; exit 1; }

# A timed step prints how long it took, so setup cost is visible on every run.
timed() {
  local name="$1"; shift
  local start elapsed
  start=$(date +%s%N)
  "$@"
  elapsed=$(( ($(date +%s%N) - start) / 100000000 ))
  log "$name took $((elapsed / 10)).$((elapsed % 10))s"
}

find_java21() {
  local candidate
  for candidate in "${ES_JAVA_HOME:-}" /usr/lib/jvm/temurin-2[1-9]* /usr/lib/jvm/temurin-[3-9]* /usr/lib/jvm/java-2[1-9]*; do
    [ -n "$candidate" ] && [ -x "$candidate/bin/java" ] && { echo "$candidate"; return 0; }
  done
  return 1
}

TEMPORAL_PORT="${REEMBED_TEMPORAL_PORT:-7233}"
TEMPORAL_UI_PORT="${REEMBED_TEMPORAL_UI_PORT:-8233}"
ES_PORT="${REEMBED_ES_PORT:-9200}"
ES_SECURE_PORT="${REEMBED_ES_SECURE_PORT:-9201}"
# The three-node cluster's HTTP ports are this and the next two; transport ports 100 above.
ES_CLUSTER_PORT="${REEMBED_ES_CLUSTER_PORT:-9210}"
# The secure node is a local test fixture; its password is not a secret.
ES_SECURE_USER="reembed"
ES_SECURE_PASSWORD="reembed-local-password"
# A user of the secure node holding only what reembed needs (role reembed_app, file realm).
ES_APP_USER="reembed-app"
ES_APP_PASSWORD="reembed-app-local-password"
