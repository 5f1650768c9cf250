#!/bin/sh
# The one place that installs the system packages ecustoms needs (Debian 12).
# Run as root it installs what is missing; otherwise it prints the apt-get line to run.
set -eu

PACKAGES="build-essential cmake pkg-config libmicrohttpd-dev libjansson-dev libsqlite3-dev \
libcmocka-dev libssl-dev libcurl4-openssl-dev python3 sqlite3 curl openssl libzint-dev libqrencode-dev libpng-dev libxgboost-dev zlib1g-dev \
chromium nodejs npm clang-14 libclang-rt-14-dev clang-format-14 libpq-dev postgresql-15 patroni etcd-server"
# chromium, nodejs, npm: the web portal's browser tests (tests/web: playwright-core from npm,
# pinned, driving Debian's chromium)
# clang-14, libclang-rt-14-dev: the libFuzzer harnesses of make fuzz (tests/fuzz);
# clang-format-14: make format / make format-check (the house style, .clang-format)
# libpq-dev, postgresql-15: the PostgreSQL backend and its test pass; patroni, etcd-server:
# scripts/ha-cluster.sh and the failover drill of make test (make ha-drill)

missing=""
for p in $PACKAGES; do
    # NodeSource's nodejs carries its own npm (and conflicts with Debian's npm package)
    if [ "$p" = npm ] && command -v npm >/dev/null 2>&1; then
        continue
    fi
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done

install_packages() {
    if [ -z "$missing" ]; then
        return 0
    fi
    if [ "$(id -u)" -ne 0 ]; then
        echo "ecustoms needs these Debian packages:$missing" >&2
        echo "run as root:  apt-get install -y$missing" >&2
        exit 1
    fi
    echo "installing:$missing" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y --no-install-recommends $missing >/dev/null || {
        apt-get update >/dev/null
        apt-get install -y --no-install-recommends $missing >/dev/null
    }
}
install_packages

# The browser tests' one npm package, playwright-core, at the version and hash of
# tests/web/package-lock.json (npm ci), again only when the lock is newer than what is installed.
# playwright-core needs node >= 20 (Debian 12's own nodejs is 18: use NodeSource's nodejs 20).
web=$(dirname "$0")/../tests/web
if [ -f "$web/package-lock.json" ] && ! [ "$web/node_modules/.package-lock.json" -nt "$web/package-lock.json" ]; then
    major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
    if [ "$major" -lt 20 ]; then
        echo "the browser tests need node >= 20 (found $(node --version 2>/dev/null || echo none))" >&2
        exit 1
    fi
    (cd "$web" && npm ci --no-audit --no-fund >/dev/null)
fi
