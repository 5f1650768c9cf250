#!/bin/sh
# Failover drill on the three-node cluster of scripts/ha-cluster.sh: registrations under load
# (open loop, every acknowledged number recorded), SIGKILL of the primary's postmaster mid-load,
# then the reckoning on the new primary. Last line: one JSON object
#   {"recovery_s":…,"acknowledged":…,"lost":…,"duplicates":…,"unavailable":…,"audit_ok":true|false}
#   recovery_s    seconds from the kill to the first registration acknowledged after the silence
#   acknowledged  registrations answered 200 (each with its number) during the whole load
#   lost          acknowledged numbers the database does not have afterwards (must be 0)
#   duplicates    numbers acknowledged twice (must be 0)
#   unavailable   requests answered 503 database_unavailable meanwhile
#   audit_ok      `ecustoms audit verify` on the new primary
#
# Usage: scripts/failover-drill.sh [RATE=400] [DURATION=20] [KILL_AFTER=8]
# Starts the cluster if it is not up (and leaves it up: scripts/ha-cluster.sh down removes it).
# Each run uses a new database in the cluster.
set -eu
BIN=${BIN:-build/ecustoms}
RATE=${1:-400}; DURATION=${2:-20}; KILL_AFTER=${3:-8}
HA_DIR=${ECUSTOMS_HA_DIR:-/tmp/ecustoms-ha}
export ECUSTOMS_HA_DIR=$HA_DIR
HERE=$(cd "$(dirname "$0")" && pwd)

"$HERE/ha-cluster.sh" up > /dev/null
# shellcheck disable=SC1091
. "$HA_DIR/ports"
DBNAME="drill_$(date +%s)_$$"
LEADER=$("$HERE/ha-cluster.sh" leader-port)
psql -X -q -d "postgresql://postgres@127.0.0.1:$LEADER/postgres" -c "CREATE DATABASE $DBNAME"
URI="postgresql://postgres@127.0.0.1:$PG1,127.0.0.1:$PG2,127.0.0.1:$PG3/$DBNAME?target_session_attrs=read-write"

WORK=$(mktemp -d)
# the database's audit key and checkpoint log (and signing key): docs/operations.md "Keys"
export ECUSTOMS_STATE_DIR="$WORK"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$BIN" db init --db "$URI" --signing-key "$WORK/signing-key.pem" --demo > "$WORK/tokens"
TOKEN=$(awk '$1=="declarant"{print $3; exit}' "$WORK/tokens")
"$BIN" serve --db "$URI" --signing-key "$WORK/signing-key.pem" --listen "127.0.0.1:$PORT" > "$WORK/serve.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; rm -rf "$WORK"' EXIT
i=0
until curl -fsS --max-time 5 "http://127.0.0.1:$PORT/healthz" > /dev/null 2>&1; do
    i=$((i + 1)); [ $i -lt 600 ] || { echo "server did not start" >&2; cat "$WORK/serve.log" >&2; exit 1; }
    sleep 0.1
done

echo "load: $RATE registrations/s offered for $DURATION s; primary on port $LEADER killed after $KILL_AFTER s"
"$BIN" load --server "http://127.0.0.1:$PORT" --token "$TOKEN" --rate "$RATE" --duration "$DURATION" \
    --items-min 1 --items-max 3 --no-ceiling --record "$WORK/acked" > "$WORK/load.out" 2>&1 &
LOAD=$!
sleep "$KILL_AFTER"
for n in 1 2 3; do
    eval p=\$PG$n
    if [ "$p" = "$LEADER" ]; then NODE=$n; fi
done
PID=$(head -1 "$HA_DIR/node$NODE/postmaster.pid")
KILL_MS=$(date +%s%3N)
kill -9 "$PID"
echo "killed postmaster $PID (node$NODE) at $KILL_MS"
wait $LOAD || true
cat "$WORK/load.out"
NEW=$(i=0; until "$HERE/ha-cluster.sh" leader-port; do i=$((i + 1)); [ $i -lt 600 ] || exit 1; sleep 0.1; done)
echo "primary now on port $NEW (node$NODE was $LEADER)"

psql -X -At -d "$URI" -c "SELECT number FROM declarations WHERE number IS NOT NULL" > "$WORK/stored"
AUDIT=false
if "$BIN" audit verify --db "$URI" > "$WORK/audit" 2>&1; then AUDIT=true; fi
cat "$WORK/audit"
UNAVAILABLE=$(awk '/^unavailable \(503\)/{print $3}' "$WORK/load.out")

python3 - "$WORK/acked" "$WORK/stored" "$KILL_MS" "${UNAVAILABLE:-0}" "$AUDIT" <<'EOF'
import json, sys
acked_path, stored_path, kill_ms, unavailable, audit = sys.argv[1:]
kill_ms = int(kill_ms)
acks = [l.split() for l in open(acked_path) if l.strip()]
numbers = [a[0] for a in acks]
times = sorted(int(a[1]) for a in acks)
stored = set(l.strip() for l in open(stored_path) if l.strip())
# recovery: the end of the longest silence (no acknowledgement) that starts within 1 s of the
# kill (answers to commits made just before the kill can still arrive), measured from the kill
recovery, best_gap = None, -1
prev = max([t for t in times if t <= kill_ms] or [kill_ms])
for t in times:
    if t <= kill_ms:
        continue
    if prev <= kill_ms + 1000 and t - prev > best_gap:
        best_gap, recovery = t - prev, (t - kill_ms) / 1000.0
    prev = t
print(json.dumps({"recovery_s": recovery, "acknowledged": len(numbers),
                  "lost": len(set(numbers) - stored),
                  "duplicates": len(numbers) - len(set(numbers)),
                  "unavailable": int(unavailable), "audit_ok": audit == "true"}))
EOF
