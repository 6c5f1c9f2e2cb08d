// SPDX-License-Identifier: GPL-2.0
/*
 * Swap-in and the swap-in remap (mm/swap_remap.c) under injected faults:
 * failed swap reads, failed page and slab allocations, and a memory
 * cgroup at its limit, with the remap off ("never") and on.
 *
 * Fault injection (Documentation/fault-injection/) is armed for one
 * sharer's faults only: task-filter=Y, and that sharer sets
 * /proc/self/make-it-fail while it touches the pages (swap_util's
 * SHARER_READ_FAULTY, which also catches SIGBUS page by page). The
 * allocation failures are narrowed further, by the stacktrace filter,
 * to allocations made under do_swap_page(), swapin_remap() included
 * (armed on swapin_remap() alone, neither fired: the walk allocates
 * nothing). Each test checks from the debugfs "times" count that the
 * injection fired as planned before it checks anything else. verbose=1:
 * two lines per failure, "FAULT_INJECTION: forcing a failure." and its
 * name and counts, but no stack dump, whose "Call Trace:" would fail
 * scripts/console-scan.sh.
 *
 * read_error: fail_make_request fails the bio of the swap read on the
 * disk, so end_swap_bio_read() prints "Read-error on swap-device"
 * (rate-limited) and leaves the folio !uptodate, unlocked, in the swap
 * cache. The faulting sharer gets SIGBUS, as in stock 6.12:
 * do_swap_page() finds the folio !uptodate under the PTL and returns
 * VM_FAULT_SIGBUS before it maps anything, so swapin_remap_prepare()
 * never sees it. Any sharer that faults on the entry while that folio is
 * in the swap cache finds it there and gets SIGBUS too, without another
 * read. The remap changes neither, and it must never map such a folio
 * into anyone, not even as the neighbour of a good page in its window
 * (swap_remap_add() takes uptodate folios only): every sharer keeps its
 * swap entry, and the slot its references. Once reclaim has dropped the
 * clean, unmapped folio from the swap cache, the next fault reads the
 * slot again and every sharer gets its data: the slot and its content
 * were never touched. The slots are free once the sharers have exited.
 *
 * page_alloc_failures: fail_page_alloc fails the folio allocation of
 * __read_swap_cache_async(), the first page allocation under
 * do_swap_page(), before any read: the fault returns VM_FAULT_OOM, and
 * after pagefault_out_of_memory() ("Huh VM_FAULT_OOM leaked out to the
 * #PF handler. Retrying PF", rate-limited) the access faults again and
 * reads the page. The data is right and the remap maps everyone.
 *
 * slab_failures: failslab fails every slab allocation under
 * do_swap_page(): on the disk, two a fault, the bio (mempool_alloc()
 * then takes one from its reserve; armed on mempool_alloc_noprof() it
 * fired once a fault) and virtio's indirect descriptors
 * (virtqueue_add_split() then uses direct ones; seen in the stacks of
 * verbose=2). Nothing fails that the caller does not handle: the data is
 * right. On zram there is none to fail: armed there, failslab fired 0
 * times in 16 faults, since the swap cache's XArray nodes outlive
 * swap-out, holding shadow entries, and zram reads with no bio to
 * allocate; so that fixture has the disk only.
 *
 * memcg_limit: a swap-in charges the memory cgroup that the slot was
 * charged to (mem_cgroup_swapin_charge_folio()), not the faulting task's.
 * The target's pages are charged to a cgroup of their own, "pages", whose
 * memory.max is set MEMCG_MARGIN_PAGES above its usage once they are in
 * swap; the sharers are in two other cgroups. Reading them all, the
 * sharers' swap-ins reach the limit: the charge fails, reclaim in
 * "pages" makes room (memory.events "max"), the fault goes on, and
 * pages are swapped out and read again; no OOM. The data is right,
 * nothing is charged to the sharers' cgroups, and once they have exited
 * no anon memory and no swap is charged anywhere (swap_env_teardown()
 * checks the three cgroups).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "../kselftest_harness.h"
#include "swap_util.h"

#define FI_DEBUGFS		"/sys/kernel/debug/"
#define FAIL_MAKE_REQUEST	"fail_make_request"
#define FAILSLAB		"failslab"
#define FAIL_PAGE_ALLOC		"fail_page_alloc"
/* Where the allocation failures are injected: it calls swapin_remap(). */
#define FAULT_FUNCTION		"do_swap_page"
/* The "times" of an injection that is counted: more than it may take. */
#define FI_TIMES		100
/* Page allocation failures, all of the first fault's folio allocation. */
#define PAGE_ALLOC_TIMES	3
/* mm/swap_remap.c's SWAP_REMAP_BATCH: the target is one remap window. */
#define NR_PAGES		16
#define NR_SHARERS		3
/*
 * memcg_limit: room for MEMCG_MARGIN_PAGES once the pages are swapped
 * out, fewer than the sharers read. Not less: a folio just swapped in
 * waits in a per-CPU LRU batch (up to 31 a CPU) before reclaim can see
 * it, and with 16 pages of room the first charge over the limit found
 * nothing to reclaim and went to the OOM killer.
 *
 * Not more pages than leave MGLRU_MIN_FREE_SWAP slots of the area free:
 * with fewer free swap pages than MIN_LRU_BATCH, the multi-gen LRU's
 * get_swappiness() returns 0 and reclaim leaves anon pages alone, even
 * ones in the swap cache that need no new slot. With 192 pages of 248
 * (2 CPUs), "pages" then reclaimed nothing and its OOM killer, with no
 * process to kill, ran in a loop (lru_gen enabled, stock 6.12 too).
 */
