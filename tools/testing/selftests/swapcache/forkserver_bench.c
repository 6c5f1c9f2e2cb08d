// SPDX-License-Identifier: GPL-2.0
/*
 * forkserver_bench: a forking server (a zygote and its workers) whose
 * shared heap lives under steady reclaim, and what requests cost there.
 *
 * usage: forkserver_bench [-b zram|disk] [-k WORKERS] [-m HEAP_MIB]
 *                         [-R ROOM_MIB] [-d text|random] [-o OBJ_KIB]
 *                         [-z ZIPF_S] [-w WARMUP_S] [-t SECONDS]
 *                         [-r REPS] [-T MTHP_KIB] [-l LABEL]
 *
 * The parent preloads a heap of HEAP_MIB MiB of objects of OBJ_KIB KiB
 * (a zygote), then forks WORKERS workers: every page of the heap is
 * shared by all of them and the parent. The heap is swapped out, and
 * the memory cgroup of them all gets a memory.high of what it holds
 * then (page tables, locked private memory) plus ROOM_MIB, and a
 * memory.max twice as far as a backstop: the heap must share ROOM_MIB,
 * whatever the number of workers, and reclaim runs all along. Each
 * worker serves requests in a loop: a request reads one object, picked
 * from a Zipf distribution of exponent ZIPF_S (the hot objects
 * scattered over the heap), verifies every word of it, and writes a
 * little of the worker's private state. After WARMUP_S
 * seconds the workers count for SECONDS seconds: requests, the latency
 * of each (a log-linear histogram, 3% buckets) and their page faults.
 *
 * Folios: small pages (MADV_NOHUGEPAGE on the heap), unless -T gives an
 * mTHP size in KiB: then that size is set "always" and the top-level
 * THP knob "never" for the run (the sizes that inherit it, PMD among
 * them, off), as Android sets 64 KiB, and the heap is filled with
 * folios of that size; fewer than 90% of the heap in them fails the
 * run. Swap-out may keep them whole, swap-in of shared entries makes
 * small folios (6.12 swaps large folios in only at a swap count of 1).
 *
 * data: "text" fills a third of each page with random words and the
 * rest with a repeated one, which zram compresses about 2.7:1; "random"
 * fills whole pages with random words, which it cannot compress. The
 * check of a random word costs more than that of the repeated one, so
 * a "random" request also takes more CPU time.
 *
 * Latency is wall (or, under -icount, guest) time between two clock
 * reads around a request: with more workers than CPUs it includes the
 * wait for a CPU.
 *
 * One line per repetition, "forksrv: key=value ...", for scripts/bench.sh:
 *   requests, rps   requests served in the measured window, per second
 *   p50_us, p99_us  request latency percentiles
 *   flt_req, majflt_req   the workers' page faults (minor + major, and
 *                   major) per request
 *   pswpin, pswpout, remap_pte   vmstat deltas over the window (remap_pte:
 *                   swapin_remap_pte, -1 where the kernel has none)
 *   zram_kb         zram's mem_used_total at the end of the window
 *                   (-1 on disk): the pool's pages, which a freed slot
 *                   gives back only once every object of its zspage is
 *                   freed; zram_data_kb its compr_data_size, the
 *                   compressed pages it holds; zram_compacted_kb
 *                   mem_used_total right after a compaction of the
 *                   pool (the "compact" attribute), which follows
 *                   those reads; zram_ratio orig_data_size over
 *                   compr_data_size
 *   swap_kb         SwapTotal - SwapFree at the end of the window
 *   oom_kill        memory.events oom_kill of the cgroup over the run
 *   mthp_kb         the -T size, 0 for small pages; then, over the run,
 *                   that size's mthp stats (-1 for small pages):
 *   mthp_alloc      anon_fault_alloc, the heap's folios
 *   mthp_swpout, mthp_swpout_fallback   swpout: swapped out whole;
 *                   swpout_fallback: split first
 *
 * Not a test: numbers do not fail it. A worker that reads a wrong word,
 * a worker killed (an OOM kill), a setup it cannot reach, or a heap that
 * was not swapped out before the workers start make it print why and
 * exit 1, without a result line.
 *
 * Needs root, a swap backend (/dev/zram0 or /dev/vda, which it formats)
 * and cgroup v2 at /sys/fs/cgroup, as in the harness guest.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include "../kselftest.h"
#include "swap_util.h"

#define MAX_WORKERS	64
#define SWAP_OUT_PASSES	200
#define ZRAM_MM_STAT	"/sys/block/zram0/mm_stat"
#define ZRAM_COMPACT	"/sys/block/zram0/compact"
#define THP_DIR		"/sys/kernel/mm/transparent_hugepage"
/* A worker's private state: a ring of request records it writes. */
#define PRIV_BYTES	(64 << 10)
#define PRIV_RECORD	64
/* Latency histogram: 32 buckets per power of two of nanoseconds. */
#define HIST_SUB_BITS	5
#define HIST_SUB	32	/* 2^HIST_SUB_BITS */
#define HIST_BUCKETS	(64 * HIST_SUB)
/* Exit status of a worker that read a wrong word. */
#define WORKER_BAD_DATA	3

