#!/usr/bin/env bash
# The whole test suite on a fresh machine: installs dependencies if missing, starts the backing
# services (scripts/services.sh), then runs static checks, unit, integration and e2e tests, and
# stops the services it started. Exits non-zero on any failure. Extra arguments go to jest (e.g. a
# path filter).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x node_modules/.bin/jest ] || [ ! -x node_modules/.bin/node ]; then
  echo "==> installing dependencies (npm ci)"
  npm ci --no-audit --no-fund
fi
export PATH="$PWD/node_modules/.bin:$PATH"
# Nest 11 companions (@nestjs/terminus 12, ...) ship as ES modules; jest loads them through vm modules.
export NODE_OPTIONS="--experimental-vm-modules --disable-warning=ExperimentalWarning"

# Services this run starts are stopped when it ends, pass or fail; ones already running (a
# developer's `npm run dev`) are used and left running.
if ! bash scripts/services.sh status >/dev/null 2>&1; then
  trap 'echo "==> stopping the backing services this run started"; bash scripts/services.sh stop' EXIT
fi
echo "==> starting backing services"
NEMO_SERVICES_FAST=1 bash scripts/services.sh start
# shellcheck disable=SC1091
source .local/env
mkdir -p test-output

echo "==> typecheck, build and lint"
tsc -p tsconfig.json --noEmit
tsc -p tsconfig.build.json
eslint . --max-warnings=0
prettier --check . >/dev/null || { prettier --check .; exit 1; }
# OWASP API Security Top 10 over the committed contract (.spectral.yaml lists each exception).
spectral lint openapi.json --ruleset .spectral.yaml --fail-severity error --display-only-failures

echo "==> unit, integration and e2e tests (parallel)"
JEST_PHASE=parallel jest --ci "$@"

echo "==> tests that stop shared services or need the machine to themselves (serial)"
JEST_PHASE=serial jest --ci --runInBand --passWithNoTests "$@"
