#!/usr/bin/env python3
"""Benchmark of the e-Office reads at scale (docs/performance.md): a database with N synthetic
declarations (rows written straight into SQLite, with their search terms and events, as the
server would write them), then the median server time of each list, search, worklist and feed
request over keep-alive loopback HTTP. Not a test.

    python3 tests/bench/bench_office.py --binary build/ecustoms [--n 1000000] [--runs 30]
"""
import argparse
import http.client
import json
import os
import random
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time

ap = argparse.ArgumentParser()
ap.add_argument("--binary", default="build/ecustoms")
ap.add_argument("--n", type=int, default=1000000)
ap.add_argument("--runs", type=int, default=30)
ap.add_argument("--keep", action="store_true", help="keep the database directory")
args = ap.parse_args()
BIN = os.path.abspath(args.binary)
rnd = random.Random(16)
d = tempfile.mkdtemp(prefix="ecustoms-bench-office-")
db = os.path.join(d, "db.sqlite")
subprocess.run([BIN, "db", "init", "--db", db], check=True, capture_output=True)

N_ENT, OFFICES = 5000, ["%02dCI" % i for i in range(1, 21)]
words = ("dien thoai di dong may tinh xach tay linh kien thep cuon can nong vai det kim soi tong hop "
         "giay dep the thao do choi tre em my pham thuc pham dong lanh hai san ca tra tom "
         "phan bon hoa chat nhua hat may moc thiet bi phu tung o to xe may go dan cao su").split()
t0 = time.time()
c = sqlite3.connect(db)
c.execute("PRAGMA journal_mode=WAL")
c.execute("PRAGMA synchronous=OFF")
c.executemany("INSERT INTO parties VALUES (?,?,?,?,?,?,?)",
              [("%010d" % (3000000000 + i), "Cong ty %d %s %s" % (i, rnd.choice(words), rnd.choice(words)),
                "active", 0, 2, 0, "enterprise") for i in range(N_ENT)])
now = int(time.time())
# generated inside SQLite (a Python loop takes minutes per million rows): per declaration an
# enterprise of N_ENT, an office of 20, a channel (60/30/10 %), a status (most cleared, ~1 %
# provisional, ~0.2 % waiting for the document check or the inspection, lodged in the last
# 3 days), three description words of 60, a container, and the terms and events the server writes
c.execute("CREATE TEMP TABLE w (k INTEGER PRIMARY KEY, word TEXT)")
c.executemany("INSERT INTO w VALUES (?, ?)", list(enumerate(words)))
NW = len(words)
c.execute("""CREATE TEMP TABLE g AS WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < ?)
  SELECT i, printf('%016x%016x', i, (i * 2654435761) % 4294967296) AS id, printf('10%010d', i) AS num,
    printf('%010d', 3000000000 + abs(random()) % ?) AS ent, printf('%02dCI', 1 + abs(random()) % 20) AS office,
    abs(random()) % 1000 AS r, abs(random()) % 10 AS cr, abs(random()) % ? AS w1, abs(random()) % ? AS w2,
    abs(random()) % ? AS w3, printf('MSCU%07d', abs(random()) % 10000000) AS cont,
    ? - abs(random()) % 31536000 AS created FROM s""", (args.n, N_ENT, NW, NW, NW, now))
c.execute("""CREATE TEMP TABLE g2 AS SELECT g.*, CASE WHEN cr < 6 THEN 1 WHEN cr < 9 THEN 2 ELSE 3 END AS ch,
    CASE WHEN r < 10 THEN 1 WHEN r < 12 AND cr >= 6 THEN 2 WHEN r < 14 AND cr >= 9 THEN 4 ELSE 5 END AS st,
    (SELECT word FROM w WHERE k = w1) || ' ' || (SELECT word FROM w WHERE k = w2) || ' ' ||
    (SELECT word FROM w WHERE k = w3) AS descr FROM g""")
c.execute("UPDATE g2 SET created = ? - abs(random()) % 259200 WHERE st IN (2, 4)", (now,))
c.execute("""INSERT INTO declarations SELECT id, CASE WHEN st = 1 THEN NULL ELSE num END, 1, 'A11', st, ch, 0,
    ent, ent, office, 1000000000, 100000000, 20261130, created, created + 7200, CASE WHEN st = 1 THEN 0 ELSE created + 60 END,
    CASE WHEN st = 5 THEN created + 7200 ELSE 0 END,
    '{"importer":{"tax_code":"' || ent || '"},"invoice":{"number":"INV-' || i || '"},"transport":{"bills_of_lading":["COSU'
      || printf('%010d', i) || '"],"containers":["' || cont || '"]},"items":[{"description":"' || descr || '"}]}',
    '{}', NULL, NULL FROM g2 ORDER BY i""")
for expr in ("num", "substr(num, 1, 11)", "ent", "'inv-' || i", "printf('cosu%010d', i)", "lower(cont)",
             "(SELECT word FROM w WHERE k = w1)", "(SELECT word FROM w WHERE k = w2)", "(SELECT word FROM w WHERE k = w3)"):
    c.execute("INSERT OR IGNORE INTO decl_terms SELECT %s, id FROM g2" % expr)
