#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""usage: bench-redis-data.py KEYS VALUE_BYTES OUTDIR

Makes the data set of the Redis benchmark (scripts/guest/bench-redis.sh)
on the host, once: KEYS string keys "key:%012d" (the names that
redis-benchmark -r KEYS asks for), each with a value of VALUE_BYTES
bytes, a third random and the rest a repeated phrase, so that zram and
Redis' own LZF compress it about 3:1. It is loaded with redis-cli --pipe
into a redis-server of the host's (the same Debian package as the
guest's) on a Unix socket, saved, and the server's DEBUG DIGEST written
next to it: OUTDIR/dump.rdb and OUTDIR/digest. The guest checks the
digest of every server it loads from the file. Deterministic: the same
arguments give the same data (a fixed seed).
"""
import os
import random
import subprocess
import sys
import time

PHRASE = b"the shared page stays in the swap cache until every sharer "


def resp(*args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    try:
        keys, vbytes = int(sys.argv[1]), int(sys.argv[2])
    except ValueError:
        sys.exit(__doc__)
    if keys < 1 or vbytes < 16:
        sys.exit(__doc__)
    out = os.path.abspath(sys.argv[3])
    os.makedirs(out, exist_ok=True)
    sock = os.path.join(out, "redis.sock")
    for f in ("dump.rdb", "digest", "redis.sock"):
        if os.path.exists(os.path.join(out, f)):
            os.unlink(os.path.join(out, f))
    srv = subprocess.Popen(
        ["redis-server", "--port", "0", "--unixsocket", sock,
         "--dir", out, "--dbfilename", "dump.rdb", "--save", "",
         "--appendonly", "no", "--enable-debug-command", "yes"],
        stdout=subprocess.DEVNULL)
    try:
        cli = ["redis-cli", "-s", sock]
        for _ in range(100):
            if os.path.exists(sock):
                break
            time.sleep(0.1)
        rnd = random.Random(20251205)
        nrand = vbytes // 3
        tail = (PHRASE * (vbytes // len(PHRASE) + 1))[:vbytes - nrand]
        pipe = subprocess.Popen(cli + ["--pipe"], stdin=subprocess.PIPE,
                                stdout=subprocess.DEVNULL)
        batch = []
        for i in range(keys):
            batch.append(resp(b"SET", b"key:%012d" % i,
                              rnd.randbytes(nrand) + tail))
            if len(batch) == 1000:
                pipe.stdin.write(b"".join(batch))
                batch = []
        pipe.stdin.write(b"".join(batch))
        pipe.stdin.close()
        if pipe.wait():
            sys.exit("bench-redis-data: redis-cli --pipe failed")
        n = subprocess.check_output(cli + ["dbsize"], text=True).strip()
        if n != str(keys):
            sys.exit(f"bench-redis-data: {n} keys loaded, not {keys}")
        subprocess.check_call(cli + ["save"], stdout=subprocess.DEVNULL)
        digest = subprocess.check_output(cli + ["debug", "digest"],
                                         text=True).strip()
        with open(os.path.join(out, "digest"), "w") as f:
            f.write(digest + "\n")
        subprocess.call(cli + ["shutdown", "nosave"],
                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    finally:
        if srv.poll() is None:
            srv.kill()
        srv.wait()
    print(f"redis data: {keys} keys x {vbytes} B, digest {digest}, "
          f"{os.path.getsize(os.path.join(out, 'dump.rdb'))} B of RDB")


if __name__ == "__main__":
    main()
