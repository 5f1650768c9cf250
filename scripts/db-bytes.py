#!/usr/bin/env python3
"""Bytes per declaration of a SQLite database, by B-tree (docs/performance.md, stop 17).

    scripts/db-bytes.py DB [BASE_DB]

Opens DB read-only with immutable=1 (the pages of the file as they are: run it on a database no
server has open, or after a checkpoint) and prints, per table or index, the bytes of its pages
(SUM(pgsize) of dbstat) divided by the number of declarations, its leaf fill (payload + headers
over the leaves' bytes) and its share; then the total over every B-tree and the file's size per
declaration. With BASE_DB, a second column: BASE_DB's figures, and the difference."""
import sqlite3
import sys


def measure(path):
    db = sqlite3.connect(f"file:{path}?immutable=1", uri=True)
    n = db.execute("SELECT COUNT(*) FROM declarations").fetchone()[0]
    rows = db.execute(
        "SELECT name, SUM(pgsize), SUM(CASE WHEN pagetype = 'leaf' THEN pgsize END),"
        " SUM(CASE WHEN pagetype = 'leaf' THEN pgsize - unused END) FROM dbstat GROUP BY name"
    ).fetchall()
    page_size, pages = db.execute("PRAGMA page_size").fetchone()[0], db.execute(
        "PRAGMA page_count").fetchone()[0]
    db.close()
    out = {}
    for name, size, leaf, used in rows:
        out[name] = (size, (used or 0) / leaf if leaf else 0.0)
    return n, out, page_size * pages


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    n, t, file_bytes = measure(sys.argv[1])
    base = measure(sys.argv[2]) if len(sys.argv) == 3 else None
    names = set(t) | (set(base[1]) if base else set())
    order = sorted(names, key=lambda k: -(t.get(k, (0, 0))[0]))
    total = sum(v[0] for v in t.values())
    print(f"declarations {n}, file {file_bytes:,} bytes = {file_bytes / n:,.0f} per declaration")
    head = f"{'B-tree':34} {'B/decl':>8} {'fill':>5} {'share':>6}"
    if base:
        head += f" {'base':>8} {'diff':>7}"
    print(head)
    for name in order:
        size, fill = t.get(name, (0, 0.0))
        line = f"{name:34} {size / n:8.0f} {fill:5.2f} {100 * size / total:5.1f}%"
        if base:
            bsize = base[1].get(name, (0, 0.0))[0]
            line += f" {bsize / base[0]:8.0f} {size / n - bsize / base[0]:7.0f}"
        if size / n >= 1 or (base and base[1].get(name, (0, 0))[0] / base[0] >= 1):
            print(line)
    line = f"{'every B-tree':34} {total / n:8.0f} {'':5} {'':6}"
    if base:
        btotal = sum(v[0] for v in base[1].values())
        line += f" {btotal / base[0]:8.0f} {total / n - btotal / base[0]:7.0f}"
    print(line)


if __name__ == "__main__":
    main()
