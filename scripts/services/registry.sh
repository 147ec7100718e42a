# shellcheck shell=bash
# OCI registry (Debian's docker-registry, i.e. distribution) for scripts/services.sh (sourced
# after lib.sh): plain HTTP on 127.0.0.1, blobs in .local/registry/data, deletes enabled.

REGISTRY_PORT="${NEMO_REGISTRY_PORT:-55000}"
REGISTRY_DIR="$LOCAL_DIR/registry"
REGISTRY_PIDFILE="$RUN_DIR/registry.pid"
REGISTRY_LOG="$LOG_DIR/registry.log"

registry_installed() { [[ -x /usr/bin/docker-registry ]]; }

registry_answers() { http_answers "http://127.0.0.1:$REGISTRY_PORT/v2/"; }

registry_ours() { pid_alive "$REGISTRY_PIDFILE" docker-registry; }

# No blob descriptor cache: with deletes enabled an in-memory cache can report deleted blobs.
registry_launch() {
  mkdir -p "$REGISTRY_DIR/data"
  cat >"$REGISTRY_DIR/config.yml" <<YAML
version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $REGISTRY_DIR/data
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
  start_bg "$REGISTRY_PIDFILE" "$REGISTRY_LOG" /usr/bin/docker-registry serve "$REGISTRY_DIR/config.yml"
}

registry_start() { start_service registry "$REGISTRY_PORT" "$REGISTRY_LOG"; }

registry_stop() { stop_pidfile registry "$REGISTRY_PIDFILE" docker-registry; }
