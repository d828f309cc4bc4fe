#!/usr/bin/env bash
# Installs everything reembed needs on this machine, idempotently:
# node modules, the compiled package (dist/), the Temporal CLI dev server, Elasticsearch and the local embedding models.
# Each step is skipped when its result is already cached.
source "$(dirname "$0")/lib.sh"
cd "$(dirname "$0")/.."

install_node_modules() {
  local stamp="node_modules/.reembed-lock-hash"
  local want
  want=$(sha256sum package-lock.json | cut -d' ' -f1)
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then return 0; fi
  log "installing node modules (npm ci)"
  # onnxruntime-node's postinstall would fetch CUDA binaries from outside the npm
  # registry; reembed runs on CPU and the CPU runtime ships inside the package.
  ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-audit --no-fund --loglevel=error
  echo "$want" > "$stamp"
}

install_temporal() {
  if [ -x "$TEMPORAL_BIN" ] && "$TEMPORAL_BIN" --version >/dev/null 2>&1; then return 0; fi
  command -v go >/dev/null || die "Go is needed to build the Temporal CLI dev server; install Go 1.23+ and retry"
  log "building the Temporal CLI $TEMPORAL_CLI_VERSION from its Go module (a few minutes, once)"
  mkdir -p "$(dirname "$TEMPORAL_BIN")"
  GOBIN="$(dirname "$TEMPORAL_BIN")" go install "github.com/temporalio/cli/cmd/temporal@$TEMPORAL_CLI_VERSION"
}

install_elasticsearch() {
  if [ -x "$ES_HOME/bin/elasticsearch" ]; then return 0; fi
  find_java21 >/dev/null || die "Elasticsearch $ES_VERSION needs Java 21+; none found under /usr/lib/jvm (set ES_JAVA_HOME)"
  if [ ! -f "$ES_ZIP" ]; then
    command -v mvn >/dev/null || die "Maven is needed to fetch Elasticsearch from Maven Central"
    log "fetching Elasticsearch $ES_VERSION from Maven Central"
    mvn -q -B -Dstyle.color=never dependency:get -Dartifact="$ES_ARTIFACT" -Dtransitive=false
  fi
  log "unpacking Elasticsearch into $ES_ROOT"
  mkdir -p "$ES_ROOT"
  rm -rf "$ES_HOME.tmp" && mkdir "$ES_HOME.tmp"
  unzip -q "$ES_ZIP" -d "$ES_HOME.tmp"
  mv "$ES_HOME.tmp/elasticsearch-$ES_VERSION" "$ES_HOME" && rmdir "$ES_HOME.tmp"
  if [ -n "$ES_USER" ]; then
    id -u "$ES_USER" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$ES_USER"
    chown -R "$ES_USER" "$ES_ROOT"
  fi
}

# The SDK starts this launcher itself for time-skipping tests (existing-path executable).
install_test_server() {
  if [ -x "$TEST_SERVER_BIN" ] && grep -q -- '" --enable-time-skipping' "$TEST_SERVER_BIN" && [ -f "$TEST_SERVER_BIN.classpath" ]; then return 0; fi
  command -v mvn >/dev/null || die "Maven is needed to fetch the Temporal test server from Maven Central"
  log "resolving the Temporal Java test server from Maven Central"
  mkdir -p "$(dirname "$TEST_SERVER_BIN")"
  mvn -q -B -Dstyle.color=never -f scripts/java/pom.xml dependency:build-classpath -Dmdep.outputFile="$TEST_SERVER_BIN.classpath"
  cat >"$TEST_SERVER_BIN" <<LAUNCHER
#!/usr/bin/env bash
# Usage: temporal-test-server <port>. The SDK passes only the port; time skipping is
# what this server is for, so it is always on.
exec java -cp "\$(cat "$TEST_SERVER_BIN.classpath")" io.temporal.testserver.TestServer "\$1" --enable-time-skipping
LAUNCHER
  chmod +x "$TEST_SERVER_BIN"
}

install_models() {
  bash scripts/setup-models.sh
}

timed "node modules" install_node_modules
timed "compiled package" bash scripts/build.sh
timed "Temporal CLI" install_temporal
timed "Elasticsearch" install_elasticsearch
timed "Temporal test server" install_test_server
timed "embedding models" install_models