#define MEMCG_PAGES		160
#define MEMCG_SHARERS		4
#define MEMCG_MARGIN_PAGES	96
/* mm/vmscan.c's MIN_LRU_BATCH (BITS_PER_LONG), and a margin of 8. */
#define MGLRU_MIN_FREE_SWAP	(64 + 8)
/* What the sharers' cgroup may grow by while they read MEMCG_PAGES. */
#define MEMCG_OTHER_SLACK_PAGES	32
#define SWAP_OUT_PASSES		200
#define SWAPFREE_PASSES		500
#define TEST_TIMEOUT		300

/* A file pinned for the test: restored, last pinned first, by the teardown. */
struct fi_knob {
	char path[128];
	struct setting s;
};

struct fi_state {
	struct swap_env env;
	struct setting remap;		/* swapin_remap: the variant's mode */
	struct fi_knob knob[32];
	int nr_knobs;
	struct sharers sh;
	char *mem;			/* the test process's own mapping */
	size_t mem_len;
	unsigned long nr_pages;
	__u64 seed[SHARER_MAX_PAGES];
	long long swapfree_base;
};

/* The remap's counters and pswpin in /proc/vmstat, at one moment. */
struct counts {
	long long pte, walk, pswpin;
};

static void counts_read(struct counts *c)
{
	c->pte = vmstat_read("swapin_remap_pte");
	c->walk = vmstat_read("swapin_remap_walk");
	c->pswpin = vmstat_read("pswpin");
}

static int knob_pin(struct fi_state *st, const char *path, const char *value)
{
	struct fi_knob *k;

	if (st->nr_knobs == ARRAY_SIZE(st->knob)) {
		ksft_print_msg("too many knobs\n");
		return -1;
	}
	k = &st->knob[st->nr_knobs];
	if ((size_t)snprintf(k->path, sizeof(k->path), "%s", path) >=
	    sizeof(k->path)) {
		ksft_print_msg("%s: path too long\n", path);
		return -1;
	}
	if (setting_pin(&k->s, k->path, value))
		return -1;
	st->nr_knobs++;
	return 0;
}

/* Pin file @file of the debugfs directory of fault type @type. */
static int fi_pin(struct fi_state *st, const char *type, const char *file,
		  const char *value)
{
	char path[128];

	snprintf(path, sizeof(path), FI_DEBUGFS "%s/%s", type, file);
	return knob_pin(st, path, value);
}

/* The "times" left of fault type @type, or INT_MIN. */
static int fi_times(const char *type)
{
	char path[128], buf[32];

	snprintf(path, sizeof(path), FI_DEBUGFS "%s/times", type);
	if (file_read_str(path, buf, sizeof(buf)))
		return INT_MIN;
	return atoi(buf);
}

/*
 * The text of kernel function @name, [*start, *end), from /proc/kallsyms:
 * from its address to the next symbol's.
 */
