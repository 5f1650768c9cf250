#!/usr/bin/env python3
"""e-Payment: throughput (signed payments/s end to end: signature verification, ledger, audit,
automatic clearance of green declarations) and the clearance latency from payment notification to
"cleared", against a real server on a temporary database.

    python3 tests/bench/bench_payments.py --binary build/ecustoms [-n 1000] [-c 8] [--latency-n 500]

Each payment covers the taxes of one registered green declaration, which the server clears in the
same transaction: the latency of a payment is the time from sending the signed notification to the
answer saying the declaration is cleared (`lines[0].cleared`), which is also what a GET shows from
then on (checked for every declaration after the runs). Two phases, on separate declarations:
  1. -n payments sent by -c client threads at once: payments/s, and the latency under that load;
  2. --latency-n payments one at a time: the latency without queueing.
Bodies are signed with the openssl CLI before the clock starts. Every request opens its own
loopback connection (urllib), as a bank's notifier without keep-alive would.
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


def percentile(sorted_ms, q):
    return sorted_ms[min(len(sorted_ms) - 1, int(round(q * (len(sorted_ms) - 1))))]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default="build/ecustoms")
    ap.add_argument("-n", type=int, default=1000, help="payments of the throughput phase")
    ap.add_argument("-c", type=int, default=8, help="client threads of the throughput phase")
    ap.add_argument("--latency-n", type=int, default=500, help="payments sent one at a time")
    a = ap.parse_args()
    run.BINARY = os.path.abspath(a.binary)
    env = run.Env("bench")
    env.start()
    try:
        def register(_):
            st, d, _ = env.call("POST", "/api/v1/declarations", "loader",
                                run.declaration(importer=run.LOADER))
            st, r, _ = env.call("POST", "/api/v1/declarations/%s/register" % d["id"], "loader")
            if st != 200 or r["channel"] != "green":
                raise RuntimeError("registration: %s %s" % (st, r))
            return r["number"], r["total_tax"]
        with concurrent.futures.ThreadPoolExecutor(a.c) as ex:
            decls = list(ex.map(register, range(a.n + a.latency_n)))
        bodies = []
        for i, (number, tax) in enumerate(decls):
            data = json.dumps({"bank_transaction_id": "BENCH-%d" % i, "payer": run.LOADER,
                               "paid_at": run.TODAY.isoformat(),
                               "lines": [{"declaration": number, "amount": tax}]}).encode()
            sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign", env.keys["bank"]],
                                 input=data, capture_output=True, check=True).stdout
            bodies.append((data, base64.b64encode(sig).decode()))

        def pay(b):
            t0 = time.perf_counter()
            st, r, _ = env.call("POST", "/api/v1/payments", "bank", raw=b[0],
                                headers={"X-Signature": b[1]})
            ms = (time.perf_counter() - t0) * 1000
            ok = st == 201 and r["lines"][0]["cleared"] is True and r["lines"][0]["status"] == "cleared"
            return ok, ms

        t0 = time.time()
        with concurrent.futures.ThreadPoolExecutor(a.c) as ex:
            loaded = list(ex.map(pay, bodies[:a.n]))
        dt = time.time() - t0
        alone = [pay(b) for b in bodies[a.n:]]
        # the declarations show "cleared" from then on
        not_cleared = [n for n, _ in decls
                       if env.call("GET", "/api/v1/declarations/%s" % n, "loader")[1]["status"] != "cleared"]
        bad = sum(1 for ok, _ in loaded + alone if not ok)
        print("%d payments (each clearing a green declaration) in %.2f s: %.0f payments/s, "
              "%d client threads" % (a.n, dt, a.n / dt, a.c))
        for name, res in (("under load (%d threads)" % a.c, loaded), ("one at a time", alone)):
            ms = sorted(m for _, m in res)
            if ms:
                print("payment -> cleared, %s, %d payments: p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, "
                      "max %.2f ms" % (name, len(ms), percentile(ms, .5), percentile(ms, .9),
                                       percentile(ms, .99), ms[-1]))
        print("%d answers not 201/cleared, %d declarations not cleared afterwards" % (bad, len(not_cleared)))
        return 1 if bad or not_cleared else 0
    finally:
        env.stop()


if __name__ == "__main__":
    sys.exit(main())
