#!/usr/bin/env python3
"""EXPLAIN QUERY PLAN of every SQL statement of the C sources, on a (large, seeded) database.

    python3 scripts/explain-queries.py DB [--all]

Extracts the string literals that hold SQL from src/store/*.c and src/service/*.c (adjacent
literals concatenated, the DECL_*COLS macros expanded), asks SQLite for each plan, and prints the
statements whose plan SCANs a table (every plan with --all). A scan of a table that grows with
the declarations is a defect (issue 12); scans of small reference tables (rules, settings, rates,
parties of one query) are listed for the record.
"""
import glob
import os
import re
import sqlite3
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
LIT = re.compile(r'"((?:[^"\\]|\\.)*)"')


def statements():
    out = []
    for path in sorted(glob.glob(os.path.join(ROOT, "src/store/*.c")) +
                       glob.glob(os.path.join(ROOT, "src/service/*.c"))):
        text = open(path, encoding="utf-8").read()
        macros = {}
        # string macros, made of literals and other such macros (LIST_COLS: LIST_SELECT " 0"
        # LIST_FROM), expanded in the order they are defined
        for m in re.finditer(r"#define (\w+)[ \t\\\n]+((?:(?:\"(?:[^\"\\]|\\.)*\"|\b[A-Z_][A-Z0-9_]{3,}\b)"
                             r"[ \t]*(?:\\\n[ \t]*)?)+)", text):
            parts = re.findall(r'"((?:[^"\\]|\\.)*)"|(\b[A-Z_][A-Z0-9_]{3,}\b)', m.group(2))
            if not any(p[0] for p in parts) and not all(p[1] in macros for p in parts):
                continue  # not a string macro (a number, a type)
            macros[m.group(1)] = "".join(p[0] if not p[1] else macros.get(p[1], "") for p in parts)
        for m in re.finditer(r"(?:static )?const char (\w+)\[\]\s*=\s*((?:\s*(?:\"(?:[^\"\\]|\\.)*\"|\w+))+)\s*;",
                             text):
            parts = re.findall(r'"((?:[^"\\]|\\.)*)"|(\b[A-Z_][A-Z0-9_]{3,}\b)', m.group(2))
            sql = "".join(p[0] if p[0] or not p[1] else macros.get(p[1], "") for p in parts)
            if re.match(r"\s*(SELECT|INSERT|UPDATE|DELETE|WITH)\b", sql, re.I):
                out.append((os.path.relpath(path, ROOT), m.group(1), sql))
    return out


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    db = sqlite3.connect(sys.argv[1])
    # PostgreSQL's encode/decode(..., 'hex'), which the server's SQLite driver provides
    # (store/db_sqlite.c; decl_terms keeps declaration ids as 16 bytes)
    db.create_function("encode", 2, lambda b, f: None if b is None else bytes(b).hex(), deterministic=True)
    db.create_function("decode", 2, lambda t, f: None if t is None else bytes.fromhex(t), deterministic=True)
    # the events' chain column (schema migration 20): a declaration id as 16 bytes, else the text
    db.create_function("chain_key", 1, lambda t: bytes.fromhex(t) if isinstance(t, str) and len(t) == 32
                       and all(c in "0123456789abcdef" for c in t) else t, deterministic=True)
    db.create_function("chain_name", 1, lambda b: bytes(b).hex() if isinstance(b, bytes) and len(b) == 16
                       else b, deterministic=True)
    show_all = "--all" in sys.argv
    n = scans = 0
    for path, name, sql in statements():
        n += 1
        try:
            # numbered parameters (?1 .. ?N, each used in several places) bind N values
            numbered = [int(x) for x in re.findall(r"\?(\d+)", sql)]
            n_params = max(numbered) if numbered else sql.count("?")
            plan = db.execute("EXPLAIN QUERY PLAN " + sql, [None] * n_params).fetchall()
        except sqlite3.Error as e:
            print("%s %s: cannot explain (%s)" % (path, name, e))
            continue
        lines = [r[3] for r in plan]
        # a SCAN of a subquery's rows (a co-routine, a materialised view) reads no table
        subqueries = {l.split()[1] for l in lines if l.startswith(("CO-ROUTINE", "MATERIALIZE"))}
        scan = [l for l in lines if l.startswith("SCAN") and "CONSTANT" not in l
                and l.split()[1] not in subqueries]
        if scan:
            scans += 1
        if scan or show_all:
            print("%s %s:\n  %s\n  -> %s" % (path, name, " ".join(sql.split())[:160],
                                               "\n  -> ".join(lines)))
    print("%d statements, %d with a SCAN" % (n, scans))
    return 0


if __name__ == "__main__":
    sys.exit(main())
