#!/usr/bin/env bash
# OpenSearch 2.19 for tests, from its Maven Central artifacts (no distribution tarball): the launcher in
# servers/opensearch-launcher runs one node (cluster polyshop-test, single-node discovery, no security plugin)
# with the modules transport-netty4, analysis-common, mapper-extras, reindex and lang-painless, on 127.0.0.1.
#   POLYSHOP_OPENSEARCH_PORT (9200), POLYSHOP_OPENSEARCH_TRANSPORT_PORT (9300-9399),
#   POLYSHOP_OPENSEARCH_JAVA_OPTS (-Xms512m -Xmx1g). Data under $SERVERS_DIR/opensearch/home/data (kept across restarts).
set -euo pipefail
name=opensearch; root=$(cd "$(dirname "$0")/../.." && pwd); dir="${SERVERS_DIR:-$root/.servers}/opensearch"
port="${POLYSHOP_OPENSEARCH_PORT:-9200}"; tport="${POLYSHOP_OPENSEARCH_TRANSPORT_PORT:-9300-9399}"
proj="$root/servers/opensearch-launcher"
. "$root/servers/common.sh"

health() { curl -fsS --max-time 3 "http://127.0.0.1:$port/_cluster/health" 2>/dev/null; }
# ready = healthy, and the launcher has set its cluster defaults (0 replicas)
ready() {
  health | grep -qE '"status":"(green|yellow)"' &&
    curl -fsS --max-time 3 "http://127.0.0.1:$port/_cluster/settings" 2>/dev/null | grep -q default_number_of_replicas
}

case "${1:-status}" in
  up)
    if ready; then log "already running on 127.0.0.1:$port, reusing"
    elif pid_alive; then
      log "pid $(cat "$pidfile") is ours but not ready yet (still starting?), waiting"
      wait_ready 120 ready || die "pid $(cat "$pidfile") did not become ready on 127.0.0.1:$port (see $logfile; try down, then up)"
    else
      port_open "$port" && die "127.0.0.1:$port is taken by something that does not answer as a healthy OpenSearch (set POLYSHOP_OPENSEARCH_PORT)"
      need_cmd curl
      maven_build "$proj"
      mkdir -p "$dir/tmp"
      # shellcheck disable=SC2086
      start_detached java ${POLYSHOP_OPENSEARCH_JAVA_OPTS:--Xms512m -Xmx1g} -XX:+UseG1GC -Djava.awt.headless=true \
        -Dfile.encoding=UTF-8 -Dlog4j2.formatMsgNoLookups=true -Djava.io.tmpdir="$dir/tmp" \
        -cp "$proj/target/opensearch-launcher-1.jar:$proj/target/lib/*" polyshop.servers.OpenSearchLauncher \
        "$dir/home" "$port" "$tport"
      wait_ready 120 ready || die "OpenSearch did not become ready on 127.0.0.1:$port"
      log "ready on 127.0.0.1:$port"
    fi
    echo "POLYSHOP_TEST_OPENSEARCH_URL=http://127.0.0.1:$port" ;;
  down) stop_pidfile ;;
  status) if ready; then echo "opensearch: up on 127.0.0.1:$port ($(health | grep -oE '"status":"[a-z]+"'))"; else echo "opensearch: down"; exit 1; fi ;;
  *) echo "usage: $0 up|down|status" >&2; exit 2 ;;
esac
