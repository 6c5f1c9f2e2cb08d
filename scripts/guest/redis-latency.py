#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""usage: redis-latency.py FILE

Reads the output of one or more redis-benchmark runs (without -q or
--csv) and prints "requests=N rps=R p50_ms=A p99_ms=B" over all of them:
the requests, their rate over the runs' own time (each run's requests
over its throughput; the gaps between runs do not count), and the
percentiles of the runs' latencies merged. Each run's latency
distribution ("Latency by percentile distribution" and "Cumulative
distribution of latencies": cumulative counts at latency bounds) is
turned into counts per bound, each request taking the upper bound of
its interval, and the bounds of all runs are merged. Exits 1 if the
file holds no complete run. Run in the guest by bench-redis.sh.
"""
import re
import sys

POINT = re.compile(r"<= ([0-9.]+) milliseconds \(cumulative count ([0-9]+)\)")
DONE = re.compile(r"([0-9]+) requests completed in")
RPS = re.compile(r"throughput summary: ([0-9.]+) requests per second")


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    runs = []
    cur = None
    with open(sys.argv[1], errors="replace") as f:
        for line in f:
            if "====== GET ======" in line:
                cur = {"points": [], "n": None, "rps": None}
                continue
            if cur is None:
                continue
            m = DONE.search(line)
            if m:
                cur["n"] = int(m.group(1))
            m = POINT.search(line)
            if m:
                cur["points"].append((float(m.group(1)), int(m.group(2))))
            m = RPS.search(line)
            if m:
                cur["rps"] = float(m.group(1))
                runs.append(cur)
                cur = None
    runs = [r for r in runs if r["n"] and r["rps"] and r["points"]]
    if not runs:
        sys.exit("redis-latency: no complete redis-benchmark run")
    counts = {}
    for r in runs:
        prev = 0
        for lat, cum in sorted(set(r["points"])):
            if cum > prev:
                counts[lat] = counts.get(lat, 0) + cum - prev
                prev = cum
    total = sum(r["n"] for r in runs)
    secs = sum(r["n"] / r["rps"] for r in runs)

    def pct(p):
        want = total * p / 100
        s = 0
        for lat in sorted(counts):
            s += counts[lat]
            if s >= want:
                return lat
        return max(counts)

    print(f"requests={total} rps={total / secs:.1f} "
          f"p50_ms={pct(50):.3f} p99_ms={pct(99):.3f} runs={len(runs)}")


if __name__ == "__main__":
    main()
