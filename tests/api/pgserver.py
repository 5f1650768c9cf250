#!/usr/bin/env python3
"""A throwaway PostgreSQL server for tests and benchmarks: initdb into a temporary folder,
pg_ctl on a free loopback port (its unix socket in the same folder), removed by stop().

As root, the server runs as the `postgres` user (initdb refuses root) through runuser.
Python 3 standard library only.

    python3 tests/api/pgserver.py start [--dir D] [--fsync on|off]   # prints the base URI
    python3 tests/api/pgserver.py stop --dir D
"""
import argparse
import csv
import io
import os
import pwd
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import uuid

PG_BIN = os.environ.get("ECUSTOMS_PG_BIN", "/usr/lib/postgresql/15/bin")


_handed_out = set()


def free_port():
    """A free loopback port BELOW the kernel's ephemeral range (net.ipv4.ip_local_port_range),
    checked by binding it. A port the kernel picks with bind(0) lies inside that range, where the
    source port of any outgoing connection on the machine can take it between this choice and the
    server's own bind (several engineers' tests and CI share the machine); below it only another
    listener can. The same rule as scripts/ha-cluster.sh's free_ports. A port is handed out once
    per process, so two servers started one after the other never get the same one."""
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            lo = int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        lo = 32768
    lo_pick, hi_pick = (10000, lo) if lo > 12000 else (1024, 65535)
    while True:
        port = random.randrange(lo_pick, hi_pick)
        if port in _handed_out:
            continue
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            continue
        finally:
            s.close()
        _handed_out.add(port)
        return port


