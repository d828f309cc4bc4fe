#!/usr/bin/env bash
# Starts, stops and reports reembed's local services, all bound to loopback:
#   temporal              Temporal CLI dev server (gRPC :7233, Web UI :8233, SQLite state)
#   elasticsearch         Elasticsearch single node, security off (:9200)
#   elasticsearch-secure  Elasticsearch single node, basic auth on (:9201)
#   cluster               three Elasticsearch nodes forming one cluster (es-node-1..3, :9210-9212),
#                         security off; each node is also a service of its own
# Usage: services.sh up|down|status [service...]   (default: temporal elasticsearch)
# `up cluster` again starts whichever node is down and leaves the others alone.
# `up` records the services it actually started in $REEMBED_STARTED_FILE when set, so a
# caller (npm test) can stop exactly those and leave already-running ones alone.
# REEMBED_ES_JIT=c1 starts the main node with HotSpot's C1 compiler only (npm test sets it);
# by default it also runs C2, whose vectorized kNN and HNSW code pays off on large indexes.
source "$(dirname "$0")/lib.sh"

CLUSTER_NODES=(es-node-1 es-node-2 es-node-3)
ALL_SERVICES=(temporal elasticsearch elasticsearch-secure "${CLUSTER_NODES[@]}")
DEFAULT_SERVICES=(temporal elasticsearch)
ES_JIT="${REEMBED_ES_JIT:-c2}"
[[ "$ES_JIT" == c1 || "$ES_JIT" == c2 ]] || die "REEMBED_ES_JIT is '$ES_JIT'; use c1 (C1 compiler only: cheaper starts and small indexes) or c2 (the default)"
mkdir -p "$REEMBED_STATE"

temporal_healthy() {
  curl -sf --max-time 2 "http://127.0.0.1:$TEMPORAL_UI_PORT/api/v1/namespaces/default" >/dev/null 2>&1 &&
    "$TEMPORAL_BIN" operator cluster health --address "127.0.0.1:$TEMPORAL_PORT" >/dev/null 2>&1
}

es_instance() { # name -> "port transport_port secure"
  case "$1" in
    elasticsearch) echo "$ES_PORT $((ES_PORT + 100)) false" ;;
    elasticsearch-secure) echo "$ES_SECURE_PORT $((ES_SECURE_PORT + 100)) true" ;;
    es-node-[1-3]) local n="${1#es-node-}"; echo "$((ES_CLUSTER_PORT + n - 1)) $((ES_CLUSTER_PORT + 100 + n - 1)) false" ;;
  esac
}

es_healthy() {
  local port secure auth=()
  read -r port _ secure <<<"$(es_instance "$1")"
  [ "$secure" = "true" ] && auth=(-u "$ES_SECURE_USER:$ES_SECURE_PASSWORD")
  # A cluster node is up once it has joined a cluster with an elected master: the cluster may be
  # red because a node that held the only copy of a shard is gone, and that is for reembed to
  # report, not a reason to call the node down. A single node must have its shards back (yellow).
  local wait="wait_for_status=yellow&"
  [[ "$1" == es-node-* ]] && wait=""
  curl -sf --max-time 2 "${auth[@]}" "http://127.0.0.1:$port/_cluster/health?${wait}timeout=1s" >/dev/null 2>&1
}

healthy() {
  case "$1" in
    temporal) temporal_healthy ;;
    elasticsearch | elasticsearch-secure | es-node-[1-3]) es_healthy "$1" ;;
    *) die "unknown service '$1'; known: ${ALL_SERVICES[*]}" ;;
  esac
}

pid_file() { echo "$REEMBED_STATE/$1.pid"; }

wait_healthy() {
  local name="$1" seconds="$2" log_file="$3" i
  for ((i = 0; i < seconds; i++)); do
    healthy "$name" && return 0
    sleep 1
  done
  tail -n 40 "$log_file" >&2 || true
  die "$name did not become healthy within ${seconds}s; its log is $log_file"
}

start_temporal() {
  [ -x "$TEMPORAL_BIN" ] || die "the Temporal CLI is not installed; run 'npm run setup' first"
  # Write-ahead logging: a commit appends to one log file instead of rewriting a rollback journal,
  # which costs the dev server a fifth less CPU under the test suite's load.
  setsid nohup "$TEMPORAL_BIN" server start-dev \
    --ip 127.0.0.1 --port "$TEMPORAL_PORT" --ui-port "$TEMPORAL_UI_PORT" \
    --db-filename "$REEMBED_STATE/temporal.db" --log-level warn --sqlite-pragma journal_mode=wal --sqlite-pragma synchronous=normal \
    >"$REEMBED_STATE/temporal.log" 2>&1 </dev/null &
  echo $! >"$(pid_file temporal)"
  wait_healthy temporal 60 "$REEMBED_STATE/temporal.log"
  # The search attributes are those temporal.config.ts names, registered as `reembed init` does.
  (cd "$(dirname "$0")/.." && TEMPORAL_ADDRESS="127.0.0.1:$TEMPORAL_PORT" node --import tsx src/cli/main.ts init) >&2 ||
    die "could not register reembed's search attributes on the dev server; its log is $REEMBED_STATE/temporal.log"
}