static int ksym_range(const char *name, unsigned long *start,
		      unsigned long *end)
{
	unsigned long addr, *addrs = NULL, nr = 0, size = 0, i;
	char line[512], sym[256];
	FILE *f;

	*start = 0;
	*end = ULONG_MAX;
	f = fopen("/proc/kallsyms", "re");
	if (!f) {
		ksft_print_msg("open /proc/kallsyms: %s\n", strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx %*s %255s", &addr, sym) != 2)
			continue;
		if (!strcmp(sym, name))
			*start = addr;
		if (nr == size) {
			unsigned long *more;

			size = size ? size * 2 : 65536;
			more = realloc(addrs, size * sizeof(*addrs));
			if (!more)
				break;
			addrs = more;
		}
		addrs[nr++] = addr;
	}
	fclose(f);
	for (i = 0; *start && i < nr; i++)
		if (addrs[i] > *start && addrs[i] < *end)
			*end = addrs[i];
	free(addrs);
	if (!*start || *end == ULONG_MAX) {
		ksft_print_msg("/proc/kallsyms: no address for %s (kptr_restrict?)\n",
			       name);
		return -1;
	}
	return 0;
}

/*
 * Arm fault type @type: every call that passes the filters fails, up to
 * @times calls, for tasks with make-it-fail set only, and with @function
 * only in allocations made under that kernel function (its code on the
 * stack). Verbose 1: one line per failure, no stack dump (a "Call
 * Trace:" would fail the console scan).
 */
static int fi_arm(struct fi_state *st, const char *type, int times,
		  const char *function)
{
	unsigned long start, end;
	char buf[32];

	snprintf(buf, sizeof(buf), "%d", times);
	if (fi_pin(st, type, "verbose", "1") ||
	    fi_pin(st, type, "task-filter", "Y") ||
	    fi_pin(st, type, "interval", "1") ||
	    fi_pin(st, type, "space", "0") ||
	    fi_pin(st, type, "times", buf))
		return -1;
	if (function) {
		if (ksym_range(function, &start, &end) ||
		    fi_pin(st, type, "stacktrace-depth", "32"))
			return -1;
		snprintf(buf, sizeof(buf), "%#lx", start);
		if (fi_pin(st, type, "require-start", buf))
			return -1;
		snprintf(buf, sizeof(buf), "%#lx", end);
		if (fi_pin(st, type, "require-end", buf))
			return -1;
	}
	return fi_pin(st, type, "probability", "100");
}

/*
 * The make-it-fail flag of the block device that holds the swap area:
 * should_fail_bio() looks at the whole disk's flag, blk_partition_remap()
 * at a partition's own; the file is /sys/block/DISK/make-it-fail, or
 * DISK/PART/make-it-fail for a partition.
 */
static int disk_make_it_fail_path(const char *dev, char *path, size_t len)
{
	char sys[64], real[PATH_MAX], part[PATH_MAX + 16];
	struct stat sb;

	if (stat(dev, &sb) || !S_ISBLK(sb.st_mode)) {
		ksft_print_msg("%s: not a block device\n", dev);
		return -1;
	}
	snprintf(sys, sizeof(sys), "/sys/dev/block/%u:%u",
		 major(sb.st_rdev), minor(sb.st_rdev));
	if (!realpath(sys, real))
		return -1;
	snprintf(part, sizeof(part), "%s/partition", real);
	if ((size_t)snprintf(path, len, "%s/make-it-fail",
			     access(part, F_OK) ? real : dirname(real)) >= len)
		return -1;
	return access(path, W_OK) ? -1 : 0;
}

static bool sharers_swapped_cb(void *arg)
{
	struct fi_state *st = arg;

	return sharers_all_swapped(&st->sh, 0, st->nr_pages);
}

/*
 * Map @nr_pages anonymous pages aligned to the remap's window (NR_PAGES),
 * outside the test's mlock, without THPs, and fill page p from
 * st->seed[p].
 */
static int target_map(struct fi_state *st, unsigned long nr_pages)
{
	size_t len = nr_pages * psize();
	/* Aligned to the remap's window: NR_PAGES is one. */
	char *mem = target_mmap(nr_pages, MAP_PRIVATE, NR_PAGES);

	if (!mem)
		return -1;
	st->mem = mem;
	st->mem_len = len;
	st->nr_pages = nr_pages;
	if (madvise(mem, len, MADV_NOHUGEPAGE) || munlock(mem, len))
		return -1;
	pages_fill_seeded(mem, nr_pages, getpid(), 0, st->seed);
	return 0;
}

/*
 * Fork @nr sharers of the target, drop the test's own mapping, and, with
 * @swap_out, reclaim in @cg (the test's cgroup if NULL) until every
 * sharer's PTE holds a swap entry and the swap cache is empty.
 */
static int target_share(struct fi_state *st, int nr, struct test_cgroup *cg,
			bool swap_out)
{
	size_t len = st->nr_pages * psize();

	st->swapfree_base = meminfo_read_pages("SwapFree");
	if (sharers_take_over(&st->sh, nr, st->mem, st->nr_pages))
		return -1;
	st->mem = NULL;
	if (!swap_out)
		return 0;
	return cgroup_swap_out(cg ? cg : &st->env.cg, len * nr,
			       sharers_swapped_cb, st, SWAP_OUT_PASSES) > 0 ?
	       0 : -1;
}

/* Every sharer exits; then every slot the target held is free again. */
static int target_release(struct fi_state *st)
{
	if (sharers_stop(&st->sh))
		return -1;
	return swap_env_wait_swapfree(&st->env, st->swapfree_base,
				      SWAPFREE_PASSES);
}

static const char *const fi_types[] = {
	FAIL_MAKE_REQUEST, FAILSLAB, FAIL_PAGE_ALLOC,
};

/*
 * Every fault type off and no block device's make-it-fail set, whatever
 * a test killed by its timeout (before its teardown ran) left armed.
 * Return: the number of knobs that were armed.
 */
static int fi_disarm_all(void)
{
	char path[PATH_MAX], buf[32];
	struct dirent *de;
	unsigned int i;
	int armed = 0;
	DIR *dir;

	for (i = 0; i < ARRAY_SIZE(fi_types); i++) {
		snprintf(path, sizeof(path), FI_DEBUGFS "%s/probability",
			 fi_types[i]);
		if (file_read_str(path, buf, sizeof(buf)) || !strcmp(buf, "0"))
			continue;
		armed++;
		file_write_str(path, "0");
	}
	dir = opendir("/sys/block");
	while (dir && (de = readdir(dir))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/sys/block/%s/make-it-fail",
			 de->d_name);
		if (file_read_str(path, buf, sizeof(buf)) || !strcmp(buf, "0"))
			continue;
		armed++;
		file_write_str(path, "0");
	}
	if (dir)
		closedir(dir);
	return armed;
}

