#!/bin/sh
# Registration throughput and latency: a fresh demo database (SQLite, or PostgreSQL with --db), a server on a loopback port, then the
# open-loop load tool. Usage: scripts/bench-clearance.sh [--db URI] [RATE] [DURATION] [RUNS] [ITEMS_MIN] [ITEMS_MAX]
# Random sampling and demo risk rules are active, as in `make run`. With RISK_HISTORY=CSV[,CSV] the
# inspection history is imported and a risk model trained and active before the load (docs/risk.md).
#
# With --db postgresql://USER@HOST:PORT[,HOST:PORT...]/ANY[?params] (first argument) the database is
# a new one, bench_<time>, created on that PostgreSQL server or cluster (the URI's database name is
# replaced, its hosts and parameters such as target_session_attrs kept) and dropped afterwards.
# With WAL_BY_RELATION=1 as well, each run also prints the WAL it wrote by relation (records,
# bytes, full-page images; pg_walinspect, which needs a superuser: docs/performance.md, stop 24).
#
# The load runs with --no-ceiling: its 3-second closed-loop /healthz phase would fall inside the
# CPU figures below (3-4 CPU-s of the server's per run, measured; docs/performance.md, stop 27).
# With CEILING=1 that phase runs as before and the "cpu:" line includes it.
# SERVE_ARGS="..." adds options to `serve` (e.g. SERVE_ARGS="--db-readers 16").
set -eu
BIN=${BIN:-build/ecustoms}
PGURI=""
if [ "${1:-}" = "--db" ]; then PGURI=$2; shift 2; fi
RATE=${1:-1000}; DURATION=${2:-15}; RUNS=${3:-3}; IMIN=${4:-1}; IMAX=${5:-50}
DIR=$(mktemp -d)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
DB="$DIR/bench.sqlite"
# a PostgreSQL database's audit key and log (and signing key) live in a state directory
export ECUSTOMS_STATE_DIR="$DIR"
if [ -n "$PGURI" ]; then
    NAME="bench_$(date +%s)_$$"
    # postgresql://auth@hosts/db?query -> the same with db replaced (and the maintenance db)
    DB=$(python3 -c 'import sys,re; u=sys.argv[1]; m=re.match(r"^(postgres(?:ql)?://[^/]*)(/[^?]*)?(\?.*)?$", u); print(m.group(1)+"/"+sys.argv[2]+(m.group(3) or ""))' "$PGURI" "$NAME")
    ADMIN=$(python3 -c 'import sys,re; u=sys.argv[1]; m=re.match(r"^(postgres(?:ql)?://[^/]*)(/[^?]*)?(\?.*)?$", u); print(m.group(1)+"/postgres"+(m.group(3) or ""))' "$PGURI")
    psql -X -q -d "$ADMIN" -c "CREATE DATABASE $NAME"
fi
"$BIN" db init --db "$DB" --signing-key "$DIR/signing-key.pem" --demo > "$DIR/tokens"
TOKEN=$(awk '$1=="declarant"{print $3; exit}' "$DIR/tokens")
if [ -n "${RISK_HISTORY:-}" ]; then
    "$BIN" risk import-history --db "$DB" --csv "$RISK_HISTORY"
    "$BIN" risk train --db "$DB" | head -1
