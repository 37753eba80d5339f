#!/usr/bin/env bash
# NATS from Debian's nats-server package, with JetStream (store under $SERVERS_DIR/nats), on 127.0.0.1.
#   POLYSHOP_NATS_PORT (4222), POLYSHOP_NATS_MONITOR_PORT (8222: HTTP monitoring, /healthz, /jsz)
set -euo pipefail
name=nats; root=$(cd "$(dirname "$0")/../.." && pwd); dir="${SERVERS_DIR:-$root/.servers}/nats"
port="${POLYSHOP_NATS_PORT:-4222}"; mport="${POLYSHOP_NATS_MONITOR_PORT:-8222}"
. "$root/servers/common.sh"

install() { command -v nats-server >/dev/null 2>&1 || [ -x /usr/sbin/nats-server ] || apt_install nats-server; }
bin() { command -v nats-server 2>/dev/null || echo /usr/sbin/nats-server; }
# healthy = client port open and the monitoring endpoint reports JetStream enabled
ready() {
  port_open "$port" || return 1
  curl -fsS --max-time 2 "http://127.0.0.1:$mport/jsz" 2>/dev/null | grep -q '"config"'
}

case "${1:-status}" in
  up)
    if ready; then log "already running on 127.0.0.1:$port (JetStream on), reusing"
    elif pid_alive; then
      log "pid $(cat "$pidfile") is ours but not ready yet (still starting?), waiting"
      wait_ready 30 ready || die "pid $(cat "$pidfile") did not become ready on 127.0.0.1:$port (see $logfile; try down, then up)"
    else
      port_open "$port" && die "127.0.0.1:$port is taken by something that is not a JetStream nats-server with monitoring on $mport (a system nats-server service? stop it or set POLYSHOP_NATS_PORT)"
      install
      mkdir -p "$dir"
      start_detached "$(bin)" -a 127.0.0.1 -p "$port" -m "$mport" -js -sd "$dir" -n polyshop-test
      wait_ready 30 ready || die "nats-server did not become ready on 127.0.0.1:$port"
      log "ready on 127.0.0.1:$port (monitoring http://127.0.0.1:$mport, JetStream store $dir/jetstream)"
    fi
    echo "POLYSHOP_TEST_NATS_URL=nats://127.0.0.1:$port" ;;
  down) stop_pidfile ;;
  status) if ready; then echo "nats: up on 127.0.0.1:$port (JetStream, monitoring :$mport)"; else echo "nats: down"; exit 1; fi ;;
  *) echo "usage: $0 up|down|status" >&2; exit 2 ;;
esac
