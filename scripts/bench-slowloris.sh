#!/bin/sh
# One client cannot starve the others (issue 15 #3): a slowloris of CONNS connections from
# 127.0.0.1 (a byte a second, reconnecting when cut) while another client, on 127.0.0.2, registers
# declarations with the open-loop load tool (256 connections) and /healthz is probed every 100 ms
# from a third address, 127.0.0.3.
# Usage: scripts/bench-slowloris.sh [CONNS] [RATE] [DURATION] [SERVE_OPTIONS...]
set -eu
BIN=${BIN:-build/ecustoms}
SERVE_BIN=${SERVE_BIN:-$BIN}   # the server under test (e.g. an older build); BIN runs the load
CONNS=${1:-1200}; RATE=${2:-200}; DURATION=${3:-20}
shift 3 2>/dev/null || shift $#
DIR=$(mktemp -d)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$BIN" db init --db "$DIR/bench.sqlite" --demo > "$DIR/tokens"
TOKEN=$(awk '$1=="declarant"{print $3; exit}' "$DIR/tokens")
ulimit -n 8192 2>/dev/null || true
"$SERVE_BIN" serve --db "$DIR/bench.sqlite" --listen "127.0.0.1:$PORT" "$@" > "$DIR/serve.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; rm -rf "$DIR"' EXIT
sleep 0.5
python3 tests/bench/slowloris.py 127.0.0.1 "$PORT" 127.0.0.3 "$CONNS" $((DURATION + 8)) &
ATTACK=$!
sleep 5   # the attack is established before the measured load starts
"$BIN" load --server "http://127.0.0.1:$PORT" --source-address 127.0.0.2 --token "$TOKEN" --rate "$RATE" --duration "$DURATION" \
    --items-min 1 --items-max 50 --no-ceiling || true
wait $ATTACK
curl -s "http://127.0.0.1:$PORT/metrics" | grep -E '^ecustoms_http_(request_timeouts|rejected)'
grep -c "cut .* connection" "$DIR/serve.log" || true