enum data_kind { DATA_TEXT, DATA_RANDOM };

enum phase { PH_WARMUP, PH_MEASURE, PH_STOP };

/* What a worker hands back, in the shared control area. */
struct worker_result {
	unsigned long requests;
	long minflt, majflt;
	char err[160];
	__u32 hist[HIST_BUCKETS];
};

/*
 * Shared by the parent and every worker (MAP_SHARED, locked). The parent
 * stores @phase, the workers load it before each request.
 */
struct control {
	int phase;
	struct worker_result w[MAX_WORKERS];
};

static struct {
	enum swap_backend backend;
	enum data_kind data;
	int workers;
	unsigned long heap_mib;
	unsigned long room_mib;
	unsigned long obj_kib;
	double zipf_s;
	unsigned long warmup_s;
	unsigned long secs;
	int reps;
	unsigned long mthp_kib;
	const char *label;
} opt = {
	.backend = SWAP_BACKEND_ZRAM,
	.data = DATA_TEXT,
	.workers = 4,
	.heap_mib = 96,
	.room_mib = 32,
	.obj_kib = 16,
	.zipf_s = 0.99,
	.warmup_s = 2,
	.secs = 8,
	.reps = 1,
	.label = "-",
};

static void sleep_s(double s)
{
	struct timespec ts = { (time_t)s, (long)((s - (time_t)s) * 1e9) };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* The repeated word of "text" pages: ASCII, never zero. */
#define TEXT_WORD	0x2065726168732061ULL	/* "a share " */

/*
 * Word @i of heap page @page in repetition @rep. "text": the first third
 * of the page random, the rest TEXT_WORD; "random": all random. Never a
 * zero-filled or same-filled page, which zram would not compress.
 */
static __u64 heap_word(int rep, unsigned long page, unsigned int i)
{
	unsigned int words = psize() / sizeof(__u64);

	if (opt.data == DATA_TEXT && i >= words / 3)
		return TEXT_WORD;
	return mix64(((__u64)rep << 56) ^ ((__u64)page << 12) ^ i) | 1;
}

static unsigned int hist_bucket(__u64 ns)
{
	unsigned int e;

	if (ns < HIST_SUB)
		return ns;
	e = 63 - __builtin_clzll(ns);
	return (e - HIST_SUB_BITS + 1) * HIST_SUB +
	       ((ns >> (e - HIST_SUB_BITS)) & (HIST_SUB - 1));
}

/* The middle of bucket @b, in nanoseconds. */
static double hist_value(unsigned int b)
{
	unsigned int e = b / HIST_SUB + HIST_SUB_BITS - 1;
	double lo, width;

	if (b < 2 * HIST_SUB)
		return b < HIST_SUB ? b : HIST_SUB + (b - HIST_SUB);
	width = (double)(1ULL << (e - HIST_SUB_BITS));
	lo = (double)(HIST_SUB + b % HIST_SUB) * width;
	return lo + width / 2;
}

static double hist_percentile(const __u64 *hist, __u64 total, double pct)
{
	__u64 want = (__u64)ceil(total * pct / 100), sum = 0;
	unsigned int b;

	for (b = 0; b < HIST_BUCKETS; b++) {
		sum += hist[b];
		if (sum >= want && sum)
			return hist_value(b);
	}
	return -1;
}

/* Objects by popularity rank: cdf[r] = P(rank <= r); rank r is perm[r]. */
static double *zipf_cdf;
static unsigned int *zipf_perm;
static unsigned int nr_objects;

static int zipf_init(int rep)
{
	double sum = 0;
	unsigned int r, j;
	__u64 x = mix64(0x7a697066 ^ rep);

	zipf_cdf = malloc(nr_objects * sizeof(*zipf_cdf));
	zipf_perm = malloc(nr_objects * sizeof(*zipf_perm));
	if (!zipf_cdf || !zipf_perm)
		return -1;
	for (r = 0; r < nr_objects; r++) {
		sum += 1 / pow(r + 1, opt.zipf_s);
		zipf_cdf[r] = sum;
		zipf_perm[r] = r;
	}
	for (r = 0; r < nr_objects; r++)
		zipf_cdf[r] /= sum;
	/* Fisher-Yates: the hot objects anywhere in the heap. */
	for (r = nr_objects - 1; r > 0; r--) {
		unsigned int t;

		x = mix64(x);
		j = x % (r + 1);
		t = zipf_perm[r];
		zipf_perm[r] = zipf_perm[j];
		zipf_perm[j] = t;
	}
	return 0;
}

static unsigned int zipf_draw(__u64 *rng)
{
	unsigned int lo = 0, hi = nr_objects - 1;
	double u;

	*rng = mix64(*rng);
	u = (*rng >> 11) * (1.0 / (1ULL << 53));
	while (lo < hi) {
		unsigned int mid = (lo + hi) / 2;

		if (zipf_cdf[mid] > u)
			hi = mid;
		else
			lo = mid + 1;
	}
	return zipf_perm[lo];
}

/*
 * A worker: serve requests until the phase is PH_STOP. Each reads and
 * verifies one object and writes a record to the private state.
 */
static void worker_main(struct control *ctl, int id, int rep,
			const char *heap, int go, int ready)
{
	struct worker_result *res = &ctl->w[id];
	unsigned long pages = opt.obj_kib * 1024 / psize(), n = 0;
	unsigned int words = psize() / sizeof(__u64);
	__u64 rng = mix64(((__u64)rep << 32) ^ id ^ 0x776f726bULL);
	struct rusage ru0, ru1;
	int last = PH_WARMUP;
	char *priv, c;

	priv = malloc(PRIV_BYTES);
	if (!priv)
		_exit(1);
	memset(priv, 0, PRIV_BYTES);
	/* Set up; wait until the parent has swapped the heap out. */
	c = 'r';
	if (write(ready, &c, 1) != 1)
		_exit(1);
	/* A worker that dies before its write then gives the parent EOF. */
	close(ready);
	if (read(go, &c, 1) != 0)
		_exit(1);
	/*
	 * Faults from here on: a worker that never sees PH_MEASURE (one
	 * request longer than the window) reports those of the warm-up,
	 * not those of its fork and set-up.
	 */
	getrusage(RUSAGE_SELF, &ru0);
	for (;;) {
		int ph = __atomic_load_n(&ctl->phase, __ATOMIC_ACQUIRE);
		unsigned long obj, page;
		double t0, lat;
		unsigned int i;

		if (ph != last) {
			if (ph == PH_MEASURE)
				getrusage(RUSAGE_SELF, &ru0);
			else if (ph == PH_STOP)
				break;
			last = ph;
		}
		t0 = bench_now();
		obj = zipf_draw(&rng);
		for (page = obj * pages; page < (obj + 1) * pages; page++) {
			const __u64 *w = (const __u64 *)(heap + page * psize());

			for (i = 0; i < words; i++) {
				__u64 want = heap_word(rep, page, i);

				if (w[i] == want)
					continue;
				snprintf(res->err, sizeof(res->err),
					 "worker %d: object %lu page %lu word %u is %#llx, not %#llx",
					 id, obj, page, i,
					 (unsigned long long)w[i],
					 (unsigned long long)want);
				_exit(WORKER_BAD_DATA);
			}
		}
		/* The private state: one record per request, in a ring. */
		n++;
		memcpy(priv + (n % (PRIV_BYTES / PRIV_RECORD)) * PRIV_RECORD,
		       &obj, sizeof(obj));
		lat = bench_now() - t0;
		memcpy(priv + (n % (PRIV_BYTES / PRIV_RECORD)) * PRIV_RECORD +
		       sizeof(obj), &lat, sizeof(lat));
		if (last == PH_MEASURE) {
			res->hist[hist_bucket((__u64)(lat * 1e9))]++;
			res->requests++;
		}
	}
	getrusage(RUSAGE_SELF, &ru1);
	res->minflt = ru1.ru_minflt - ru0.ru_minflt;
	res->majflt = ru1.ru_majflt - ru0.ru_majflt;
	_exit(0);
}

/* The parent's heap, for heap_swapped(). */
struct heap_range {
	const char *mem;
	size_t len;
};

/* cgroup_swap_out()'s test: every page of the heap holds a swap entry. */
static bool heap_swapped(void *arg)
{
	const struct heap_range *h = arg;

	return pid_range_swapped(getpid(), h->mem, h->len);
}

static int cg_write(struct test_cgroup *cg, const char *file, const char *val)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", cg->path, file);
	return file_write_str(path, val);
}

