#!/bin/sh
# PostgreSQL's registration rate against SQLite's (issue 13's ≥ 70 % target), on this machine:
# ROUNDS rounds of one SQLite and one PostgreSQL run of scripts/bench-clearance.sh (a fresh
# database each, RATE/s offered for DURATION s, 1-50 items), in alternating order (SQLite first in
# odd rounds, PostgreSQL first in even ones: ABBA), so that the machine's drift falls on both
# engines alike. Prints every run's achieved rate, each engine's median, the ratio of the
# medians and the median of the rounds' own ratios (each round's two runs are minutes apart at
# most, so the machine's slow drift cancels within a round). Single runs differ by ±15 % on a
# shared two-core machine: quote the medians.
#
#   python3 tests/api/pgserver.py start --dir /tmp/pgb --fsync on     # prints URI
#   scripts/bench-pg-ratio.sh URI [ROUNDS=5] [RATE=1000] [DURATION=5]
set -eu
URI=$1; ROUNDS=${2:-5}; RATE=${3:-1000}; DURATION=${4:-5}
BIN=${BIN:-build/ecustoms}
export BIN
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
run() { # ENGINE: one run; appends its rate to $OUT/ENGINE
    if [ "$1" = sqlite ]; then set -- sqlite; else set -- postgresql --db "$URI"; fi
    engine=$1; shift
    r=$(sh "$(dirname "$0")/bench-clearance.sh" "$@" "$RATE" "$DURATION" 1 2>&1 |
        sed -n 's/^achieved \([0-9.]*\) registrations.*/\1/p')
    echo "${r:-0}" >> "$OUT/$engine"
    echo "$(date -u +%H:%M:%S) $engine ${r:-failed}"
}
i=1
while [ $i -le "$ROUNDS" ]; do
    if [ $((i % 2)) -eq 1 ]; then run sqlite; run postgresql; else run postgresql; run sqlite; fi
    i=$((i + 1))
done
median() { sort -n "$1" | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
S=$(median "$OUT/sqlite"); P=$(median "$OUT/postgresql")
echo "sqlite: $(tr '\n' ' ' < "$OUT/sqlite")(median $S)"
echo "postgresql: $(tr '\n' ' ' < "$OUT/postgresql")(median $P)"
awk -v s="$S" -v p="$P" 'BEGIN { if (s > 0) printf "ratio of the medians: %.1f %%\n", 100 * p / s }'
paste -d' ' "$OUT/sqlite" "$OUT/postgresql" | awk '$1 > 0 { printf "%.1f\n", 100 * $2 / $1 }' > "$OUT/rounds"
echo "rounds' ratios: $(tr '\n' ' ' < "$OUT/rounds")(median $(median "$OUT/rounds") %)"
