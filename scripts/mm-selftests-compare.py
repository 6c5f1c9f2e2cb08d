#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""usage: mm-selftests-compare.py NEVER_LOG NEVER_RC DEFAULT_LOG DEFAULT_RC

Compares the two runs of the upstream selftests/mm that "make
mm-selftests" makes (scripts/guest/mm-selftests.sh), one with
swapin_remap=never and one at the mode the kernel boots with, from their
console logs, and the exit status run-guest.sh gave each boot (non-zero:
the guest failed, hung, or the console had a BUG, WARNING, lockdep
report, ... as scripts/console-scan.sh finds them).

A test is one of:
  - a program run by run_vmtests.sh ("cow", "ksm_tests -M -p 10"), its
    result the runner's [PASS], [FAIL] or [SKIP] (or TIMEOUT, LOST);
  - a TAP result inside a program's output ("ok 12 ...", with its
    "# SKIP" or "# XFAIL"), keyed by its number in the program and shown
    with the "[RUN]" line before it where the program prints one;
  - a "Testing X on Y... done|skipped|failed" line of uffd-unit-tests.

Prints the time of each category in each run, the table of tests whose
result differs between the two runs, the tests that fail or skip in both
(with the reason: the SKIP directive, the program's last message before
the result, or the runner's exit code), then "N passed, N failed":
  passed  a test with the same result in both runs (PASS in both, or
          the same FAIL or SKIP in both: those are listed, not counted);
  failed  a test whose result differs, or that only one run has; each
          boot that did not end well (guest status, watchdog, console
          problem); and the "never" run if the remap mapped a PTE in it
          (swapin_remap_pte), since then it was not the stock swap-in.
Exits 1 if anything failed.
"""
import argparse
import json
import os
import re
import sys

KERNEL_LINE = re.compile(r'^\[ *\d+\.\d+\] ')
TAP = re.compile(r'^(not ok|ok) (\d+)(?: +-)? *(.*)$')
UFFD = re.compile(r'^Testing (.*?)\.\.\. (.*)$')
UFFD_END = re.compile(r'^(done|skipped \[reason: (.*)\]|failed \[reason: (.*)\].*)$')
CAT_BEGIN = re.compile(r'^mm-selftests: category (\S+) begin$')
CAT_END = re.compile(r'^mm-selftests: category (\S+) end: exit (\d+) in (\d+) s$')
COUNTERS = re.compile(r'^mm-selftests: counters(?: before)?: (.*)$')
RERUN_BEGIN = re.compile(r'^mm-selftests: rerun (\d+) (never|default) begin: swapin_remap=(\S+)$')
RERUN_END = re.compile(r'^mm-selftests: rerun (\d+) (never|default) end$')


def tap_result(word, rest):
    """result and reason of a TAP line's verdict and description"""
    desc, _, directive = rest.partition(' # ')
    if rest.startswith('# '):
        desc, directive = '', rest[2:]
    d = directive.strip()
    if word == 'ok':
        if d.upper().startswith('SKIP'):
            return 'SKIP', desc.strip(), d[4:].strip()
        if d.upper().startswith('XFAIL'):
            return 'XFAIL', desc.strip(), d[5:].strip()
        return 'PASS', desc.strip(), ''
    return 'FAIL', desc.strip(), d


class Run:
    def __init__(self, lines):
        self.results = {}   # key -> (result, reason)
        self.program = {}   # key -> (category, the runner's command line)
        self.labels = {}    # key -> description
        self.swapins = {}   # category -> {counter: its change during it}
        self.order = []
        self.times = {}     # category -> (exit, seconds)
        self.counters = []
        self.mode = None
        self.boot_mode = None
        self.done = False
        self.pending = None  # the runner's [PASS]/[FAIL]/[SKIP], until its "ok N"
        self.cmd = None     # (category, command) of the program running
        self.parse(lines)

    @classmethod
    def from_file(cls, path):
        with open(path, errors='replace') as f:
            return cls([l.rstrip('\r\n').replace('\r', '') for l in f])

    def add(self, key, result, reason, label=''):
        """a result: KEY identifies the test in both runs, LABEL is
        what it prints after it (a TAP description, which may hold
        numbers that change between runs: mrelease_test's sizes)"""
        k, n = key, 2
        while k in self.results:
            k = '%s (%d)' % (key, n)
            n += 1
        self.results[k] = (result, reason)
        self.labels[k] = label
        self.program[k] = self.cmd
        self.order.append(k)

    def parse(self, lines):
        cat = None
        inv = None          # program run by the runner, "category/prog args"
        inv_msgs = []       # its output lines, for reasons
        ctx = None          # the last "[RUN]" line of the program
        since = []          # its diagnostics since its last result
        uffd = None         # pending "Testing X... " name
        failed_subs = []    # numbers of the program's failed TAP results
        ended = None        # the category whose counters come next
        inv_done = True

        def close_inv(result, reason):
            nonlocal inv, inv_done
            if inv is not None and not inv_done:
                self.add(inv, result, reason)
            inv_done = True

        lines = [l for l in lines if not KERNEL_LINE.match(l)]
        for i, line in enumerate(lines):
            prev = lines[i - 1] if i else ''
            m = re.match(r'^mm-selftests: swapin_remap at boot: (\S+)', line)
            if m:
                self.boot_mode = m.group(1)
                continue
            m = re.match(r'^mm-selftests: run: (\S+), swapin_remap=(\S+)', line)
            if m:
                self.mode = m.group(2)
                continue
            m = COUNTERS.match(line)
            if m:
                self.counters.append(dict(kv.split('=', 1) for kv in m.group(1).split()))
                if ended and len(self.counters) > 1:
                    a, b = self.counters[-2], self.counters[-1]
                    self.swapins[ended] = {k: int(b[k]) - int(a[k]) for k in b
                                           if k in a and a[k].isdigit() and b[k].isdigit()}
                ended = None
                continue
            if line == 'mm-selftests: done':
                self.done = True
                continue
            m = CAT_BEGIN.match(line)
            if m:
                cat, inv, inv_done = m.group(1), None, True
                continue
            m = CAT_END.match(line)
            if m:
                rc = int(m.group(2))
                close_inv('TIMEOUT' if rc in (124, 137) else 'LOST',
                          'run_vmtests.sh exit %d, the program did not finish' % rc)
                self.times[m.group(1)] = (rc, int(m.group(3)))
                cat, ended = None, m.group(1)
                continue
            if cat is None:
                continue
            m = re.match(r'^# running (.*)$', line)
            # The runner frames its title with dashes of the same length;
            # a program's own "running ..." line (protection_keys) has none.
            if m and prev == '# ' + '-' * (len(line) - 2):
                close_inv('LOST', 'no result from the runner')
                self.cmd = (cat, m.group(1).strip())
                name = re.sub(r'^(bash )?\./', '', m.group(1).strip())
                inv, inv_done, inv_msgs, ctx, since, uffd = \
                    '%s/%s' % (cat, name), False, [], None, [], None
                failed_subs = []
                self.pending = None
                continue
            m = re.match(r'^# SKIP (\./)?(\S+)$', line)
            if m:   # the runner skips on-fault-limit without sudo
                self.cmd = (cat, (m.group(1) or '') + m.group(2))
                self.add('%s/%s' % (cat, m.group(2)), 'SKIP', 'runner: ' + line[2:])
                continue
            if inv is None or inv_done:
                continue
            if line in ('# [PASS]', '# [FAIL]', '# [SKIP]'):
                res = line[3:-1]
                reason = ''
                if res != 'PASS' and failed_subs:
                    reason = 'failed: #' + ', #'.join(failed_subs)
                elif res != 'PASS':
                    msgs = [l for l in inv_msgs if l.strip() and
                            not TAP.match(l) and
                            not re.match(r'^(# )?(Totals|SUMMARY|1\.\.|TAP version|-+$|'
                                         r'Planned tests != run tests)', l)]
                    reason = re.sub(r'^# ', '', msgs[-1]) if msgs else '(no output)'
                self.pending = (res, reason)
                continue
            m = re.match(r'^(not ok|ok) \d+ (.*?)(?: # (SKIP|exit=(\d+)))?$', line)
            if m and self.pending:
                res, reason = self.pending
                self.pending = None
                if m.group(4):
                    reason = 'exit %s: %s' % (m.group(4), reason)
                close_inv(res, reason)
                continue
            if not line.startswith('# '):
                continue
            out = line[2:]
            inv_msgs.append(out)
            if uffd is not None:
                m = UFFD_END.match(out)
                if m:
                    self.uffd_result(inv, uffd, m)
                    uffd = None
                    continue
            m = UFFD.match(out)
            if m:
                m2 = UFFD_END.match(m.group(2))
                if m2:
                    self.uffd_result(inv, m.group(1), m2)
                else:
                    uffd = m.group(1)
                continue
            m = re.match(r'^# \[RUN\] (.*)$', out)
            if m:
                ctx, since = m.group(1), []
                continue
            m = TAP.match(out)
            if m:
                res, desc, reason = tap_result(m.group(1), m.group(3))
                if res in ('FAIL', 'SKIP'):
                    # The directive, and the program's last message
                    # before the result ("NUMA support not enabled").
                    diag = [d.strip() for d in since if d.strip()]
                    if diag and diag[-1] not in reason:
                        reason = '%s (%s)' % (reason, diag[-1]) if reason else diag[-1]
                    if res == 'FAIL':
                        failed_subs.append(m.group(2))
                name = desc
                if ctx:
                    name = '%s: %s' % (ctx, desc) if desc else ctx
                self.add('%s #%s' % (inv, m.group(2)), res, reason, name)
                since = []
                continue
            if out.startswith('# '):
                since.append(out[2:])
        close_inv('LOST', 'the log ends inside the program')

    def uffd_result(self, inv, name, m):
        if m.group(1) == 'done':
            self.add('%s: %s' % (inv, name), 'PASS', '')
        elif m.group(1).startswith('skipped'):
            self.add('%s: %s' % (inv, name), 'SKIP', m.group(2))
        else:
            self.add('%s: %s' % (inv, name), 'FAIL', m.group(3))

    def counter_delta(self, name):
        if len(self.counters) < 2:
            return None
        try:
            return int(self.counters[-1][name]) - int(self.counters[0][name])
        except (KeyError, ValueError):
            return None


def table(rows, head):
    widths = [max(len(str(r[i])) for r in rows + [head]) for i in range(len(head))]
    fmt = '  '.join('%%-%ds' % w for w in widths)
    print(fmt % tuple(head))
    print(fmt % tuple('-' * w for w in widths))
    for r in rows:
        print((fmt % tuple(r)).rstrip())


def rerun_segments(path):
    """the rerun boot's log split into its runs: [(round, mode, knob, Run, ended)]"""
    with open(path, errors='replace') as f:
        lines = [l.rstrip('\r\n').replace('\r', '') for l in f]
    segs = []
    cur = None
    for line in lines:
        m = RERUN_BEGIN.match(line)
        if m:
            cur = [int(m.group(1)), m.group(2), m.group(3), [], False]
            segs.append(cur)
            continue
        if cur is None:
            continue
        m = RERUN_END.match(line)
        if m and int(m.group(1)) == cur[0] and m.group(2) == cur[1]:
            cur[4] = True
            cur = None
            continue
        cur[3].append(line)
    return [(r, mode, knob, Run(body), ended) for r, mode, knob, body, ended in segs]


def differences(never, default):
    """the keys whose result differs, in the order of the runs"""
    keys = list(dict.fromkeys(default.order + never.order))
    out = []
    for k in keys:
        a = never.results.get(k)
        b = default.results.get(k)
        ra = a[0] if a else 'MISSING'
        rb = b[0] if b else 'MISSING'
        if ra != rb:
            out.append((k, ra, rb, never.program.get(k) or default.program.get(k)))
    return out


def make_spec(never, default):
    """the programs to run again for the differences: {'programs': [...]}"""
    progs = {}
    for k, ra, rb, prog in differences(never, default):
        if prog is None or prog[0] is None:
            continue
        p = progs.setdefault(prog, {'category': prog[0], 'command': prog[1], 'keys': {}})
        p['keys'][k] = [ra, rb]
    return {'programs': list(progs.values())}


def rerun_outcomes(segs, prog, key):
    """the results of KEY in the re-runs of PROG: {'never': [...], 'default': [...]}"""
    out = {'never': [], 'default': []}
    for _, mode, _, run, _ in segs:
        # A run that did not get to the program (the boot ended) counts
        # for nothing; one that ran it and has no result for KEY, MISSING.
        if prog['category'] not in run.times:
            continue
        r = run.results.get(key)
        out[mode].append(r[0] if r else 'MISSING')
    return out


def flaky(orig, seen):
    """both results of ORIG (never, default) seen in each mode"""
    return all(set(orig) <= set(seen[m]) for m in ('never', 'default'))


def summary(results):
    n = {}
    for r in results:
        n[r] = n.get(r, 0) + 1
    return ', '.join('%s %d' % (r, c) for r, c in sorted(n.items())) or '-'


def unresolved(spec_path, log):
    """print the programs of SPEC whose differences the re-runs in LOG
    have not yet shown to be mode-independent: category TAB command"""
    with open(spec_path) as f:
        spec = json.load(f)
    segs = rerun_segments(log) if os.path.exists(log) else []
    for prog in spec['programs']:
        if not all(flaky(orig, rerun_outcomes(segs, prog, k))
                   for k, orig in prog['keys'].items()):
            print('%s\t%s' % (prog['category'], prog['command']))


def main():
    ap = argparse.ArgumentParser(usage=__doc__.split('\n\n')[0][7:])
    ap.add_argument('--spec')
    ap.add_argument('--rerun', nargs=2, metavar=('LOG', 'RC'))
    ap.add_argument('--unresolved', nargs=2, metavar=('SPEC', 'LOG'))
    ap.add_argument('logs', nargs='*')
    opts = ap.parse_args()
    if opts.unresolved:
        unresolved(*opts.unresolved)
        return
    if len(opts.logs) != 4:
        sys.exit(__doc__)
    never = Run.from_file(opts.logs[0])
    default = Run.from_file(opts.logs[2])
    rcs = {'never': int(opts.logs[1]), 'default': int(opts.logs[3])}
    spec = make_spec(never, default)
    if opts.spec:
        with open(opts.spec, 'w') as f:
            json.dump(spec, f, indent=1)
            f.write('\n')
        return
    failed = 0
    passed = 0
    problems = []

    print('runs: never (swapin_remap=%s), default (swapin_remap=%s, the boot mode: %s)'
          % (never.mode, default.mode, default.boot_mode))
    for name, run in (('never', never), ('default', default)):
        if rcs[name] != 0:
            problems.append('the %s boot failed: run-guest.sh exit %d (guest status, '
                            'watchdog or console problem, see above)' % (name, rcs[name]))
        if not run.done:
            problems.append('the %s run did not reach its end' % name)
    if never.mode != 'never':
        problems.append('the never run ran with swapin_remap=%s' % never.mode)
    if default.mode is None or default.mode != default.boot_mode:
        problems.append('the default run did not run at the boot mode')
    pte_never = never.counter_delta('swapin_remap_pte')
    pte_default = default.counter_delta('swapin_remap_pte')
    if pte_never:
        problems.append('the never run remapped %d PTEs' % pte_never)
    print('swap-in remap: PTEs mapped (swapin_remap_pte) in the never run: %s, '
          'in the default run: %s; swap-ins (pswpin): %s and %s'
          % (pte_never, pte_default, never.counter_delta('pswpin'),
             default.counter_delta('pswpin')))

    cats = list(dict.fromkeys(list(never.times) + list(default.times)))
    rows = []
    for c in cats:
        cell = []
        for run in (never, default):
            t = run.times.get(c)
            cell.append('-' if t is None else '%d s%s' % (t[1], '' if t[0] in (0, 1, 4)
                                                        else ' (exit %d)' % t[0]))
        rows.append([c] + cell)
    tot = [sum(t[1] for t in run.times.values()) for run in (never, default)]
    rows.append(['total', '%d s' % tot[0], '%d s' % tot[1]])
    print('\ntime per category:')
    table(rows, ['category', 'never', 'default'])

    def label(k):
        a, b = never.labels.get(k, ''), default.labels.get(k, '')
        name = b or a
        if a and b and a != b:
            name = '%s (never: %s)' % (b, a)
        return ('%s %s' % (k, name)).rstrip()

    def swapins(k):
        """swap-ins (with the zero-filled pages') and remapped PTEs of the
        category, never/default"""
        c = k.split('/', 1)[0]
        v = [run.swapins.get(c) for run in (never, default)]
        ins = '/'.join('?' if x is None else
                       '%d' % (x.get('pswpin', 0) + x.get('swpin_zero', 0)) for x in v)
        pte = '/'.join('?' if x is None else '%d' % x.get('swapin_remap_pte', 0) for x in v)
        return ins, pte
    diffkeys = {k for k, _, _, _ in differences(never, default)}
    diff = []
    both = []
    count = {}
    for k in dict.fromkeys(default.order + never.order):
        a = never.results.get(k)
        b = default.results.get(k)
        ra = a[0] if a else 'MISSING'
        rb = b[0] if b else 'MISSING'
        if k not in diffkeys:
            passed += 1
            count[ra] = count.get(ra, 0) + 1
            if ra not in ('PASS', 'XFAIL'):
                reason = b[1] if a[1] == b[1] else 'never: %s; default: %s' % (a[1], b[1])
                both.append([label(k), ra, reason or '-'])
        else:
            reason = (b[1] if b and rb != 'PASS' else '') or (a[1] if a and ra != 'PASS' else '')
            diff.append([k, label(k), ra, rb] + list(swapins(k)) + [reason or '-'])

    print('\ntests whose result differs between the runs: %d' % len(diff))
    if diff:
        print('(swap-ins: pswpin + swpin_zero during the category, remapped:'
              ' swapin_remap_pte, never/default run; 0 in both: the remap had no page'
              ' to map)')
        table([d[1:] for d in diff],
              ['test', 'never', 'default', 'swap-ins', 'remapped', 'reason'])

    # The re-runs: a difference is a flake of the test, not of the mode,
    # only if each of its two results also came up in the other mode.
    segs = []
    if opts.rerun:
        log, rc = opts.rerun[0], int(opts.rerun[1])
        segs = rerun_segments(log)
        if rc != 0:
            problems.append('the re-run boot failed: run-guest.sh exit %d' % rc)
        rounds = max([s[0] for s in segs] or [0])
        for r, mode, knob, run, ended in segs:
            if not ended:
                problems.append('re-run %d (%s) did not reach its end' % (r, mode))
            if mode == 'never' and knob != 'never':
                problems.append('re-run %d (never) ran with swapin_remap=%s' % (r, knob))
            if mode == 'never' and run.counter_delta('swapin_remap_pte'):
                problems.append('re-run %d (never) remapped %d PTEs'
                                % (r, run.counter_delta('swapin_remap_pte')))
        print('\nre-runs of the programs with a difference: %d round(s), never and'
              ' default in turn, in one more boot' % rounds)
    progs = {(p['category'], p['command']): p for p in spec['programs']}
    rows = []
    nflaky = 0
    for k, lab, ra, rb, _, _, _ in diff:
        prog = never.program.get(k) or default.program.get(k)
        p = progs.get(prog)
        if p is None or not opts.rerun:
            failed += 1
            rows.append([lab, '-', '-', 'differs (no re-run)'])
            continue
        seen = rerun_outcomes(segs, p, k)
        if flaky((ra, rb), seen):
            passed += 1
            nflaky += 1
            verdict = 'flaky in both modes'
        else:
            failed += 1
            verdict = 'differs'
        rows.append([lab, summary([ra] + seen['never']), summary([rb] + seen['default']),
                     verdict])
    if opts.rerun and rows:
        print('(results of each test over all its runs, the first two boots included;'
              ' "flaky in both modes": both of its first results came up in each mode)')
        table(rows, ['test', 'never', 'default', 'verdict'])

    print('\ntests that fail or skip in both runs: %d' % len(both))
    if both:
        table(both, ['test', 'result', 'reason'])
    print('\nsame result in both runs: %s' % ', '.join(
        '%d %s' % (n, r) for r, n in sorted(count.items())))
    if diff:
        print('differences: %d, of which %d shown to be flaky in both modes'
              % (len(diff), nflaky))
    for p in problems:
        print('problem: ' + p)
    failed += len(problems)
    print('%d passed, %d failed' % (passed, failed))
    sys.exit(1 if failed else 0)


if __name__ == '__main__':
    main()
