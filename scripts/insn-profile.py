#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""usage: insn-profile.py SYSTEM_MAP PROFILE SHARERS LABEL... [--top N]

Reads the intervals that scripts/insn-profile.c wrote while the guest ran
one swapcache_bench case (SHARERS readers, -r 1) per LABEL, in order. The
plugin closes an interval at every getrusage() call, and the readers call
it right before and after each pass, so the intervals are: the setup,
then for each LABEL and each pass a pass and the gap after it (the next
case's setup included, and after the last pass the tail until QEMU
exits).

Prints, in guest instructions, the first pass, the other passes and
their sum for each LABEL; the functions that ran the most instructions
in the first pass of the last LABEL; and, for each LABEL after the first,
the functions whose first-pass instructions changed the most against the
LABEL before it.
"""
import bisect
import sys
from collections import Counter


def die(msg):
    sys.exit("insn-profile.py: " + msg)


def load_symbols(path):
    syms = []
    with open(path) as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 3 and parts[1] in "tTwW":
                syms.append((int(parts[0], 16), parts[2]))
    syms.sort()
    return [a for a, _ in syms], [n for _, n in syms]


def load_intervals(path):
    intervals = []
    with open(path) as f:
        for line in f:
            parts = line.split()
            if parts[0] == "interval":
                intervals.append((int(parts[3]), []))
            elif parts[0] == "overflow:":
                die(path + ": " + line.strip())
            else:
                intervals[-1][1].append((int(parts[0], 16), int(parts[1]),
                                         int(parts[2])))
    return intervals


def by_function(interval, addrs, names):
    funcs = Counter()
    for vaddr, ninsns, count in interval[1]:
        i = bisect.bisect_right(addrs, vaddr) - 1
        funcs[names[i] if i >= 0 else "?"] += ninsns * count
    return funcs


def total(interval):
    return interval[0] + sum(n * c for _, n, c in interval[1])


def mega(n):
    return "%.2fM" % (n / 1e6)


def main(argv):
    top = 25
    if "--top" in argv:
        i = argv.index("--top")
        top = int(argv[i + 1])
        del argv[i:i + 2]
    if len(argv) < 5:
        die("usage: insn-profile.py SYSTEM_MAP PROFILE SHARERS LABEL... "
            "[--top N]")
    addrs, names = load_symbols(argv[1])
    intervals = load_intervals(argv[2])
    sharers = int(argv[3])
    labels = argv[4:]
    want = 1 + 2 * sharers * len(labels)
    if len(intervals) != want:
        die("%s has %d intervals, %d expected for %d case(s) of %d "
            "sharer(s): did a case fail, or something else call "
            "getrusage()?" % (argv[2], len(intervals), want, len(labels),
                              sharers))

    first = {}
    print("%-16s %12s %14s %12s" % ("kernel", "first pass", "other passes",
                                    "all"))
    for k, label in enumerate(labels):
        base = 1 + 2 * sharers * k
        passes = [intervals[base + 2 * p] for p in range(sharers)]
        one = total(passes[0])
        rest = sum(total(p) for p in passes[1:])
        print("%-16s %12s %14s %12s" % (label, mega(one), mega(rest),
                                        mega(one + rest)))
        first[label] = by_function(passes[0], addrs, names)

    last = labels[-1]
    print("\nFirst pass of %s, the %d functions with the most "
          "instructions:" % (last, top))
    funcs = first[last]
    whole = sum(funcs.values())
    for name, n in funcs.most_common(top):
        print("  %10s %5.1f%%  %s" % (mega(n), 100.0 * n / whole, name))

    for prev, cur in zip(labels, labels[1:]):
        a, b = first[prev], first[cur]
        delta = {f: b[f] - a[f] for f in set(a) | set(b)}
        print("\nFirst pass, %s minus %s: %s; the %d largest changes:"
              % (cur, prev, mega(sum(delta.values())), top))
        for name in sorted(delta, key=lambda f: -abs(delta[f]))[:top]:
            print("  %+10.2fM  %s" % (delta[name] / 1e6, name))


if __name__ == "__main__":
    main(sys.argv)
