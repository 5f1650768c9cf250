#!/bin/sh
# A highly available PostgreSQL cluster on this machine, on loopback ports: a one-member etcd
# (Debian etcd-server) and three PostgreSQL 15 nodes managed by Patroni (Debian patroni), with
# synchronous replication (synchronous_mode: true: an acknowledged commit is on two nodes).
#
#   scripts/ha-cluster.sh up       start (first time: bootstrap), print the multi-host URI
#   scripts/ha-cluster.sh status   members, roles, lag (patronictl list) and the URI
#   scripts/ha-cluster.sh uri      the URI only
#   scripts/ha-cluster.sh down     stop everything and remove the folder
#
# The folder is $ECUSTOMS_HA_DIR (default /tmp/ecustoms-ha); ports are free loopback ports chosen
# at the first `up` and kept in $ECUSTOMS_HA_DIR/ports. docs/operations.md maps these files onto
# three machines. As root, PostgreSQL and Patroni run as the postgres user (initdb refuses root).
set -eu

DIR=${ECUSTOMS_HA_DIR:-/tmp/ecustoms-ha}
PG_BIN=${ECUSTOMS_PG_BIN:-/usr/lib/postgresql/15/bin}
DB=${ECUSTOMS_HA_DB:-ecustoms}
NODES="1 2 3"

