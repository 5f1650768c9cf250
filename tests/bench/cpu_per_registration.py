#!/usr/bin/env python3
"""CPU per registration, counted in instructions (valgrind callgrind), not timed.

Each run: a fresh demo database, `ecustoms serve` under callgrind on a free loopback port, then
N sequential IDA + IDC of the same two-item declaration (tests/api/harness.py's default), then
SIGTERM. A second run with no declarations measures start-up and shutdown; the difference divided
by N is the server's instructions per registration (IDA + IDC, both threads: the connection
thread and the group-commit writer). Instruction counts do not depend on what else the machine
runs, which wall-clock figures on a shared 2-core VM do.

    python3 tests/bench/cpu_per_registration.py --binary build/ecustoms -n 200 --runs 3
"""
import argparse
import datetime
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def declaration():
    # every item declares its condition (new or used): a used-goods ban depends on it (harness.py)
    today = datetime.date.today()
    items = [
        {"hs_code": "85171300", "description": "Smartphones, 128 GB", "origin": "CN",
         "quantity": "500", "unit": "PCE", "unit_price": "200", "value": "100000",
         "certificate_of_origin": {"form": "E", "number": "E2026CN0001234"}, "condition": "new"},
        {"hs_code": "85044019", "description": "Phone chargers 25 W", "origin": "CN",
         "quantity": "5000", "unit": "PCE", "unit_price": "5", "value": "25000", "condition": "new"}]
    return {
        "kind": "import", "type_code": "A11", "customs_office": "02CI",
        "importer": {"tax_code": "0101234567", "name": "Hanoi Electronics Import JSC",
                     "address": "1 Trang Tien, Hoan Kiem, Ha Noi"},
        "exporter": {"name": "Shenzhen Mobile Devices Ltd", "country": "CN",
                     "address": "Nanshan, Shenzhen"},
        "transport": {"mode": 2, "bills_of_lading": ["COSU6123456780"],
                      "port_of_loading": "CNSHK", "port_of_discharge": "VNHPH",
                      "arrival_date": (today + datetime.timedelta(days=3)).isoformat(),
                      "vessel": "COSCO HAIPHONG", "containers": ["MSCU1234566"]},
        "packages": {"count": 120, "unit": "CT"},
        "gross_weight_kg": "1850.5",
        "invoice": {"number": "SZ-2026-1101", "date": today.isoformat(), "currency": "USD",
                    "incoterm": "FOB", "total": "125000", "freight": "1800", "insurance": "250"},
        "items": items,
    }


def call(base, method, path, token, body=None):
    data = json.dumps(body).encode() if body is not None else None
    rq = urllib.request.Request(base + path, data=data, method=method)
    rq.add_header("Authorization", "Bearer " + token)
    if data is not None:
        rq.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(rq, timeout=120) as r:
        return r.status, json.loads(r.read())


def run(binary, n):
    with tempfile.TemporaryDirectory() as d:
        db = os.path.join(d, "bench.sqlite")
        out = subprocess.run([binary, "db", "init", "--db", db, "--demo"], check=True,
                             capture_output=True, text=True).stdout
        token = next(l.split()[2] for l in out.splitlines() if l.split()[:1] == ["declarant"])
        port = free_port()
        cg = os.path.join(d, "callgrind.out")
        srv = subprocess.Popen(["valgrind", "--tool=callgrind", "--callgrind-out-file=" + cg,
                                binary, "serve", "--db", db, "--listen", "127.0.0.1:%d" % port],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        base = "http://127.0.0.1:%d" % port
        try:
            for _ in range(600):
                try:
                    urllib.request.urlopen(base + "/healthz", timeout=5).read()
                    break
                except OSError:
                    time.sleep(0.2)
            doc = declaration()
            for _ in range(n):
                st, b = call(base, "POST", "/api/v1/declarations", token, doc)
                assert st == 201, b
                st, b = call(base, "POST", "/api/v1/declarations/%s/register" % b["id"], token)
                assert st == 200, b
        finally:
            srv.send_signal(signal.SIGTERM)
            srv.wait(timeout=600)
        with open(cg) as f:
            for line in f:
                m = re.match(r"(summary|totals): (\d+)", line)
                if m:
                    return int(m.group(2))
    raise RuntimeError("no totals in the callgrind output")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--binary", default="build/ecustoms")
    ap.add_argument("-n", type=int, default=200)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    per = []
    for i in range(args.runs):
        idle = run(args.binary, 0)
        busy = run(args.binary, args.n)
        per.append((busy - idle) / args.n)
        print("run %d: idle %d Ir, %d registrations %d Ir -> %.0f Ir per registration"
              % (i + 1, idle, args.n, busy, per[-1]), flush=True)
    print("median: %.0f instructions per registration (IDA + IDC)" % statistics.median(per))
    return 0


if __name__ == "__main__":
    sys.exit(main())