/* The program's last word: no injection left armed after it. */
__attribute__((destructor)) static void fi_exit(void)
{
	if (!geteuid())
		fi_disarm_all();
}

static void state_setup(struct __test_metadata *_metadata, struct fi_state *st,
			enum swap_backend backend, const char *mode)
{
	char path[128];
	unsigned int i;
	int ret;

	memset(st, 0, sizeof(*st));
	/* Before anything is set up, that no teardown would undo. */
	if (access("/proc/self/make-it-fail", W_OK))
		SKIP(return, "no /proc/self/make-it-fail (CONFIG_FAULT_INJECTION)");
	for (i = 0; i < ARRAY_SIZE(fi_types); i++) {
		snprintf(path, sizeof(path), FI_DEBUGFS "%s", fi_types[i]);
		if (access(path, F_OK))
			SKIP(return, "no %s (CONFIG_FAULT_INJECTION_DEBUG_FS and its fault type)",
			     path);
	}
	ret = fi_disarm_all();
	if (ret)
		ksft_print_msg("%d fault injection knobs were left armed; now off\n",
			       ret);
	ret = swap_env_setup(&st->env, backend);
	if (ret == SWAP_ENV_ABSENT)
		SKIP(return, "%s: a needed feature is missing",
		     swap_backend_name(backend));
	ASSERT_EQ(0, ret);
	ASSERT_EQ(0, access(SWAPIN_REMAP, W_OK)) TH_LOG("no %s", SWAPIN_REMAP);
	ASSERT_EQ(0, setting_pin(&st->remap, SWAPIN_REMAP, mode));
}

/*
 * FIXTURE_TEARDOWN_PARENT(): injection off first (probability, pinned
 * last, is restored first), then the rest. The sharers died with the
 * test process.
 */
static void state_teardown(struct fi_state *st)
{
	int i;

	for (i = st->nr_knobs - 1; i >= 0; i--)
		setting_restore(&st->knob[i].s);
	st->nr_knobs = 0;
	sharers_destroy(&st->sh);
	if (st->mem && getpid() == st->env.owner)
		munmap(st->mem, st->mem_len);
	st->mem = NULL;
	setting_restore(&st->remap);
	swap_env_teardown(&st->env);
}

/* ---------------------------------------------------- failed swap reads */

FIXTURE(read_error)
{
	struct fi_state st;
};

FIXTURE_VARIANT(read_error)
{
	const char *mode;
	bool remap;		/* the mode remaps */
};

FIXTURE_VARIANT_ADD(read_error, disk_never)
{
	.mode = "never", .remap = false,
};

/* The default; "keep" on a disk. */
FIXTURE_VARIANT_ADD(read_error, disk_auto)
{
	.mode = "auto", .remap = true,
};

FIXTURE_VARIANT_ADD(read_error, disk_free)
{
	.mode = "free", .remap = true,
};

FIXTURE_SETUP(read_error)
{
	state_setup(_metadata, &self->st, SWAP_BACKEND_DISK, variant->mode);
}

FIXTURE_TEARDOWN_PARENT(read_error)
{
	state_teardown(&self->st);
}

/*
 * Sharer 0 faults the even pages with reads failing, then the odd pages
 * with reads working: each odd page's remap window holds the even pages'
 * failed folios, in the swap cache. Then sharer 1 reads everything while
 * those folios are still there, and, once reclaim has dropped them,
 * every sharer reads everything.
 */
