#!/usr/bin/env python3
"""Benchmark of the managers' dashboard (docs/performance.md): GET /api/v1/dashboard
for one office's month and for the whole administration's, on an existing (seeded) database.
Reports per query the median wall time over keep-alive loopback HTTP and the median CPU time
(user + sys) the server spent on it, read from /proc/<pid>/task/*/schedstat before and after each
request (the server is otherwise idle, so the difference is that request's work; wall time on a
shared machine includes waiting for a core). Not a test.

    ecustoms db init --db seed.db --demo
    ecustoms db seed --db seed.db --declarations 100000 --per-day 3300 --seed 1
    python3 tests/bench/bench_dashboard.py --binary build/ecustoms --db seed.db \\
        [--office 02CI] [--from 2026-11-01] [--to 2026-11-30] [--runs 21] [--all-runs 5]

The server is started on the database as it is: a binary newer than the database migrates it
first (`serve` runs `db migrate`), which the script times apart ("migrate").
"""
import argparse
import glob
import http.client
import json
import os
import socket
import statistics
import subprocess
import time

ap = argparse.ArgumentParser()
ap.add_argument("--binary", default="build/ecustoms")
ap.add_argument("--db", required=True)
ap.add_argument("--office", default="02CI")
ap.add_argument("--from", dest="from_", default="2026-11-01")
ap.add_argument("--to", default="2026-11-30")
ap.add_argument("--runs", type=int, default=21)
ap.add_argument("--all-runs", type=int, default=5)
args = ap.parse_args()
BIN = os.path.abspath(args.binary)

t0 = time.time()
r0 = os.times()
out = subprocess.run([BIN, "db", "migrate", "--db", args.db], check=True, capture_output=True, text=True)
r1 = os.times()
print("migrate: %s (%.1f s wall, %.1f s CPU)" % (out.stdout.strip().splitlines()[-1] if out.stdout.strip() else "",
                                                 time.time() - t0,
                                                 r1.children_user - r0.children_user +
                                                 r1.children_system - r0.children_system), flush=True)
tok = subprocess.run([BIN, "token", "create", "--db", args.db, "--party", "0000000000", "--role", "manager"],
                     check=True, capture_output=True, text=True).stdout.strip()
s = socket.socket()
s.bind(("127.0.0.1", 0))
port = s.getsockname()[1]
s.close()
srv = subprocess.Popen([BIN, "serve", "--db", args.db, "--listen", "127.0.0.1:%d" % port],
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
conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)


def cpu_ns():
    """The server's CPU time so far, every thread (ns)."""
    total = 0
    for f in glob.glob("/proc/%d/task/*/schedstat" % srv.pid):
        try:
            total += int(open(f).read().split()[0])
        except (OSError, ValueError, IndexError):
            pass  # a thread that ended between the listing and the read
    return total


def get(path):
    c0, t = cpu_ns(), time.perf_counter()
    conn.request("GET", path, headers={"Authorization": "Bearer " + tok})
    r = conn.getresponse()
    body = r.read()
    ms = (time.perf_counter() - t) * 1000
    cpu = (cpu_ns() - c0) / 1e6
    if r.status != 200:
        raise SystemExit("%s: %d %s" % (path, r.status, body[:300]))
    return ms, cpu, json.loads(body)


def decls(body):
    t = [t for t in body["tables"] if t["name"] == "by_channel"][0]
    return sum(r[1] for r in t["rows"])


cases = [("office %s" % args.office, "&office=" + args.office, args.runs),
         ("whole administration", "", args.all_runs)]
print("| query (from=%s, to=%s) | declarations | runs | median wall ms | min - max wall ms | median CPU ms |"
      % (args.from_, args.to))
print("|---|---:|---:|---:|---:|---:|")
try:
    for name, q, runs in cases:
        path = "/api/v1/dashboard?from=%s&to=%s%s" % (args.from_, args.to, q)
        _, _, body = get(path)  # warm
        wall, cpu = [], []
        for _ in range(runs):
            ms, c, body = get(path)
            wall.append(ms)
            cpu.append(c)
        print("| %s | %d | %d | %.0f | %.0f - %.0f | %.0f |" % (name, decls(body), runs, statistics.median(wall),
                                                           min(wall), max(wall), statistics.median(cpu)),
              flush=True)
    print("load average: %.1f %.1f %.1f" % os.getloadavg())
finally:
    srv.terminate()
    srv.wait()
