#!/usr/bin/env python3
"""e-Manifest ingestion and VASSCM gate-decision latency under concurrent load.

    python3 tests/bench/bench_manifest.py --binary build/ecustoms [--manifests 5] [--threads 8]

Starts a server on a fresh SQLite file, submits N manifests of 500 bills of lading (the per-manifest cap) (one
container each) as a carrier, then sends gate_in for every container from T threads at once
(keep-alive connections) and reports p50/p99/max of the gate decisions."""
import argparse, datetime, http.client, json, os, socket, subprocess, sys, tempfile, threading, time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "api"))
import run as api  # reuses the ISO 6346 helper and the manifest shapes of the API tests


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default="build/ecustoms")
    ap.add_argument("--manifests", type=int, default=6)
    ap.add_argument("--threads", type=int, default=8)
    a = ap.parse_args()
    binary = os.path.abspath(a.binary)
    d = tempfile.mkdtemp()
    db = os.path.join(d, "bench.sqlite")
    cli = lambda *args: subprocess.run([binary] + list(args), check=True, capture_output=True, text=True).stdout.strip()
    cli("db", "init", "--db", db)
    cli("party", "add", "--db", db, "--tax-code", "0901234565", "--name", "Carrier")
    cli("party", "add", "--db", db, "--tax-code", "0921234567", "--name", "Port operator")
    carrier = cli("token", "create", "--db", db, "--party", "0901234565", "--role", "carrier")
    portop = cli("token", "create", "--db", db, "--party", "0921234567", "--role", "port_operator",
                 "--location", "VNHPH")
    s = socket.socket(); s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]; s.close()
    srv = subprocess.Popen([binary, "serve", "--db", db, "--listen", "127.0.0.1:%d" % port],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(0.5)
        conn = http.client.HTTPConnection("127.0.0.1", port)
        containers, serial, took = [], 100000, []
        for m in range(a.manifests):
            bls = []
            for i in range(500):
                serial += 1
                c = api.iso6346("BNCU%06d" % serial)
                containers.append(c)
                bls.append(api.bill("BENCH%02d%06d" % (m, i), [(c, "S%d" % serial)]))
            body = json.dumps(api.manifest(bls, voyage="B%03d" % m))
            t = time.perf_counter()
            conn.request("POST", "/api/v1/manifests", body,
                         {"Authorization": "Bearer " + carrier, "Content-Type": "application/json"})
            r = conn.getresponse(); out = r.read()
            took.append(time.perf_counter() - t)
            if r.status != 201:
                sys.exit("manifest refused: %d %s" % (r.status, out[:300]))
        took.sort()
        print("manifests: %d x 500 bills of lading, median %.1f ms each = %.0f bills of lading/s"
              % (a.manifests, took[len(took) // 2] * 1000, 500 / took[len(took) // 2]))
        lat, lock = [], threading.Lock()

        def worker(chunk):
            c = http.client.HTTPConnection("127.0.0.1", port)
            mine = []
            for ctr, seal in chunk:
                body = json.dumps({"type": "gate_in", "container": ctr, "location": "VNHPH", "seal": seal})
                t = time.perf_counter()
                c.request("POST", "/api/v1/gate-events", body,
                          {"Authorization": "Bearer " + portop, "Content-Type": "application/json"})
                r = c.getresponse(); r.read()
                mine.append(time.perf_counter() - t)
                if r.status != 200:
                    raise SystemExit("gate refused: %d" % r.status)
            with lock:
                lat.extend(mine)
        pairs = [(c, "S%d" % (100001 + i)) for i, c in enumerate(containers)]
        chunks = [pairs[i::a.threads] for i in range(a.threads)]
        ths = [threading.Thread(target=worker, args=(ch,)) for ch in chunks]
        t0 = time.perf_counter()
        for t in ths: t.start()
        for t in ths: t.join()
        wall = time.perf_counter() - t0
        lat.sort()
        pct = lambda p: lat[int((len(lat) - 1) * p)] * 1000
        print("gate decisions: %d from %d threads in %.2f s (%.0f/s): p50 %.2f ms, p99 %.2f ms, max %.2f ms"
              % (len(lat), a.threads, wall, len(lat) / wall, pct(0.5), pct(0.99), lat[-1] * 1000))
    finally:
        srv.terminate(); srv.wait()
        subprocess.run(["rm", "-rf", d])


if __name__ == "__main__":
    main()
