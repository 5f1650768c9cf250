#!/usr/bin/env python3
"""Benchmark of the e-Office reads at scale (docs/performance.md): a database of N declarations
made by `ecustoms db seed` (every row, search term and audit event written as the server writes
them, events chained and MACed with the database's audit key, so `ecustoms audit verify` passes on
it), then the median server time of each list, search, worklist and feed request over keep-alive
loopback HTTP. The words, container, number, office and enterprise asked for are taken from the
seeded database. Not a test.

    python3 tests/bench/bench_office.py --binary build/ecustoms [--n 1000000] [--runs 30]
        [--db EXISTING_SEEDED_DB] [--verify]

"server CPU ms/request" is the server process's user+system time over the runs (/proc, 10 ms
ticks: with --runs 30 its resolution is 0.33 ms), divided by the runs: a mean, not a median.
"""
import argparse
import http.client
import json
import os
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import zlib
import base64

ap = argparse.ArgumentParser()
ap.add_argument("--binary", default="build/ecustoms")
ap.add_argument("--n", type=int, default=1000000)
ap.add_argument("--runs", type=int, default=30)
ap.add_argument("--db", help="a database `db seed` made already (used as it is, not removed)")
ap.add_argument("--verify", action="store_true", help="run `ecustoms audit verify` on the database first")
ap.add_argument("--keep", action="store_true", help="keep the database directory")
args = ap.parse_args()
BIN = os.path.abspath(args.binary)
d = tempfile.mkdtemp(prefix="ecustoms-bench-office-")
t0 = time.time()
if args.db:
    db = os.path.abspath(args.db)
else:
    db = os.path.join(d, "db.sqlite")
    subprocess.run([BIN, "db", "init", "--db", db, "--demo"], check=True, capture_output=True)
    # ~3,300 a day: a month is ~100,000 declarations, as the dashboard's figures assume
    subprocess.run([BIN, "db", "seed", "--db", db, "--declarations", str(args.n), "--per-day", "3300",
                    "--seed", "1"], check=True, stdout=sys.stderr)
if args.verify:
    v = subprocess.run([BIN, "audit", "verify", "--db", db], capture_output=True, text=True)
    print("audit verify: exit %d, %s" % (v.returncode, (v.stdout.strip().splitlines() or [""])[-1]), flush=True)
    if v.returncode:
        raise SystemExit(v.stdout + v.stderr)


PACK_DICT_1 = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "src", "store", "pack-dict-1.txt")


def unpack(text):
    """A packed text column (store/pack.h: "~y<length>:" and the zlib stream, deflated with
    the preset dictionary src/store/pack-dict-1.txt, in base64; "~z" without a dictionary).
    Since schema migration 16: bytes, 0, the marker, "<length>:" and the zlib stream itself."""
    if isinstance(text, bytes):
        if text[:1] != b"\0":
            return text.decode("utf-8")
        data = text[text.index(b":") + 1:]
        if text[1:2] == b"z":
            return zlib.decompress(data).decode()
        with open(PACK_DICT_1, "rb") as f:
            d = zlib.decompressobj(zdict=f.read())
        return (d.decompress(data) + d.flush()).decode()
    if text and text[:2] in ("~y", "~z"):
        data = base64.b64decode(text[text.index(":") + 1:])
        if text.startswith("~z"):
            return zlib.decompress(data).decode()
        with open(PACK_DICT_1, "rb") as f:
            d = zlib.decompressobj(zdict=f.read())
        return (d.decompress(data) + d.flush()).decode()
    return text


c = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
N = c.execute("SELECT COUNT(*) FROM declarations").fetchone()[0]
OFFICE = c.execute("SELECT office FROM declarations GROUP BY office ORDER BY COUNT(*) DESC LIMIT 1").fetchone()[0]
ENT, ENT_N = c.execute("SELECT party, COUNT(*) FROM declarations GROUP BY party ORDER BY 2 DESC LIMIT 1").fetchone()
# a declaration in the middle of the id order: its number, a container and two words of its goods
mid_id, number, doc = c.execute("SELECT id, number, doc FROM declarations WHERE number IS NOT NULL"
                                " ORDER BY id LIMIT 1 OFFSET ?", (N // 2,)).fetchone()
doc = json.loads(unpack(doc))
containers = doc.get("transport", {}).get("containers") or [""]
# the two commonest words of several letters among the first 20,000 declarations' terms
WORDS = [w for (w,) in c.execute(
    "SELECT term FROM decl_terms WHERE lower(hex(decl_id)) IN (SELECT id FROM declarations ORDER BY id LIMIT 20000)"
    " AND term GLOB '[a-z][a-z][a-z][a-z]*' GROUP BY term ORDER BY COUNT(*) DESC LIMIT 2")]
LAST = c.execute("SELECT MAX(at) FROM events").fetchone()[0]
c.close()
print("database: %d declarations (%.0f s, %s, %.0f MB); office %s, enterprise %s (%d), words %s, container %s,"
      " number %s" % (N, time.time() - t0, db, os.path.getsize(db) / 1e6, OFFICE, ENT, ENT_N, WORDS,
                      containers[0], number), flush=True)

pw = os.path.join(d, "pw")
open(pw, "w").write("benchmark password\n")
subprocess.run([BIN, "user", "add", "--db", db, "--party", "0000000000", "--username", "bench.officer",
                "--name", "Bench Officer", "--role", "officer", "--office", OFFICE, "--password-file", pw],
               check=True, capture_output=True)
officer = subprocess.run([BIN, "token", "create", "--db", db, "--user", "bench.officer"], check=True,
                         capture_output=True, text=True).stdout.strip()
trader = subprocess.run([BIN, "token", "create", "--db", db, "--party", ENT, "--role", "declarant"],
                        check=True, capture_output=True, text=True).stdout.strip()
risk = subprocess.run([BIN, "token", "create", "--db", db, "--party", "0000000000", "--role", "risk_officer"],
                      check=True, capture_output=True, text=True).stdout.strip()
s = socket.socket()
s.bind(("127.0.0.1", 0))
port = s.getsockname()[1]
s.close()
srv = subprocess.Popen([BIN, "serve", "--db", db, "--listen", "127.0.0.1:%d" % port],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
# serve checks the file (PRAGMA quick_check) and migrates it before it listens: minutes at
# 1,000,000 declarations, so wait for it to listen (or to exit) rather than a fixed time
while True:
    if srv.poll() is not None:
        raise SystemExit("serve exited with %d before listening" % srv.returncode)
    try:
        socket.create_connection(("127.0.0.1", port), 0.2).close()
        break
    except OSError:
        time.sleep(0.5)
print("server listening after %.0f s" % (time.time() - t0), flush=True)
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
    ("list, customs, office=%s" % OFFICE, "/api/v1/declarations?office=" + OFFICE, officer),
    ("list, customs, one month", "/api/v1/declarations?from=2026-11-01&to=2026-11-30", officer),
    ("list, an enterprise's own (%d declarations)" % ENT_N, "/api/v1/declarations", trader),
    ("search, one word (%s)" % WORDS[0], "/api/v1/declarations?q=" + WORDS[0], officer),
    ("search, two words (%s)" % " ".join(WORDS), "/api/v1/declarations?q=" + "+".join(WORDS), officer),
    ("search, container", "/api/v1/declarations?q=" + containers[0], officer),
    ("search, number", "/api/v1/declarations?q=" + number, officer),
    ("worklist, document check, " + OFFICE, "/api/v1/worklists/document-check", officer),
    ("worklist, inspection, " + OFFICE, "/api/v1/worklists/inspection", officer),
    ("notifications, enterprise, the last hour seeded", "/api/v1/notifications?since=%d" % (LAST - 3600), trader),
    ("risk hit rates, the last 30 days", "/api/v1/risk/hit-rates", risk),
]
def server_cpu():
    """The server's user+system CPU seconds so far (/proc, clock ticks)."""
    f = open("/proc/%d/stat" % srv.pid).read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")


print("| request | median ms | p90 ms | server CPU ms/request | items |")
print("|---|---:|---:|---:|---:|")
try:
    for name, path, tok in cases:
        get(path, tok)  # warm
        ms = []
        cpu0 = server_cpu()
        for _ in range(args.runs):
            t, b = get(path, tok)
            ms.append(t)
        cpu = (server_cpu() - cpu0) * 1000 / args.runs
        ms.sort()
        print("| %s | %.2f | %.2f | %.2f | %d |" % (name, statistics.median(ms), ms[int(len(ms) * 0.9) - 1],
                                                   cpu, len(b.get("items", []))), flush=True)
finally:
    srv.terminate()
    srv.wait()
    if not args.keep:
        shutil.rmtree(d, ignore_errors=True)
