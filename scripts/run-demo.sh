#!/bin/sh
# `make run`: create the demo database on first start (parties, tokens, exchange rates, risk
# rules, one person per role with a password), print the demo tokens and people, and serve. Usage: run-demo.sh BINARY DB LISTEN
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
echo "web portal:  http://$LISTEN/  (sign in as one of the demo people above)"
echo "try:  $BIN declare --server http://$LISTEN --token <declarant token> examples/import-phones.json"
echo
exec "$BIN" serve --db "$DB" --listen "$LISTEN"