fi
# shellcheck disable=SC2086 # SERVE_ARGS is a list of words
"$BIN" serve --db "$DB" --signing-key "$DIR/signing-key.pem" --listen "127.0.0.1:$PORT" ${SERVE_ARGS:-} > "$DIR/serve.log" 2>&1 &
SERVER=$!
cleanup() {
    kill $SERVER 2>/dev/null || true
    wait $SERVER 2>/dev/null || true
    if [ -n "$PGURI" ]; then psql -X -q -d "$ADMIN" -c "DROP DATABASE IF EXISTS $NAME WITH (FORCE)" || true; fi
    rm -rf "$DIR"
}
trap cleanup EXIT
sleep 0.5
# CPU seconds (user + sys) of the ecustoms server and, when the PostgreSQL server runs on this
# machine and its data directory is readable (root), of its processes (the postmaster's own plus
# its reaped and live backends): where the time goes, on a machine shared with other work
sub() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a - b }'; }
cpu_of() { # PID [children too]
    awk '{ s = $14 + $15; if (ARGV[2] == "all") s += $16 + $17; printf "%.2f", s / 100 }' "/proc/$1/stat" "${2:-}" 2>/dev/null || echo 0
}
pg_cpu() {
    [ -n "$PGURI" ] && [ -r "${PGDATA_DIR:-/nonexistent}/postmaster.pid" ] || { echo -; return; }
    PM=$(head -1 "$PGDATA_DIR/postmaster.pid")
    T=$(cpu_of "$PM" all)
    for k in $(cat /proc/$PM/task/*/children 2>/dev/null); do T=$(sub "$T" "-$(cpu_of "$k")"); done
    echo "$T"
}
# the writer's busy seconds so far (/metrics): near the run's length, the one writer is the bound
# and the writer thread's own CPU seconds
writer_busy() { metric ecustoms_store_writer_busy_seconds_total; }
writer_cpu() { metric ecustoms_store_writer_cpu_seconds_total; }
metric() { curl -s "http://127.0.0.1:$PORT/metrics" | awk -v m="$1" '$1 == m { print $2 }'; }
PGDATA_DIR=""
if [ -n "$PGURI" ]; then PGDATA_DIR=$(psql -X -A -t -q -d "$ADMIN" -c "SHOW data_directory" 2>/dev/null || true); fi
WAL_BY_RELATION=${WAL_BY_RELATION:-}
[ -n "$PGURI" ] || WAL_BY_RELATION=""
if [ -n "$WAL_BY_RELATION" ]; then psql -X -q -d "$DB" -c "CREATE EXTENSION IF NOT EXISTS pg_walinspect"; fi
wal_lsn() { [ -z "$WAL_BY_RELATION" ] || psql -X -A -t -q -d "$DB" -c "SELECT pg_current_wal_lsn()"; }
# the records between two LSNs grouped by the relation of their first block (the server's other
# databases' records, if any, under their resource manager's name)
wal_by_relation() {
    psql -X -q -d "$DB" -c "WITH r AS (SELECT resource_manager AS rm, record_length AS len,
        fpi_length AS fpi, (regexp_match(block_ref, 'rel \d+/\d+/(\d+)'))[1]::oid AS fn
        FROM pg_get_wal_records_info('$1', '$2'))
      SELECT coalesce(c.relname, r.rm) AS relation, count(*) AS records, sum(len) AS bytes,
        sum(fpi) AS fpi_bytes FROM r LEFT JOIN pg_class c ON c.relfilenode = r.fn
      GROUP BY 1 ORDER BY 3 DESC LIMIT 30"
    psql -X -A -t -q -d "$DB" -c "SELECT 'wal: ' || pg_wal_lsn_diff('$2', '$1') || ' bytes in all'"
}
NO_CEILING=--no-ceiling
[ "${CEILING:-}" != 1 ] || NO_CEILING=""
i=1
while [ $i -le "$RUNS" ]; do
    echo "--- run $i"
    S0=$(cpu_of $SERVER); P0=$(pg_cpu); W0=$(writer_busy); C0=$(writer_cpu); L0=$(wal_lsn)
    "$BIN" load --server "http://127.0.0.1:$PORT" --token "$TOKEN" --rate "$RATE" --duration "$DURATION" \
        --items-min "$IMIN" --items-max "$IMAX" $NO_CEILING | tee "$DIR/load.out" || true
    S1=$(cpu_of $SERVER); P1=$(pg_cpu); W1=$(writer_busy); C1=$(writer_cpu); L1=$(wal_lsn)
    echo "cpu: ecustoms server $(sub "$S1" "$S0") s, PostgreSQL $( [ "$P0" = - ] && echo - || sub "$P1" "$P0") s"
    # the registrations' phase of the run ("achieved ... in T s"): the writer has nothing else to do
    T=$(sed -n 's/^achieved .* in \([0-9.]*\) s).*/\1/p' "$DIR/load.out")
    echo "writer busy: $(sub "$W1" "$W0") s of the registrations' ${T:-?} s$( [ -n "$T" ] && awk -v b="$(sub "$W1" "$W0")" -v t="$T" 'BEGIN { if (t > 0) printf " (%.0f %%)", 100 * b / t }'), of which its own CPU $(sub "$C1" "$C0") s"
    if [ -n "$WAL_BY_RELATION" ]; then wal_by_relation "$L0" "$L1"; fi
    i=$((i + 1))
done
curl -s "http://127.0.0.1:$PORT/metrics" | grep -E '^ecustoms_(store|registrations)'