TEST_F_TIMEOUT(read_error, failed_reads, TEST_TIMEOUT)
{
	struct fi_state *st = &self->st;
	__u64 pme[NR_SHARERS][NR_PAGES], now[NR_PAGES], val[NR_PAGES];
	char disk_fail[PATH_MAX];
	struct swap_slot slot;
	struct counts c0, c;
	unsigned long p;
	int i, odd = NR_PAGES / 2, even = NR_PAGES - odd;

	ASSERT_EQ(0, target_map(st, NR_PAGES));
	ASSERT_EQ(0, target_share(st, NR_SHARERS, NULL, true));
	for (i = 0; i < NR_SHARERS; i++) {
		ASSERT_EQ(0, sharer_pagemap(&st->sh, i, 0, NR_PAGES, pme[i]));
		for (p = 0; p < NR_PAGES; p++) {
			ASSERT_TRUE(same_swap_entry(pme[0][p], pme[i][p]))
				TH_LOG("setup: sharer %d page %lu: %#llx", i,
				       p, (unsigned long long)pme[i][p]);
		}
	}

	ASSERT_EQ(0, disk_make_it_fail_path(st->env.area.path, disk_fail,
					    sizeof(disk_fail)))
		TH_LOG("no make-it-fail for %s (CONFIG_FAIL_MAKE_REQUEST)",
		       st->env.area.path);
	ASSERT_EQ(0, knob_pin(st, disk_fail, "1"));
	ASSERT_EQ(0, fi_arm(st, FAIL_MAKE_REQUEST, FI_TIMES, NULL));
	counts_read(&c0);

	/* The even pages, one fault each, with every read failing. */
	for (p = 0; p < NR_PAGES; p += 2) {
		ASSERT_EQ(0, sharer_read_faulty(&st->sh, 0, p, 1,
						SHARER_MAKE_IT_FAIL, &val[p]));
	}
	/* Fired once per page: one bio each, no readahead (page-cluster 0). */
	ASSERT_EQ(FI_TIMES - even, fi_times(FAIL_MAKE_REQUEST));
	for (p = 0; p < NR_PAGES; p += 2) {
		EXPECT_EQ(SHARER_SIGBUS, val[p])
			TH_LOG("sharer 0 page %lu", p);
	}
	/* The odd pages, reads working: each remap window has the failed. */
	for (p = 1; p < NR_PAGES; p += 2) {
		ASSERT_EQ(0, sharer_read_faulty(&st->sh, 0, p, 1, 0, &val[p]));
		EXPECT_EQ(pattern_checksum(st->seed[p]), val[p])
			TH_LOG("sharer 0 page %lu", p);
	}
	EXPECT_EQ(FI_TIMES - even, fi_times(FAIL_MAKE_REQUEST));
	counts_read(&c);
	EXPECT_EQ(c0.pswpin + NR_PAGES, c.pswpin);
	EXPECT_EQ(c0.walk + (variant->remap ? odd : 0), c.walk);
	EXPECT_EQ(c0.pte + (variant->remap ? (NR_SHARERS - 1) * odd : 0),
		  c.pte);

	/*
	 * Nobody maps a failed page: every sharer still has its swap entry,
	 * whose slot keeps its NR_SHARERS references and the !uptodate
	 * folio in the swap cache.
	 */
	for (i = 0; i < NR_SHARERS; i++) {
		ASSERT_EQ(0, sharer_pagemap(&st->sh, i, 0, NR_PAGES, now));
		for (p = 0; p < NR_PAGES; p++) {
			bool mapped = p % 2 && (i == 0 || variant->remap);

			if (!mapped) {
				EXPECT_EQ(pme[i][p], now[p])
					TH_LOG("sharer %d page %lu: %#llx", i,
					       p, (unsigned long long)now[p]);
			} else {
				EXPECT_TRUE(now[p] & PM_PRESENT)
					TH_LOG("sharer %d page %lu: %#llx", i,
					       p, (unsigned long long)now[p]);
			}
		}
	}
	for (p = 0; p < NR_PAGES; p += 2) {
		ASSERT_EQ(1, swap_slot_get(pagemap_swap_type(pme[0][p]),
					   pagemap_swap_offset(pme[0][p]),
					   &slot));
		EXPECT_EQ(NR_SHARERS, slot.count) TH_LOG("page %lu", p);
		EXPECT_TRUE(slot.has_cache && slot.in_swapcache)
			TH_LOG("page %lu", p);
	}

	/*
	 * Sharer 1, no injection: SIGBUS on the even pages all the same,
	 * from the failed folio still in the swap cache, without a read.
	 */
	ASSERT_EQ(0, sharer_read_faulty(&st->sh, 1, 0, NR_PAGES, 0, val));
	for (p = 0; p < NR_PAGES; p++) {
		EXPECT_EQ(p % 2 ? pattern_checksum(st->seed[p]) : SHARER_SIGBUS,
			  val[p]) TH_LOG("sharer 1 page %lu", p);
	}
	EXPECT_EQ(c.pswpin, vmstat_read("pswpin"));
	EXPECT_EQ(FI_TIMES - even, fi_times(FAIL_MAKE_REQUEST));

	/*
	 * Reclaim drops the failed folios (clean, mapped nowhere) and swaps
	 * the odd pages out again. Then each page is read from the disk
	 * once more, and every sharer has all its data.
	 */
	ASSERT_GT(swap_env_swap_out(&st->env, NR_SHARERS * st->mem_len,
				    sharers_swapped_cb, st,
				    SWAP_OUT_PASSES), 0);
	for (p = 0; p < NR_PAGES; p += 2) {
		ASSERT_EQ(1, swap_slot_get(pagemap_swap_type(pme[0][p]),
					   pagemap_swap_offset(pme[0][p]),
					   &slot));
		EXPECT_EQ(NR_SHARERS, slot.count) TH_LOG("page %lu", p);
		EXPECT_FALSE(slot.in_swapcache) TH_LOG("page %lu", p);
	}
	counts_read(&c);
	for (i = NR_SHARERS - 1; i >= 0; i--) {
		ASSERT_EQ(0, sharer_read_faulty(&st->sh, i, 0, NR_PAGES, 0,
						val));
		for (p = 0; p < NR_PAGES; p++) {
			EXPECT_EQ(pattern_checksum(st->seed[p]), val[p])
				TH_LOG("sharer %d page %lu", i, p);
		}
	}
	EXPECT_EQ(c.pswpin + NR_PAGES, vmstat_read("pswpin"));
	EXPECT_EQ(FI_TIMES - even, fi_times(FAIL_MAKE_REQUEST));

	/* Every slot free once the sharers are gone. */
	EXPECT_EQ(0, target_release(st));
}

