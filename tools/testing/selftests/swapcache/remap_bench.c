// SPDX-License-Identifier: GPL-2.0
/*
 * remap_bench: time the swap-in of an anonymous mapping shared by N
 * processes, with each /sys/kernel/mm/swap/swapin_remap mode.
 *
 *   remap_bench [-a] [-s sharers] [-m MiB] [-r rounds] [mode...]
 *
 * The sharers are forked after the mapping is written; reclaim in a
 * memory cgroup swaps it out of all of them; then sharer 0 reads every
 * page ("first pass"), and after it sharers 1..N-1 read every page in
 * turn.  For each mode it prints the wall time of the first pass, of the
 * other sharers and of all, the sharers' page faults (getrusage), the
 * vmstat deltas and SwapFree after the first pass; with -a, also what
 * the next reclaim of the mapping costs (it writes what the policy
 * dirtied when it freed the slots).  Not a test: it does
 * not fail on numbers, only on a setup it cannot reach.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "swap_util.h"

#define CG		"/sys/fs/cgroup/remap_bench"
#define KNOB		"/sys/kernel/mm/swap/swapin_remap"
#define MAX_SHARERS	64
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

static long psz;

static int wr(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY);
	int ret;

	if (fd < 0)
		return -errno;
	ret = write(fd, s, strlen(s)) < 0 ? -errno : 0;
	close(fd);
	return ret;
}

static long long field(const char *path, const char *name)
{
	char line[256];
	size_t n = strlen(name);
	long long v = -1;
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, name, n) &&
		    (line[n] == ' ' || line[n] == ':')) {
			v = atoll(line + n + 1 + (line[n] == ':'));
			break;
		}
	fclose(f);
	return v;
}

static long long vmstat_get(const char *name)
{
	return field("/proc/vmstat", name);
}

static long long meminfo_kb(const char *name)
{
	return field("/proc/meminfo", name);
}

/* zram's mem_used_total in kB, the third field of mm_stat, or -1. */
static long long zram_used_kb(void)
{
	long long orig, compr, used = -1;
	FILE *f = fopen("/sys/block/zram0/mm_stat", "r");

	if (!f)
		return -1;
	if (fscanf(f, "%lld %lld %lld", &orig, &compr, &used) != 3)
		used = -1;
	fclose(f);
	return used < 0 ? -1 : used >> 10;
}

/*
 * Reclaim the cgroup until @want kB more swap is in use than @swapfree0
 * says and nothing is left in the swap cache.  Everything but the target
 * is mlock()ed, so that is the target.
 * Return: the passes it took, or -1 after @max_passes.
 */
static int swap_out(size_t len, long long swapfree0, long long want,
		    int max_passes)
{
	char buf[64];
	int pass;

	for (pass = 1; pass <= max_passes; pass++) {
		snprintf(buf, sizeof(buf), "%zu", len * 2);
		wr(CG "/memory.reclaim", buf);
		/* A few stray pages of others may sit in the swap cache. */
		if (meminfo_kb("SwapCached") <= 64 &&
		    swapfree0 - meminfo_kb("SwapFree") >= want)
			return pass;
	}
	return -1;
}

struct child {
	pid_t pid;
	int cmd, reply;
};

struct result {
	double secs;
	long minflt, majflt;
	unsigned long sum;
};

/* A sharer: on each command byte, read every page and report. */
static void child_main(char *mem, size_t len, int cmd, int reply)
{
	struct rusage a, b;
	struct result r;
	char c;

	while (read(cmd, &c, 1) == 1) {
		double t;
		size_t off;

		if (c == 'q')
			_exit(0);
		getrusage(RUSAGE_SELF, &a);
		t = bench_now();
		r.sum = 0;
		for (off = 0; off < len; off += psz)
			r.sum += *(unsigned long *)(mem + off);
		r.secs = bench_now() - t;
		getrusage(RUSAGE_SELF, &b);
		r.minflt = b.ru_minflt - a.ru_minflt;
		r.majflt = b.ru_majflt - a.ru_majflt;
		if (write(reply, &r, sizeof(r)) != sizeof(r))
			_exit(1);
	}
	_exit(0);
}

