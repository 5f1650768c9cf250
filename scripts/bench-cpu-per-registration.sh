#!/bin/sh
# Server CPU per registration (IDA + IDC): a fresh demo database (agencies bound as in `make run`),
# a server on a loopback port, the open-loop load tool at RATE/s for DURATION s, and the server's
# utime + stime from /proc divided by the registrations that went through. UNBIND=1 removes the
# agency bindings first (nothing owed to agencies). The load runs without its 3-second /healthz
# ceiling phase, whose CPU fell inside the figure until stop 27 (docs/performance.md). Usage: BIN RATE DURATION
set -u
BIN=${1:-build/ecustoms}; RATE=${2:-200}; DUR=${3:-10}; UNBIND=${UNBIND:-}
DIR=$(mktemp -d)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$BIN" db init --db "$DIR/b.sqlite" --demo > "$DIR/tokens"
[ -n "$UNBIND" ] && python3 -c "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute(\"DELETE FROM agency_bindings\"); c.commit()" "$DIR/b.sqlite"
TOKEN=$(awk '$1=="declarant"{print $3; exit}' "$DIR/tokens")
"$BIN" serve --db "$DIR/b.sqlite" --listen "127.0.0.1:$PORT" > "$DIR/serve.log" 2>&1 &
S=$!
sleep 0.5
T0=$(awk '{print $14+$15}' /proc/$S/stat)
"$BIN" load --server "http://127.0.0.1:$PORT" --token "$TOKEN" --rate "$RATE" --duration "$DUR" --no-ceiling > "$DIR/load.txt" 2>&1
T1=$(awk '{print $14+$15}' /proc/$S/stat)
OK=$(grep -o 'IDC  ok=[0-9]*' "$DIR/load.txt" | grep -o '[0-9]*$')
TCK=$(getconf CLK_TCK)
python3 -c "print('ok=%s cpu_ms_per_reg=%.3f' % ($OK, ($T1-$T0)*1000.0/$TCK/max($OK,1)))"
grep achieved "$DIR/load.txt"
kill $S; wait $S 2>/dev/null
rm -rf "$DIR"
