#!/usr/bin/env bash
# Stop the test PostgreSQL server started by scripts/pg-start.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
DIR="${PGTEST_DIR:-/tmp/redline-pgtest}"
BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
[ -f "$DIR/data/PG_VERSION" ] || exit 0
if [ "$(id -u)" = 0 ]; then
  runuser -u postgres -- "$BIN/pg_ctl" -D "$DIR/data" -m fast stop || true
else
  "$BIN/pg_ctl" -D "$DIR/data" -m fast stop || true
fi
