#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""usage: bench-report.py RESULTS OUTDIR

Reads the "bench: key=value ..." lines of swapcache_bench, takes the
median of each metric over the repetitions of a case, prints a table per
case with one row per kernel (label), the speed-up of all_s against
"stock" and the same as a percentage (vs_stock), and the spread of all_s
over the repetitions ((max - min) / median); writes it to
OUTDIR/table.txt.new (scripts/bench.sh makes it table.txt, marked
complete, once every boot passed), and plots all_s against the number of
sharers to OUTDIR/all_s.png when gnuplot is installed.
"""
import os
import shutil
import statistics
import subprocess
import sys
from collections import defaultdict

METRICS = ["first_s", "all_s", "minflt", "majflt", "other_flt", "pswpin",
           "held_first_kb", "settle_ms", "held_kb", "base_kb", "zram_kb"]


def parse(path):
    runs = defaultdict(lambda: defaultdict(list))
    with open(path) as f:
        for line in f:
            if not line.startswith("bench: label="):
                continue
            kv = dict(w.split("=", 1) for w in line.split()[1:])
            case = (kv["workload"], kv["backend"], int(kv["sharers"]),
                    int(kv["mib"]))
            for m in METRICS:
                runs[(case, kv["label"])][m].append(float(kv[m]))
    return runs


def fmt(m, v):
    if m.endswith("_s"):
        return f"{v:.4f}"
    return f"{v:.1f}" if m.endswith("_ms") else f"{v:.0f}"


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    runs = parse(sys.argv[1])
    if not runs:
        sys.exit("bench-report: no results")
    med = {k: {m: statistics.median(v) for m, v in d.items()}
           for k, d in runs.items()}
    cases = sorted({c for c, _ in med})
    labels = sorted({lab for _, lab in med}, key=lambda s: (s != "stock", s))
    head = ["kernel"] + METRICS + ["speedup", "vs_stock", "spread", "n"]
    out = []
    for case in cases:
        wl, be, n, mib = case
        out.append(f"\n{wl}, {be}, {n} sharer(s) x {mib} MiB "
                   f"(median of {len(runs[(case, labels[0])]['all_s']) if (case, labels[0]) in runs else '?'})")
        rows = [head]
        for lab in labels:
            r = med.get((case, lab))
            if not r:
                continue
            base = med.get((case, "stock"))
            sp = f"{base['all_s'] / r['all_s']:.2f}x" if base and r["all_s"] else "-"
            vs = (f"{(r['all_s'] / base['all_s'] - 1) * 100:+.1f}%"
                  if base and base["all_s"] else "-")
            # (max - min) / median of all_s: how far apart the runs were
            v = runs[(case, lab)]["all_s"]
            spread = f"{(max(v) - min(v)) / r['all_s'] * 100:.1f}%" if r["all_s"] else "-"
            rows.append([lab] + [fmt(m, r[m]) for m in METRICS] +
                        [sp, vs, spread, str(len(v))])
        widths = [max(len(row[i]) for row in rows) for i in range(len(head))]
        for row in rows:
            out.append("  " + "  ".join(c.rjust(w) for c, w in zip(row, widths)))
    text = "\n".join(out).lstrip("\n") + "\n"
    sys.stdout.write(text)
    outdir = sys.argv[2]
    with open(os.path.join(outdir, "table.txt.new"), "w") as f:
        f.write(text)
    if not shutil.which("gnuplot"):
        print("bench-report: gnuplot missing, no plot", file=sys.stderr)
        return
    series = []
    for be in sorted({c[1] for c in cases}):
        for lab in labels:
            pts = sorted((c[2], med[(c, lab)]["all_s"]) for c in cases
                         if c[0] == "share" and c[1] == be and (c, lab) in med)
            if not pts:
                continue
            name = os.path.join(outdir, f"all_s-{be}-{lab}.dat")
            with open(name, "w") as f:
                f.writelines(f"{n} {v}\n" for n, v in pts)
            series.append(f"'{name}' using 1:2 with linespoints title '{lab}, {be}'")
    png = os.path.join(outdir, "all_s.png")
    script = (f"set terminal png size 900,600\nset output '{png}'\n"
              "set title 'Time until every sharer has read every page'\n"
              "set xlabel 'sharers'\nset ylabel 'seconds (median)'\n"
              "set logscale x 2\nset key left top\nset grid\n"
              "plot " + ", ".join(series) + "\n")
    subprocess.run(["gnuplot"], input=script, text=True, check=True)
    print(f"plot: {png}")


if __name__ == "__main__":
    main()