/* ------------------------------------------------- allocation failures */

FIXTURE(page_alloc_failures)
{
	struct fi_state st;
};

FIXTURE_VARIANT(page_alloc_failures)
{
	enum swap_backend backend;
	const char *mode;
	bool remap;
};

FIXTURE_VARIANT_ADD(page_alloc_failures, zram_never)
{
	.backend = SWAP_BACKEND_ZRAM, .mode = "never", .remap = false,
};

FIXTURE_VARIANT_ADD(page_alloc_failures, zram_auto)
{
	.backend = SWAP_BACKEND_ZRAM, .mode = "auto", .remap = true,
};

FIXTURE_VARIANT_ADD(page_alloc_failures, disk_never)
{
	.backend = SWAP_BACKEND_DISK, .mode = "never", .remap = false,
};

FIXTURE_VARIANT_ADD(page_alloc_failures, disk_auto)
{
	.backend = SWAP_BACKEND_DISK, .mode = "auto", .remap = true,
};

FIXTURE_SETUP(page_alloc_failures)
{
	state_setup(_metadata, &self->st, variant->backend, variant->mode);
}

FIXTURE_TEARDOWN_PARENT(page_alloc_failures)
{
	state_teardown(&self->st);
}

/*
 * Sharer 0 reads the first @injected pages with fault type @type armed
 * with @times, of which between @min_fired and @max_fired must fire,
 * then the other pages, not injected. Then the others read (not
 * injected either): every page right everywhere, the remap as without
 * the failures, every slot free at the end.
 */
static void read_all_injected(struct __test_metadata *_metadata,
			      struct fi_state *st, bool remap,
			      const char *type, int times, int min_fired,
			      int max_fired, unsigned long injected)
{
	__u64 val[NR_PAGES];
	struct counts c0, c;
	unsigned long p;
	int i, fired;

	counts_read(&c0);
	ASSERT_EQ(0, sharer_read_faulty(&st->sh, 0, 0, injected,
					SHARER_MAKE_IT_FAIL, val));
	fired = times - fi_times(type);
	ksft_print_msg("%s fired %d times in %lu faults\n", type, fired,
		       injected);
	ASSERT_LE(min_fired, fired);
	ASSERT_GE(max_fired, fired);
	if (injected < NR_PAGES)
		ASSERT_EQ(0, sharer_read_faulty(&st->sh, 0, injected,
						NR_PAGES - injected, 0,
						val + injected));
	counts_read(&c);
	for (p = 0; p < NR_PAGES; p++) {
		EXPECT_EQ(pattern_checksum(st->seed[p]), val[p])
			TH_LOG("sharer 0 page %lu", p);
	}
	/* A failed attempt read nothing; the one that worked read once. */
	EXPECT_EQ(c0.pswpin + NR_PAGES, c.pswpin);
	EXPECT_EQ(c0.walk + (remap ? NR_PAGES : 0), c.walk);
	EXPECT_EQ(c0.pte + (remap ? (NR_SHARERS - 1) * NR_PAGES : 0), c.pte);
	for (i = 1; i < NR_SHARERS; i++) {
		ASSERT_EQ(0, sharer_read_faulty(&st->sh, i, 0, NR_PAGES, 0,
						val));
		for (p = 0; p < NR_PAGES; p++) {
			EXPECT_EQ(pattern_checksum(st->seed[p]), val[p])
				TH_LOG("sharer %d page %lu", i, p);
		}
	}
	EXPECT_EQ(0, target_release(st));
}