static int run_one(struct child *c, struct result *r)
{
	if (write(c->cmd, "r", 1) != 1)
		return -1;
	return read(c->reply, r, sizeof(*r)) == sizeof(*r) ? 0 : -1;
}

static const char * const counters[] = {
	"pswpin", "pswpout", "swap_ra", "swap_ra_hit", "swapin_remap_pte",
	"swapin_remap_walk", "swapin_remap_abort",
};

#define NR_COUNTERS	ARRAY_SIZE(counters)

static bool again;

static int bench(const char *mode, int nr, size_t mib)
{
	size_t len = mib << 20, off;
	long long before[NR_COUNTERS], swapfree0, swapfree1, zram1, pswpout;
	struct child ch[MAX_SHARERS];
	struct result r0, r;
	double t_first, t_rest = 0, t0;
	long rest_min = 0, rest_maj = 0;
	unsigned long expect;
	double t_again;
	char *mem;
	unsigned int i;
	int pass, ret = -1;
	char c;

	/* Drop what the previous run left in the swap cache. */
	swap_out(len, meminfo_kb("SwapFree"), 0, 20);
	if (mode && wr(KNOB, mode)) {
		fprintf(stderr, "cannot set %s to %s\n", KNOB, mode);
		return -1;
	}
	mem = mmap(NULL, len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		return -1;
	madvise(mem, len, MADV_NOHUGEPAGE);
	/* main() locked all our memory: all but the target. */
	munlock(mem, len);
	expect = 0;
	for (off = 0; off < len; off += sizeof(long)) {
		unsigned long v = (off * 2654435761UL) ^ (off >> 7) ^ 1;

		*(unsigned long *)(mem + off) = v;
		if (!(off % psz))
			expect += v;
	}
	for (i = 0; i < nr; i++) {
		int p1[2] = { -1, -1 }, p2[2];

		if (pipe(p1) || pipe(p2)) {
			if (p1[0] >= 0) {
				close(p1[0]);
				close(p1[1]);
			}
			nr = i;
			munmap(mem, len);
			goto fail;
		}
		ch[i].pid = fork();
		if (!ch[i].pid) {
			close(p1[1]);
			close(p2[0]);
			/* Die with the parent, whatever other pipes we hold. */
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			/*
			 * Not inherited: lock all but the target again, and
			 * say so, before the swap-out (see swapcache_bench's
			 * reader_spawn()).
			 */
			if (mlock_all_but(mem, len) ||
			    write(p2[1], "y", 1) != 1)
				_exit(1);
			child_main(mem, len, p1[0], p2[1]);
		}
		close(p1[0]);
		close(p2[1]);
		ch[i].cmd = p1[1];
		ch[i].reply = p2[0];
		if (ch[i].pid < 0 || read(ch[i].reply, &c, 1) != 1) {
			fprintf(stderr, "a sharer failed to start\n");
			/* Stop the sharers started so far, this one too. */
			nr = i + 1;
			munmap(mem, len);
			goto fail;
		}
	}
	munmap(mem, len);

	swapfree0 = meminfo_kb("SwapFree");
	if (swap_out(len, swapfree0, len >> 10, 200) < 0) {
		fprintf(stderr, "could not swap out: SwapCached %lld kB, %lld kB out\n",
			meminfo_kb("SwapCached"),
			swapfree0 - meminfo_kb("SwapFree"));
		goto fail;
	}
	swapfree0 = meminfo_kb("SwapFree");
	for (i = 0; i < NR_COUNTERS; i++)
		before[i] = vmstat_get(counters[i]);

	t0 = bench_now();
	if (run_one(&ch[0], &r0))
		goto fail;
	t_first = bench_now() - t0;
	swapfree1 = meminfo_kb("SwapFree");
	zram1 = zram_used_kb();
	for (i = 1; i < nr; i++) {
		if (run_one(&ch[i], &r))
			goto fail;
		t_rest += r.secs;
		rest_min += r.minflt;
		rest_maj += r.majflt;
		if (r.sum != expect)
			printf("  MISMATCH in sharer %u\n", i);
	}
	printf("mode=%s sharers=%d MiB=%zu\n", mode ? mode : "(as is)", nr, mib);
	printf("  all-sharers-read %.3f s: first %.3f s (flt %ld min %ld maj),",
	       bench_now() - t0, t_first, r0.minflt, r0.majflt);
	printf(" others %.3f s (flt %ld min %ld maj)\n", t_rest, rest_min,
	       rest_maj);
	printf("  SwapFree: %lld kB swapped out, %lld kB freed by the first pass,",
	       (long long)(len >> 10), swapfree1 - swapfree0);
	printf(" zram mem_used %lld kB%s\n", zram1,
	       r0.sum != expect ? " MISMATCH in sharer 0" : "");
	printf(" ");
	for (i = 0; i < NR_COUNTERS; i++)
		printf(" %s=%lld", counters[i], vmstat_get(counters[i]) - before[i]);
	printf("\n");
	/* -a: what the policy costs at the next reclaim: writes, time. */
	if (again) {
		char buf[64];

		pswpout = vmstat_get("pswpout");
		t_again = bench_now();
		snprintf(buf, sizeof(buf), "%zu", len * 2);
		for (pass = 1; pass <= 50; pass++) {
			wr(CG "/memory.reclaim", buf);
			if (field(CG "/memory.stat", "anon") < (long long)len / 16)
				break;
		}
		printf("  swap out again: %.3f s, %d passes, pswpout %lld\n",
		       bench_now() - t_again, pass, vmstat_get("pswpout") - pswpout);
	}
	ret = 0;
fail:
	for (i = 0; i < nr; i++) {
		/* A failed fork() left -1: kill(-1) would kill everything. */
		if (ch[i].pid > 0) {
			if (ret || write(ch[i].cmd, "q", 1) != 1)
				kill(ch[i].pid, SIGKILL);
			waitpid(ch[i].pid, NULL, 0);
		}
		close(ch[i].cmd);
		close(ch[i].reply);
	}
	return ret;
}

int main(int argc, char **argv)
{
	unsigned long nr = 8, rounds = 1, mib = 64, r;
	int failed = 0, opt, i;
	char pid[32];

	psz = sysconf(_SC_PAGESIZE);
	while ((opt = getopt(argc, argv, "as:m:r:")) != -1) {
		switch (opt) {
		case 'a':
			again = true;
			break;
		case 's':
			if (bench_arg_ulong(optarg, 1, MAX_SHARERS, &nr))
				goto usage;
			break;
		case 'm':
			if (bench_arg_ulong(optarg, 1, 4096, &mib))
				goto usage;
			break;
		case 'r':
			if (bench_arg_ulong(optarg, 1, 1000, &rounds))
				goto usage;
			break;
		default:
			goto usage;
		}
	}
	/*
	 * Reclaim in the cgroup must find the target only: our own pages,
	 * swapped out and faulted back, would stay in the swap cache.
	 */
	if (mlockall(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT)) {
		perror("mlockall");
		return 1;
	}
	mkdir(CG, 0755);
	snprintf(pid, sizeof(pid), "%d", getpid());
	if (wr(CG "/cgroup.procs", pid)) {
		fprintf(stderr, "cannot enter %s\n", CG);
		return 1;
	}
	for (r = 0; r < rounds; r++) {
		if (optind == argc && bench(NULL, nr, mib))
			failed++;
		for (i = optind; i < argc; i++)
			if (bench(argv[i], nr, mib))
				failed++;
	}
	/*
	 * Leave swap as we found it: swap_util's destructor, meant for the
	 * tests, would turn it off.
	 */
	fflush(stdout);
	fflush(stderr);
	_exit(failed ? 1 : 0);
usage:
	fprintf(stderr,
		"usage: %s [-a] [-s SHARERS (1-%d)] [-m MIB (1-4096)]\n"
		"       [-r ROUNDS (1-1000)] [mode...]\n", argv[0], MAX_SHARERS);
	/* As above: not through swap_util's destructor. */
	fflush(stderr);
	_exit(2);
}
