#!/usr/bin/env bash
# Stops or starts one local service for fault tests: service postgres|s3 start|stop.
# Run it as .local/bin/service (written by scripts/services.sh), which fixes the ports and the
# NEMO_SERVICES_FAST setting the services were started with, so that a restarted PostgreSQL comes
# back exactly as before. RabbitMQ has its own control script (.local/bin/rabbitmq).
set -euo pipefail

LOG_TAG=service
# shellcheck source=scripts/services/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=scripts/services/postgres.sh
source "$SERVICES_LIB_DIR/postgres.sh"
# shellcheck source=scripts/services/s3.sh
source "$SERVICES_LIB_DIR/s3.sh"

case "${1:-} ${2:-}" in
  "postgres start") postgres_start ;;
  "postgres stop") postgres_stop ;;
  "s3 start") s3_start ;;
  "s3 stop") s3_stop ;;
  *)
    echo "usage: service postgres|s3 start|stop" >&2
    exit 2
    ;;
esac
