#!/usr/bin/env bash
# Runs the service on one machine: installs dependencies if missing, starts the backing services
# (scripts/services.sh), builds, migrates, then runs the api and worker roles in the foreground with
# readable logs. Ctrl-C stops both cleanly; `npm run services -- stop` stops the backing services.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x node_modules/.bin/node ] || [ ! -x node_modules/.bin/tsc ]; then
  echo "==> installing dependencies (npm ci)"
  npm ci --no-audit --no-fund
fi
export PATH="$PWD/node_modules/.bin:$PATH"

echo "==> starting backing services"
bash scripts/services.sh start
# shellcheck disable=SC1091
source .local/env

export NODE_ENV="${NODE_ENV:-development}"
export AUTH_MODE="${AUTH_MODE:-dev}"
export LOG_FORMAT="${LOG_FORMAT:-pretty}"
export HOST="${HOST:-127.0.0.1}"
export PORT="${PORT:-8000}"
export WORK_DIR="${WORK_DIR:-$PWD/.local/work}"

echo "==> building"
tsc -p tsconfig.build.json

echo "==> migrating the database"
node node_modules/typeorm/cli.js migration:run -d dist/src/database/data-source.js

pids=()
stopped=0
stop() {
  trap - INT TERM
  [ "$stopped" = 1 ] && return
  stopped=1
  echo "==> stopping api and worker"
  kill -TERM "${pids[@]}" 2>/dev/null || true
  wait "${pids[@]}" 2>/dev/null || true
}
trap stop INT TERM

# The production node flags (the Dockerfile's ENTRYPOINT; README, Performance: Memory).
node_flags=(--max-semi-space-size=16 --heap-growing-percent=50 --no-memory-reducer)
export MALLOC_ARENA_MAX=2
node "${node_flags[@]}" dist/src/main.js worker &
pids+=($!)
node "${node_flags[@]}" dist/src/main.js api &
pids+=($!)

base="http://${HOST}:${PORT}"
for _ in $(seq 1 100); do
  curl -fsS "$base/healthz" >/dev/null 2>&1 && break
  sleep 0.2
done
cat <<INFO

  NEMO Intent API   $base/api/v1
  Swagger UI        $base/api/docs
  OpenAPI JSON      $base/api/docs-json
  AsyncAPI          $base/api/asyncapi.json
  Readiness         $base/readyz
  Dev token         $(if [ -f .local/dev-token ]; then echo "cat .local/dev-token"; else echo "see the api log"; fi)
  Stop              Ctrl-C here; backing services: npm run services -- stop

INFO

# Either process ending ends the run: the other is stopped too.
set +e
wait -n "${pids[@]}"
status=$?
stop
exit "$status"