/*
 * The swap-in's folio allocation fails PAGE_ALLOC_TIMES times, all in the
 * fault on the first page, which alone is read with the injection armed:
 * that fault is retried that many times, then works.
 */
TEST_F_TIMEOUT(page_alloc_failures, swap_in, TEST_TIMEOUT)
{
	struct fi_state *st = &self->st;

	ASSERT_EQ(0, target_map(st, NR_PAGES));
	ASSERT_EQ(0, target_share(st, NR_SHARERS, NULL, true));
	/* Order 0, __GFP_DIRECT_RECLAIM and __GFP_HIGHMEM: all count. */
	ASSERT_EQ(0, fi_pin(st, FAIL_PAGE_ALLOC, "ignore-gfp-wait", "N"));
	ASSERT_EQ(0, fi_pin(st, FAIL_PAGE_ALLOC, "ignore-gfp-highmem", "N"));
	ASSERT_EQ(0, fi_pin(st, FAIL_PAGE_ALLOC, "min-order", "0"));
	ASSERT_EQ(0, fi_arm(st, FAIL_PAGE_ALLOC, PAGE_ALLOC_TIMES,
			    FAULT_FUNCTION));
	read_all_injected(_metadata, st, variant->remap, FAIL_PAGE_ALLOC,
			  PAGE_ALLOC_TIMES, PAGE_ALLOC_TIMES, PAGE_ALLOC_TIMES,
			  1);
}

/*
 * Slab allocations: on the disk only. On zram, with page-cluster 0, a
 * swap-in and its remap make no slab allocation under do_swap_page()
 * (failslab armed there fired 0 times in 16 faults): the swap cache's
 * XArray nodes outlive swap-out, holding shadow entries, and zram reads
 * into the folio with no bio to allocate.
 */
FIXTURE(slab_failures)
{
	struct fi_state st;
};

FIXTURE_VARIANT(slab_failures)
{
	const char *mode;
	bool remap;
};

FIXTURE_VARIANT_ADD(slab_failures, disk_never)
{
	.mode = "never", .remap = false,
};

FIXTURE_VARIANT_ADD(slab_failures, disk_auto)
{
	.mode = "auto", .remap = true,
};

FIXTURE_SETUP(slab_failures)
{
	state_setup(_metadata, &self->st, SWAP_BACKEND_DISK, variant->mode);
}

FIXTURE_TEARDOWN_PARENT(slab_failures)
{
	state_teardown(&self->st);
}

/*
 * Every slab allocation under do_swap_page() of sharer 0's faults fails:
 * at least one a fault, and "times" is not used up, so none of them was
 * let through.
 */
TEST_F_TIMEOUT(slab_failures, swap_in, TEST_TIMEOUT)
{
	struct fi_state *st = &self->st;

	ASSERT_EQ(0, target_map(st, NR_PAGES));
	ASSERT_EQ(0, target_share(st, NR_SHARERS, NULL, true));
	ASSERT_EQ(0, fi_pin(st, FAILSLAB, "ignore-gfp-wait", "N"));
	ASSERT_EQ(0, fi_arm(st, FAILSLAB, FI_TIMES, FAULT_FUNCTION));
	read_all_injected(_metadata, st, variant->remap, FAILSLAB, FI_TIMES,
			  NR_PAGES, FI_TIMES - 1, NR_PAGES);
}

/* ------------------------------------------------ memcg limit at swap-in */

FIXTURE(memcg_limit)
{
	struct fi_state st;
};

FIXTURE_VARIANT(memcg_limit)
{
	enum swap_backend backend;
	const char *mode;
};

FIXTURE_VARIANT_ADD(memcg_limit, zram_never)
{
	.backend = SWAP_BACKEND_ZRAM, .mode = "never",
};

FIXTURE_VARIANT_ADD(memcg_limit, zram_auto)
{
	.backend = SWAP_BACKEND_ZRAM, .mode = "auto",
};

FIXTURE_SETUP(memcg_limit)
{
	state_setup(_metadata, &self->st, variant->backend, variant->mode);
}

FIXTURE_TEARDOWN_PARENT(memcg_limit)
{
	state_teardown(&self->st);
}

static long long memcg_event(struct test_cgroup *cg, const char *name)
{
	return cgroup_stat_read(cg, "memory.events", name);
}

/*
 * The target's pages charged to cgroup "pages" alone: the test process
 * fills them from there, and forks its sharers back in its own cgroup.
 * Sharers 0 and 1 stay there, 2 and 3 move to cgroup "sharers".
 */
