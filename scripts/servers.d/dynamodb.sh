#!/usr/bin/env bash
# A DynamoDB API endpoint for tests, on 127.0.0.1: moto's server mode (moto, Apache-2.0, from PyPI), in memory.
# (Amazon's DynamoDB Local is not used: it comes under Amazon's own licence terms, not an open-source licence.)
# moto is installed into a virtualenv cached under ${XDG_CACHE_HOME:-~/.cache}/polyshop, keyed on
# servers/dynamodb/requirements.txt, so a second `up` (also from a fresh clone) installs nothing.
#   POLYSHOP_DYNAMODB_PORT (8000). Data lives in memory: it is gone after `down`.
# moto answers every AWS service on this port; requests are routed by their signature's service name (dynamodb).
set -euo pipefail
name=dynamodb; root=$(cd "$(dirname "$0")/../.." && pwd); dir="${SERVERS_DIR:-$root/.servers}/dynamodb"
port="${POLYSHOP_DYNAMODB_PORT:-8000}"
req="$root/servers/dynamodb/requirements.txt"
. "$root/servers/common.sh"

venv="${XDG_CACHE_HOME:-$HOME/.cache}/polyshop/moto-$(sha256sum "$req" | cut -c1-12)"

install() {
  [ -f "$venv/.installed" ] && return 0
  need_cmd python3
  python3 -c 'import venv, ensurepip' 2>/dev/null || apt_install python3-venv
  log "installing moto into $venv (pip)"
  rm -rf "$venv"; mkdir -p "$(dirname "$venv")"
  python3 -m venv "$venv" >&2
  "$venv/bin/pip" install -q --disable-pip-version-check -r "$req" >&2 || { rm -rf "$venv"; die "pip install of moto failed"; }
  touch "$venv/.installed"
}
# an answer to a signed-looking ListTables (moto checks no signature) means the DynamoDB API is up
list_tables() {
  curl -sS --max-time 3 -X POST "http://127.0.0.1:$port/" \
    -H 'X-Amz-Target: DynamoDB_20120810.ListTables' -H 'Content-Type: application/x-amz-json-1.0' \
    -H 'Authorization: AWS4-HMAC-SHA256 Credential=x/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=x' \
    -d '{}' 2>/dev/null
}
ready() { list_tables | grep -q '"TableNames"'; }

case "${1:-status}" in
  up)
    # ours but started before moto was made to answer one request at a time: start it again
    if ready && pid_alive && ! tr '\0' ' ' < "/proc/$(cat "$pidfile")/cmdline" | grep -q serial_moto_server.py; then
      log "restarting pid $(cat "$pidfile"): it runs moto_server without the one-request-at-a-time wrapper"
      stop_pidfile
    fi
    if ready; then log "already running on 127.0.0.1:$port, reusing"
    elif pid_alive; then
      log "pid $(cat "$pidfile") is ours but not ready yet (still starting?), waiting"
      wait_ready 60 ready || die "pid $(cat "$pidfile") did not become ready on 127.0.0.1:$port (see $logfile; try down, then up)"
    else
      port_open "$port" && die "127.0.0.1:$port is taken by something that does not answer DynamoDB ListTables (set POLYSHOP_DYNAMODB_PORT)"
      need_cmd curl
      install
      # moto_server, but one request at a time: moto's backend has no lock (see serial_moto_server.py)
      start_detached "$venv/bin/python" "$root/servers/dynamodb/serial_moto_server.py" -H 127.0.0.1 -p "$port"
      wait_ready 60 ready || die "moto server did not become ready on 127.0.0.1:$port"
      log "ready on 127.0.0.1:$port (moto $("$venv/bin/pip" show moto 2>/dev/null | sed -n 's/^Version: //p'), in memory)"
    fi
    echo "POLYSHOP_TEST_DYNAMODB_ENDPOINT=http://127.0.0.1:$port" ;;
  down) stop_pidfile ;;
  status) if ready; then echo "dynamodb: up on 127.0.0.1:$port (moto server)"; else echo "dynamodb: down"; exit 1; fi ;;
  *) echo "usage: $0 up|down|status" >&2; exit 2 ;;
esac
