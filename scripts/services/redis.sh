# shellcheck shell=bash
# Redis for scripts/services.sh (sourced after lib.sh): one server on 127.0.0.1, data in
# .local/redis.

REDIS_PORT="${NEMO_REDIS_PORT:-56379}"
REDIS_PIDFILE="$RUN_DIR/redis.pid"
REDIS_LOG="$LOG_DIR/redis.log"

redis_installed() { command -v redis-server >/dev/null && command -v redis-cli >/dev/null; }

redis_answers() { [[ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null)" == PONG ]]; }

redis_ours() { pid_alive "$REDIS_PIDFILE" redis-server; }

redis_launch() {
  mkdir -p "$LOCAL_DIR/redis"
  # Foreground (not --daemonize) so $! is the server and an early exit is noticed at once.
  start_bg "$REDIS_PIDFILE" "$REDIS_LOG" redis-server --port "$REDIS_PORT" --bind 127.0.0.1 \
    --daemonize no --dir "$LOCAL_DIR/redis" --pidfile "$REDIS_PIDFILE" --logfile "$REDIS_LOG"
}

redis_start() { start_service redis "$REDIS_PORT" "$REDIS_LOG"; }

redis_stop() {
  local pid
  if redis_ours; then
    # SHUTDOWN saves the dataset first; SIGTERM (stop_pid) only if it did not end the server.
    pid="$(pid_of "$REDIS_PIDFILE")"
    redis-cli -h 127.0.0.1 -p "$REDIS_PORT" shutdown >/dev/null 2>&1 || true
    wait_gone "$pid" 15 || stop_pid redis "$pid"
    log "redis stopped"
  fi
  rm -f "$REDIS_PIDFILE"
}