/* zram's mm_stat: orig_data_size, compr_data_size, mem_used_total. */
static int zram_stat(long long *orig, long long *compr, long long *used)
{
	char buf[256];

	*orig = *compr = *used = -1;
	if (opt.backend != SWAP_BACKEND_ZRAM ||
	    file_read_str(ZRAM_MM_STAT, buf, sizeof(buf)) ||
	    sscanf(buf, "%lld %lld %lld", orig, compr, used) != 3)
		return -1;
	return 0;
}

/* -T: the top-level THP knob and that of the size, pinned for the run. */
static struct setting thp_top, thp_size;
static char thp_size_path[128];

static int mthp_setup(void)
{
	if (!opt.mthp_kib)
		return 0;
	snprintf(thp_size_path, sizeof(thp_size_path),
		 THP_DIR "/hugepages-%lukB/enabled", opt.mthp_kib);
	if (access(thp_size_path, F_OK)) {
		fprintf(stderr, "forksrv: -T %lu: no %s (no THP, or no such size)\n",
			opt.mthp_kib, thp_size_path);
		return -1;
	}
	if (setting_pin(&thp_top, THP_DIR "/enabled", "never") ||
	    setting_pin(&thp_size, thp_size_path, "always")) {
		fprintf(stderr, "forksrv: cannot set the THP knobs\n");
		return -1;
	}
	return 0;
}

