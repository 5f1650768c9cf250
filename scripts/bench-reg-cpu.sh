#!/bin/sh
# Server CPU per registration on a copy of a database (docs/performance.md, stops 16 and 17): the
# server (`serve --no-integrity-check`) on a free port, an unmeasured warm-up load (which also
# fills the search terms' recent table towards its bound, as a server that has run a while has
# it), then the measured open-loop load; the server's CPU ticks (utime + stime of
# /proc/PID/stat) around the measured load, the achieved rate, and the rows of decl_terms_recent
# at the end. Both loads run without their 3-second /healthz ceiling phase, whose CPU fell inside
# the measured ticks until stop 27 (docs/performance.md).
#
#   scripts/bench-reg-cpu.sh BIN DB [WARM_S] [MEASURE_S] [RATE]     (defaults 20, 30, 100)
#
# DB is copied (with its audit key, checkpoint log and signing key) into a temporary folder and
# deleted after; a declarant token of 0101234567 is made on the copy. One line of results:
#   ticks=T regs=N ticks_per_1000=X achieved=R/s recent=K
set -eu
BIN=$1; SRC=$2; WARM=${3:-20}; MEASURE=${4:-30}; RATE=${5:-100}
DIR=$(mktemp -d /tmp/bench-reg-cpu.XXXXXX)
SERVER=
cleanup() { [ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null; sleep 1; rm -rf "$DIR"; return 0; }
trap cleanup EXIT
for f in "" .audit-key .audit-log .signing-key.pem; do
    if [ -f "$SRC$f" ]; then cp -p "$SRC$f" "$DIR/db.sqlite$f"; fi
done
TOKEN=$("$BIN" token create --db "$DIR/db.sqlite" --party 0101234567 --role declarant 2>/dev/null)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$BIN" serve --db "$DIR/db.sqlite" --listen "127.0.0.1:$PORT" --no-integrity-check \
    > "$DIR/serve.log" 2>&1 &
SERVER=$!
until curl -sf "http://127.0.0.1:$PORT/healthz" > /dev/null 2>&1; do
    kill -0 "$SERVER" 2>/dev/null || { cat "$DIR/serve.log"; exit 1; }
    sleep 0.2
done
URL="http://127.0.0.1:$PORT"
if [ "$WARM" -gt 0 ]; then
    "$BIN" load --server "$URL" --token "$TOKEN" --rate "$RATE" --duration "$WARM" \
        --items-min 1 --items-max 50 --no-ceiling > "$DIR/warm.log" 2>&1 || true
fi
ticks() { awk '{print $14 + $15}' "/proc/$SERVER/stat"; }
count() { python3 -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); print(c.execute(sys.argv[2]).fetchone()[0])' "$DIR/db.sqlite" "$1"; }
N0=$(count "SELECT COUNT(*) FROM declarations WHERE registered_at > 0")
T0=$(ticks)
"$BIN" load --server "$URL" --token "$TOKEN" --rate "$RATE" --duration "$MEASURE" \
    --items-min 1 --items-max 50 --no-ceiling > "$DIR/load.log" 2>&1 || true
T1=$(ticks)
N1=$(count "SELECT COUNT(*) FROM declarations WHERE registered_at > 0")
RECENT=$(count "SELECT COUNT(*) FROM sqlite_master WHERE name = 'decl_terms_recent'")
[ "$RECENT" = 1 ] && RECENT=$(count "SELECT COUNT(*) FROM decl_terms_recent") || RECENT=-
N=$((N1 - N0))
echo "ticks=$((T1 - T0)) regs=$N ticks_per_1000=$(( (T1 - T0) * 1000 / (N > 0 ? N : 1) )) achieved=$(awk -v n=$N -v s=$MEASURE 'BEGIN{printf "%.1f", n/s}')/s recent=$RECENT load=$(cut -d' ' -f1 /proc/loadavg)"
