# Shared helpers for scripts/servers.d/{nats,dynamodb,mongodb,opensearch}.sh (sourced, not run).
# The sourcing script sets: name (server name) and dir ($SERVERS_DIR/<name>) before sourcing.
# Everything that is said goes to stderr; stdout is kept for the KEY=VALUE lines.

log() { echo "$name: $*" >&2; }
die() { log "ERROR: $*"; exit 1; }

pidfile="$dir/server.pid"
logfile="$dir/server.log"

# true when the process recorded in the pidfile is alive
pid_alive() { local p; p=$(cat "$pidfile" 2>/dev/null) && [ -n "$p" ] && kill -0 "$p" 2>/dev/null; }

# true when something accepts TCP connections on 127.0.0.1:$1
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# start "$@" detached from this shell (own session, no terminal), output to $logfile, pid to $pidfile
start_detached() {
  mkdir -p "$dir"
  log "starting: $*"
  echo "=== $(date -u +%FT%TZ) start: $*" >> "$logfile"
  setsid nohup "$@" >> "$logfile" 2>&1 < /dev/null &
  echo $! > "$pidfile"
}

# wait_ready SECONDS CHECK...: poll CHECK every half second; fail early if our process died
wait_ready() {
  local secs=$1; shift
  local deadline=$((SECONDS + secs))
  while [ $SECONDS -lt $deadline ]; do
    "$@" && return 0
    if [ -f "$pidfile" ] && ! pid_alive; then
      log "process exited during startup; last lines of $logfile:"; tail -n 30 "$logfile" >&2
      rm -f "$pidfile"; return 1
    fi
    sleep 0.5
  done
  log "not ready after ${secs}s; last lines of $logfile:"; tail -n 30 "$logfile" >&2
  return 1
}

# stop the process of our pidfile: TERM, then KILL after a grace period
stop_pidfile() {
  local p i
  if ! pid_alive; then rm -f "$pidfile"; log "not running (no live pid in $pidfile)"; return 0; fi
  p=$(cat "$pidfile")
  log "stopping pid $p"
  kill -TERM "$p" 2>/dev/null || true
  for i in $(seq 1 60); do kill -0 "$p" 2>/dev/null || break; sleep 0.5; done
  if kill -0 "$p" 2>/dev/null; then log "still alive after 30s, killing"; kill -KILL "$p" 2>/dev/null || true; sleep 0.5; fi
  rm -f "$pidfile"
}

# apt_install PACKAGE...: Debian packages, serialized with the other scripts (they may run in parallel)
apt_install() {
  export DEBIAN_FRONTEND=noninteractive
  log "installing Debian's $*"
  flock /tmp/polyshop-apt.lock sh -c '
    apt-get install -y -qq -o DPkg::Lock::Timeout=300 "$@" >&2 ||
      { apt-get update -qq -o DPkg::Lock::Timeout=300 >&2 && apt-get install -y -qq -o DPkg::Lock::Timeout=300 "$@" >&2; }' sh "$@"
}

need_cmd() { command -v "$1" >/dev/null 2>&1 || apt_install "${2:-$1}"; }

# maven_build PROJECT_DIR: `mvn package` once; skipped while target/build.stamp matches the pom and sources.
# The runtime classpath is then PROJECT_DIR/target/*.jar plus PROJECT_DIR/target/lib/*.
maven_build() {
  local proj=$1 stamp want
  need_cmd javac openjdk-17-jdk-headless
  need_cmd mvn maven
  want=$(cd "$proj" && find pom.xml src -type f -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -d' ' -f1)
  stamp="$proj/target/build.stamp"
  if [ "$(cat "$stamp" 2>/dev/null)" = "$want" ] && ls "$proj"/target/*.jar >/dev/null 2>&1; then return 0; fi
  log "building $proj (maven; artifacts are cached in ~/.m2)"
  # one maven at a time: the parallel `scripts/servers up` would otherwise share ~/.m2 downloads
  # (maven 3.8 prints colour resets even in batch mode: strip them)
  flock /tmp/polyshop-maven.lock mvn -q -B -f "$proj/pom.xml" -Dmaven.test.skip=true clean package 2>&1 \
    | sed 's/\x1b\[[0-9;]*m//g' >&2 || die "maven build of $proj failed"
  echo "$want" > "$stamp"
}
