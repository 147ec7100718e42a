# shellcheck shell=bash
# PostgreSQL for scripts/services.sh (sourced after lib.sh): a private cluster on 127.0.0.1 with
# role and database `nemo`.
#
# The data must be reachable by the `postgres` user (a project under /root is not), so it lives in
# /var/tmp/nemo-intent-api-<hash>/, not in .local/. The hash of the project path keeps two work
# trees apart. As root the server runs as `postgres` (it refuses to run as root).

PG_PORT="${NEMO_PG_PORT:-55432}"
DB_USER=nemo
DB_PASSWORD=nemo
DB_NAME=nemo

PROJECT_HASH="$(printf '%s' "$PROJECT_DIR" | sha256sum | cut -c1-8)"
PG_BASE="/var/tmp/nemo-intent-api-$PROJECT_HASH"
PG_DATA="$PG_BASE/pg"
PG_SOCKET_DIR="$PG_BASE/run"
PG_LOG="$PG_BASE/postgresql.log"

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

postgres_installed() { pg_bindir >/dev/null; }

# Run a PostgreSQL tool as the user that owns the data: `postgres` when we are root, ourselves
# otherwise. cd first: postgres may not be able to read the caller's working directory.
as_pg_owner() {
  if is_root; then
    (cd "$PG_BASE" && runuser -u postgres -- "$@" 9>&-)
  else
    (cd "$PG_BASE" && "$@" 9>&-)
  fi
}

postgres_answers() { "$(pg_bindir)/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" -t 2 >/dev/null 2>&1; }

postgres_ours() { pid_alive "$PG_DATA/postmaster.pid" postgres; }

postgres_launch() {
  local bindir
  bindir="$(pg_bindir)" || die "PostgreSQL binaries not found"
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
  # NEMO_SERVICES_FAST=1 trades durability for speed: tests only.
  if [[ "${NEMO_SERVICES_FAST:-0}" == 1 ]]; then
    opts+=" -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
  fi

  as_pg_owner touch "$PG_LOG"
  as_pg_owner "$bindir/pg_ctl" -D "$PG_DATA" -l "$PG_LOG" -o "$opts" -w -t "$TIMEOUT" start >/dev/null \
    || fail_with_log "postgres failed to start" "$PG_LOG"
}

# Role `nemo` (CREATEDB, so tests can create a database per worker) owning database `nemo`.
# Idempotent, so it runs on every start of our own server.
postgres_bootstrap() {
  as_pg_owner "$(pg_bindir)/psql" -h "$PG_SOCKET_DIR" -p "$PG_PORT" -U postgres -d postgres -qAtX -v ON_ERROR_STOP=1 <<SQL >/dev/null
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

postgres_start() {
  pg_bindir >/dev/null || die "PostgreSQL binaries not found"
  start_service postgres "$PG_PORT" "$PG_LOG"
  if postgres_ours; then postgres_bootstrap; fi
}

postgres_stop() {
  [[ -f "$PG_DATA/PG_VERSION" ]] || return 0
  if postgres_ours; then
    as_pg_owner "$(pg_bindir)/pg_ctl" -D "$PG_DATA" -m fast -w -t "$TIMEOUT" stop >/dev/null
    log "postgres stopped"
  fi
}