write_es_config() {
  local name="$1" port="$2" transport="$3" secure="$4" conf="$ES_NODES/$1/config"
  mkdir -p "$conf" "$ES_NODES/$name/data" "$ES_NODES/$name/logs"
  [ -f "$conf/jvm.options" ] || cp -r "$ES_HOME/config/." "$conf/"
  local node_settings="discovery.type: single-node" cluster="reembed-$name"
  if [[ "$name" == es-node-* ]]; then
    # Three master-eligible data nodes on loopback: any two of them elect a master.
    cluster="reembed-cluster"
    # REEMBED_ES_WRITE_QUEUE shrinks the node's write queue (default 10000) to provoke 429 rejections.
    node_settings="thread_pool.write.queue_size: ${REEMBED_ES_WRITE_QUEUE:-10000}
discovery.seed_hosts: [\"127.0.0.1:$((ES_CLUSTER_PORT + 100))\", \"127.0.0.1:$((ES_CLUSTER_PORT + 101))\", \"127.0.0.1:$((ES_CLUSTER_PORT + 102))\"]
cluster.initial_master_nodes: [$(IFS=,; echo "${CLUSTER_NODES[*]}")]"
  fi
  cat >"$conf/elasticsearch.yml" <<YML
cluster.name: $cluster
node.name: $name
path.data: $ES_NODES/$name/data
path.logs: $ES_NODES/$name/logs
network.host: 127.0.0.1
http.port: $port
transport.port: $transport
$node_settings
# A developer disk nearly full must not flip our indexes to read-only mid-test.
cluster.routing.allocation.disk.threshold_enabled: false
xpack.security.enabled: $secure
xpack.security.http.ssl.enabled: false
xpack.security.transport.ssl.enabled: false
xpack.security.enrollment.enabled: false
YML
  # 2 GB heap leaves room for models, Temporal and tests on a 24 GB machine; kNN
  # graphs live off-heap in the page cache.
  local heap=2g jit=""
  # C1 alone halves the CPU a start costs, and on test-sized indexes C2's faster code never wins
  # back what compiling it costs (docs/testing.md has the figures). The secured node and the
  # cluster nodes only ever hold such indexes and are started again and again.
  [ "$ES_JIT" = c1 ] && jit="-XX:TieredStopAtLevel=1"
  if [[ "$secure" = "true" || "$name" == es-node-* ]]; then heap=512m jit="-XX:TieredStopAtLevel=1"; fi
  printf -- '-Xms%s\n-Xmx%s\n%s\n' "$heap" "$heap" "$jit" >"$conf/jvm.options.d/heap.options"
  if [ -n "$ES_USER" ]; then chown -R "$ES_USER" "$ES_NODES/$name"; fi
  if [ "$secure" = "true" ]; then
    # The least privileges reembed needs (docs/security.md): test collections are named mig-*.
    # Roles and users live in the file realm: this distribution has no analysis-common module,
    # without which the .security index (native users, roles, API keys) cannot be created.
    cat >"$conf/roles.yml" <<YML
reembed_app:
  cluster: [monitor]
  indices:
    - names: ['mig-*', 'reembed-*']
      privileges: [read, write, manage]
YML
    add_es_user "$conf" "$ES_SECURE_USER" "$ES_SECURE_PASSWORD" superuser
    add_es_user "$conf" "$ES_APP_USER" "$ES_APP_PASSWORD" reembed_app
  fi
  if [ -n "$ES_USER" ]; then chown -R "$ES_USER" "$ES_NODES/$name"; fi
}

add_es_user() { # conf user password role
  grep -q "^$2:" "$1/users" 2>/dev/null && return 0
  as_es_user env ES_PATH_CONF="$1" ES_JAVA_HOME="$(find_java21)" "$ES_HOME/bin/elasticsearch-users" useradd "$2" -p "$3" -r "$4"
}

as_es_user() {
  if [ -n "$ES_USER" ]; then runuser -u "$ES_USER" -- "$@"; else "$@"; fi
}

start_es() { # name [wait: true|false]
  local name="$1" port transport secure java
  [ -x "$ES_HOME/bin/elasticsearch" ] || die "Elasticsearch is not installed; run 'npm run setup' first"
  java=$(find_java21) || die "Elasticsearch needs Java 21+; set ES_JAVA_HOME"
  read -r port transport secure <<<"$(es_instance "$name")"
  write_es_config "$name" "$port" "$transport" "$secure"
  local log_file="$REEMBED_STATE/$name.log"
  # The launcher JVM lives only until the node has started: C2 would compile code it never reuses.
  as_es_user env ES_PATH_CONF="$ES_NODES/$name/config" ES_JAVA_HOME="$java" CLI_JAVA_OPTS="-XX:TieredStopAtLevel=1" \
    "$ES_HOME/bin/elasticsearch" -d -p "$ES_NODES/$name/pid" >"$log_file" 2>&1 </dev/null ||
    { tail -n 40 "$log_file" "$ES_NODES/$name/logs/reembed-$name.log" >&2 2>/dev/null; die "$name failed to start"; }
  cp "$ES_NODES/$name/pid" "$(pid_file "$name")"
  [ "${2:-true}" = "true" ] && wait_healthy "$name" 120 "$ES_NODES/$name/logs/$(es_cluster_name "$name").log"
  return 0
}

es_cluster_name() { if [[ "$1" == es-node-* ]]; then echo reembed-cluster; else echo "reembed-$1"; fi; }

# A cluster node becomes healthy only once enough nodes have joined to elect a master, so
# the nodes that are down all start first, then each is waited for.
start_cluster_nodes() {
  local name started=()
  for name in "$@"; do
    start_es "$name" false
    started+=("$name")
  done
  for name in "${started[@]}"; do wait_healthy "$name" 180 "$ES_NODES/$name/logs/reembed-cluster.log"; done
}

# A process that was killed but not yet reaped (a zombie) is not running.
alive() { kill -0 "$1" 2>/dev/null && [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" != "Z" ]; }

# A node counts as running when its process is alive, even before the cluster has formed.
node_running() {
  local pid
  pid=$(cat "$(pid_file "$1")" 2>/dev/null || true)
  [ -n "$pid" ] && alive "$pid"
}

up() {
  local name down_nodes=()
  for name in "$@"; do
    if [[ "$name" == es-node-* ]]; then
      if node_running "$name" || healthy "$name"; then log "$name already running"; else down_nodes+=("$name"); fi
      continue
    fi
    if healthy "$name"; then
      log "$name already running"
      continue
    fi
    log "starting $name"
    case "$name" in
      temporal) timed "starting temporal" start_temporal ;;
      elasticsearch | elasticsearch-secure) timed "starting $name" start_es "$name" ;;
      *) die "unknown service '$name'; known: ${ALL_SERVICES[*]} cluster" ;;
    esac
    [ -n "${REEMBED_STARTED_FILE:-}" ] && echo "$name" >>"$REEMBED_STARTED_FILE"
  done
  if [ ${#down_nodes[@]} -gt 0 ]; then
    [ -x "$ES_HOME/bin/elasticsearch" ] || timed "installing Elasticsearch" bash "$(dirname "$0")/setup.sh"
    log "starting ${down_nodes[*]}"
    timed "starting ${down_nodes[*]}" start_cluster_nodes "${down_nodes[@]}"
    [ -n "${REEMBED_STARTED_FILE:-}" ] && printf '%s\n' "${down_nodes[@]}" >>"$REEMBED_STARTED_FILE"
  fi
  return 0
}

down() {
  local name pid i
  for name in "$@"; do
    pid=$(cat "$(pid_file "$name")" 2>/dev/null || true)
    if [ -z "$pid" ] || ! alive "$pid"; then
      rm -f "$(pid_file "$name")"
      healthy "$name" && log "$name is running but was not started by reembed; leaving it" || log "$name not running"
      continue
    fi
    log "stopping $name (pid $pid)"
    kill "$pid"
    for ((i = 0; i < 60; i++)); do alive "$pid" || break; sleep 0.5; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
    rm -f "$(pid_file "$name")"
  done
}

status() {
  local name state pid code=0
  for name in "$@"; do
    if healthy "$name"; then state="healthy"; else state="down"; code=1; fi
    pid=$(cat "$(pid_file "$name")" 2>/dev/null || true)
    { [ -n "$pid" ] && alive "$pid"; } || pid="-"
    [ "$state" = "down" ] && [ "$pid" != "-" ] && state="starting"
    case "$name" in
      temporal) printf '%-22s %-8s pid %-8s grpc 127.0.0.1:%s  web ui http://127.0.0.1:%s\n' "$name" "$state" "$pid" "$TEMPORAL_PORT" "$TEMPORAL_UI_PORT" ;;
      *) printf '%-22s %-8s pid %-8s http://127.0.0.1:%s\n' "$name" "$state" "$pid" "$(es_instance "$name" | cut -d' ' -f1)" ;;
    esac
  done
  return $code
}

command="${1:-}"
shift || true
services=()
for name in "$@"; do
  if [ "$name" = "cluster" ]; then services+=("${CLUSTER_NODES[@]}"); else services+=("$name"); fi
done
[ ${#services[@]} -eq 0 ] && services=("${DEFAULT_SERVICES[@]}")
case "$command" in
  up) up "${services[@]}" ;;
  down) [ $# -eq 0 ] && services=("${ALL_SERVICES[@]}"); down "${services[@]}" ;;
  status) [ $# -eq 0 ] && services=("${ALL_SERVICES[@]}"); status "${services[@]}" ;;
  *) die "usage: services.sh up|down|status [$(IFS='|'; echo "${ALL_SERVICES[*]}")...]" ;;
esac
