#!/bin/sh
# Registrations as the database grows (issue 12): for databases holding 0, 100,000 and 1,000,000
# declarations (`ecustoms db seed`), the open-loop load at 1,000/s offered (1-50 items, 15 s) with
# its achieved rate, IDA/IDC p50/p99 and the /healthz ceiling of the same run; the channel mix of
# the run; the database's bytes per declaration; GET /api/v1/declarations/{number} p50/p99 and the
# one-day lists of a declarant and of an office (the SQL of the indexes they use) p50/p99.
#
#   scripts/bench-growth.sh [SIZES]            default "0 100000 1000000"
#   BIN=build/ecustoms RATE=1000 DURATION=15 CACHE=/tmp/ecustoms-growth scripts/bench-growth.sh
#
# Seeded databases are kept in $CACHE (seed-N.sqlite) and copied for each run, so that another
# binary (SERVE_BIN, e.g. an older release) can be measured on the same data.
set -eu
BIN=${BIN:-build/ecustoms}
SERVE_BIN=${SERVE_BIN:-$BIN}
RATE=${RATE:-1000}; DURATION=${DURATION:-15}
SIZES=${1:-"0 100000 1000000"}
CACHE=${CACHE:-/tmp/ecustoms-growth}
mkdir -p "$CACHE"
SERVER=
DIR=
cleanup() { [ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null; [ -n "$DIR" ] && rm -rf "$DIR"; return 0; }
trap cleanup EXIT

for N in $SIZES; do
    echo "=== $N declarations before the load ($(nproc) cores, load average $(cut -d' ' -f1 /proc/loadavg))"
    if [ ! -f "$CACHE/seed-$N.sqlite" ]; then
        rm -f "$CACHE/seed-$N.sqlite"*
        "$BIN" db init --db "$CACHE/seed-$N.sqlite" --demo > "$CACHE/seed-$N.tokens" 2>/dev/null
        if [ "$N" -gt 0 ]; then
            /usr/bin/time -f "seed: %e s wall, %U s user, %S s sys, %M KB max RSS" \
                "$BIN" db seed --db "$CACHE/seed-$N.sqlite" --declarations "$N" --seed 1 \
                2>&1 | grep -v "tariff lines usable" | tee "$CACHE/seed-$N.log"
        fi
    else
        cat "$CACHE/seed-$N.log" 2>/dev/null || true
    fi
    DIR=$(mktemp -d)
    # the database with its audit key and checkpoint log (a keyed trail without its key does not
    # open) and its signing key
    for f in "" .audit-key .audit-log .signing-key.pem; do
        if [ -f "$CACHE/seed-$N.sqlite$f" ]; then cp -p "$CACHE/seed-$N.sqlite$f" "$DIR/db.sqlite$f"; fi
    done
    # The copy leaves up to gigabytes of dirty pages; written back while the load runs, they held
    # the first commits' fsyncs for ~1 s at 1,000,000 (every acknowledgement stopped, IDC max ~2 s:
    # docs/performance.md, stop 19). A server does not start right after copying its database.
    sync
    TOKEN=$(awk '$1=="declarant" && $2=="0101234567"{print $3; exit}' "$CACHE/seed-$N.tokens")
    OFFICER=$(awk '$1=="officer"{print $3; exit}' "$CACHE/seed-$N.tokens")
    PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    "$SERVE_BIN" serve --db "$DIR/db.sqlite" --listen "127.0.0.1:$PORT" > "$DIR/serve.log" 2>&1 &
    SERVER=$!
    # serve checks the file (PRAGMA quick_check) before it listens: minutes at 1,000,000
    # declarations, so wait for /healthz rather than a fixed second
    T0=$(date +%s)
    until curl -sf "http://127.0.0.1:$PORT/healthz" > /dev/null 2>&1; do
        if ! kill -0 "$SERVER" 2>/dev/null; then echo "serve exited:"; cat "$DIR/serve.log"; exit 1; fi
        sleep 1
    done
    echo "server up after $(( $(date +%s) - T0 )) s (integrity check included)"
    START=$(date +%s)
    "$BIN" load --server "http://127.0.0.1:$PORT" --token "$TOKEN" --rate "$RATE" \
        --duration "$DURATION" --items-min 1 --items-max 50 | grep -v "tariff lines usable" || true
    python3 - "$DIR/db.sqlite" "$START" "http://127.0.0.1:$PORT" "$OFFICER" <<'EOF'
import http.client, os, random, sqlite3, sys, time, urllib.parse
db, start, base, officer = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
c = sqlite3.connect(db)
mix = dict(c.execute("SELECT channel, COUNT(*) FROM declarations WHERE declarant = '0101234567'"
                     " AND registered_at >= ? GROUP BY channel", (start,)).fetchall())
tot = sum(mix.values()) or 1
print("load mix: green %.1f %%, yellow %.1f %%, red %.1f %% (of %d registered)" % (
    100.0 * mix.get(1, 0) / tot, 100.0 * mix.get(2, 0) / tot, 100.0 * mix.get(3, 0) / tot, tot))
n = c.execute("SELECT COUNT(*) FROM declarations").fetchone()[0]
size = sum(os.path.getsize(db + s) for s in ("", "-wal") if os.path.exists(db + s))
print("database: %d declarations, %.1f MB (with WAL), %.0f bytes per declaration" % (
    n, size / 1e6, size / max(n, 1)))
pct = lambda v, p: sorted(v)[int((len(v) - 1) * p)] if v else 0
# GET by number, one keep-alive connection, random registered declarations
nums = [r[0] for r in c.execute("SELECT number FROM declarations WHERE number IS NOT NULL"
                                " ORDER BY RANDOM() LIMIT 2000")]
u = urllib.parse.urlparse(base)
h = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
lat, bad = [], 0
for num in nums:
    t = time.perf_counter()
    h.request("GET", "/api/v1/declarations/" + num, headers={"Authorization": "Bearer " + officer})
    r = h.getresponse(); r.read()
    lat.append((time.perf_counter() - t) * 1e3)
    bad += r.status != 200
print("GET /api/v1/declarations/{number}: %d requests (%d not 200), p50 %.2f ms, p99 %.2f ms" % (
    len(lat), bad, pct(lat, 0.5), pct(lat, 0.99)))
# one day of one declarant / one office (the lists' SQL shape, on the indexes of migration 2)
for col in ("declarant", "office"):
    keys = [r[0] for r in c.execute("SELECT DISTINCT %s FROM declarations" % col)]
    lat, rows = [], 0
    for _ in range(200):
        k = random.choice(keys)
        day = c.execute("SELECT registered_at FROM declarations WHERE %s = ? AND registered_at > 0"
                        " ORDER BY RANDOM() LIMIT 1" % col, (k,)).fetchone()
        if not day:
            continue
        d0 = day[0] - day[0] % 86400
        t = time.perf_counter()
        got = c.execute("SELECT id, number, status, channel, registered_at FROM declarations"
                        " WHERE %s = ? AND registered_at >= ? AND registered_at < ?"
                        " ORDER BY registered_at LIMIT 100" % col, (k, d0, d0 + 86400)).fetchall()
        lat.append((time.perf_counter() - t) * 1e3)
        rows += len(got)
    print("one day of one %s (first 100): p50 %.2f ms, p99 %.2f ms, %.0f rows on average" % (
        col, pct(lat, 0.5), pct(lat, 0.99), rows / max(len(lat), 1)))
EOF
    kill "$SERVER"; wait "$SERVER" 2>/dev/null || true
    SERVER=
    rm -rf "$DIR"; DIR=
done
