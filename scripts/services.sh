#!/usr/bin/env bash
# Local backing services for development and tests, without Docker or systemd.
#
# Usage: scripts/services.sh start|stop|status|env
#
#   start   install what is missing (Debian packages, helm), start PostgreSQL, Redis, RabbitMQ,
#           an OCI registry and an S3 endpoint on loopback, write .local/env, print the URLs.
#           Idempotent: services already answering are left alone.
#   stop    stop the five services (only those this script started).
#   status  print each service up/down; exit 1 if any is down.
#   env     print .local/env (shell `export` lines; `source` it or `eval "$(… env)"`).
#
# Everything lives in <project>/.local/ except the PostgreSQL data, which must be reachable by the
# `postgres` user (a project under /root is not), so it goes to /var/tmp/nemo-intent-api-<hash>/.
#
# Ports (override with env vars): PostgreSQL 55432 (NEMO_PG_PORT), Redis 56379 (NEMO_REDIS_PORT),
# RabbitMQ 55672 (NEMO_RABBITMQ_PORT; Erlang dist 55673 NEMO_RABBITMQ_DIST_PORT, epmd 54369
# NEMO_EPMD_PORT), registry 55000 (NEMO_REGISTRY_PORT), S3 54566 (NEMO_S3_PORT).
# NEMO_SERVICES_FAST=1 trades PostgreSQL durability for speed (fsync=off): tests only.
# NEMO_SERVICES_TIMEOUT (seconds, default 90) bounds each wait.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PROJECT_DIR="$(cd "$SCRIPT_DIR/.." && pwd)"

LOCAL_DIR="$PROJECT_DIR/.local"
BIN_DIR="$LOCAL_DIR/bin"
RUN_DIR="$LOCAL_DIR/run"
LOG_DIR="$LOCAL_DIR/log"
ENV_FILE="$LOCAL_DIR/env"
RABBITMQ_WRAPPER="$BIN_DIR/rabbitmq"

PG_PORT="${NEMO_PG_PORT:-55432}"
REDIS_PORT="${NEMO_REDIS_PORT:-56379}"
RABBITMQ_PORT="${NEMO_RABBITMQ_PORT:-55672}"
RABBITMQ_DIST_PORT="${NEMO_RABBITMQ_DIST_PORT:-55673}"
EPMD_PORT="${NEMO_EPMD_PORT:-54369}"
REGISTRY_PORT="${NEMO_REGISTRY_PORT:-55000}"
S3_PORT="${NEMO_S3_PORT:-54566}"
TIMEOUT="${NEMO_SERVICES_TIMEOUT:-90}"
FAST="${NEMO_SERVICES_FAST:-0}"

S3_BUCKET=nemo
DB_USER=nemo
DB_PASSWORD=nemo
DB_NAME=nemo
RABBITMQ_USER=nemo
RABBITMQ_PASSWORD=nemo

# PostgreSQL data outside the project (see header). The hash keeps two work trees apart.
PROJECT_HASH="$(printf '%s' "$PROJECT_DIR" | sha256sum | cut -c1-8)"
PG_BASE="/var/tmp/nemo-intent-api-$PROJECT_HASH"
PG_DATA="$PG_BASE/pg"
PG_SOCKET_DIR="$PG_BASE/run"
PG_LOG="$PG_BASE/postgresql.log"

# Debian packages we need (package_installed tells whether each is already there).
readonly -a PACKAGES=(postgresql redis-server rabbitmq-server skopeo docker-registry s3cmd chromium unzip jq curl)

log() { echo "[services] $*" >&2; }
die() { log "ERROR: $*"; exit 1; }
is_root() { [[ "$(id -u)" == 0 ]]; }

# ---------------------------------------------------------------------------------------------
# Packages
# ---------------------------------------------------------------------------------------------

