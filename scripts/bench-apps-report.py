#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""usage: bench-apps-report.py forksrv|redis RESULTS OUTDIR

Reads the result lines of an application part of scripts/bench.sh
("forksrv: ..." of forkserver_bench, "redis: ..." of
scripts/guest/bench-redis.sh) and prints, for each case, the median of
every figure over all runs of each kernel (label) with its spread,
"median [min-max]". The main figures
(times, rates, latencies) also get a column against stock: the change
of the median in percent, or "noise" where the min-max ranges of the
two kernels overlap, or "n<2" where either has a single run (no spread
to judge by). Writes the tables to OUTDIR/table.txt.new (scripts/bench.sh
makes it table.txt, marked complete, once every boot passed) and, when
gnuplot is installed, OUTDIR/PART.png: throughput against the number
of workers (forksrv), or BGSAVE time and the p99 of the GETs during
BGSAVE for each kernel (redis), medians with min-max bars.

Before the tables, it checks that the runs measured what they claim,
and exits 1 naming each run that did not: no OOM kill; the remap's
counter (swapin_remap_pte) absent on stock, 0 in every run with the
remap "never", above 0 in every run of the other modes; swap-ins in
every run (forksrv: or the room held the hot set; redis: or BGSAVE did
not read the heap from swap); and in part forksrv, on zram, "text" data
compressed at least 2:1 and "random" data at most 1.2:1, and with mTHP
(forkserver_bench -T), folios of that size in every run.
"""
import os
import shutil
import statistics
import subprocess
import sys
from collections import defaultdict

# Per part: the keys of a case, its title, the main figures (name,
# format), those compared with stock, the counters (name, format), and
# the counter of the remap's PTEs, and that of the swap-ins.
PARTS = {
    "redis": {
        "case": ["backend", "keys", "limit_mib", "bg_gets"],
        "title": "Redis, {keys} keys, memory.high {limit_mib} MiB, "
                 "swap on {backend}",
        "main": [("bgsave_s", "{:.2f}"), ("bg_p99_ms", "{:.1f}"),
                 ("pass_p99_ms", "{:.1f}"), ("pass_flt", "{:.0f}"),
                 ("bg_swap_kb", "{:.0f}"), ("bg_zram_kb", "{:.0f}")],
        "vs": ["bgsave_s", "bg_p99_ms", "pass_flt", "bg_swap_kb",
               "bg_zram_kb"],
        "remap": "bg_remap_pte",
        "swapin": "bg_pswpin",
        "counters": [("bg_reqs", "{:.0f}"), ("bg_rps", "{:.0f}"),
                     ("bg_p50_ms", "{:.2f}"),
                     ("pass_rps", "{:.0f}"), ("pass_p50_ms", "{:.2f}"),
                     ("pass_minflt", "{:.0f}"), ("pass_majflt", "{:.0f}"),
                     ("bg_pswpin", "{:.0f}"), ("pass_pswpin", "{:.0f}"),
                     ("bg_pswpout", "{:.0f}"),
                     ("bg_cpu_ms", "{:.0f}"),
                     ("bg_remap_pte", "{:.0f}"),
                     ("bg_refault_file", "{:.0f}"), ("bg_pgsteal", "{:.0f}"),
                     ("bg_stall_ms", "{:.0f}"), ("bg_io_stall_ms", "{:.0f}"),
                     ("bg_file_kb", "{:.0f}"),
                     ("bg_dirty_kb", "{:.0f}"), ("used_kb", "{:.0f}"),
                     ("start_swap_kb", "{:.0f}"),
                     ("bg_swapcached_kb", "{:.0f}"),
                     ("pass_swap_kb", "{:.0f}"),
                     ("pass_zram_kb", "{:.0f}"), ("oom_kill", "{:.0f}"),
                     ("pass_flt_wp", "{:.0f}"), ("pass_flt_np", "{:.0f}"),
                     ("pass_flt_wp_win", "{:.0f}")],
        # Traced only with BENCH_REDIS_TRACE_FAULTS=1; lines written
        # before bench-redis.sh had -A and bg_cpu_ms.
        "defaults": {"pass_flt_wp": "-1", "pass_flt_np": "-1",
                     "pass_flt_wp_win": "-1", "bg_gets": "1",
                     "bg_cpu_ms": "-1"},
    },
    "forksrv": {
        "case": ["backend", "data", "workers", "heap_mib", "room_mib",
                 "mthp_kb"],
        "title": "Forking server, {data} data, {workers} workers, "
                 "{heap_mib} MiB heap in {room_mib} MiB, swap on {backend}, "
                 "{folios}",
        "main": [("rps", "{:.0f}"), ("p50_us", "{:.1f}"),
                 ("p99_us", "{:.0f}"), ("flt_req", "{:.3f}")],
        "vs": ["rps", "p50_us", "p99_us", "flt_req"],
        "remap": "remap_pte",
        "swapin": "pswpin",
        "counters": [("majflt_req", "{:.3f}"), ("pswpin_req", "{:.3f}"),
                     ("remap_pte_req", "{:.2f}"), ("pswpin_s", "{:.0f}"),
                     ("pswpout_s", "{:.0f}"), ("remap_pte_s", "{:.0f}"),
                     ("zram_kb", "{:.0f}"), ("zram_data_kb", "{:.0f}"),
                     ("zram_compacted_kb", "{:.0f}"),
                     ("zram_ratio", "{:.2f}"),
                     ("swap_kb", "{:.0f}"), ("requests", "{:.0f}"),
                     ("oom_kill", "{:.0f}"), ("mthp_alloc", "{:.0f}"),
                     ("mthp_swpout", "{:.0f}"),
                     ("mthp_swpout_fallback", "{:.0f}")],
        # Counters over the window, per second of it: windows differ in
        # length (the workers stop after their request in flight).
        "per_s": ["pswpin", "pswpout", "remap_pte"],
        # Keys of lines written before forkserver_bench had -T, or
        # printed zram_data_kb and zram_compacted_kb.
        "defaults": {"zram_data_kb": "-1", "zram_compacted_kb": "-1",
                     "mthp_kb": "0", "mthp_alloc": "-1", "mthp_swpout": "-1",
                     "mthp_swpout_fallback": "-1"},
    },
}


def title(spec, case):
    kv = dict(zip(spec["case"], case))
    # bench-redis.sh -A: no GETs while BGSAVE runs.
    alone = ", BGSAVE alone" if kv.get("bg_gets") == "0" else ""
    if kv.get("limit_mib") == "none":
        return (f"Redis, {kv['keys']} keys, no memory.high, nothing in "
                f"swap (swap on {kv['backend']}){alone}")
    mthp = kv.get("mthp_kb", "0")
    kv["folios"] = ("small pages" if mthp == "0"
                    else f"{mthp} KiB mTHP folios")
    return spec["title"].format(**kv) + alone


def caseval(v):
    try:
        return (0, int(v), v)
    except ValueError:
        return (1, 0, v)


def derive_forksrv(spec, kv):
    """Per second of the window, and per request served: -1 where there
    is none (check() refuses such a run)."""
    secs, reqs = float(kv["secs"]), float(kv["requests"])
    for m in spec.get("per_s", []):
        v = float(kv[m])
        kv[m + "_s"] = v if v < 0 or secs <= 0 else v / secs
    kv["pswpin_req"] = float(kv["pswpin"]) / reqs if reqs > 0 else -1
    # PTEs the remap mapped per request: against the faults per request
    # it saved, what each saved fault cost.
    pte = float(kv["remap_pte"])
    kv["remap_pte_req"] = pte / reqs if pte >= 0 and reqs > 0 else -1


def parse(part, path):
    spec = PARTS[part]
    names = ([m for m, _ in spec["main"] + spec["counters"]] +
             spec.get("per_s", []) + (["secs"] if part == "forksrv" else []))
    runs = defaultdict(lambda: defaultdict(list))
    with open(path) as f:
        for n, line in enumerate(f, 1):
            if not line.startswith(part + ": label="):
                continue
            try:
                kv = dict(spec.get("defaults", {}))
                kv.update(w.split("=", 1) for w in line.split()[1:])
                if part == "redis":
                    # The parent's faults in the pass, minor and major.
                    kv["pass_flt"] = (int(kv["pass_minflt"]) +
                                      int(kv["pass_majflt"]))
                else:
                    derive_forksrv(spec, kv)
                case = tuple(kv[k] for k in spec["case"])
                vals = [float(kv[m]) for m in names]
            except (KeyError, ValueError):
                # Cut by a console message: the run is left out.
                print(f"bench-apps-report: {path}:{n}: incomplete line, left out",
                      file=sys.stderr)
                continue
            for m, v in zip(names, vals):
                runs[(case, kv["label"])][m].append(v)
    return runs


def cell(fmt, vals):
    med = statistics.median(vals)
    if med < 0:
        return "-"      # -1: not measured (zram figures on disk)
    if min(vals) == max(vals):
        return fmt.format(med)
    return f"{fmt.format(med)} [{fmt.format(min(vals))}-{fmt.format(max(vals))}]"


def versus(vals, base):
    """The change of the median against stock, or why it is no change."""
    if min(vals + base) < 0:
        return "-"
    if len(vals) < 2 or len(base) < 2:
        return "n<2"
    if min(vals) <= max(base) and min(base) <= max(vals):
        return "noise"
    b = statistics.median(base)
    if b <= 0:
        return "-"
    d = (statistics.median(vals) / b - 1) * 100
    # Apart, but by less than 1%: "-0%" would read as no change.
    return f"{d:+.1f}%" if abs(d) < 1 else f"{d:+.0f}%"


def table(rows):
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return ["  " + "  ".join(c.rjust(w) for c, w in zip(r, widths))
            for r in rows]


def report(part, runs):
    spec = PARTS[part]
    cases = sorted({c for c, _ in runs}, key=lambda c: [caseval(v) for v in c])
    labels = sorted({lab for _, lab in runs},
                    key=lambda s: (s != "stock", s))
    out = []
    for case in cases:
        head_title = title(spec, case)
        n = {lab: len(runs[(case, lab)][spec["main"][0][0]])
             for lab in labels if (case, lab) in runs}
        out.append(f"\n{head_title} (median [min-max] of n runs)")
        head = (["kernel"] + [m for m, _ in spec["main"]] +
                [f"{m} vs stock" for m in spec["vs"]] + ["n"])
        rows = [head]
        base = runs.get((case, "stock"))
        for lab in labels:
            r = runs.get((case, lab))
            if not r:
                continue
            rows.append([lab] + [cell(fmt, r[m]) for m, fmt in spec["main"]] +
                        [versus(r[m], base[m]) if base and lab != "stock"
                         else "-" for m in spec["vs"]] + [str(n[lab])])
        out += table(rows)
        # The mTHP counters only where the heap had mTHP folios.
        small = dict(zip(spec["case"], case)).get("mthp_kb", "0") == "0"
        counters = [(m, fmt) for m, fmt in spec["counters"]
                    if not (small and m.startswith("mthp_"))]
        rows = [["kernel (medians)"] + [m for m, _ in counters]]
        for lab in labels:
            r = runs.get((case, lab))
            if r:
                rows.append([lab] + [fmt.format(statistics.median(r[m]))
                                     for m, fmt in counters])
        out.append("")
        out += table(rows)
    return "\n".join(out).lstrip("\n") + "\n", cases, labels


def check(part, runs):
    """What makes a run's numbers meaningless; an empty list if none."""
    spec = PARTS[part]
    bad = []
    for (case, lab), r in sorted(runs.items()):
        where = f"{lab}, " + ", ".join(f"{k}={v}" for k, v in
                                       zip(spec["case"], case))
        if part == "forksrv" and (any(v <= 0 for v in r["requests"]) or
                                  any(v <= 0 for v in r["secs"])):
            bad.append(f"{where}: a run with no request or no window: "
                       f"requests {r['requests']}, secs {r['secs']}")
        if part == "redis" and case[3] == "1" and (
                any(v <= 0 for v in r["bgsave_s"]) or
                any(v <= 0 for v in r["bg_reqs"])):
            bad.append(f"{where}: a BGSAVE without a time or without GETs: "
                       f"bgsave_s {r['bgsave_s']}, bg_reqs {r['bg_reqs']}")
        # BGSAVE alone (bench-redis.sh -A): a time, and no GETs.
        if part == "redis" and case[3] != "1" and (
                any(v <= 0 for v in r["bgsave_s"]) or any(r["bg_reqs"])):
            bad.append(f"{where}: BGSAVE alone without a time or with "
                       f"GETs: bgsave_s {r['bgsave_s']}, bg_reqs "
                       f"{r['bg_reqs']}")
        if any(r["oom_kill"]):
            bad.append(f"{where}: OOM kills {r['oom_kill']}")
        pte = r[spec["remap"]]
        if part == "redis" and case[2] == "none":
            # The baseline without a limit: nothing read from swap,
            # nothing for the remap to map.
            if any(r["bg_pswpin"]) or any(r["pass_pswpin"]):
                bad.append(f"{where}: swap-ins without a limit: bg_pswpin "
                           f"{r['bg_pswpin']}, pass_pswpin {r['pass_pswpin']}")
            if any(v > 0 for v in pte):
                bad.append(f"{where}: the remap mapped PTEs without a "
                           f"limit: {pte}")
            continue
        if any(v <= 0 for v in r[spec["swapin"]]):
            bad.append(f"{where}: no swap-in in some run: "
                       f"{spec['swapin']} {r[spec['swapin']]}")
        if lab == "stock" and any(v != -1 for v in pte):
            bad.append(f"{where}: stock has {spec['remap']} {pte}")
        elif lab == "patched-never" and any(pte):
            bad.append(f"{where}: the remap mapped PTEs with 'never': {pte}")
        elif (lab.startswith("patched-") and lab != "patched-never" and
              any(v <= 0 for v in pte)):
            bad.append(f"{where}: the remap mapped no PTE in some run: {pte}")
        if part != "forksrv":
            continue
        mthp = dict(zip(spec["case"], case)).get("mthp_kb", "0")
        if mthp != "0" and any(v <= 0 for v in r["mthp_alloc"]):
            bad.append(f"{where}: no {mthp} KiB folio in some run: "
                       f"mthp_alloc {r['mthp_alloc']}")
        if case[0] == "zram":
            ratio = r["zram_ratio"]
            if case[1] == "text" and min(ratio) < 2:
                bad.append(f"{where}: text data compressed only {ratio}:1")
            if case[1] == "random" and max(ratio) > 1.2:
                bad.append(f"{where}: random data compressed {ratio}:1")
    return bad


