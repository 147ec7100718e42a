#!/usr/bin/env bash
# Controls the local RabbitMQ broker: start | stop | status | ctl <rabbitmqctl args> | env.
# Run it as .local/bin/rabbitmq (written by scripts/services.sh), which sets the ports the broker
# was started with; the settings themselves are in rabbitmq.sh.
#
#   start   boot the broker unless it answers AMQP already; returns once it does.
#   stop    stop it (rabbitmqctl stop, then SIGTERM/SIGKILL) and its epmd.
#   status  exit 0 when our broker runs and answers AMQP.
#   ctl     rabbitmqctl against our node, e.g. `ctl list_vhosts`.
#   env     the environment RabbitMQ and its CLI run with.
set -euo pipefail

LOG_TAG=rabbitmq
# shellcheck source=scripts/services/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=scripts/services/rabbitmq.sh
source "$SERVICES_LIB_DIR/rabbitmq.sh"

# Every Erlang program (server, rabbitmqctl, epmd) must see the same HOME (cookie), node name and
# epmd port; one started without ERL_EPMD_PORT would spawn a stray epmd on 4369.
export HOME="$RMQ_BASE"
export RABBITMQ_NODENAME=nemo@localhost
export RABBITMQ_NODE_IP_ADDRESS=127.0.0.1
export RABBITMQ_NODE_PORT="$RMQ_PORT"
export RABBITMQ_DIST_PORT="$RMQ_DIST_PORT"
export ERL_EPMD_PORT="$RMQ_EPMD_PORT"
export ERL_EPMD_ADDRESS=127.0.0.1
export RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS='-kernel inet_dist_use_interface {127,0,0,1}'
export RABBITMQ_MNESIA_BASE="$RMQ_BASE/mnesia"
export RABBITMQ_LOG_BASE="$LOG_DIR"
export RABBITMQ_LOGS="$LOG_DIR/rabbitmq.log"
export RABBITMQ_PID_FILE="$RMQ_BASE/rabbitmq.pid"
export RABBITMQ_CONFIG_FILE="$RMQ_BASE/rabbitmq.conf"
export RABBITMQ_ADVANCED_CONFIG_FILE="$RMQ_BASE/advanced.config"
export RABBITMQ_ENABLED_PLUGINS_FILE="$RMQ_BASE/enabled_plugins"
# Ignore /etc/rabbitmq/rabbitmq-env.conf: it may set a different node name or paths.
export RABBITMQ_CONF_ENV_FILE="$RMQ_BASE/rabbitmq-env.conf"
# A failed start writes erl_crash.dump into the current folder otherwise.
export ERL_CRASH_DUMP="$LOG_DIR/erl_crash.dump"

STDOUT_LOG="$LOG_DIR/rabbitmq-stdout.log"

# is_broker <pid>: an Erlang VM booting RabbitMQ from our data folder. Checking the program
# matters: after a reboot a stale pid file may name a pid now used by something else.
is_broker() { cmdline_has "$1" beam "-home $RMQ_BASE " "rabbit boot"; }

# broker_pid: print the pid of our broker if it runs. The pid file is the usual source; if it is
# missing (lost, or the node has not written it yet) look for the VM in /proc.
broker_pid() {
  local pid dir
  pid="$(pid_of "$RABBITMQ_PID_FILE")"
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

broker_runs() { broker_pid >/dev/null; }

# Answers = speaks AMQP: after the protocol header the broker sends a frame starting with 0x01.
amqp_answers() {
  local first
  # shellcheck disable=SC2016 # $1 is expanded by the inner bash
  first="$(timeout 3 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1" && printf "AMQP\x00\x00\x09\x01" >&3 && head -c 1 <&3' \
    _ "$RMQ_PORT" 2>/dev/null | od -An -tx1 | tr -d ' \n')" || return 1
  [[ "$first" == 01 ]]
}

write_config() {
  mkdir -p "$RMQ_BASE" "$RABBITMQ_MNESIA_BASE" "$LOG_DIR"
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

LAUNCHER_PID=""
launcher_runs() { proc_running "$LAUNCHER_PID"; }

broker_start() {
  mkdir -p "$RMQ_BASE"
  take_lock "$RMQ_BASE/control.lock"
  local pid
  if amqp_answers; then
    # Already up. Repair a lost pid file so that stop and status keep working.
    [[ -s "$RABBITMQ_PID_FILE" ]] || { pid="$(broker_pid)" && echo "$pid" >"$RABBITMQ_PID_FILE"; } || true
    return 0
  fi
  write_config
  if broker_runs; then
    log "node (pid $(broker_pid)) is running but not answering yet; waiting"
  else
    rm -f "$RABBITMQ_PID_FILE"
    log "starting on 127.0.0.1:$RMQ_PORT"
    # Own session (a Ctrl-C in the caller's terminal must not reach it), crash dumps in the log
    # folder, stdout in a log file, without the lock (fd 9).
    (cd "$LOG_DIR" && exec setsid "$RMQ_SBIN/rabbitmq-server" >>"$STDOUT_LOG" 2>&1 </dev/null 9>&-) &
    LAUNCHER_PID=$!
    # The Erlang VM appears after a few scripts have run; the launcher exiting first is a failure.
    wait_ready rabbitmq-server launcher_runs broker_runs "$RABBITMQ_LOGS" "$STDOUT_LOG"
  fi
  pid="$(broker_pid)" || fail_with_log "the RabbitMQ node exited during startup" "$RABBITMQ_LOGS" "$STDOUT_LOG"
  # Blocks until the rabbit application has booted, or fails if the OS process exits.
  "$RMQ_SBIN/rabbitmqctl" wait --pid "$pid" --timeout "$TIMEOUT" >>"$STDOUT_LOG" 2>&1 9>&- \
    || fail_with_log "rabbitmqctl wait failed" "$RABBITMQ_LOGS" "$STDOUT_LOG"
  wait_ready rabbitmq broker_runs amqp_answers "$RABBITMQ_LOGS" "$STDOUT_LOG"
  # The node writes its pid file while booting; keep it right even if someone removed it.
  echo "$pid" >"$RABBITMQ_PID_FILE"
  log "up on amqp://127.0.0.1:$RMQ_PORT"
}

broker_stop() {
  mkdir -p "$RMQ_BASE"
  take_lock "$RMQ_BASE/control.lock"
  local pid
  if pid="$(broker_pid)"; then
    # With a pid file, `rabbitmqctl stop` returns only once the OS process has exited.
    echo "$pid" >"$RABBITMQ_PID_FILE"
    "$RMQ_SBIN/rabbitmqctl" stop "$RABBITMQ_PID_FILE" >>"$STDOUT_LOG" 2>&1 9>&- || true
    if is_broker "$pid"; then
      log "rabbitmqctl stop did not end pid $pid"
      stop_pid rabbitmq "$pid"
    fi
    log "stopped"
  fi
  rm -f "$RABBITMQ_PID_FILE"
  # The broker's epmd outlives the node: end it, or it keeps the port for nothing.
  epmd -port "$ERL_EPMD_PORT" -kill >/dev/null 2>&1 || true
}

case "${1:-}" in
  start) broker_start ;;
  stop) broker_stop ;;
  status) broker_runs && amqp_answers ;;
  ctl)
    shift
    exec "$RMQ_SBIN/rabbitmqctl" "$@"
    ;;
  env) env | grep -E '^(RABBITMQ_|ERL_|HOME=)' | sort ;;
  *)
    echo "usage: rabbitmq start|stop|status|ctl <rabbitmqctl args>|env" >&2
    exit 2
    ;;
esac
