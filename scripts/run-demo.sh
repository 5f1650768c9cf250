#!/bin/sh
# `make run`: create the demo database on first start (parties, tokens, exchange rates, risk
# rules), print the demo tokens, and serve. Usage: run-demo.sh BINARY DB LISTEN
set -eu
BIN=$1
DB=$2
LISTEN=$3
mkdir -p "$(dirname "$DB")"
TOKENS="$(dirname "$DB")/demo-tokens.txt"
if [ ! -f "$DB" ]; then
    "$BIN" db init --db "$DB" --demo > "$TOKENS"
fi
cat "$TOKENS"
echo
echo "try:  $BIN declare --server http://$LISTEN --token <declarant token> examples/import-phones.json"
echo
exec "$BIN" serve --db "$DB" --listen "$LISTEN"
