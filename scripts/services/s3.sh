# shellcheck shell=bash
# S3 endpoint for scripts/services.sh (sourced after lib.sh): s3rver from devDependencies, run by
# scripts/s3rver.js on 127.0.0.1, objects in .local/s3, bucket `nemo`. Any keys are accepted;
# .local/env names S3RVER/S3RVER.

S3_PORT="${NEMO_S3_PORT:-54566}"
S3_BUCKET=nemo
S3_PIDFILE="$RUN_DIR/s3rver.pid"
S3_LOG="$LOG_DIR/s3rver.log"

# The project's Node (package "node" in devDependencies) if installed, else the machine's.
node_bin() {
  if [[ -x "$PROJECT_DIR/node_modules/.bin/node" ]]; then
    echo "$PROJECT_DIR/node_modules/.bin/node"
  else
    command -v node || die "node not found"
  fi
}

s3_answers() { http_answers "http://127.0.0.1:$S3_PORT/"; }

s3_ours() { pid_alive "$S3_PIDFILE" s3rver.js; }

s3_launch() {
  [[ -f "$PROJECT_DIR/node_modules/s3rver/package.json" ]] \
    || die "s3rver is not installed: run 'npm ci' in $PROJECT_DIR first"
  mkdir -p "$LOCAL_DIR/s3"
  # --openssl-legacy-provider: without it paged ListObjectsV2 answers 500 (ERR_OSSL_EVP_UNSUPPORTED).
  NODE_OPTIONS="${NODE_OPTIONS:+$NODE_OPTIONS }--openssl-legacy-provider" \
    S3RVER_ADDRESS=127.0.0.1 S3RVER_PORT="$S3_PORT" S3RVER_DIRECTORY="$LOCAL_DIR/s3" \
    S3RVER_BUCKETS="$S3_BUCKET" start_bg "$S3_PIDFILE" "$S3_LOG" "$(node_bin)" "$SCRIPTS_DIR/s3rver.js"
}

# s3rver accepts anonymous requests, so plain HTTP is enough to check and create the bucket.
ensure_bucket() {
  curl -fsS -o /dev/null --max-time 5 -I "http://127.0.0.1:$S3_PORT/$S3_BUCKET" 2>/dev/null \
    || curl -fsS -o /dev/null --max-time 5 -X PUT "http://127.0.0.1:$S3_PORT/$S3_BUCKET" \
    || die "could not create bucket $S3_BUCKET"
}

s3_start() {
  start_service s3 "$S3_PORT" "$S3_LOG"
  ensure_bucket
}

s3_stop() { stop_pidfile s3rver "$S3_PIDFILE" s3rver.js; }