def stats(vals):
    return statistics.median(vals), min(vals), max(vals)


def plot(part, runs, cases, labels, outdir):
    png = os.path.join(outdir, f"{part}.png")
    plots = []
    groups = sorted({(c[0], c[1]) for c in cases}) if part == "forksrv" else []
    # redis: one series per (backend, limit), kernels along x, each
    # series shifted a little so that the bars do not hide each other.
    rcases = (sorted({(c[0], c[2]) for c in cases},
                     key=lambda c: (c[0], caseval(c[1])))
              if part == "redis" else [])
    for metric, what in ((("bgsave_s", "BGSAVE time (s)"),
                          ("bg_p99_ms", "GET p99 during BGSAVE (ms)"))
                         if rcases else ()):
        # Not measured in any run (-1: BGSAVE alone has no GETs).
        if all(v < 0 for r in runs.values() for v in r[metric]):
            continue
        series = []
        for si, (be, lim) in enumerate(rcases):
            name = os.path.join(outdir, f"{metric}-{be}-{lim}.dat")
            with open(name, "w") as f:
                for li, lab in enumerate(labels):
                    for c in cases:
                        if (c[0], c[2]) == (be, lim) and (c, lab) in runs:
                            med, lo, hi = stats(runs[(c, lab)][metric])
                            tic = lab if si == 0 else ""
                            f.write(f"{li + si * 0.1} {med} {lo} {hi} \"{tic}\"\n")
            series.append(f"'{name}' using 1:2:3:4:xtic(5) with yerrorbars "
                          f"pointtype 7 title '{be}, "
                          f"{'no limit' if lim == 'none' else lim + ' MiB'}'")
        plots.append((what, "kernel", "", series))
    for be, data in groups:
        series = []
        for lab in labels:
            pts = sorted((int(c[2]),) + stats(runs[(c, lab)]["rps"])
                         for c in cases
                         if (c[0], c[1]) == (be, data) and (c, lab) in runs)
            if not pts:
                continue
            name = os.path.join(outdir, f"rps-{be}-{data}-{lab}.dat")
            with open(name, "w") as f:
                f.writelines(f"{k} {m} {lo} {hi}\n" for k, m, lo, hi in pts)
            series.append(f"'{name}' using 1:2:3:4 with yerrorlines title '{lab}'")
        plots.append((f"requests/s, {data} data on {be}", "workers",
                      "set logscale x 2\n", series))
    script = (f"set terminal png size {900 * len(plots)},600\n"
              f"set output '{png}'\nset multiplot layout 1,{len(plots)}\n"
              "set grid\nset key left top\n")
    for title, xlabel, extra, series in plots:
        script += (f"set title '{title}'\nset xlabel '{xlabel}'\n{extra}"
                   "set offsets graph 0.05, graph 0.05, 0, 0\n"
                   "set xtics rotate by -30\n"
                   "plot " + ", ".join(series) + "\nunset logscale x\n")
    script += "unset multiplot\n"
    if subprocess.run(["gnuplot"], input=script, text=True).returncode:
        print(f"bench-apps-report: gnuplot failed, no {png}", file=sys.stderr)
        return
    print(f"plot: {png}")


def main():
    if len(sys.argv) != 4 or sys.argv[1] not in PARTS:
        sys.exit(__doc__)
    part, results, outdir = sys.argv[1:]
    runs = parse(part, results)
    if not runs:
        sys.exit(f"bench-apps-report: no {part} results in {results}")
    bad = check(part, runs)
    for b in bad:
        print(f"bench-apps-report: {b}", file=sys.stderr)
    if bad:
        sys.exit(f"bench-apps-report: {len(bad)} run(s) measured something else: no table")
    text, cases, labels = report(part, runs)
    sys.stdout.write(text)
    with open(os.path.join(outdir, "table.txt.new"), "w") as f:
        f.write(text)
    if not shutil.which("gnuplot"):
        print("bench-apps-report: gnuplot missing, no plot", file=sys.stderr)
        return
    plot(part, runs, cases, labels, outdir)


if __name__ == "__main__":
    main()