# events: IDA for all, IDC for registered, clearance for cleared; feed in time order (as the
# writer numbers them: 4 * time + a step, so increasing with time)
c.execute("""INSERT INTO events (decl_id, seq, at, actor, role, action, from_status, to_status, detail,
    prev_hash, hash, feed) SELECT id, 1, created, ent, 'declarant', 'ida', 0, 1, NULL, '', 'x', 4 * created FROM g2""")
c.execute("""INSERT INTO events (decl_id, seq, at, actor, role, action, from_status, to_status, detail,
    prev_hash, hash, feed) SELECT id, 2, created + 60, ent, 'declarant', 'idc', 1, 2, NULL, '', 'x', 4 * created + 241
    FROM g2 WHERE st <> 1""")
c.execute("""INSERT INTO events (decl_id, seq, at, actor, role, action, from_status, to_status, detail,
    prev_hash, hash, feed) SELECT id, 3, created + 7200, '0000000000', 'officer', 'clear', 2, 5, NULL, '', 'x',
    4 * created + 28802 FROM g2 WHERE st = 5""")
c.commit()
c.execute("ANALYZE")
c.commit()
c.close()
print("database: %d declarations in %.0f s (%s, %.0f MB)" % (args.n, time.time() - t0, db,
                                                          os.path.getsize(db) / 1e6), flush=True)

ENT = "%010d" % 3000000000
pw = os.path.join(d, "pw")
open(pw, "w").write("benchmark password\n")
subprocess.run([BIN, "user", "add", "--db", db, "--party", "0000000000", "--username", "bench.officer",
                "--name", "Bench Officer", "--role", "officer", "--office", "01CI", "--password-file", pw],
               check=True, capture_output=True)
officer = subprocess.run([BIN, "token", "create", "--db", db, "--user", "bench.officer"], check=True,
                         capture_output=True, text=True).stdout.strip()
trader = subprocess.run([BIN, "token", "create", "--db", db, "--party", ENT, "--role", "declarant"],
                        check=True, capture_output=True, text=True).stdout.strip()
s = socket.socket()
s.bind(("127.0.0.1", 0))
port = s.getsockname()[1]
s.close()
srv = subprocess.Popen([BIN, "serve", "--db", db, "--listen", "127.0.0.1:%d" % port],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
for _ in range(200):
    try:
        socket.create_connection(("127.0.0.1", port), 0.2).close()
        break
    except OSError:
        time.sleep(0.05)
conn = http.client.HTTPConnection("127.0.0.1", port)


def get(path, tok):
    t = time.perf_counter()
    conn.request("GET", path, headers={"Authorization": "Bearer " + tok})
    r = conn.getresponse()
    body = r.read()
    ms = (time.perf_counter() - t) * 1000
    if r.status != 200:
        raise SystemExit("%s: %d %s" % (path, r.status, body[:300]))
    return ms, json.loads(body)


_, first = get("/api/v1/declarations?limit=50", officer)
cases = [
    ("list, customs, newest 50", "/api/v1/declarations?limit=50", officer),
    ("list, customs, page 2 (cursor)", "/api/v1/declarations?limit=50&cursor=" + first["next_cursor"], officer),
    ("list, customs, status=cleared&channel=red", "/api/v1/declarations?status=cleared&channel=red", officer),
    ("list, customs, office=07CI", "/api/v1/declarations?office=07CI", officer),
    ("list, customs, one month", "/api/v1/declarations?from=2026-10-01&to=2026-10-31", officer),
    ("list, an enterprise's own (N / 5,000 declarations)", "/api/v1/declarations", trader),
    ("search, one word (dien)", "/api/v1/declarations?q=dien", officer),
    ("search, two words (dien thoai)", "/api/v1/declarations?q=dien+thoai", officer),
    ("search, container", "/api/v1/declarations?q=MSCU0012345", officer),
    ("search, number", "/api/v1/declarations?q=100000500000", officer),
    ("worklist, document check, 01CI", "/api/v1/worklists/document-check", officer),
    ("worklist, inspection, 01CI", "/api/v1/worklists/inspection", officer),
    ("notifications, enterprise, last hour", "/api/v1/notifications?since=%d" % (int(time.time()) - 3600), trader),
]
print("| request | median ms | p90 ms | items |")
print("|---|---:|---:|---:|")
try:
    for name, path, tok in cases:
        get(path, tok)  # warm
        ms = []
        for _ in range(args.runs):
            t, b = get(path, tok)
            ms.append(t)
        ms.sort()
        print("| %s | %.2f | %.2f | %d |" % (name, statistics.median(ms), ms[int(len(ms) * 0.9) - 1],
                                            len(b.get("items", []))), flush=True)
finally:
    srv.terminate()
    srv.wait()
    if not args.keep:
        shutil.rmtree(d, ignore_errors=True)
