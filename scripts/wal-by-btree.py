#!/usr/bin/env python3
"""Which B-trees the frames of a SQLite WAL file belong to (docs/performance.md, stop 16).

    scripts/wal-by-btree.py DB WAL_COPY

WAL_COPY is a copy of DB's -wal file taken while no checkpoint has reset it (e.g. after a
SIGKILL of the server). DB is opened with immutable=1, read-only and without its WAL: a page
that exists only in the WAL (allocated after the last checkpoint) is counted as "new".
Prints the frames, commits and distinct pages, then per B-tree the frames and distinct pages."""
import collections
import sqlite3
import struct
import sys


def wal_frames(path):
    data = open(path, 'rb').read()
    _magic, _version, page_size, _ckpt, salt1, salt2 = struct.unpack('>IIIIII', data[:24])
    frames, off = [], 32
    while off + 24 + page_size <= len(data):
        page, commit_size, s1, s2 = struct.unpack('>IIII', data[off:off + 16])
        if (s1, s2) != (salt1, salt2):  # a frame of an earlier generation of the WAL
            break
        frames.append((page, commit_size))
        off += 24 + page_size
    return page_size, frames


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    page_size, frames = wal_frames(sys.argv[2])
    pages = collections.Counter(p for p, _ in frames)
    commits = sum(1 for _, c in frames if c)
    print(f"frames {len(frames)} commits {commits} distinct pages {len(pages)} page_size {page_size}")
    db = sqlite3.connect(f"file:{sys.argv[1]}?immutable=1", uri=True)
    owner = {}
    for name, pageno in db.execute("SELECT name, pageno FROM dbstat"):
        if pageno in pages:
            owner[pageno] = name
    frames_by, distinct_by = collections.Counter(), collections.Counter()
    for page, n in pages.items():
        name = owner.get(page, "new (allocated since the checkpoint)")
        frames_by[name] += n
        distinct_by[name] += 1
    print(f"{'B-tree':45s} {'frames':>8s} {'distinct':>8s}")
    for name, n in frames_by.most_common():
        print(f"{name:45s} {n:8d} {distinct_by[name]:8d}")


if __name__ == '__main__':
    main()
