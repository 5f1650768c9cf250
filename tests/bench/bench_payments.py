#!/usr/bin/env python3
"""e-Payment throughput: signed payments/s end to end (signature verification, ledger, audit,
automatic clearance of green declarations), against a real server on a temporary database.

    python3 tests/bench/bench_payments.py --binary build/ecustoms [-n 1000] [-c 8]
"""
import argparse
import base64
import concurrent.futures
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "api"))
import run  # noqa: E402  (the API tests' environment: parties, banks, keys, server)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default="build/ecustoms")
    ap.add_argument("-n", type=int, default=1000)
    ap.add_argument("-c", type=int, default=8)
    a = ap.parse_args()
    run.BINARY = os.path.abspath(a.binary)
    env = run.Env("bench")
    env.start()
    try:
        def register(_):
            st, d, _ = env.call("POST", "/api/v1/declarations", "loader",
                                run.declaration(importer=run.LOADER))
            st, r, _ = env.call("POST", "/api/v1/declarations/%s/register" % d["id"], "loader")
            return r["number"], r["total_tax"]
        with concurrent.futures.ThreadPoolExecutor(a.c) as ex:
            decls = list(ex.map(register, range(a.n)))
        bodies = []
        for i, (number, tax) in enumerate(decls):
            data = json.dumps({"bank_transaction_id": "BENCH-%d" % i, "payer": run.LOADER,
                               "paid_at": run.TODAY.isoformat(),
                               "lines": [{"declaration": number, "amount": tax}]}).encode()
            sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign", env.keys["bank"]],
                                 input=data, capture_output=True, check=True).stdout
            bodies.append((data, base64.b64encode(sig).decode()))

        def pay(b):
            st, r, _ = env.call("POST", "/api/v1/payments", "bank", raw=b[0],
                                headers={"X-Signature": b[1]})
            return st, r["lines"][0]["cleared"] if st == 201 else r
        t0 = time.time()
        with concurrent.futures.ThreadPoolExecutor(a.c) as ex:
            res = list(ex.map(pay, bodies))
        dt = time.time() - t0
        bad = [r for r in res if r[0] != 201 or r[1] is not True]
        print("%d payments (each clearing a green declaration) in %.2f s: %.0f payments/s, "
              "%d failed, %d client threads" % (a.n, dt, a.n / dt, len(bad), a.c))
        return 1 if bad else 0
    finally:
        env.stop()


if __name__ == "__main__":
    sys.exit(main())
