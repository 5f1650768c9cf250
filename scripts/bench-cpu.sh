#!/bin/sh
# Server CPU per registration (IDA + IDC, 25 items): /proc/PID/stat utime+stime delta of the server
# over a 300-declaration open-loop load at 30/s on a fresh demo database. Usage: scripts/bench-cpu.sh BINARY
BIN=$1
DIR=$(mktemp -d)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$BIN" db init --db "$DIR/b.sqlite" --demo > "$DIR/tokens" 2>/dev/null
TOKEN=$(awk '$1=="declarant"{print $3; exit}' "$DIR/tokens")
"$BIN" serve --db "$DIR/b.sqlite" --listen "127.0.0.1:$PORT" > "$DIR/serve.log" 2>&1 &
S=$!
sleep 3
t0=$(awk '{print $14+$15}' /proc/$S/stat)
"$BIN" load --server "http://127.0.0.1:$PORT" --token "$TOKEN" --rate 30 --duration 10 --items-min 25 --items-max 25 >/dev/null 2>&1
t1=$(awk '{print $14+$15}' /proc/$S/stat)
echo "$BIN: $(echo "($t1 - $t0) * 10 / 300" | bc -l | cut -c1-5) ms CPU per declaration (IDA+IDC)"
kill $S; wait $S 2>/dev/null
if [ -n "$VERIFY" ]; then /usr/bin/time -f "audit verify %e s" "$BIN" audit verify --db "$DIR/b.sqlite"; fi
rm -rf "$DIR"