# Directory holding initdb/pg_ctl/postgres/pg_isready/psql; prefers PostgreSQL 15.
pg_bindir() {
  local dir
  for dir in "${NEMO_PG_BINDIR:-}" /usr/lib/postgresql/15/bin /usr/lib/postgresql/*/bin; do
    [[ -n "$dir" && -x "$dir/initdb" && -x "$dir/pg_ctl" && -x "$dir/pg_isready" && -x "$dir/psql" ]] && {
      echo "$dir"
      return 0
    }
  done
  return 1
}

package_installed() {
  case "$1" in
    postgresql) pg_bindir >/dev/null ;;
    redis-server) command -v redis-server >/dev/null && command -v redis-cli >/dev/null ;;
    # The server script under /usr/lib/rabbitmq/bin, not the /usr/sbin wrapper (see the wrapper).
    rabbitmq-server) [[ -x /usr/lib/rabbitmq/bin/rabbitmq-server ]] ;;
    docker-registry) [[ -x /usr/bin/docker-registry ]] ;;
    *) command -v "$1" >/dev/null ;;
  esac
}

missing_packages() {
  local pkg
  for pkg in "${PACKAGES[@]}"; do
    package_installed "$pkg" || echo "$pkg"
  done
}

# Package post-install scripts try to start their system service (on default ports, as system
# users). A policy-rc.d that exits 101 tells invoke-rc.d not to; we start our own copies later.
# An existing policy is kept if it already denies, otherwise set aside and restored.
POLICY_RC_D=/usr/sbin/policy-rc.d
POLICY_BACKUP=""
POLICY_CREATED=0
deny_service_starts() {
  if [[ -x "$POLICY_RC_D" ]]; then
    local rc=0
    "$POLICY_RC_D" >/dev/null 2>&1 || rc=$?
    [[ "$rc" == 101 ]] && return 0
    POLICY_BACKUP="$POLICY_RC_D.nemo-backup.$$"
    mv "$POLICY_RC_D" "$POLICY_BACKUP"
  fi
  printf '#!/bin/sh\n# Temporary (scripts/services.sh): do not start services during package installs.\nexit 101\n' >"$POLICY_RC_D"
  chmod 0755 "$POLICY_RC_D"
  POLICY_CREATED=1
}
restore_service_policy() {
  if [[ "$POLICY_CREATED" == 1 ]]; then
    rm -f "$POLICY_RC_D"
    [[ -n "$POLICY_BACKUP" ]] && mv "$POLICY_BACKUP" "$POLICY_RC_D"
    POLICY_CREATED=0
  fi
  return 0
}

ensure_packages() {
  local -a missing
  mapfile -t missing < <(missing_packages)
  [[ ${#missing[@]} -eq 0 ]] && return 0

  if ! is_root; then
    log "missing Debian packages: ${missing[*]}"
    log "install them as root, then rerun:"
    log "  sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing[*]}"
    exit 1
  fi

  log "installing Debian packages: ${missing[*]}"
  trap restore_service_policy EXIT
  deny_service_starts
  export DEBIAN_FRONTEND=noninteractive
  # Always refresh the lists before installing: on a fresh machine they are empty, and stale
  # lists point at package versions the archive no longer has.
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >"$LOG_DIR/apt-install.log" 2>&1 || {
    tail -n 30 "$LOG_DIR/apt-install.log" >&2
    die "apt-get install failed (full log: $LOG_DIR/apt-install.log)"
  }
  restore_service_policy
  trap - EXIT

  mapfile -t missing < <(missing_packages)
  [[ ${#missing[@]} -eq 0 ]] || die "still missing after install: ${missing[*]}"
}

ensure_helm() {
  # Only fetch when absent: install-helm.sh verifies checksums, which costs ~0.3 s per run.
  [[ -x "$BIN_DIR/helm" ]] || bash "$SCRIPT_DIR/install-helm.sh" "$BIN_DIR"
}

# The project's Node (package "node" in devDependencies) if installed, else the machine's.
node_bin() {
  if [[ -x "$PROJECT_DIR/node_modules/.bin/node" ]]; then
    echo "$PROJECT_DIR/node_modules/.bin/node"
  else
    command -v node || die "node not found"
  fi
}

prepare_local_dir() {
  mkdir -p "$BIN_DIR" "$RUN_DIR" "$LOG_DIR"
  # Keep the whole folder out of git even if the root .gitignore does not mention it.
  [[ -f "$LOCAL_DIR/.gitignore" ]] || printf '*\n' >"$LOCAL_DIR/.gitignore"
}

# ---------------------------------------------------------------------------------------------
# Generic helpers
# ---------------------------------------------------------------------------------------------

# proc_running <pid>: kill -0 alone is not enough: a process that exited stays a zombie (kill -0
# succeeds) until its parent reaps it, and some init processes reap late. Callers also ask the
# service itself whether it answers.
proc_running() {
  local stat
  kill -0 "$1" 2>/dev/null || return 1
  read -r stat <"/proc/$1/stat" 2>/dev/null || return 0
  stat="${stat##*) }"
  [[ "${stat%% *}" != Z ]]
}

# cmdline_has <pid> <text>: the process's command line contains text.
cmdline_has() {
  local cmdline
  cmdline="$(tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null)" || return 1
  [[ "$cmdline" == *"$2"* ]]
}

# pid_alive <pidfile>: the pid in the file is a running process of the expected program. The
# program check matters after a reboot or a kill -9: a stale pid file may name a pid that now
# belongs to something else, which we must neither wait for nor kill.
pid_alive() {
  local pid expected
  [[ -s "$1" ]] || return 1
  pid="$(head -n 1 "$1" 2>/dev/null | tr -dc '0-9')"
  [[ -n "$pid" ]] && proc_running "$pid" || return 1
  case "$(basename "$1")" in
    redis.pid) expected=redis-server ;;
    registry.pid) expected=docker-registry ;;
    s3rver.pid) expected=s3rver.js ;;
    postmaster.pid) expected=postgres ;;
    *) return 0 ;;
  esac
  cmdline_has "$pid" "$expected"
}

pid_of() { head -n 1 "$1" 2>/dev/null | tr -dc '0-9'; }

http_answers() { curl -fsS -o /dev/null --max-time 2 "$1" 2>/dev/null; }

# wait_ready <name> <logfile> <pidfile|""> <check command...>
# Polls the check until it succeeds; fails early if the process is gone, or after $TIMEOUT s,
# printing the end of the service log either way.
wait_ready() {
  local name="$1" logfile="$2" pidfile="$3"
  shift 3
  local deadline=$((SECONDS + TIMEOUT))
  until "$@"; do
    if [[ -n "$pidfile" && -s "$pidfile" ]] && ! pid_alive "$pidfile"; then
      "$@" && return 0
      fail_with_log "$name exited during startup" "$logfile"
    fi
    ((SECONDS < deadline)) || fail_with_log "$name did not answer within ${TIMEOUT}s" "$logfile"
    sleep 0.2
  done
}

fail_with_log() {
  log "ERROR: $1"
  if [[ -f "$2" ]]; then
    log "last lines of $2:"
    tail -n 40 "$2" >&2
  fi
  exit 1
}

# start_bg <pidfile> <logfile> <command...>: run detached (own session, so a Ctrl-C in the
# calling terminal does not reach it), output appended to the log.
start_bg() {
  local pidfile="$1" logfile="$2"
  shift 2
  # 9>&-: do not hand the services.lock descriptor to a long-lived process (it would hold the lock).
  setsid "$@" >>"$logfile" 2>&1 </dev/null 9>&- &
  echo $! >"$pidfile"
}

# wait_gone <pid> <seconds>: true once the process has exited.
wait_gone() {
  local deadline=$((SECONDS + $2))
  while proc_running "$1"; do
    ((SECONDS < deadline)) || return 1
    sleep 0.2
  done
}

# stop_pid <name> <pid>: SIGTERM, wait up to 15 s, then SIGKILL.
stop_pid() {
  local name="$1" pid="$2"
  kill -TERM "$pid" 2>/dev/null || true
  if ! wait_gone "$pid" 15; then
    log "$name did not stop on SIGTERM; killing"
    kill -KILL "$pid" 2>/dev/null || true
  fi
}

# stop_pidfile <name> <pidfile>: stop the process in the pid file, if running.
stop_pidfile() {
  local name="$1" pidfile="$2"
  if pid_alive "$pidfile"; then
    stop_pid "$name" "$(pid_of "$pidfile")"
    log "$name stopped"
  fi
  rm -f "$pidfile"
}

# ---------------------------------------------------------------------------------------------
# PostgreSQL
# ---------------------------------------------------------------------------------------------

# Run a PostgreSQL tool as the user that owns the data: `postgres` when we are root (the server
# refuses to run as root), ourselves otherwise. cd first: postgres may not be able to read the
# caller's working directory.
as_pg_owner() {
  if is_root; then
    (cd "$PG_BASE" && runuser -u postgres -- "$@" 9>&-)
  else
    (cd "$PG_BASE" && "$@" 9>&-)
  fi
}

pg_answers() { "$(pg_bindir)/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" -t 2 >/dev/null 2>&1; }

pg_ours_alive() { pid_alive "$PG_DATA/postmaster.pid"; }

start_postgres() {
  local bindir
  bindir="$(pg_bindir)" || die "PostgreSQL binaries not found"
  if pg_answers; then
    pg_ours_alive || log "postgres: something else already answers on 127.0.0.1:$PG_PORT; using it"
    return 0
  fi

  mkdir -p "$PG_BASE" "$PG_SOCKET_DIR"
  chmod 0700 "$PG_BASE"
  if is_root; then
    id postgres >/dev/null 2>&1 || die "user 'postgres' is missing (reinstall the postgresql package)"
    chown postgres: "$PG_BASE" "$PG_SOCKET_DIR"
  fi

  # initdb refuses a non-empty folder: only on first use. Local (socket) connections are trusted
  # because the socket folder is private to the owner; TCP needs a password.
  if [[ ! -f "$PG_DATA/PG_VERSION" ]]; then
    log "postgres: initdb $PG_DATA"
    as_pg_owner "$bindir/initdb" -D "$PG_DATA" -U postgres -E UTF8 --locale=C.UTF-8 \
      --auth-local=trust --auth-host=scram-sha-256 >"$LOG_DIR/initdb.log" 2>&1 \
      || fail_with_log "initdb failed" "$LOG_DIR/initdb.log"
  fi

  local opts="-c listen_addresses=127.0.0.1 -c port=$PG_PORT -c unix_socket_directories=$PG_SOCKET_DIR"
  opts+=" -c max_connections=200"
  if [[ "$FAST" == 1 ]]; then
    opts+=" -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
  fi

  log "postgres: starting on 127.0.0.1:$PG_PORT"
  as_pg_owner touch "$PG_LOG"
  as_pg_owner "$bindir/pg_ctl" -D "$PG_DATA" -l "$PG_LOG" -o "$opts" -w -t "$TIMEOUT" start >/dev/null \
    || fail_with_log "postgres failed to start" "$PG_LOG"
  wait_ready postgres "$PG_LOG" "$PG_DATA/postmaster.pid" pg_answers
  bootstrap_postgres
}

# Role `nemo` (CREATEDB, so tests can create a database per worker) owning database `nemo`.
bootstrap_postgres() {
  local psql
  psql="$(pg_bindir)/psql"
  as_pg_owner "$psql" -h "$PG_SOCKET_DIR" -p "$PG_PORT" -U postgres -d postgres -qAtX -v ON_ERROR_STOP=1 <<SQL >/dev/null
DO \$\$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$DB_USER') THEN
    CREATE ROLE $DB_USER LOGIN CREATEDB PASSWORD '$DB_PASSWORD';
  ELSE
    ALTER ROLE $DB_USER LOGIN CREATEDB PASSWORD '$DB_PASSWORD';
  END IF;
END
\$\$;
SELECT 'CREATE DATABASE $DB_NAME OWNER $DB_USER' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '$DB_NAME')
\gexec
SQL
}

stop_postgres() {
  [[ -f "$PG_DATA/PG_VERSION" ]] || return 0
  if pg_ours_alive; then
    as_pg_owner "$(pg_bindir)/pg_ctl" -D "$PG_DATA" -m fast -w -t "$TIMEOUT" stop >/dev/null
    log "postgres stopped"
  fi
}

# ---------------------------------------------------------------------------------------------
# Redis
# ---------------------------------------------------------------------------------------------

REDIS_PIDFILE="$RUN_DIR/redis.pid"
REDIS_LOG="$LOG_DIR/redis.log"

redis_answers() { [[ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null)" == PONG ]]; }

start_redis() {
  if redis_answers; then
    pid_alive "$REDIS_PIDFILE" || log "redis: something else already answers on 127.0.0.1:$REDIS_PORT; using it"
    return 0
  fi
  if pid_alive "$REDIS_PIDFILE"; then
    log "redis: pid $(pid_of "$REDIS_PIDFILE") is running but not answering yet; waiting"
    wait_ready redis "$REDIS_LOG" "$REDIS_PIDFILE" redis_answers
    return 0
  fi
  mkdir -p "$LOCAL_DIR/redis"
  log "redis: starting on 127.0.0.1:$REDIS_PORT"
  # Foreground (not --daemonize) so $! is the server and an early exit is noticed at once.
  start_bg "$REDIS_PIDFILE" "$REDIS_LOG" redis-server --port "$REDIS_PORT" --bind 127.0.0.1 \
    --daemonize no --dir "$LOCAL_DIR/redis" --pidfile "$REDIS_PIDFILE" --logfile "$REDIS_LOG"
  wait_ready redis "$REDIS_LOG" "$REDIS_PIDFILE" redis_answers
}

stop_redis() {
  local pid
  if pid_alive "$REDIS_PIDFILE"; then
    # SHUTDOWN saves the dataset first; SIGTERM (stop_pid) only if it did not end the server.
    pid="$(pid_of "$REDIS_PIDFILE")"
    redis-cli -h 127.0.0.1 -p "$REDIS_PORT" shutdown >/dev/null 2>&1 || true
    wait_gone "$pid" 15 || stop_pid redis "$pid"
    log "redis stopped"
  fi
  rm -f "$REDIS_PIDFILE"
}

# ---------------------------------------------------------------------------------------------
# RabbitMQ (through the generated .local/bin/rabbitmq wrapper, which tests also use)
# ---------------------------------------------------------------------------------------------

# The wrapper carries the whole environment RabbitMQ and its CLI need, so that tests can stop
# and start the broker (outage simulation) without knowing any of it:
#   .local/bin/rabbitmq start|stop|status|ctl <rabbitmqctl args>|env
write_rabbitmq_wrapper() {
  local base="$LOCAL_DIR/rabbitmq"
  local tmp="$RABBITMQ_WRAPPER.tmp.$$"
  {
    echo '#!/usr/bin/env bash'
    echo '# Generated by scripts/services.sh: controls the local RabbitMQ broker.'
    echo '# Usage: rabbitmq start|stop|status|ctl <rabbitmqctl args>|env'
    echo 'set -euo pipefail'
    printf 'RMQ_BASE=%q\n' "$base"
    printf 'RMQ_LOG_DIR=%q\n' "$LOG_DIR"
    printf 'RMQ_PORT=%q\n' "$RABBITMQ_PORT"
    printf 'RMQ_DIST_PORT=%q\n' "$RABBITMQ_DIST_PORT"
    printf 'RMQ_EPMD_PORT=%q\n' "$EPMD_PORT"
    printf 'RMQ_USER=%q\n' "$RABBITMQ_USER"
    printf 'RMQ_PASSWORD=%q\n' "$RABBITMQ_PASSWORD"
    # shellcheck disable=SC2016 # expanded when the wrapper runs
    printf 'RMQ_TIMEOUT="${NEMO_SERVICES_TIMEOUT:-%q}"\n' "$TIMEOUT"
    cat <<'WRAPPER'

# Every Erlang program (server, rabbitmqctl, epmd) must see the same HOME (cookie), node name and
# epmd port; one started without ERL_EPMD_PORT would spawn a stray epmd on 4369.
export HOME="$RMQ_BASE"
export RABBITMQ_NODENAME=nemo@localhost
export RABBITMQ_NODE_IP_ADDRESS=127.0.0.1
export RABBITMQ_NODE_PORT="$RMQ_PORT"
# The default dist port (node port + 20000) is beyond 65535 for our node port.
export RABBITMQ_DIST_PORT="$RMQ_DIST_PORT"
export ERL_EPMD_PORT="$RMQ_EPMD_PORT"
export ERL_EPMD_ADDRESS=127.0.0.1
export RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS='-kernel inet_dist_use_interface {127,0,0,1}'
export RABBITMQ_MNESIA_BASE="$RMQ_BASE/mnesia"
export RABBITMQ_LOG_BASE="$RMQ_LOG_DIR"
export RABBITMQ_LOGS="$RMQ_LOG_DIR/rabbitmq.log"
export RABBITMQ_PID_FILE="$RMQ_BASE/rabbitmq.pid"
export RABBITMQ_CONFIG_FILE="$RMQ_BASE/rabbitmq.conf"
export RABBITMQ_ADVANCED_CONFIG_FILE="$RMQ_BASE/advanced.config"
export RABBITMQ_ENABLED_PLUGINS_FILE="$RMQ_BASE/enabled_plugins"
# Ignore /etc/rabbitmq/rabbitmq-env.conf: it may set a different node name or paths.
export RABBITMQ_CONF_ENV_FILE="$RMQ_BASE/rabbitmq-env.conf"
# A failed start writes erl_crash.dump into the current folder otherwise.
export ERL_CRASH_DUMP="$RMQ_LOG_DIR/erl_crash.dump"

# The /usr/sbin wrappers switch to the `rabbitmq` user and its cookie (exit 69): use these.
SBIN=/usr/lib/rabbitmq/bin
STDOUT_LOG="$RMQ_LOG_DIR/rabbitmq-stdout.log"

log() { echo "[rabbitmq] $*" >&2; }

# kill -0 alone would count a zombie (exited, not yet reaped) as running.
proc_running() {
  local stat
  kill -0 "$1" 2>/dev/null || return 1
  read -r stat <"/proc/$1/stat" 2>/dev/null || return 0
  stat="${stat##*) }"
  [[ "${stat%% *}" != Z ]]
}

# is_broker <pid>: a running Erlang VM booting RabbitMQ from our data folder. Checking the
# program matters: after a reboot a stale pid file may name a pid now used by something else.
is_broker() {
  local cmdline
  proc_running "$1" || return 1
  cmdline="$(tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null)" || return 1
  [[ "$cmdline" == *beam* && "$cmdline" == *"-home $RMQ_BASE "* && "$cmdline" == *"rabbit boot"* ]]
}

# broker_pid: print the pid of our broker if it runs. The pid file is the usual source; if it is
# missing (lost, or the node has not written it yet) look for the VM in /proc.
broker_pid() {
  local pid dir
  pid="$(head -n 1 "$RABBITMQ_PID_FILE" 2>/dev/null | tr -dc '0-9')"
  if [[ -n "$pid" ]] && is_broker "$pid"; then
    echo "$pid"
    return 0
  fi
  for dir in /proc/[0-9]*; do
    pid="${dir#/proc/}"
    if is_broker "$pid"; then
      echo "$pid"
      return 0
    fi
  done
  return 1
}

# Serialize start/stop: a stop during a start (e.g. ending epmd while the node registers) would
# leave a half-started broker. fd 8 is closed for the broker itself so it does not hold the lock.
take_lock() {
  exec 8>"$RMQ_BASE/control.lock"
  flock -w "$RMQ_TIMEOUT" 8 || { log "ERROR: another start/stop holds $RMQ_BASE/control.lock"; exit 1; }
}

# Answers = speaks AMQP: after the protocol header the broker sends a frame starting with 0x01.
answers() {
  local first
  # shellcheck disable=SC2016 # $1 is expanded by the inner bash
  first="$(timeout 3 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1" && printf "AMQP\x00\x00\x09\x01" >&3 && head -c 1 <&3' \
    _ "$RMQ_PORT" 2>/dev/null | od -An -tx1 | tr -d ' \n')" || return 1
  [[ "$first" == 01 ]]
}

fail() {
  log "ERROR: $1"
  local f
  for f in "$RABBITMQ_LOGS" "$STDOUT_LOG"; do
    [[ -s "$f" ]] && { log "last lines of $f:"; tail -n 30 "$f" >&2; }
  done
  exit 1
}

write_config() {
  mkdir -p "$RMQ_BASE" "$RABBITMQ_MNESIA_BASE" "$RMQ_LOG_DIR"
  # The Erlang cookie must exist with mode 400 before any Erlang tool runs.
  if [[ ! -s "$HOME/.erlang.cookie" ]]; then
    (umask 077 && head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$HOME/.erlang.cookie")
  fi
  chmod 0400 "$HOME/.erlang.cookie"
  # Log to $RABBITMQ_LOGS only (not also to stdout).
  cat >"$RABBITMQ_CONFIG_FILE" <<CONF
listeners.tcp.default = 127.0.0.1:$RMQ_PORT
log.console = false
loopback_users = none
default_user = $RMQ_USER
default_pass = $RMQ_PASSWORD
default_user_tags.administrator = true
default_permissions.configure = .*
default_permissions.read = .*
default_permissions.write = .*
CONF
  echo '[].' >"$RABBITMQ_ADVANCED_CONFIG_FILE"
  echo '[].' >"$RABBITMQ_ENABLED_PLUGINS_FILE"
  : >"$RABBITMQ_CONF_ENV_FILE"
}

start() {
  mkdir -p "$RMQ_BASE"
  take_lock
  local pid="" launcher="" deadline=$((SECONDS + RMQ_TIMEOUT))
  if answers; then
    # Already up. Repair a lost pid file so that stop and status keep working.
    [[ -s "$RABBITMQ_PID_FILE" ]] || { pid="$(broker_pid)" && echo "$pid" >"$RABBITMQ_PID_FILE"; } || true
    return 0
  fi
  write_config
  if ! pid="$(broker_pid)"; then
    rm -f "$RABBITMQ_PID_FILE"
    log "starting on 127.0.0.1:$RMQ_PORT"
    # Own session (a Ctrl-C in the caller's terminal must not reach it), crash dumps in the log
    # folder, stdout in a log file.
    (cd "$RMQ_LOG_DIR" && exec setsid "$SBIN/rabbitmq-server" >>"$STDOUT_LOG" 2>&1 </dev/null 8>&-) &
    launcher=$!
    # Wait for the Erlang VM to exist, failing fast if the launcher died before.
    until pid="$(broker_pid)"; do
      if ! proc_running "$launcher"; then fail "rabbitmq-server exited during startup"; fi
      ((SECONDS < deadline)) || fail "no RabbitMQ node process after ${RMQ_TIMEOUT}s"
      sleep 0.2
    done
  else
    log "node (pid $pid) is running but not answering yet; waiting"
  fi
  # Blocks until the rabbit application has booted, or fails if the OS process exits.
  "$SBIN/rabbitmqctl" wait --pid "$pid" --timeout "$RMQ_TIMEOUT" >>"$STDOUT_LOG" 2>&1 \
    || fail "rabbitmqctl wait failed"
  until answers; do
    ((SECONDS < deadline)) || fail "broker booted but does not answer AMQP on 127.0.0.1:$RMQ_PORT"
    sleep 0.2
  done
  # The node writes its pid file while booting; keep it right even if someone removed it.
  echo "$pid" >"$RABBITMQ_PID_FILE"
  log "up on amqp://127.0.0.1:$RMQ_PORT"
}

stop() {
  mkdir -p "$RMQ_BASE"
  take_lock
  local pid
  if pid="$(broker_pid)"; then
    # With a pid file, `rabbitmqctl stop` returns only once the OS process has exited.
    echo "$pid" >"$RABBITMQ_PID_FILE"
    "$SBIN/rabbitmqctl" stop "$RABBITMQ_PID_FILE" >>"$STDOUT_LOG" 2>&1 || true
    if is_broker "$pid"; then
      log "rabbitmqctl stop did not end pid $pid; sending SIGTERM"
      kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 1 75); do is_broker "$pid" || break; sleep 0.2; done
      if is_broker "$pid"; then kill -KILL "$pid" 2>/dev/null || true; fi
    fi
    log "stopped"
  fi
  rm -f "$RABBITMQ_PID_FILE"
  # The broker's epmd outlives the node: end it, or it keeps the port for nothing.
  epmd -port "$ERL_EPMD_PORT" -kill >/dev/null 2>&1 || true
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) broker_pid >/dev/null && answers ;;
  ctl) shift; exec "$SBIN/rabbitmqctl" "$@" ;;
  env) env | grep -E '^(RABBITMQ_|ERL_|HOME=)' | sort ;;
  *) echo "usage: $0 start|stop|status|ctl <rabbitmqctl args>|env" >&2; exit 2 ;;
esac
WRAPPER
  } >"$tmp"
  chmod 0755 "$tmp"
  mv -f "$tmp" "$RABBITMQ_WRAPPER"
}

rabbitmq_answers() { "$RABBITMQ_WRAPPER" status; }

# ---------------------------------------------------------------------------------------------
# OCI registry (distribution)
# ---------------------------------------------------------------------------------------------

REGISTRY_PIDFILE="$RUN_DIR/registry.pid"
REGISTRY_LOG="$LOG_DIR/registry.log"

registry_answers() { http_answers "http://127.0.0.1:$REGISTRY_PORT/v2/"; }

start_registry() {
  if registry_answers; then
    pid_alive "$REGISTRY_PIDFILE" || log "registry: something else already answers on 127.0.0.1:$REGISTRY_PORT; using it"
    return 0
  fi
  if pid_alive "$REGISTRY_PIDFILE"; then
    log "registry: pid $(pid_of "$REGISTRY_PIDFILE") is running but not answering yet; waiting"
    wait_ready registry "$REGISTRY_LOG" "$REGISTRY_PIDFILE" registry_answers
    return 0
  fi
  local dir="$LOCAL_DIR/registry"
  mkdir -p "$dir/data"
  # No blob descriptor cache: with deletes enabled an in-memory cache can report deleted blobs.
  cat >"$dir/config.yml" <<YAML
version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $dir/data
  delete:
    enabled: true
  maintenance:
    uploadpurging:
      enabled: false
http:
  addr: 127.0.0.1:$REGISTRY_PORT
  secret: nemo-local-registry
health:
  storagedriver:
    enabled: false
YAML
  log "registry: starting on 127.0.0.1:$REGISTRY_PORT"
  start_bg "$REGISTRY_PIDFILE" "$REGISTRY_LOG" /usr/bin/docker-registry serve "$dir/config.yml"
  wait_ready registry "$REGISTRY_LOG" "$REGISTRY_PIDFILE" registry_answers
}

stop_registry() { stop_pidfile registry "$REGISTRY_PIDFILE"; }

# ---------------------------------------------------------------------------------------------
# S3 (s3rver from devDependencies)
# ---------------------------------------------------------------------------------------------

S3_PIDFILE="$RUN_DIR/s3rver.pid"
S3_LOG="$LOG_DIR/s3rver.log"

s3_answers() { http_answers "http://127.0.0.1:$S3_PORT/"; }

ensure_bucket() {
  # s3rver accepts anonymous requests, so plain HTTP is enough to check and create the bucket.
  curl -fsS -o /dev/null --max-time 5 -I "http://127.0.0.1:$S3_PORT/$S3_BUCKET" 2>/dev/null \
    || curl -fsS -o /dev/null --max-time 5 -X PUT "http://127.0.0.1:$S3_PORT/$S3_BUCKET" \
    || die "could not create bucket $S3_BUCKET"
}

start_s3() {
  if s3_answers; then
    pid_alive "$S3_PIDFILE" || log "s3: something else already answers on 127.0.0.1:$S3_PORT; using it"
    ensure_bucket
    return 0
  fi
  if pid_alive "$S3_PIDFILE"; then
    log "s3: pid $(pid_of "$S3_PIDFILE") is running but not answering yet; waiting"
    wait_ready s3rver "$S3_LOG" "$S3_PIDFILE" s3_answers
    ensure_bucket
    return 0
  fi
  [[ -f "$PROJECT_DIR/node_modules/s3rver/package.json" ]] \
    || die "s3rver is not installed: run 'npm ci' in $PROJECT_DIR first"
  mkdir -p "$LOCAL_DIR/s3"
  log "s3: starting s3rver on 127.0.0.1:$S3_PORT"
  # --openssl-legacy-provider: without it paged ListObjectsV2 answers 500 (ERR_OSSL_EVP_UNSUPPORTED).
  NODE_OPTIONS="${NODE_OPTIONS:+$NODE_OPTIONS }--openssl-legacy-provider" \
    S3RVER_ADDRESS=127.0.0.1 S3RVER_PORT="$S3_PORT" S3RVER_DIRECTORY="$LOCAL_DIR/s3" \
    S3RVER_BUCKETS="$S3_BUCKET" start_bg "$S3_PIDFILE" "$S3_LOG" "$(node_bin)" "$SCRIPT_DIR/s3rver.js"
  wait_ready s3rver "$S3_LOG" "$S3_PIDFILE" s3_answers
  ensure_bucket
}

stop_s3() { stop_pidfile s3rver "$S3_PIDFILE"; }

# ---------------------------------------------------------------------------------------------
# Environment file and commands
# ---------------------------------------------------------------------------------------------

write_env() {
  local chromium tmp="$ENV_FILE.tmp.$$"
  chromium="$(command -v chromium || true)"
  {
    echo "# Generated by scripts/services.sh: source it (or eval \"\$(scripts/services.sh env)\")."
    emit DATABASE_URL "postgres://$DB_USER:$DB_PASSWORD@127.0.0.1:$PG_PORT/$DB_NAME"
    emit REDIS_URL "redis://127.0.0.1:$REDIS_PORT"
    emit RABBITMQ_URL "amqp://$RABBITMQ_USER:$RABBITMQ_PASSWORD@127.0.0.1:$RABBITMQ_PORT"
    emit AWS_ENDPOINT "http://127.0.0.1:$S3_PORT"
    emit AWS_ACCESS_KEY_ID S3RVER
    emit AWS_SECRET_ACCESS_KEY S3RVER
    emit AWS_DEFAULT_REGION us-east-1
    # The AWS SDK for JavaScript v3 reads AWS_REGION, not AWS_DEFAULT_REGION.
    emit AWS_REGION us-east-1
    emit HELM_REPOSITORY_BUCKET "s3://$S3_BUCKET/charts"
    emit HELM_REPOSITORY_NAME nemo
    emit REGISTRY_HOST "127.0.0.1:$REGISTRY_PORT"
    emit REGISTRY_TLS_VERIFY false
    emit HELM_BIN "$BIN_DIR/helm"
    emit SKOPEO_BIN skopeo
    emit CHROMIUM_BIN "$chromium"
    # `$NEMO_RABBITMQ_CTL stop|start` simulates a broker outage and recovery.
    emit NEMO_RABBITMQ_CTL "$RABBITMQ_WRAPPER"
  } >"$tmp"
  mv -f "$tmp" "$ENV_FILE"
}

emit() { printf 'export %s=%q\n' "$1" "$2"; }

print_urls() {
  cat <<EOF
PostgreSQL  postgres://$DB_USER:$DB_PASSWORD@127.0.0.1:$PG_PORT/$DB_NAME   (data: $PG_DATA)
Redis       redis://127.0.0.1:$REDIS_PORT
RabbitMQ    amqp://$RABBITMQ_USER:$RABBITMQ_PASSWORD@127.0.0.1:$RABBITMQ_PORT   (control: $RABBITMQ_WRAPPER)
Registry    http://127.0.0.1:$REGISTRY_PORT/v2/
S3          http://127.0.0.1:$S3_PORT/$S3_BUCKET   (s3rver, keys S3RVER/S3RVER)
Environment $ENV_FILE
EOF
}

# Serialize start/stop so two callers (e.g. a test runner and a developer) do not race.
take_lock() {
  exec 9>"$RUN_DIR/services.lock"
  flock -w "$TIMEOUT" 9 || die "another services.sh is still running (lock $RUN_DIR/services.lock)"
}

cmd_start() {
  prepare_local_dir
  take_lock
  ensure_packages
  ensure_helm
  write_rabbitmq_wrapper

  # RabbitMQ boots slowest (~7 s): start it in the background while the others start.
  local rabbit_out="$RUN_DIR/rabbitmq-start.out" rabbit_job
  "$RABBITMQ_WRAPPER" start >"$rabbit_out" 2>&1 9>&- &
  rabbit_job=$!

  start_postgres
  start_redis
  start_registry
  start_s3

  if ! wait "$rabbit_job"; then
    cat "$rabbit_out" >&2
    die "rabbitmq failed to start"
  fi
  cat "$rabbit_out" >&2

  write_env
  log "all services up"
  print_urls
}

cmd_stop() {
  prepare_local_dir
  take_lock
  write_rabbitmq_wrapper
  stop_s3
  stop_registry
  "$RABBITMQ_WRAPPER" stop 9>&-
  stop_redis
  stop_postgres
}

cmd_status() {
  local down=0
  report() {
    local name="$1" url="$2"
    shift 2
    if "$@"; then printf '%-10s up    %s\n' "$name" "$url"; else
      printf '%-10s down  %s\n' "$name" "$url"
      down=1
    fi
  }
  [[ -x "$RABBITMQ_WRAPPER" ]] || { prepare_local_dir; write_rabbitmq_wrapper; }
  report postgres "postgres://127.0.0.1:$PG_PORT/$DB_NAME" pg_answers
  report redis "redis://127.0.0.1:$REDIS_PORT" redis_answers
  report rabbitmq "amqp://127.0.0.1:$RABBITMQ_PORT" rabbitmq_answers
  report registry "http://127.0.0.1:$REGISTRY_PORT/v2/" registry_answers
  report s3 "http://127.0.0.1:$S3_PORT/$S3_BUCKET" s3_answers
  return "$down"
}

cmd_env() {
  if [[ ! -f "$ENV_FILE" ]]; then
    prepare_local_dir
    write_env
  fi
  cat "$ENV_FILE"
}

case "${1:-}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  env) cmd_env ;;
  *)
    echo "usage: $0 start|stop|status|env" >&2
    exit 2
    ;;
esac
