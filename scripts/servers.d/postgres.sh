#!/usr/bin/env bash
# PostgreSQL from Debian's packages, as a private cluster under $SERVERS_DIR/postgres on 127.0.0.1.
set -euo pipefail
SERVERS_DIR="${SERVERS_DIR:-$(cd "$(dirname "$0")/../.." && pwd)/.servers}"
dir="$SERVERS_DIR/postgres"; port="${POLYSHOP_PG_PORT:-55432}"
log() { echo "postgres: $*" >&2; }
bindir() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }
install() {
  [ -n "$(bindir)" ] && [ -x "$(bindir)/postgres" ] && return
  log "installing Debian's postgresql"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2 && apt-get install -y -qq postgresql >&2
}
# postgres refuses to run as root: run the cluster as the 'postgres' user (created by the package) when root.
as_owner() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
ready() { "$(bindir)/pg_isready" -q -h 127.0.0.1 -p "$port" 2>/dev/null; }
case "$1" in
  up)
    install
    if ! ready; then
      if [ ! -s "$dir/data/PG_VERSION" ]; then
        mkdir -p "$dir"; [ "$(id -u)" = 0 ] && chown -R postgres:postgres "$dir"
        as_owner "$(bindir)/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 >/dev/null
      fi
      as_owner "$(bindir)/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-h 127.0.0.1 -p $port -k $dir -c max_connections=300 -c fsync=off" start >&2
    fi
    for _ in $(seq 1 60); do ready && break; sleep 1; done
    ready || { log "not ready"; exit 1; }
    psql -h 127.0.0.1 -p "$port" -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname='polyshop'" | grep -q 1 \
      || psql -h 127.0.0.1 -p "$port" -U postgres -qc "CREATE DATABASE polyshop" >&2
    log "ready on 127.0.0.1:$port"
    echo "POLYSHOP_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:$port/polyshop" ;;
  down) [ -d "$dir/data" ] && as_owner "$(bindir)/pg_ctl" -D "$dir/data" -m fast stop >&2 || true ;;
  status) if ready; then echo "postgres: up on 127.0.0.1:$port"; else echo "postgres: down"; exit 1; fi ;;
esac
