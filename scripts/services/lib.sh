# shellcheck shell=bash
# Shared helpers of scripts/services.sh and scripts/services/rabbitmq-ctl.sh (sourced, never run):
# project paths, logging, process checks, waiting, starting and stopping detached processes,
# locking, and Debian package installation. The sourcing script sets `set -euo pipefail`.
#
# A service file (postgres.sh, redis.sh, ...) describes one service with three functions that
# take no arguments: <name>_answers (the service answers on its port), <name>_ours (the process
# we started is running) and <name>_launch (start it detached); start_service ties them together.

SERVICES_LIB_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
SCRIPTS_DIR="$(cd "$SERVICES_LIB_DIR/.." && pwd)"
PROJECT_DIR="$(cd "$SCRIPTS_DIR/.." && pwd)"

# Everything the services keep lives below .local/ (PostgreSQL data excepted, see postgres.sh).
LOCAL_DIR="$PROJECT_DIR/.local"
BIN_DIR="$LOCAL_DIR/bin"
RUN_DIR="$LOCAL_DIR/run"
LOG_DIR="$LOCAL_DIR/log"

# NEMO_SERVICES_TIMEOUT (seconds) bounds each wait.
TIMEOUT="${NEMO_SERVICES_TIMEOUT:-90}"
# Prefix of log lines; the RabbitMQ control script sets its own.
LOG_TAG="${LOG_TAG:-services}"

log() { echo "[$LOG_TAG] $*" >&2; }
die() {
  log "ERROR: $*"
  exit 1
}
is_root() { [[ "$(id -u)" == 0 ]]; }

prepare_local_dir() {
  mkdir -p "$BIN_DIR" "$RUN_DIR" "$LOG_DIR"
  # Keep the whole folder out of git even if the root .gitignore does not mention it.
  [[ -f "$LOCAL_DIR/.gitignore" ]] || printf '*\n' >"$LOCAL_DIR/.gitignore"
}

# take_lock <file>: serialize start/stop (a stop during a start would leave a half-started
# service). The lock is held on fd 9 until the script exits, so every long-lived process this
# script starts gets `9>&-`: otherwise it would hold the lock for as long as it runs.
take_lock() {
  exec 9>"$1"
  flock -w "$TIMEOUT" 9 || die "another start/stop is still running (lock $1)"
}

# reserve_ports <port>...: our ports lie inside Linux's ephemeral range (32768-60999). While a
# service is stopped (the outage tests stop RabbitMQ and PostgreSQL), a client reconnecting to its
# port can be given that very port as its own local one and connect to itself (TCP simultaneous
# open); the service then cannot bind it again (eaddrinuse). Reserved ports are never handed out as
# ephemeral ones. Best effort: where /proc/sys is read-only nothing changes.
reserve_ports() {
  local file=/proc/sys/net/ipv4/ip_local_reserved_ports current joined
  [[ -w "$file" ]] || return 0
  current="$(cat "$file")"
  joined="$(IFS=,; echo "$*")"
  echo "${current:+$current,}$joined" >"$file" 2>/dev/null || log "could not reserve ports $joined"
}

# ---------------------------------------------------------------------------------------------
# Processes
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

# cmdline_has <pid> <text>...: the process runs and its command line contains every text.
cmdline_has() {
  local pid="$1" cmdline text
  shift
  proc_running "$pid" || return 1
  cmdline="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)" || return 1
  for text in "$@"; do
    [[ "$cmdline" == *"$text"* ]] || return 1
  done
}

pid_of() { head -n 1 "$1" 2>/dev/null | tr -dc '0-9'; }

# pid_alive <pidfile> <program>: the pid in the file is a running process of that program. The
# program check matters after a reboot or a kill -9: a stale pid file may name a pid that now
# belongs to something else, which we must neither wait for nor kill.
pid_alive() {
  local pid
  pid="$(pid_of "$1")"
  [[ -n "$pid" ]] && cmdline_has "$pid" "$2"
}

# start_bg <pidfile> <logfile> <command...>: run detached (own session, so a Ctrl-C in the
# calling terminal does not reach it), output appended to the log, without the lock (fd 9).
start_bg() {
  local pidfile="$1" logfile="$2"
  shift 2
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

# stop_pidfile <name> <pidfile> <program>: stop the process in the pid file, if it runs.
stop_pidfile() {
  local name="$1" pidfile="$2"
  if pid_alive "$pidfile" "$3"; then
    stop_pid "$name" "$(pid_of "$pidfile")"
    log "$name stopped"
  fi
  rm -f "$pidfile"
}

# ---------------------------------------------------------------------------------------------
# Readiness
# ---------------------------------------------------------------------------------------------

http_answers() { curl -fsS -o /dev/null --max-time 2 "$1" 2>/dev/null; }

# fail_with_log <message> <logfile>...: exit, printing the end of each log that has content.
fail_with_log() {
  local file
  log "ERROR: $1"
  shift
  for file in "$@"; do
    if [[ -s "$file" ]]; then
      log "last lines of $file:"
      tail -n 40 "$file" >&2
    fi
  done
  exit 1
}

# wait_ready <name> <alive> <ready> <logfile>...: polls the command <ready> until it succeeds;
# fails early once <alive> says the process is gone, or after $TIMEOUT s, printing the logs.
wait_ready() {
  local name="$1" alive="$2" ready="$3"
  shift 3
  local deadline=$((SECONDS + TIMEOUT))
  until "$ready"; do
    if ! "$alive"; then
      "$ready" && return 0
      fail_with_log "$name exited during startup" "$@"
    fi
    ((SECONDS < deadline)) || fail_with_log "$name was not ready within ${TIMEOUT}s" "$@"
    sleep 0.2
  done
}

# start_service <name> <port> <logfile>: idempotent start of the service described by the
# functions <name>_answers, <name>_ours and <name>_launch. One that already answers is left
# alone (said so when it is not ours), ours still booting is waited for, else it is launched.
start_service() {
  local name="$1" port="$2" logfile="$3"
  if "${name}_answers"; then
    "${name}_ours" || log "$name: something else already answers on 127.0.0.1:$port; using it"
    return 0
  fi
  if "${name}_ours"; then
    log "$name: running but not answering yet; waiting"
  else
    log "$name: starting on 127.0.0.1:$port"
    "${name}_launch"
  fi
  wait_ready "$name" "${name}_ours" "${name}_answers" "$logfile"
}

# ---------------------------------------------------------------------------------------------
# Debian packages
# ---------------------------------------------------------------------------------------------

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

# install_packages <package>...: apt-get install as root with service starts denied; as another
# user, print the command to run and exit.
install_packages() {
  if ! is_root; then
    log "missing Debian packages: $*"
    log "install them as root, then rerun:"
    log "  sudo apt-get update && sudo apt-get install -y --no-install-recommends $*"
    exit 1
  fi

  log "installing Debian packages: $*"
  trap restore_service_policy EXIT
  deny_service_starts
  export DEBIAN_FRONTEND=noninteractive
  # Always refresh the lists before installing: on a fresh machine they are empty, and stale
  # lists point at package versions the archive no longer has.
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "$@" >"$LOG_DIR/apt-install.log" 2>&1 || {
    tail -n 30 "$LOG_DIR/apt-install.log" >&2
    die "apt-get install failed (full log: $LOG_DIR/apt-install.log)"
  }
  restore_service_policy
  trap - EXIT
}
