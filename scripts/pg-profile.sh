#!/bin/sh
# Where a registration's time goes on PostgreSQL, below saturation: a new database on a local
# PostgreSQL started with pg_stat_statements (see docs/performance.md, "PostgreSQL"), `db init
# --demo`, a server, then RATE/s for DURATION s of IDA + IDC (1-50 items). Prints per registration:
# statements (pg_stat_statements calls), round trips (the server's
# ecustoms_store_round_trips_total), the ecustoms server's and PostgreSQL's CPU ms (/proc: the
# server process; the postmaster, its reaped and its live children), and the statements by
# execution time. Run as root or as the PostgreSQL data directory's owner (its postmaster.pid).
#
#   python3 tests/api/pgserver.py start --dir D --fsync on \
#       --set shared_preload_libraries=pg_stat_statements --set pg_stat_statements.track=all
#   scripts/pg-profile.sh postgresql://postgres@127.0.0.1:PORT [RATE] [DURATION] [TOP]
set -eu
BIN=${BIN:-build/ecustoms}
BASE=${1%/}; RATE=${2:-50}; DUR=${3:-40}; TOP=${4:-25}
DIR=$(mktemp -d)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
NAME="prof_$(date +%s)_$$"
DB="$BASE/$NAME"
export ECUSTOMS_STATE_DIR="$DIR"
P() { psql -X -q -A -t -d "$1" -c "$2"; }
P "$BASE/postgres" "CREATE EXTENSION IF NOT EXISTS pg_stat_statements" >/dev/null
P "$BASE/postgres" "CREATE DATABASE $NAME"
"$BIN" db init --db "$DB" --signing-key "$DIR/signing-key.pem" --demo > "$DIR/tokens"
TOKEN=$(awk '$1=="declarant"{print $3; exit}' "$DIR/tokens")
"$BIN" serve --db "$DB" --signing-key "$DIR/signing-key.pem" --listen "127.0.0.1:$PORT" > "$DIR/serve.log" 2>&1 &
SERVER=$!
cleanup() {
    kill $SERVER 2>/dev/null || true
    wait $SERVER 2>/dev/null || true
    P "$BASE/postgres" "DROP DATABASE IF EXISTS $NAME WITH (FORCE)" || true
    rm -rf "$DIR"
}
trap cleanup EXIT
sleep 0.5
ticks() { awk -v all="${2:-}" '{ s = $14 + $15; if (all != "") s += $16 + $17; print s }' "/proc/$1/stat" 2>/dev/null || echo 0; }
PGDATA_DIR=$(P "$BASE/postgres" "SHOW data_directory")
PM=$(head -1 "$PGDATA_DIR/postmaster.pid")
pg_ticks() {
    T=$(ticks "$PM" all)
    for k in $(cat /proc/$PM/task/*/children 2>/dev/null); do T=$((T + $(ticks "$k"))); done
    echo "$T"
}
metric() { curl -s "http://127.0.0.1:$PORT/metrics" | awk -v m="$1" '$1==m {print $2}'; }
P "$BASE/postgres" "SELECT pg_stat_statements_reset()" >/dev/null
S0=$(ticks $SERVER); P0=$(pg_ticks); RT0=$(metric ecustoms_store_round_trips_total)
"$BIN" load --server "http://127.0.0.1:$PORT" --token "$TOKEN" --rate "$RATE" --duration "$DUR" \
    --items-min 1 --items-max 50 > "$DIR/load.txt" 2>&1 || true
S1=$(ticks $SERVER); P1=$(pg_ticks); RT1=$(metric ecustoms_store_round_trips_total)
OK=$(grep -o 'IDC  ok=[0-9]*' "$DIR/load.txt" | grep -o '[0-9]*$' || echo 0)
OID=$(P "$DB" "SELECT oid FROM pg_database WHERE datname = current_database()")
CALLS=$(P "$BASE/postgres" "SELECT coalesce(sum(calls),0) FROM pg_stat_statements WHERE dbid = $OID AND query NOT LIKE '%pg_stat_statements%'")
EXEC=$(P "$BASE/postgres" "SELECT coalesce(sum(total_exec_time),0) FROM pg_stat_statements WHERE dbid = $OID AND query NOT LIKE '%pg_stat_statements%'")
TCK=$(getconf CLK_TCK)
grep -E 'achieved|IDA|IDC' "$DIR/load.txt" || true
python3 - "$OK" "$CALLS" "$EXEC" "${RT0:-0}" "${RT1:-0}" "$S0" "$S1" "$P0" "$P1" "$TCK" <<'EOF'
import sys
ok, calls, ex, rt0, rt1, s0, s1, p0, p1, tck = sys.argv[1:]
ok = max(int(ok), 1); tck = float(tck)
print("registrations=%d statements/reg=%.1f round_trips/reg=%.1f exec_ms/reg=%.2f "
      "server_cpu_ms/reg=%.2f pg_cpu_ms/reg=%.2f" % (
          ok, float(calls) / ok, (float(rt1) - float(rt0)) / ok, float(ex) / ok,
          (float(s1) - float(s0)) * 1000 / tck / ok, (float(p1) - float(p0)) * 1000 / tck / ok))
EOF
WAL=$(P "$BASE/postgres" "SELECT round(coalesce(sum(wal_bytes),0) / $OK / 1024.0, 1) || ' kB WAL (' || round(coalesce(sum(wal_fpi),0)::numeric / $OK, 2) || ' full-page images), ' || round(coalesce(sum(shared_blks_dirtied),0)::numeric / $OK, 1) || ' blocks dirtied, ' || round(coalesce(sum(total_plan_time),0)::numeric / $OK, 3) || ' ms planning' FROM pg_stat_statements WHERE dbid = $OID")
echo "per registration: $WAL"
echo "--- top $TOP statements: calls/reg, exec ms/reg, rows/reg, WAL kB/reg, full-page images/reg, blocks dirtied/reg, query"
P "$BASE/postgres" "SELECT round(calls::numeric / $OK, 2) || ' | ' || round((total_exec_time / $OK)::numeric, 3)
    || ' | ' || round(rows::numeric / $OK, 1) || ' | ' || round(wal_bytes / $OK / 1024.0, 2)
    || ' | ' || round(wal_fpi::numeric / $OK, 2) || ' | ' || round(shared_blks_dirtied::numeric / $OK, 2)
    || ' | ' || left(regexp_replace(query, '\s+', ' ', 'g'), 150)
    FROM pg_stat_statements WHERE dbid = $OID ORDER BY total_exec_time DESC LIMIT $TOP"
echo "--- planned most: plans/reg, plan ms/reg, calls/reg, query"
P "$BASE/postgres" "SELECT round(plans::numeric / $OK, 2) || ' | ' || round((total_plan_time / $OK)::numeric, 3) || ' | ' || round(calls::numeric / $OK, 2) || ' | ' || left(regexp_replace(query, '\s+', ' ', 'g'), 110) FROM pg_stat_statements WHERE dbid = $OID ORDER BY total_plan_time DESC LIMIT 6"