/* The -T size's mthp counter @name; -1 for small pages or on error. */
static long long mthp_stat(const char *name)
{
	char path[160], buf[32], *end;
	long long v;

	if (!opt.mthp_kib)
		return -1;
	snprintf(path, sizeof(path), THP_DIR "/hugepages-%lukB/stats/%s",
		 opt.mthp_kib, name);
	if (file_read_str(path, buf, sizeof(buf)))
		return -1;
	v = strtoll(buf, &end, 10);
	return end == buf ? -1 : v;
}

static const char * const counters[] = {
	"pswpin", "pswpout", "swapin_remap_pte",
};

#define NR_COUNTERS	ARRAY_SIZE(counters)

/* The counters; -1 for the remap's where the kernel has no remap. */
static void counters_read(long long *v)
{
	bool remap = !access(SWAPIN_REMAP, F_OK);
	unsigned int i;

	for (i = 0; i < NR_COUNTERS; i++)
		v[i] = strncmp(counters[i], "swapin_remap", 12) || remap ?
		       vmstat_read(counters[i]) : -1;
}

/* One repetition: preload, fork, swap out, limit, serve, report. */
static int run_once(struct test_cgroup *cg, int rep)
{
	size_t len = opt.heap_mib << 20, off;
	unsigned int words = psize() / sizeof(__u64), i;
	long long c0[NR_COUNTERS], c1[NR_COUNTERS], base, oom0, oom1;
	long long orig, compr, used, used_compacted = -1, o2, c2;
	long long alloc0, swpout0, fallback0, alloc = -1;
	long long swpout1, fallback1;
	pid_t pid[MAX_WORKERS] = {}, parent;
	unsigned long requests = 0;
	long minflt = 0, majflt = 0;
	struct heap_range range;
	struct control *ctl;
	double t0, t1, secs;
	int go[2] = { -1, -1 }, ready[2] = { -1, -1 };
	int k, status, ret = -1;
	char buf[64], *heap;
	__u64 *hist;

	nr_objects = len / (opt.obj_kib << 10);
	ctl = mmap(NULL, sizeof(*ctl), PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	/*
	 * Every page of it now, locked (main()'s mlockall) and charged
	 * before memory.high is set: not a fault of the measured window.
	 */
	if (ctl != MAP_FAILED)
		memset(ctl, 0, sizeof(*ctl));
	heap = mmap(NULL, len, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	hist = calloc(HIST_BUCKETS, sizeof(*hist));
	if (ctl == MAP_FAILED || heap == MAP_FAILED || !hist ||
	    zipf_init(rep)) {
		fprintf(stderr, "forksrv: out of memory\n");
		goto out;
	}
	/* Small pages, unless -T asked for large folios. */
	if (!opt.mthp_kib)
		madvise(heap, len, MADV_NOHUGEPAGE);
	/* main() locked all our memory: all but the heap. */
	if (munlock(heap, len)) {
		perror("forksrv: munlock");
		goto out;
	}
	alloc0 = mthp_stat("anon_fault_alloc");
	swpout0 = mthp_stat("swpout");
	fallback0 = mthp_stat("swpout_fallback");
	for (off = 0; off < len; off += psize())
		for (i = 0; i < words; i++)
			((__u64 *)(heap + off))[i] =
				heap_word(rep, off / psize(), i);
	/* Setup: with -T, the heap really is in folios of that size. */
	if (opt.mthp_kib) {
		alloc = mthp_stat("anon_fault_alloc") - alloc0;
		if (alloc0 < 0 ||
		    alloc * (long long)(opt.mthp_kib << 10) * 10 <
		    (long long)len * 9) {
			fprintf(stderr,
				"forksrv: -T %lu: %lld folios of %lu KiB for a %lu MiB heap\n",
				opt.mthp_kib, alloc0 < 0 ? -1 : alloc,
				opt.mthp_kib, opt.heap_mib);
			goto out;
		}
	}
	ctl->phase = PH_WARMUP;
	if (pipe2(go, O_CLOEXEC) || pipe2(ready, O_CLOEXEC)) {
		perror("forksrv: pipe2");
		goto out;
	}
	fflush(stdout);
	parent = getpid();
	for (k = 0; k < opt.workers; k++) {
		pid[k] = fork();
		if (pid[k] < 0) {
			perror("forksrv: fork");
			goto out;
		}
		if (!pid[k]) {
			close(go[1]);
			close(ready[0]);
			if (prctl(PR_SET_PDEATHSIG, SIGKILL) ||
			    getppid() != parent)
				_exit(1);
			/* Locks are not inherited: all but the heap again. */
			if (mlock_all_but(heap, len))
				_exit(1);
			worker_main(ctl, k, rep, heap, go[0], ready[1]);
		}
	}
	close(go[0]);
	close(ready[1]);
	go[0] = -1;
	ready[1] = -1;
	/* Every worker set up (and its private memory charged) first. */
	for (k = 0; k < opt.workers; k++) {
		char c;

		if (read(ready[0], &c, 1) != 1) {
			fprintf(stderr, "forksrv: a worker failed to start\n");
			goto out;
		}
	}

	/*
	 * Every sharer's copy of the heap in swap; then the limit: reclaim
	 * at memory.high, with memory.max twice as far as a backstop.
	 */
	range.mem = heap;
	range.len = len;
	if (cgroup_swap_out(cg, len, heap_swapped, &range, SWAP_OUT_PASSES) < 0) {
		fprintf(stderr, "forksrv: the heap was not swapped out\n");
		goto out;
	}
	base = cgroup_read_ll(cg, "memory.current");
	snprintf(buf, sizeof(buf), "%lld",
		 base + 2 * (long long)(opt.room_mib << 20));
	if (base < 0 || cg_write(cg, "memory.max", buf)) {
		fprintf(stderr, "forksrv: cannot set memory.max\n");
		goto out;
	}
	snprintf(buf, sizeof(buf), "%lld", base + (long long)(opt.room_mib << 20));
	if (cg_write(cg, "memory.high", buf)) {
		fprintf(stderr, "forksrv: cannot set memory.high\n");
		goto out;
	}
	oom0 = cgroup_stat_read(cg, "memory.events", "oom_kill");

	close(go[1]);
	go[1] = -1;
	sleep_s(opt.warmup_s);
	counters_read(c0);
	t0 = bench_now();
	__atomic_store_n(&ctl->phase, PH_MEASURE, __ATOMIC_RELEASE);
	sleep_s(opt.secs);
	__atomic_store_n(&ctl->phase, PH_STOP, __ATOMIC_RELEASE);
	t1 = bench_now();
	counters_read(c1);
	/*
	 * Then what a compaction of the pool gives back: a slot freed on
	 * the way leaves a hole in its zspage, not a free page.
	 */
	if (!zram_stat(&orig, &compr, &used) &&
	    !file_write_str(ZRAM_COMPACT, "1"))
		zram_stat(&o2, &c2, &used_compacted);
	secs = t1 - t0;

	for (k = 0; k < opt.workers; k++) {
		struct worker_result *r = &ctl->w[k];
		unsigned int b;

		if (waitpid(pid[k], &status, 0) != pid[k]) {
			perror("forksrv: waitpid");
			goto out;
		}
		pid[k] = 0;
		if (!WIFEXITED(status) || WEXITSTATUS(status)) {
			fprintf(stderr, "forksrv: worker %d %s %d%s%s\n", k,
				WIFEXITED(status) ? "exited with" : "killed by signal",
				WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status),
				r->err[0] ? ": " : "", r->err);
			goto out;
		}
		requests += r->requests;
		minflt += r->minflt;
		majflt += r->majflt;
		for (b = 0; b < HIST_BUCKETS; b++)
			hist[b] += r->hist[b];
	}
	oom1 = cgroup_stat_read(cg, "memory.events", "oom_kill");
	if (oom1 != oom0) {
		fprintf(stderr, "forksrv: %lld OOM kill(s) in the cgroup\n",
			oom1 - oom0);
		goto out;
	}
	if (!requests) {
		fprintf(stderr, "forksrv: no request served in %.1f s\n", secs);
		goto out;
	}
	/* One line, in three parts: the case, the rates, the counters. */
	printf("forksrv: label=%s backend=%s data=%s workers=%d heap_mib=%lu room_mib=%lu",
	       opt.label, swap_backend_name(opt.backend),
	       opt.data == DATA_TEXT ? "text" : "random", opt.workers,
	       opt.heap_mib, opt.room_mib);
	printf(" obj_kib=%lu zipf=%.2f rep=%d secs=%.3f requests=%lu rps=%.1f",
	       opt.obj_kib, opt.zipf_s, rep, secs, requests, requests / secs);
	printf(" p50_us=%.2f p99_us=%.2f flt_req=%.3f majflt_req=%.3f",
	       hist_percentile(hist, requests, 50) / 1e3,
	       hist_percentile(hist, requests, 99) / 1e3,
	       (double)(minflt + majflt) / requests, (double)majflt / requests);
	printf(" pswpin=%lld pswpout=%lld remap_pte=%lld",
	       c1[0] - c0[0], c1[1] - c0[1],
	       c0[2] < 0 ? -1 : c1[2] - c0[2]);
	printf(" zram_kb=%lld zram_data_kb=%lld zram_compacted_kb=%lld zram_ratio=%.2f",
	       used < 0 ? -1 : used >> 10,
	       compr < 0 ? -1 : compr >> 10,
	       used_compacted < 0 ? -1 : used_compacted >> 10,
	       compr > 0 ? (double)orig / compr : -1);
	printf(" swap_kb=%lld oom_kill=%lld",
	       meminfo_read_kb("SwapTotal") - meminfo_read_kb("SwapFree"),
	       oom1 - oom0);
	swpout1 = mthp_stat("swpout");
	fallback1 = mthp_stat("swpout_fallback");
	printf(" mthp_kb=%lu mthp_alloc=%lld mthp_swpout=%lld mthp_swpout_fallback=%lld\n",
	       opt.mthp_kib, alloc,
	       swpout0 < 0 || swpout1 < 0 ? -1 : swpout1 - swpout0,
	       fallback0 < 0 || fallback1 < 0 ? -1 : fallback1 - fallback0);
	ret = 0;
out:
	for (k = 0; k < 2; k++) {
		if (go[k] >= 0)
			close(go[k]);
		if (ready[k] >= 0)
			close(ready[k]);
	}
	for (k = 0; k < opt.workers; k++) {
		if (pid[k] > 0) {
			kill(pid[k], SIGKILL);
			waitpid(pid[k], NULL, 0);
		}
	}
	cg_write(cg, "memory.high", "max");
	cg_write(cg, "memory.max", "max");
	if (heap != MAP_FAILED)
		munmap(heap, len);
	if (ctl != MAP_FAILED)
		munmap(ctl, sizeof(*ctl));
	free(hist);
	free(zipf_cdf);
	free(zipf_perm);
	zipf_cdf = NULL;
	zipf_perm = NULL;
	return ret;
}

static void bad_usage(const char *prog)
{
	fprintf(stderr,
		"usage: %s [-b zram|disk] [-k WORKERS (1-%d)] [-m HEAP_MIB] [-R ROOM_MIB]\n"
		"       [-d text|random] [-o OBJ_KIB] [-z ZIPF_S] [-w WARMUP_S] [-t SECONDS]\n"
		"       [-r REPS] [-T MTHP_KIB] [-l LABEL]\n", prog, MAX_WORKERS);
	exit(2);
}

static unsigned long arg_num(const char *prog, const char *s,
			     unsigned long min, unsigned long max)
{
	unsigned long v;

	if (bench_arg_ulong(s, min, max, &v))
		bad_usage(prog);
	return v;
}

int main(int argc, char **argv)
{
	struct bench_env env;
	int c, rep, ret = 1;
	char *end;

	while ((c = getopt(argc, argv, "b:k:m:R:d:o:z:w:t:r:T:l:")) != -1) {
		switch (c) {
		case 'b':
			if (!strcmp(optarg, "zram"))
				opt.backend = SWAP_BACKEND_ZRAM;
			else if (!strcmp(optarg, "disk"))
				opt.backend = SWAP_BACKEND_DISK;
			else
				bad_usage(argv[0]);
			break;
		case 'k':
			opt.workers = arg_num(argv[0], optarg, 1, MAX_WORKERS);
			break;
		case 'm':
			opt.heap_mib = arg_num(argv[0], optarg, 1, 4096);
			break;
		case 'R':
			opt.room_mib = arg_num(argv[0], optarg, 1, 4096);
			break;
		case 'd':
			if (!strcmp(optarg, "text"))
				opt.data = DATA_TEXT;
			else if (!strcmp(optarg, "random"))
				opt.data = DATA_RANDOM;
			else
				bad_usage(argv[0]);
			break;
		case 'o':
			opt.obj_kib = arg_num(argv[0], optarg, 4, 1024);
			break;
		case 'z':
			errno = 0;
			opt.zipf_s = strtod(optarg, &end);
			if (errno || *end || !*optarg || opt.zipf_s < 0 ||
			    opt.zipf_s > 4)
				bad_usage(argv[0]);
			break;
		case 'w':
			opt.warmup_s = arg_num(argv[0], optarg, 0, 3600);
			break;
		case 't':
			opt.secs = arg_num(argv[0], optarg, 1, 3600);
			break;
		case 'r':
			opt.reps = arg_num(argv[0], optarg, 1, 1000);
			break;
		case 'T':
			/* Order 1 is no anonymous THP order: 16 KiB up. */
			opt.mthp_kib = arg_num(argv[0], optarg, 16, 2048);
			if (opt.mthp_kib & (opt.mthp_kib - 1))
				bad_usage(argv[0]);
			break;
		case 'l':
			opt.label = optarg;
			break;
		default:
			bad_usage(argv[0]);
		}
	}
	if (optind != argc || (opt.obj_kib << 10) % psize() ||
	    (opt.heap_mib << 20) < (opt.obj_kib << 10))
		bad_usage(argv[0]);

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (mthp_setup() || bench_env_setup(&env, opt.backend, "forksrv"))
		goto out_thp;
	for (rep = 1; rep <= opt.reps; rep++)
		if (run_once(&env.cg, rep))
			goto out;
	ret = 0;
out:
	bench_env_teardown(&env);
out_thp:
	setting_restore(&thp_size);
	setting_restore(&thp_top);
	return ret;
}
