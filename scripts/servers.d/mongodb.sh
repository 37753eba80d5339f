#!/usr/bin/env bash
# MongoDB wire protocol for tests: mongo-java-server (in-memory backend, Maven Central) run by the small launcher
# in servers/mongo-launcher (built once with maven, rebuilt only when its pom or source changes), on 127.0.0.1.
#   POLYSHOP_MONGODB_PORT (27017), POLYSHOP_MONGODB_VERSION (5.0: the server version it reports, 4.4|5.0|6.0|7.0|8.0),
#   POLYSHOP_MONGODB_OPLOG=1 (enable the oplog, for change streams), POLYSHOP_MONGODB_JAVA_OPTS (-Xmx3g: the 100k-product
#   catalogue of the bench takes ~1 GB of heap (~10 KB a product) and its aggregations as much again while they run;
#   string deduplication shares the many equal strings of the documents (categories, colours, statuses))
# Data lives in memory: it is gone after `down`.
set -euo pipefail
name=mongodb; root=$(cd "$(dirname "$0")/../.." && pwd); dir="${SERVERS_DIR:-$root/.servers}/mongodb"
port="${POLYSHOP_MONGODB_PORT:-27017}"
proj="$root/servers/mongo-launcher"
. "$root/servers/common.sh"

ready() { port_open "$port"; }

case "${1:-status}" in
  up)
    if ready; then log "something already listens on 127.0.0.1:$port, reusing it"
    elif pid_alive; then
      log "pid $(cat "$pidfile") is ours but not ready yet (still starting?), waiting"
      wait_ready 60 ready || die "pid $(cat "$pidfile") did not become ready on 127.0.0.1:$port (see $logfile; try down, then up)"
    else
      maven_build "$proj"
      oplog=false; [ "${POLYSHOP_MONGODB_OPLOG:-0}" = 1 ] && oplog=true
      # shellcheck disable=SC2086
      start_detached java ${POLYSHOP_MONGODB_JAVA_OPTS:--Xms64m -Xmx3g -XX:+UseG1GC -XX:+UseStringDeduplication} \
        -Dpolyshop.mongo.version="${POLYSHOP_MONGODB_VERSION:-5.0}" -Dpolyshop.mongo.oplog=$oplog \
        -cp "$proj/target/mongo-launcher-1.jar:$proj/target/lib/*" polyshop.servers.MongoLauncher "$port" 127.0.0.1
      wait_ready 60 ready || die "mongo-java-server did not become ready on 127.0.0.1:$port"
      log "ready on 127.0.0.1:$port (mongo-java-server, in-memory)"
    fi
    echo "POLYSHOP_TEST_MONGODB_URL=mongodb://127.0.0.1:$port" ;;
  down) stop_pidfile ;;
  status) if ready; then echo "mongodb: up on 127.0.0.1:$port (mongo-java-server, in-memory)"; else echo "mongodb: down"; exit 1; fi ;;
  *) echo "usage: $0 up|down|status" >&2; exit 2 ;;
esac
