#!/usr/bin/env bash
# Start a throwaway PostgreSQL server for the store tests and print its URL.
#
#   eval "$(scripts/pg-start.sh)"   # exports REDLINE_TEST_POSTGRES_URL
#
# Uses Debian's postgresql package (installed with apt-get when missing, which
# needs root), a cluster in $PGTEST_DIR (default /tmp/redline-pgtest, outside the
# checkout so the postgres user can reach it) on port $PGTEST_PORT
# (default 54329), listening on loopback and a socket in that folder only.
# Stop it with scripts/pg-stop.sh. Idempotent: a running server is reused.
set -euo pipefail
cd "$(dirname "$0")/.."
DIR="${PGTEST_DIR:-/tmp/redline-pgtest}"
PORT="${PGTEST_PORT:-54329}"

bindir() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }
if [ -z "$(bindir)" ]; then
  echo "installing PostgreSQL (Debian package postgresql)…" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq postgresql >&2
fi
BIN="$(bindir)"

# The server refuses to run as root: run it as the postgres user when we are root.
as_owner() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

mkdir -p "$DIR"
if [ "$(id -u)" = 0 ]; then
  id postgres >/dev/null 2>&1 || useradd --system --home-dir "$DIR" postgres
  chown postgres "$DIR"
fi
if [ ! -f "$DIR/data/PG_VERSION" ]; then
  as_owner "$BIN/initdb" -D "$DIR/data" -U postgres --auth=trust -E UTF8 --locale=C >&2
fi
if ! as_owner "$BIN/pg_ctl" -D "$DIR/data" status >/dev/null 2>&1; then
  as_owner "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w -o \
    "-p $PORT -k $DIR -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off" start >&2
fi
echo "export REDLINE_TEST_POSTGRES_URL=postgresql://postgres@127.0.0.1:$PORT/postgres"
