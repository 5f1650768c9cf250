#!/usr/bin/env python3
"""What writing a declaration's search terms costs at 1,000,000 declarations, three ways
(docs/performance.md, stop 16): the schema's B-tree decl_terms (term, decl_id), FTS5 (a
contentless table keyed by the declaration's rowid), and a small "recent" B-tree merged into the
large one in sorted batches. Same libsqlite3 as the server, WAL, synchronous=FULL, 64 MB cache,
commits of BATCH declarations, the newest 3,000 declarations' real terms replayed under new ids.

    bench_terms_write.py SEEDED_DB WORK_DIR build     # copies the terms (minutes, ~2 GB)
    bench_terms_write.py SEEDED_DB WORK_DIR run       # the three ways, batches of 2 and 16
    bench_terms_write.py SEEDED_DB WORK_DIR search    # prefix searches on both indexes

SEEDED_DB is only read (immutable=1)."""
import os
import resource
import sqlite3
import sys

N = 3000


def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def build(src, work):
    db = sqlite3.connect(f'{work}/t.sqlite')
    db.execute('PRAGMA journal_mode=OFF')
    db.execute('PRAGMA synchronous=OFF')
    db.execute('PRAGMA cache_size=-2000000')
    db.execute(f"ATTACH 'file:{src}?immutable=1' AS s")
    db.execute('CREATE TABLE bt (term TEXT NOT NULL, decl_id BLOB NOT NULL,'
               ' PRIMARY KEY (term, decl_id)) WITHOUT ROWID')
    db.execute('INSERT INTO bt SELECT term, decl_id FROM s.decl_terms ORDER BY term, decl_id')
    db.execute('CREATE TABLE docs (rowid INTEGER PRIMARY KEY, decl_id BLOB UNIQUE, terms TEXT)')
    db.execute("INSERT INTO docs (decl_id, terms) SELECT decl_id, group_concat(term, ' ')"
               " FROM (SELECT decl_id, term FROM bt ORDER BY decl_id) GROUP BY decl_id")
    db.execute("CREATE VIRTUAL TABLE ft USING fts5(terms, content='',"
               " tokenize=\"unicode61 tokenchars '-./'\")")
    db.execute('INSERT INTO ft (rowid, terms) SELECT rowid, terms FROM docs')
    db.execute("INSERT INTO ft(ft) VALUES('optimize')")
    db.execute('CREATE TABLE recent (term TEXT NOT NULL, decl_id BLOB NOT NULL,'
               ' PRIMARY KEY (term, decl_id)) WITHOUT ROWID')
    db.commit()


def run(work):
    db = sqlite3.connect(f'{work}/t.sqlite', isolation_level=None)
    db.execute('PRAGMA journal_mode=WAL')
    db.execute('PRAGMA synchronous=FULL')
    db.execute('PRAGMA cache_size=-65536')
    rows = db.execute('SELECT terms FROM docs ORDER BY rowid DESC LIMIT ?', (N,)).fetchall()
    next_rowid = db.execute('SELECT max(rowid) FROM docs').fetchone()[0] + 10**7
    for way in ('btree', 'fts5', 'recent+merge'):
        for batch in (2, 16):
            base = os.urandom(8)
            db.execute('DELETE FROM recent')
            c0 = cpu()
            for i in range(0, N, batch):
                db.execute('BEGIN')
                for k, (terms,) in enumerate(rows[i:i + batch]):
                    new_id = base + (i + k).to_bytes(8, 'big')
                    if way == 'fts5':
                        next_rowid += 1
                        db.execute('INSERT INTO ft (rowid, terms) VALUES (?, ?)', (next_rowid, terms))
                    else:
                        table = 'bt' if way == 'btree' else 'recent'
                        db.executemany(f'INSERT INTO {table} (term, decl_id) VALUES (?, ?)',
                                       [(t, new_id) for t in terms.split(' ')])
                db.execute('COMMIT')
            c1 = cpu()
            merge = ''
            if way == 'recent+merge':
                db.execute('BEGIN')
                db.execute('INSERT INTO bt SELECT term, decl_id FROM recent ORDER BY term, decl_id')
                db.execute('COMMIT')
                merge = f', merge {1000 * (cpu() - c1) / N:.3f} ms/decl'
            print(f'{way:13s} batch {batch:2d}: {1000 * (c1 - c0) / N:.3f} ms/decl{merge}', flush=True)


def search(work):
    db = sqlite3.connect(f'file:{work}/t.sqlite?mode=ro', uri=True)
    terms = db.execute('SELECT terms FROM docs ORDER BY rowid DESC LIMIT 1').fetchone()[0].split(' ')
    for full in terms:
        for p in (full, full[:3]):
            hi = p[:-1] + chr(ord(p[-1]) + 1)
            c0 = cpu()
            for _ in range(10):
                db.execute('SELECT count(*) FROM (SELECT decl_id FROM bt WHERE term >= ? AND term < ?'
                           ' LIMIT 200)', (p, hi)).fetchone()
            c1 = cpu()
            for _ in range(10):
                db.execute('SELECT count(*) FROM (SELECT rowid FROM ft WHERE ft MATCH ?'
                           ' ORDER BY rowid DESC LIMIT 200)', (f'"{p}"*',)).fetchone()
            c2 = cpu()
            n = db.execute('SELECT count(*) FROM bt WHERE term >= ? AND term < ?', (p, hi)).fetchone()[0]
            print(f'{p!r:16} {n:>8} matches: btree {100 * (c1 - c0):8.3f} ms, fts5 {100 * (c2 - c1):8.3f} ms',
                  flush=True)


if __name__ == '__main__':
    if len(sys.argv) != 4 or sys.argv[3] not in ('build', 'run', 'search'):
        sys.exit(__doc__)
    os.makedirs(sys.argv[2], exist_ok=True)
    {'build': lambda: build(sys.argv[1], sys.argv[2]), 'run': lambda: run(sys.argv[2]),
     'search': lambda: search(sys.argv[2])}[sys.argv[3]]()