TEST_F_TIMEOUT(memcg_limit, charge_at_limit, TEST_TIMEOUT)
{
	struct fi_state *st = &self->st;
	long long cur, max_ev, oom, oom_kill, pswpin, other0, other1;
	struct test_cgroup *pages, *other;
	__u64 val[MEMCG_PAGES];
	char path[PATH_MAX], buf[64];
	unsigned long p;
	int i, order[MEMCG_SHARERS] = { 2, 0, 3, 1 };

	pages = swap_env_cgroup_add(&st->env, "pages");
	ASSERT_NE(NULL, pages);
	other = swap_env_cgroup_add(&st->env, "sharers");
	ASSERT_NE(NULL, other);
	ASSERT_EQ(0, cgroup_enter(pages));
	ASSERT_EQ(0, target_map(st, MEMCG_PAGES));
	ASSERT_EQ(0, cgroup_enter(&st->env.cg));
	pages->entered = false;
	ASSERT_EQ(0, target_share(st, MEMCG_SHARERS, pages, true));
	for (i = 2; i < MEMCG_SHARERS; i++) {
		snprintf(path, sizeof(path), "%s/cgroup.procs", other->path);
		snprintf(buf, sizeof(buf), "%d", st->sh.s[i].pid);
		ASSERT_EQ(0, file_write_str(path, buf));
	}
	other0 = cgroup_read_ll(other, "memory.current");
	ASSERT_GE(other0, 0);
	/* Setup: the pages, now all in swap, were charged to "pages". */
	ASSERT_EQ(MEMCG_PAGES * psize(),
		  cgroup_read_ll(pages, "memory.swap.current"));
	/* Setup: reclaim in "pages" may swap anon out, MGLRU or not. */
	ASSERT_LE(MGLRU_MIN_FREE_SWAP, meminfo_read_pages("SwapFree"))
		TH_LOG("%lu-page swap area: too small for %d pages",
		       swap_area_wanted_pages(), MEMCG_PAGES);

	cur = cgroup_read_ll(pages, "memory.current");
	ASSERT_GE(cur, 0);
	snprintf(buf, sizeof(buf), "%lld", cur + MEMCG_MARGIN_PAGES * psize());
	snprintf(path, sizeof(path), "%s/memory.max", pages->path);
	ASSERT_EQ(0, file_write_str(path, buf));
	max_ev = memcg_event(pages, "max");
	oom = memcg_event(pages, "oom");
	oom_kill = memcg_event(pages, "oom_kill");
	ASSERT_GE(max_ev, 0);
	pswpin = vmstat_read("pswpin");

	for (i = 0; i < MEMCG_SHARERS; i++) {
		int s = order[i];

		ASSERT_EQ(0, sharer_read_faulty(&st->sh, s, 0, MEMCG_PAGES, 0,
						val));
		/*
		 * The first reader, in "sharers", reads more than the room:
		 * its swap-ins reached the limit of "pages", which they
		 * were charged to.
		 */
		if (!i) {
			ksft_print_msg("sharer %d: limit reached %lld times\n",
				       s, memcg_event(pages, "max") - max_ev);
			ASSERT_LT(max_ev, memcg_event(pages, "max"));
		}
		for (p = 0; p < MEMCG_PAGES; p++) {
			EXPECT_EQ(pattern_checksum(st->seed[p]), val[p])
				TH_LOG("sharer %d page %lu", s, p);
		}
	}
	ksft_print_msg("limit reached %lld times, %lld pages read\n",
		       memcg_event(pages, "max") - max_ev,
		       vmstat_read("pswpin") - pswpin);
	/* The charges failed and reclaim made room: no OOM. */
	EXPECT_EQ(oom, memcg_event(pages, "oom"));
	EXPECT_EQ(oom_kill, memcg_event(pages, "oom_kill"));
	/* More read than there are pages: reclaimed, then read again. */
	EXPECT_LT(pswpin + MEMCG_PAGES, vmstat_read("pswpin"));
	/*
	 * Nothing charged to the faulting sharers' own cgroup: no anon
	 * pages in its memory.stat, which can lag by up to a per-CPU batch,
	 * and its exact memory.current grew by less than a sharer read
	 * (page tables, pipe buffers), by far.
	 */
	EXPECT_EQ(0, cgroup_stat_read(other, "memory.stat", "anon"));
	other1 = cgroup_read_ll(other, "memory.current");
	ksft_print_msg("the sharers' cgroup grew by %lld kB\n",
		       (other1 - other0) / 1024);
	EXPECT_GT(other0 + MEMCG_OTHER_SLACK_PAGES * (long long)psize(),
		  other1);

	/* Gone: nothing charged to any of the three. */
	EXPECT_EQ(0, target_release(st));
	EXPECT_EQ(0, cgroup_read_ll(pages, "memory.swap.current"));
}

/* Last: nothing left behind by the tests above. */
LEAK_CHECK_TEST

TEST_HARNESS_MAIN
