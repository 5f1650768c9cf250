#!/bin/sh
# Registration throughput and latency: a fresh demo database, a server on a loopback port, then the
# open-loop load tool. Usage: scripts/bench-clearance.sh [RATE] [DURATION] [RUNS] [ITEMS_MIN] [ITEMS_MAX]
# Random sampling and demo risk rules are active, as in `make run`. With RISK_HISTORY=CSV[,CSV] the
# inspection history is imported and a risk model trained and active before the load (docs/risk.md).
set -eu
BIN=${BIN:-build/ecustoms}
RATE=${1:-1000}; DURATION=${2:-15}; RUNS=${3:-3}; IMIN=${4:-1}; IMAX=${5:-50}
DIR=$(mktemp -d)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$BIN" db init --db "$DIR/bench.sqlite" --demo > "$DIR/tokens"
TOKEN=$(awk '$1=="declarant"{print $3; exit}' "$DIR/tokens")
if [ -n "${RISK_HISTORY:-}" ]; then
    "$BIN" risk import-history --db "$DIR/bench.sqlite" --csv "$RISK_HISTORY"
    "$BIN" risk train --db "$DIR/bench.sqlite" | head -1
fi
"$BIN" serve --db "$DIR/bench.sqlite" --listen "127.0.0.1:$PORT" > "$DIR/serve.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; rm -rf "$DIR"' EXIT
sleep 0.5
i=1
while [ $i -le "$RUNS" ]; do
    echo "--- run $i"
    "$BIN" load --server "http://127.0.0.1:$PORT" --token "$TOKEN" --rate "$RATE" --duration "$DURATION" \
        --items-min "$IMIN" --items-max "$IMAX" || true
    i=$((i + 1))
done
curl -s "http://127.0.0.1:$PORT/metrics" | grep -E '^ecustoms_(store|registrations)'