as_pg() {
    if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# Eight free loopback ports, one per line, taken BELOW the kernel's ephemeral range
# (net.ipv4.ip_local_port_range): a port chosen there can be taken, between the choice and the
# bind, by the source port of any outgoing connection on the machine (and a killed node's port,
# by one made while it is down); below it only a listener can take it. Each port is checked by
# binding it.
free_ports() {
    python3 - <<'PY'
import random, socket
lo = int(open("/proc/sys/net/ipv4/ip_local_port_range").read().split()[0])
lo_pick = 10000 if lo > 12000 else 1024
hi_pick = lo if lo > 12000 else 65535
chosen = []
while len(chosen) < 8:
    p = random.randrange(lo_pick, hi_pick)
    if p in chosen:
        continue
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", p))
    except OSError:
        continue
    finally:
        s.close()
    chosen.append(p)
print("\n".join(map(str, chosen)))
PY
}

load_ports() {
    # shellcheck disable=SC1091
    . "$DIR/ports"
}

uri() {
    load_ports
    echo "postgresql://postgres@127.0.0.1:$PG1,127.0.0.1:$PG2,127.0.0.1:$PG3/$DB?target_session_attrs=read-write"
}

write_config() {
    n=$1 pg=$2 api=$3
    cat > "$DIR/node$n.yml" <<EOF
scope: ecustoms
name: node$n
log:
  # a folder per node: Patroni names its file patroni.log, so a shared folder interleaved
  # the three nodes' lines in one file
  dir: $DIR/log/node$n
  file_size: 10000000
  file_num: 2
restapi:
  listen: 127.0.0.1:$api
  connect_address: 127.0.0.1:$api
etcd3:
  hosts: 127.0.0.1:$ETCD_CLIENT
bootstrap:
  dcs:
    # a dead primary's leader key expires after ttl; loop_wait + 2 * retry_timeout <= ttl
    ttl: 10
    loop_wait: 1
    retry_timeout: 4
    # a crashed primary is not restarted in place (crash recovery took ~10 s in the drill): the
    # synchronous standby, which has every acknowledged commit, is promoted at once
    master_start_timeout: 0
    maximum_lag_on_failover: 1048576
    synchronous_mode: true
    postgresql:
      use_pg_rewind: true
      use_slots: true
      parameters:
        wal_level: replica
        hot_standby: "on"
        wal_log_hints: "on"
        max_wal_senders: 10
        max_replication_slots: 10
        max_connections: 300
        synchronous_commit: "on"
  initdb:
    - encoding: UTF8
    - locale: C
    - data-checksums
  pg_hba:
    - local all all trust
    - host replication replicator 127.0.0.1/32 trust
    - host all all 127.0.0.1/32 trust
postgresql:
  listen: 127.0.0.1:$pg
  connect_address: 127.0.0.1:$pg
  data_dir: $DIR/node$n
  bin_dir: $PG_BIN
  pgpass: $DIR/pgpass$n
  authentication:
    superuser:
      username: postgres
    replication:
      username: replicator
  parameters:
    unix_socket_directories: $DIR
tags:
  nofailover: false
  noloadbalance: false
EOF
}

leader_port() {
    load_ports
    for n in $NODES; do
        eval api=\$API$n pg=\$PG$n
        if curl -fsS --max-time 5 "http://127.0.0.1:$api/primary" >/dev/null 2>&1; then
            echo "$pg"
            return 0
        fi
    done
    return 1
}

up() {
    if [ ! -f "$DIR/ports" ]; then
        mkdir -p "$DIR/log"
        for n in $NODES; do mkdir -p "$DIR/log/node$n"; done
        free_ports | {
            read -r p; echo "ETCD_CLIENT=$p"
            read -r p; echo "ETCD_PEER=$p"
            for n in $NODES; do
                read -r p; echo "PG$n=$p"
                read -r p; echo "API$n=$p"
            done
        } > "$DIR/ports.new"
        mv "$DIR/ports.new" "$DIR/ports"
    fi
    load_ports
    if [ "$(id -u)" -eq 0 ]; then chown -R postgres:postgres "$DIR"; fi
    chmod 755 "$DIR"
    if ! curl -fsS --max-time 5 "http://127.0.0.1:$ETCD_CLIENT/health" >/dev/null 2>&1; then
        as_pg sh -c "exec etcd --name e1 --data-dir '$DIR/etcd' \
            --listen-client-urls http://127.0.0.1:$ETCD_CLIENT \
            --advertise-client-urls http://127.0.0.1:$ETCD_CLIENT \
            --listen-peer-urls http://127.0.0.1:$ETCD_PEER \
            --initial-advertise-peer-urls http://127.0.0.1:$ETCD_PEER \
            --initial-cluster e1=http://127.0.0.1:$ETCD_PEER \
            >'$DIR/log/etcd.log' 2>&1 & echo \$! > '$DIR/etcd.pid'"
        i=0
        until curl -fsS --max-time 5 "http://127.0.0.1:$ETCD_CLIENT/health" >/dev/null 2>&1; do
            i=$((i + 1)); [ $i -lt 600 ] || { echo "etcd did not start: $DIR/log/etcd.log" >&2; exit 1; }
            sleep 0.1
        done
    fi
    for n in $NODES; do
        eval pg=\$PG$n api=\$API$n
        [ -f "$DIR/node$n.yml" ] || write_config "$n" "$pg" "$api"
        if [ -f "$DIR/patroni$n.pid" ] && kill -0 "$(cat "$DIR/patroni$n.pid")" 2>/dev/null; then
            continue
        fi
        if [ "$(id -u)" -eq 0 ]; then chown postgres:postgres "$DIR/node$n.yml"; fi
        as_pg sh -c "exec patroni '$DIR/node$n.yml' >'$DIR/log/patroni$n.out' 2>&1 & echo \$! > '$DIR/patroni$n.pid'"
        # the first node bootstraps; the others clone it once it is the leader
        if [ "$n" = 1 ]; then
            i=0
            until leader_port >/dev/null; do
                i=$((i + 1)); [ $i -lt 600 ] || { echo "no primary: see $DIR/log" >&2; exit 1; }
                sleep 0.1
            done
        fi
    done
    # every member streaming, one of them the synchronous standby
    i=0
    until [ "$(patronictl -c "$DIR/node1.yml" list -f json 2>/dev/null |
               python3 -c 'import json,sys; m=json.load(sys.stdin); print(sum(1 for x in m if x["State"] in ("running","streaming")), any(x["Role"]=="Sync Standby" for x in m))' 2>/dev/null)" = "3 True" ]; do
        i=$((i + 1)); [ $i -lt 1200 ] || { echo "cluster not ready: see $DIR/log" >&2; patronictl -c "$DIR/node1.yml" list >&2; exit 1; }
        sleep 0.1
    done
    lp=$(leader_port)
    psql -X -q -d "postgresql://postgres@127.0.0.1:$lp/postgres" -tAc \
        "SELECT 1 FROM pg_database WHERE datname = '$DB'" | grep -q 1 ||
        psql -X -q -d "postgresql://postgres@127.0.0.1:$lp/postgres" -c "CREATE DATABASE $DB"
    uri
}

down() {
    [ -d "$DIR" ] || return 0
    for n in $NODES; do
        if [ -f "$DIR/patroni$n.pid" ]; then
            kill "$(cat "$DIR/patroni$n.pid")" 2>/dev/null || true
        fi
    done
    for n in $NODES; do
        if [ -f "$DIR/patroni$n.pid" ]; then
            p=$(cat "$DIR/patroni$n.pid") i=0
            while kill -0 "$p" 2>/dev/null && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
            kill -9 "$p" 2>/dev/null || true
        fi
    done
    # a postmaster Patroni could not stop (it was killed first), the three at once
    for n in $NODES; do
        if [ -f "$DIR/node$n/postmaster.pid" ]; then
            as_pg "$PG_BIN/pg_ctl" -D "$DIR/node$n" -m immediate stop >/dev/null 2>&1 &
        fi
    done
    wait
    if [ -f "$DIR/etcd.pid" ]; then
        p=$(cat "$DIR/etcd.pid") i=0
        kill "$p" 2>/dev/null || true
        while kill -0 "$p" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
        kill -9 "$p" 2>/dev/null || true
    fi
    rm -rf "$DIR"
}

status() {
    [ -f "$DIR/ports" ] || { echo "no cluster in $DIR"; return 1; }
    patronictl -c "$DIR/node1.yml" list
    uri
}

case "${1:-}" in
up) up ;;
down) down ;;
status) status ;;
uri) uri ;;
leader-port) leader_port ;;
*) echo "usage: $0 up|down|status|uri|leader-port" >&2; exit 2 ;;
esac