def as_postgres(args):
    """The command as the postgres user when we are root (initdb and postgres refuse root)."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--"] + args
    return args


class PgServer:
    """One PostgreSQL instance in its own folder. uri(db) names a database in it."""

    def __init__(self, folder=None, fsync=False, settings=None):
        self.dir = folder or tempfile.mkdtemp(prefix="ecustoms-pg-")
        self.data = os.path.join(self.dir, "data")
        self.port = None
        self.fsync = fsync
        self.settings = dict(settings or {})
        if os.geteuid() == 0:
            pw = pwd.getpwnam("postgres")
            os.chown(self.dir, pw.pw_uid, pw.pw_gid)
        os.chmod(self.dir, 0o755)  # the tests (root or not) read its log

    def _run(self, args, check=True):
        p = subprocess.run(as_postgres(args), capture_output=True, text=True, timeout=120)
        if check and p.returncode != 0:
            raise RuntimeError("%s failed (%d): %s %s" % (args[0], p.returncode, p.stdout, p.stderr))
        return p

    def start(self):
        if not os.path.exists(os.path.join(self.data, "PG_VERSION")):
            # C collation: text sorts by bytes, as in SQLite (the API's orderings are the same)
            self._run([os.path.join(PG_BIN, "initdb"), "-D", self.data, "-U", "postgres",
                       "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync",
                       "--data-checksums"])
        if self.running():
            return self
        if self.port is None:
            self.port = free_port()
        opts = ["-p", str(self.port), "-k", self.dir, "-c", "listen_addresses=127.0.0.1",
                "-c", "max_connections=300", "-c", "fsync=%s" % ("on" if self.fsync else "off")]
        for k, v in self.settings.items():
            opts += ["-c", "%s=%s" % (k, v)]
        self._run([os.path.join(PG_BIN, "pg_ctl"), "-D", self.data, "-l",
                   os.path.join(self.dir, "server.log"), "-w", "-t", "60", "-o",
                   " ".join(opts), "start"])
        return self

    def running(self):
        return self._run([os.path.join(PG_BIN, "pg_ctl"), "-D", self.data, "status"],
                         check=False).returncode == 0

    def stop(self, mode="fast"):
        if os.path.exists(os.path.join(self.data, "postmaster.pid")):
            self._run([os.path.join(PG_BIN, "pg_ctl"), "-D", self.data, "-m", mode, "-w", "stop"],
                      check=False)

    def destroy(self):
        self.stop("immediate")
        shutil.rmtree(self.dir, ignore_errors=True)

    def base(self):
        return "postgresql://postgres@127.0.0.1:%d" % self.port

    def uri(self, db="postgres"):
        return "%s/%s" % (self.base(), db)

    def psql(self, db, sql):
        return psql(self.uri(db), sql)

    def create_database(self, prefix="ecustoms"):
        name = "%s_%s" % (prefix.replace("-", "_"), uuid.uuid4().hex[:10])
        self.psql("postgres", "CREATE DATABASE %s" % name)
        return self.uri(name)


def psql(uri, sql):
    p = subprocess.run(["psql", "-X", "--csv", "-v", "ON_ERROR_STOP=1", "-d", uri, "-c", sql],
                       capture_output=True, text=True, timeout=120)
    if p.returncode != 0:
        raise RuntimeError("psql failed: %s" % p.stderr.strip())
    return p.stdout


def create_database(base_uri, prefix="ecustoms"):
    """A new database on an existing server (base_uri: postgresql://user@host:port)."""
    name = "%s_%s" % (prefix.replace("-", "_"), uuid.uuid4().hex[:10])
    psql(base_uri.rstrip("/") + "/postgres", "CREATE DATABASE %s" % name)
    return "%s/%s" % (base_uri.rstrip("/"), name)


def drop_database(uri):
    base, name = uri.rsplit("/", 1)
    psql(base + "/postgres", "DROP DATABASE IF EXISTS %s WITH (FORCE)" % name)


def database_name(uri):
    """The database's name in a URI made by create_database."""
    return uri.rsplit("/", 1)[1]


def copy_database(template_uri, uri):
    """A new database at uri (same server), a copy of template_uri's (no one may be connected
    to it meanwhile)."""
    base, name = uri.rsplit("/", 1)
    psql(base + "/postgres", "CREATE DATABASE %s TEMPLATE %s" % (name, database_name(template_uri)))


# ---- a small DB-API-like connection over psql, for tests that look into the database -------

def _literal(v):
    if v is None:
        return "NULL"
    if isinstance(v, bool):
        return "1" if v else "0"
    if isinstance(v, int):
        return str(v)
    return "'" + str(v).replace("'", "''") + "'"


def _value(s):
    if s == "":
        return None  # psql's CSV writes NULL as an empty field
    try:
        return int(s)
    except ValueError:
        return s


class _Result:
    def __init__(self, rows, rowcount):
        self.rows, self.rowcount = rows, rowcount

    def fetchone(self):
        return self.rows[0] if self.rows else None

    def fetchall(self):
        return list(self.rows)


class PsqlConnection:
    """execute(sql with ? placeholders, params) like sqlite3's, each statement committed at once.
    Values come back as int when they look like one, else str (NULL and '' both read None)."""

    def __init__(self, uri):
        self.uri = uri

    @staticmethod
    def _text(sql, params):
        parts = sql.split("?")
        if len(parts) - 1 != len(params):
            raise ValueError("%d placeholders, %d parameters" % (len(parts) - 1, len(params)))
        return parts[0] + "".join(_literal(p) + rest for p, rest in zip(params, parts[1:]))

    # one psql command line stays below Linux's limit on a single argument (128 KiB)
    SCRIPT_BYTES = 100_000

    def executemany(self, sql, seq_of_params):
        """sqlite3's executemany: the statement once per parameter tuple, as few psql calls as
        the statements' length allows (a psql process and connection cost ~0.1 s each: a test that
        wrote thousands of rows one call at a time spent minutes on it)."""
        script = []
        size = 0
        for params in seq_of_params:
            text = self._text(sql, params)
            if script and size + len(text) > self.SCRIPT_BYTES:
                psql(self.uri, ";\n".join(script))
                script, size = [], 0
            script.append(text)
            size += len(text) + 2
        if script:
            psql(self.uri, ";\n".join(script))

    def execute(self, sql, params=()):
        out = psql(self.uri, self._text(sql, params))
        first = out.split("\n", 1)[0]
        tag = first.split(" ")
        if tag[0] in ("UPDATE", "DELETE", "INSERT") and tag[-1].isdigit():
            return _Result([], int(tag[-1]))
        rows = list(csv.reader(io.StringIO(out)))[1:]
        return _Result([tuple(_value(x) for x in r) for r in rows], len(rows))

    def close(self):
        pass

    def commit(self):
        pass  # each statement ran as its own transaction (one psql call each)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("action", choices=["start", "stop"])
    ap.add_argument("--dir")
    ap.add_argument("--fsync", default="on", choices=["on", "off"])
    ap.add_argument("--set", action="append", default=[], help="NAME=VALUE server setting")
    a = ap.parse_args()
    if a.action == "start":
        if a.dir:
            os.makedirs(a.dir, exist_ok=True)
        srv = PgServer(a.dir, fsync=a.fsync == "on",
                       settings=dict(x.split("=", 1) for x in a.set)).start()
        print(srv.base())
        return 0
    if not a.dir:
        ap.error("stop needs --dir")
    PgServer(a.dir).destroy()
    return 0


if __name__ == "__main__":
    sys.exit(main())
