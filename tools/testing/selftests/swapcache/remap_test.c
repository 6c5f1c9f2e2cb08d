// SPDX-License-Identifier: GPL-2.0
/*
 * Swap-in remap (mm/swap_remap.c): when one sharer of a swapped-out
 * anonymous page faults it in, every other sharer whose PTE still holds
 * the same swap entry gets the page mapped too, read-only, without a
 * fault of its own; the swap slot is freed as
 * /sys/kernel/mm/swap/swapin_remap says.  "auto", beyond three other
 * sharers, waits until as many sharers have read the page as still hold
 * the entry (auto_waits_for_readers).
 *
 * The fixtures pin page-cluster to 0 and VMA readahead off (swap_util),
 * so every count below is exact: one pswpin per page, and no batch
 * member but the faulting page itself unless a test puts the neighbours
 * in the swap cache on purpose (readahead_proven and readahead_backward
 * turn readahead on for that, auto_batch_waits_unmapped uses
 * MADV_WILLNEED). The sharers are swap_util's.
 *
 * Each test checks that its setup happened (pages swapped out in every
 * sharer, soft-dirty bits as planned, a THP really there, KSM really
 * merged...) and fails if it did not, before it checks the remap.
 * The races are in remap_stress.c.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/kernel-page-flags.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "../kselftest_harness.h"
#include "swap_util.h"

#define KNOB			"/sys/kernel/mm/swap/swapin_remap"
#define PAGE_CLUSTER		"/proc/sys/vm/page-cluster"
#define VMA_RA_ENABLED		"/sys/kernel/mm/swap/vma_ra_enabled"
#define THP_ENABLED		"/sys/kernel/mm/transparent_hugepage/enabled"
#define KSM_DIR			"/sys/kernel/mm/ksm/"
#define NR_PAGES		16
#define NR_SHARERS		4
#define SWAP_OUT_PASSES		200
#define TEST_TIMEOUT		300
/* A PMD-sized THP of 4 KiB pages, and its swap cluster. */
#define THP_PAGES		512
/* KSM: pages 0..KSM_DISTINCT-1 differ, the rest repeat the first ones. */
#define KSM_DISTINCT		12
/* mm/swap_remap.c: SWAP_REMAP_BATCH pages per walk, SWAP_REMAP_BUDGET. */
#define REMAP_BATCH		16
#define REMAP_BUDGET		512
/*
 * include/linux/memcontrol.h: MEMCG_CHARGE_BATCH, the pages below a memcg
 * limit within which "auto" keeps slots (keeps_slot_at_memcg_limit).
 */
#define MEMCG_BATCH		64
/* Enough sharers of full batches for the budget to run out. */
#define BUDGET_SHARERS		40
/* More sharers than SWAP_MAP_MAX (62): continuation counts. */
#define MANY_SHARERS		66
#define MANY_PAGES		4
/*
 * mm/swap_remap.c: SWAP_REMAP_EAGER, the other sharers "auto" maps on
 * any fault; and more sharers than that for auto_waits_for_readers.
 */
#define REMAP_EAGER		3
#define WAIT_SHARERS		8
/* cluster_ra_prime(): pages paged out, readahead hits in a row wanted. */
#define PRIME_PAGES		64
#define PRIME_HITS		3
/* The memory error tests: the poisoned page, and its sharers. */
#define ZSWAP_SHRINKER		"/sys/module/zswap/parameters/shrinker_enabled"
#define HWPOISON_DIR		"/sys/kernel/debug/hwpoison/"
#define MF_EARLY_KILL		"/proc/sys/vm/memory_failure_early_kill"
#define MF_RECOVERY		"/proc/sys/vm/memory_failure_recovery"
#define POISON_PAGE		1
#define POISON_SHARERS		3

/* Reported by /proc/kpageflags, not in the uapi header. */
#ifndef KPF_MLOCKED
#define KPF_MLOCKED		33
#endif

struct remap_state {
	struct swap_env env;
	struct setting knob;	/* swapin_remap, pinned to the variant */
	struct setting ksm[3];	/* run, pages_to_scan, sleep_millisecs */
	struct setting thp;	/* transparent_hugepage/enabled */
	struct setting zswap;	/* zswap's enabled */
	/* early kill, recovery, zswap shrinker, hwpoison's memcg filter */
	struct setting poison[5];
	struct sharers sh;
	char *mem;		/* the test process's own mapping, if any */
	size_t mem_len;
	unsigned long nr_pages;
	__u64 seed[SHARER_MAX_PAGES];
	long long swapfree_base;
};

/* The remap's counters in /proc/vmstat, at one moment. */
struct remap_counts {
	long long pte, walk, abort, pswpin;
};

static void remap_counts_read(struct remap_counts *c)
{
	c->pte = vmstat_read("swapin_remap_pte");
	c->walk = vmstat_read("swapin_remap_walk");
	c->abort = vmstat_read("swapin_remap_abort");
	c->pswpin = vmstat_read("pswpin");
}

static bool sharers_swapped_cb(void *arg)
{
	struct remap_state *st = arg;

	return sharers_all_swapped(&st->sh, 0, st->nr_pages);
}

static bool page_flag(unsigned long pfn, int bit)
{
	__u64 flags;

	return !kpageflags_get(pfn, &flags) && (flags & BIT_ULL(bit));
}

static long long page_count(unsigned long pfn)
{
	__u64 count;

	return kpagecount_get(pfn, &count) ? -1 : (long long)count;
}

static __u64 self_pagemap(const char *addr)
{
	return pid_pagemap(getpid(), (void *)addr);
}

/* Why is a sharer's page not swapped out?  For the log of a failure. */
static void sharers_explain(struct remap_state *st)
{
	__u64 pme[SHARER_MAX_PAGES], flags, count;
	unsigned long p, pfn;
	int i;

	ksft_print_msg("SwapCached %lld kB\n", meminfo_read_kb("SwapCached"));
	for (i = 0; i < st->sh.nr; i++) {
		if (!st->sh.s[i].pid || !st->sh.s[i].mapped ||
		    sharer_pagemap(&st->sh, i, 0, st->nr_pages, pme))
			continue;
		for (p = 0; p < st->nr_pages; p++) {
			if (pagemap_entry_is_swap(pme[p]))
				continue;
			pfn = pagemap_pfn(pme[p]);
			flags = 0;
			count = 0;
			if (pme[p] & PM_PRESENT) {
				kpageflags_get(pfn, &flags);
				kpagecount_get(pfn, &count);
			}
			ksft_print_msg("sharer %d page %lu: pme %#llx flags %#llx count %llu\n",
				       i, p, (unsigned long long)pme[p],
				       (unsigned long long)flags,
				       (unsigned long long)count);
		}
	}
}

/*
 * Map @nr_pages anonymous pages (@type: MAP_PRIVATE or MAP_SHARED) at an
 * address aligned to @align pages, outside the test's mlock, in a VMA of
 * their own, with THPs or (the counts are per base page) without, and
 * fill page p from st->seed[p] = page_seed(pid, p, @gen).
 */
static int target_map(struct remap_state *st, unsigned long nr_pages,
		      int type, unsigned long align, unsigned long gen,
		      bool thp)
{
	size_t len = nr_pages * psize();
	char *mem = target_mmap(nr_pages, type, align);

	if (!mem)
		return -1;
	st->mem = mem;
	st->mem_len = len;
	st->nr_pages = nr_pages;
	/* Fails with EINVAL without CONFIG_TRANSPARENT_HUGEPAGE. */
	if (madvise(mem, len, thp ? MADV_HUGEPAGE : MADV_NOHUGEPAGE) && thp)
		return -1;
	if (munlock(mem, len))
		return -1;
	pages_fill_seeded(mem, nr_pages, getpid(), gen, st->seed);
	return 0;
}

/*
 * Fork @nr sharers of the target and drop the test's own mapping, so
 * that exactly the sharers map it.  With @swap_out, reclaim until every
 * sharer's PTE holds a swap entry and the swap cache is empty.
 */
static int target_share(struct remap_state *st, int nr, bool swap_out)
{
	size_t len = st->nr_pages * psize();

	st->swapfree_base = meminfo_read_pages("SwapFree");
	if (sharers_take_over(&st->sh, nr, st->mem, st->nr_pages))
		return -1;
	st->mem = NULL;
	if (!swap_out)
		return 0;
	if (swap_env_swap_out(&st->env, len * nr, sharers_swapped_cb, st,
			      SWAP_OUT_PASSES) > 0)
		return 0;
	sharers_explain(st);
	return -1;
}

/*
 * The mode that maps every sharer at once, as the variant's mode does on
 * this backend: "auto" waits for readers beyond REMAP_EAGER other
 * sharers (auto_waits_for_readers), and frees on zram, keeps on a disk.
 */
static const char *walk_all_mode(const char *mode, enum swap_backend backend)
{
	if (strcmp(mode, "auto"))
		return mode;
	return backend == SWAP_BACKEND_ZRAM ? "free" : "keep";
}

/*
 * wait_window_share - the target of the "auto" wait tests: one full batch
 * window of NR_PAGES pages, shared by WAIT_SHARERS sharers and swapped
 * out.
 * Return: 0, or -1 if a step failed.
 */
static int wait_window_share(struct remap_state *st)
{
	if (target_map(st, NR_PAGES, MAP_PRIVATE, REMAP_BATCH, 0, false))
		return -1;
	return target_share(st, WAIT_SHARERS, true);
}

static int share_pages(struct remap_state *st, int nr,
		       unsigned long nr_pages, int type, bool swap_out)
{
	if (target_map(st, nr_pages, type, 1, 0, false))
		return -1;
	return target_share(st, nr, swap_out);
}

/*
 * FIXTURE_TEARDOWN_PARENT(): the fixture data is shared with the parent
 * of the test process, which runs this when the test process is gone,
 * also after a failed ASSERT. The sharers died with the test process.
 */
static void state_teardown(struct remap_state *st)
{
	int i;

	sharers_destroy(&st->sh);
	if (st->mem && getpid() == st->env.owner)
		munmap(st->mem, st->mem_len);
	st->mem = NULL;
	for (i = 0; i < 3; i++)
		setting_restore(&st->ksm[i]);
	setting_restore(&st->thp);
	setting_restore(&st->zswap);
	for (i = 4; i >= 0; i--)
		setting_restore(&st->poison[i]);
	setting_restore(&st->knob);
	swap_env_teardown(&st->env);
}

FIXTURE(remap)
{
	struct remap_state st;
};

FIXTURE_VARIANT(remap)
{
	enum swap_backend backend;
	const char *mode;
	bool remap;		/* the mode remaps */
	bool frees;		/* the mode frees the slot on this backend */
};

FIXTURE_VARIANT_ADD(remap, zram_auto)
{
	.backend = SWAP_BACKEND_ZRAM, .mode = "auto",
	.remap = true, .frees = true,
};

FIXTURE_VARIANT_ADD(remap, zram_keep)
{
	.backend = SWAP_BACKEND_ZRAM, .mode = "keep",
	.remap = true, .frees = false,
};

FIXTURE_VARIANT_ADD(remap, zram_never)
{
	.backend = SWAP_BACKEND_ZRAM, .mode = "never",
	.remap = false, .frees = false,
};

FIXTURE_VARIANT_ADD(remap, disk_auto)
{
	.backend = SWAP_BACKEND_DISK, .mode = "auto",
	.remap = true, .frees = false,
};

FIXTURE_VARIANT_ADD(remap, disk_free)
{
	.backend = SWAP_BACKEND_DISK, .mode = "free",
	.remap = true, .frees = true,
};

FIXTURE_SETUP(remap)
{
	int ret;

	memset(&self->st, 0, sizeof(self->st));
	ret = swap_env_setup(&self->st.env, variant->backend);
	if (ret == SWAP_ENV_ABSENT)
		SKIP(return, "%s: a needed feature is missing",
		     swap_backend_name(variant->backend));
	ASSERT_EQ(0, ret);
	ASSERT_EQ(0, access(KNOB, W_OK)) TH_LOG("no %s", KNOB);
	ASSERT_EQ(0, setting_pin(&self->st.knob, KNOB, variant->mode));
	/* A bad mode is refused. */
	ASSERT_NE(0, file_write_str(KNOB, "sometimes"));
}

FIXTURE_TEARDOWN_PARENT(remap)
{
	state_teardown(&self->st);
}

/*
 * After sharer 0 reads the pages, every other sharer maps the same PFN
 * without having touched it, read-only, and with the soft-dirty bit its
 * swap PTE had; reading costs them no fault; each page was read from
 * swap once; the slot is freed or kept as the mode says.
 *
 * The soft-dirty bits are set up to differ: the test process clears
 * them (clear_refs 4) and rewrites the even pages before it forks, so
 * every sharer's swap PTEs are soft-dirty on even pages only, and
 * sharer 1 clears its own, all of them.  If the kernel cannot track
 * soft-dirty (a write does not set the bit, clear_refs does not clear
 * it), the test fails: it would compare 0 with 0.
 */
TEST_F_TIMEOUT(remap, maps_every_sharer, TEST_TIMEOUT)
{
	struct remap_state *st = &self->st;
	__u64 pme[NR_SHARERS][NR_PAGES], now[NR_PAGES], sum[NR_PAGES], sd;
	struct remap_counts c0;
	unsigned long p, pfn;
	char path[64];
	int i;

	ASSERT_EQ(0, target_map(st, NR_PAGES, MAP_PRIVATE, 1, 0, false));
	ASSERT_EQ(0, file_write_str("/proc/self/clear_refs", "4"));
	for (p = 0; p < NR_PAGES; p++) {
		ASSERT_FALSE(self_pagemap(st->mem + p * psize()) &
			     PM_SOFT_DIRTY)
			TH_LOG("setup: page %lu still soft-dirty after clear_refs 4",
			       p);
	}
	for (p = 0; p < NR_PAGES; p += 2)
		page_fill(st->mem + p * psize(), st->seed[p]);
	for (p = 0; p < NR_PAGES; p++) {
		ASSERT_EQ(p % 2 == 0, !!(self_pagemap(st->mem + p * psize()) &
					 PM_SOFT_DIRTY))
			TH_LOG("setup: page %lu: soft-dirty not %s by a write (CONFIG_MEM_SOFT_DIRTY?)",
			       p, p % 2 ? "left clear" : "set");
	}

	ASSERT_EQ(0, target_share(st, NR_SHARERS, false));
	snprintf(path, sizeof(path), "/proc/%d/clear_refs", st->sh.s[1].pid);
	ASSERT_EQ(0, file_write_str(path, "4"));
	ASSERT_GT(swap_env_swap_out(&st->env, NR_SHARERS * NR_PAGES * psize(),
				    sharers_swapped_cb, st, SWAP_OUT_PASSES), 0)
		sharers_explain(st);
	for (i = 0; i < NR_SHARERS; i++) {
		ASSERT_EQ(0, sharer_pagemap(&st->sh, i, 0, NR_PAGES, pme[i]));
		for (p = 0; p < NR_PAGES; p++) {
			ASSERT_EQ(i != 1 && p % 2 == 0,
				  !!(pme[i][p] & PM_SOFT_DIRTY))
				TH_LOG("setup: sharer %d page %lu: swap PTE %#llx",
				       i, p, (unsigned long long)pme[i][p]);
		}
	}

	remap_counts_read(&c0);
	ASSERT_GE(c0.pte, 0) TH_LOG("no swapin_remap_pte in /proc/vmstat");
	ASSERT_EQ(0, sharer_read(&st->sh, 0, 0, NR_PAGES, sum));
	EXPECT_EQ(NR_PAGES, sharer_faults(&st->sh, 0));
	for (p = 0; p < NR_PAGES; p++) {
		EXPECT_EQ(pattern_checksum(st->seed[p]), sum[p]);
	}
	EXPECT_EQ(c0.pswpin + NR_PAGES, vmstat_read("pswpin"));
	EXPECT_EQ(c0.pte + (variant->remap ? (NR_SHARERS - 1) * NR_PAGES : 0),
		  vmstat_read("swapin_remap_pte"));
	EXPECT_EQ(c0.walk + (variant->remap ? NR_PAGES : 0),
		  vmstat_read("swapin_remap_walk"));
	EXPECT_EQ(c0.abort, vmstat_read("swapin_remap_abort"));

	/* "free" has freed the slots by the time the fault returned. */
	EXPECT_EQ(0, swapfree_check(st->swapfree_base -
				    (variant->frees ? 0 : NR_PAGES)));
	ASSERT_EQ(0, sharer_pagemap(&st->sh, 0, 0, NR_PAGES, now));
	for (p = 0; p < NR_PAGES; p++) {
		ASSERT_TRUE(now[p] & PM_PRESENT);
		/* do_swap_page() in sharer 0 keeps the bit too. */
		EXPECT_EQ(pme[0][p] & PM_SOFT_DIRTY, now[p] & PM_SOFT_DIRTY)
			TH_LOG("sharer 0 page %lu: soft-dirty", p);
		pfn = pagemap_pfn(now[p]);
		EXPECT_EQ(variant->remap ? NR_SHARERS : 1, page_count(pfn));
		EXPECT_EQ(!variant->frees, page_flag(pfn, KPF_SWAPCACHE))
			TH_LOG("page %lu", p);
		pme[0][p] = now[p];
	}
	for (i = 1; i < NR_SHARERS; i++) {
		ASSERT_EQ(0, sharer_pagemap(&st->sh, i, 0, NR_PAGES, now));
		for (p = 0; p < NR_PAGES; p++) {
			if (!variant->remap) {
				EXPECT_EQ(pme[i][p], now[p]);
				continue;
			}
			EXPECT_TRUE(now[p] & PM_PRESENT)
				TH_LOG("sharer %d page %lu: %#llx", i, p,
				       (unsigned long long)now[p]);
			EXPECT_EQ(pagemap_pfn(pme[0][p]), pagemap_pfn(now[p]));
			sd = pme[i][p] & PM_SOFT_DIRTY;
			EXPECT_EQ(sd, now[p] & PM_SOFT_DIRTY)
				TH_LOG("sharer %d page %lu: soft-dirty %d, its swap PTE's %d",
				       i, p, !!(now[p] & PM_SOFT_DIRTY), !!sd);
			/* Mapped shared, never exclusive. */
			EXPECT_FALSE(now[p] & PM_MMAP_EXCLUSIVE);
		}
	}

	for (i = 1; i < NR_SHARERS; i++) {
		ASSERT_EQ(0, sharer_read(&st->sh, i, 0, NR_PAGES, sum));
		EXPECT_EQ(variant->remap ? 0 : NR_PAGES,
			  sharer_faults(&st->sh, i))
			TH_LOG("sharer %d", i);
		for (p = 0; p < NR_PAGES; p++) {
			EXPECT_EQ(pattern_checksum(st->seed[p]), sum[p]);
		}
	}
	EXPECT_EQ(c0.pswpin + NR_PAGES, vmstat_read("pswpin"));
}

/*
 * "auto" with more than REMAP_EAGER other sharers maps a page into the
 * others only once as many sharers have read it as still hold its entry.
 * WAIT_SHARERS sharers read one full batch window of NR_PAGES pages in
 * turn, and the model says which read maps the rest: sharer k's fault
 * sees k + 1 readers (its own PTE included) and WAIT_SHARERS - 1 - k
 * entries left; with 8 sharers that is sharer 3 (4 and 4).
 *
 * Until sharer 3, each read is the stock one: a fault on every page, no
 * walk, no batch, nobody else mapped, and one swap reference less on
 * each page (the debugfs slot view).  Sharer 3's first fault, on page 0,
 * walks with the other 15 pages, now in the swap cache, as its batch: it
 * maps them in its own VMA and all 16 in the 4 sharers left, which then
 * read without a fault.  "keep" and "free" map all 7 others at each of
 * sharer 0's faults (page-cluster 0: no page is in the swap cache yet,
 * no batch), "never" none.  Each page is read from swap once.
 */
TEST_F_TIMEOUT(remap, auto_waits_for_readers, TEST_TIMEOUT)
{
	struct remap_state *st = &self->st;
	__u64 pme0[NR_PAGES], pme[NR_PAGES], sum[NR_PAGES];
	int widen = -1, i, j, left, ret;
	long long pte, walk;
	struct remap_counts c0;
	struct swap_slot slot;
	unsigned long type, p;

	/* The model of swap_remap_wanted(): the read that maps the rest. */
	if (variant->remap && strcmp(variant->mode, "auto")) {
		widen = 0;
	} else if (variant->remap) {
		for (widen = 0; widen < WAIT_SHARERS; widen++) {
			left = WAIT_SHARERS - 1 - widen;
			if (left <= REMAP_EAGER || left <= widen + 1)
				break;
		}
		/* Or the test would not wait for anything. */
		ASSERT_GT(widen, 0);
	}

	ASSERT_TRUE(swap_slots_present()) TH_LOG("no %s", SWAP_SLOTS_PATH);
	ASSERT_EQ(0, wait_window_share(st));
	ASSERT_EQ(0, sharer_pagemap(&st->sh, 0, 0, NR_PAGES, pme0));
	type = pagemap_swap_type(pme0[0]);
	for (p = 0; p < NR_PAGES; p++) {
		ASSERT_EQ(1, swap_slot_get(type, pagemap_swap_offset(pme0[p]),
					   &slot));
		ASSERT_EQ(WAIT_SHARERS, slot.count) TH_LOG("setup: page %lu", p);
	}

	remap_counts_read(&c0);
	pte = c0.pte;
	walk = c0.walk;
	for (i = 0; i < WAIT_SHARERS; i++) {
		bool done = widen >= 0 && i >= widen;
		/* Faults: every page, one for the window, or none. */
		int faults = !i || widen < 0 || i < widen ? NR_PAGES :
			     i == widen ? 1 : 0;

		ASSERT_EQ(0, sharer_read(&st->sh, i, 0, NR_PAGES, sum));
		EXPECT_EQ(faults, sharer_faults(&st->sh, i))
			TH_LOG("sharer %d", i);
		for (p = 0; p < NR_PAGES; p++) {
			EXPECT_EQ(pattern_checksum(st->seed[p]), sum[p])
				TH_LOG("sharer %d page %lu", i, p);
		}
		if (i == widen) {
			/* Sharer 0's 16 walks, or one with the batch. */
			pte += (WAIT_SHARERS - 1 - i) * NR_PAGES;
			pte += i ? NR_PAGES - 1 : 0;
			walk += i ? 1 : NR_PAGES;
		}
		EXPECT_EQ(pte, vmstat_read("swapin_remap_pte"))
			TH_LOG("after sharer %d's read", i);
		EXPECT_EQ(walk, vmstat_read("swapin_remap_walk"))
			TH_LOG("after sharer %d's read", i);
		/* The references left: one a sharer that has not faulted. */
		left = done ? 0 : WAIT_SHARERS - 1 - i;
		for (p = 0; p < NR_PAGES; p++) {
			ret = swap_slot_get(type, pagemap_swap_offset(pme0[p]),
					    &slot);
			ASSERT_LE(0, ret);
			EXPECT_EQ(left, ret ? (long)slot.count : 0)
				TH_LOG("after sharer %d's read: page %lu", i, p);
			/* Freed, or held by the swap cache only. */
			if (done)
				EXPECT_EQ(!variant->frees, ret)
					TH_LOG("after sharer %d's read: page %lu",
					       i, p);
		}
		/* The sharers yet to read: mapped once the rest is. */
		for (j = i + 1; j < WAIT_SHARERS; j++) {
			ASSERT_EQ(0, sharer_pagemap(&st->sh, j, 0, NR_PAGES,
						    pme));
			for (p = 0; p < NR_PAGES; p++) {
				EXPECT_EQ(done, !!(pme[p] & PM_PRESENT))
					TH_LOG("after sharer %d's read: sharer %d page %lu: %#llx",
					       i, j, p, (unsigned long long)pme[p]);
			}
		}
	}
	EXPECT_EQ(c0.pswpin + NR_PAGES, vmstat_read("pswpin"));
	EXPECT_EQ(c0.abort, vmstat_read("swapin_remap_abort"));
}

/*
 * "auto" keeps out of a fault's batch the neighbours it would not remap
 * on their own faults.  WAIT_SHARERS sharers of one window of NR_PAGES
 * pages: sharer 0 reads pages 1 to 15 first, and they stay in the swap
 * cache (with "auto" each of those reads is a stock fault: 7 other
 * references, 1 reader).  Then sharers 4 to 7 drop page 0
 * (MADV_DONTNEED), which leaves its entry 4 references, and sharer 1
 * faults on it: 3 other references, which "auto" maps at once, into
 * sharers 0, 2 and 3.  Its batch would take pages 1 to 15, but each has
 * 6 other references and 2 users: they stay out, and stay swap entries
 * in sharer 1.  With "keep" and "free", sharer 0's reads mapped pages 1
 * to 15 into every sharer already; with "never", nothing is remapped.
 */
TEST_F_TIMEOUT(remap, auto_batch_waits, TEST_TIMEOUT)
{
	struct remap_state *st = &self->st;
	bool waits = !strcmp(variant->mode, "auto");
	__u64 pme[NR_PAGES], sum[NR_PAGES];
	unsigned long type, off0, p;
	struct remap_counts c0;
	struct swap_slot slot;
	int i;

	ASSERT_TRUE(swap_slots_present()) TH_LOG("no %s", SWAP_SLOTS_PATH);
	ASSERT_EQ(0, wait_window_share(st));
	ASSERT_EQ(0, sharer_pagemap(&st->sh, 1, 0, NR_PAGES, pme));
	type = pagemap_swap_type(pme[0]);
	off0 = pagemap_swap_offset(pme[0]);

	remap_counts_read(&c0);
	ASSERT_EQ(0, sharer_read(&st->sh, 0, 1, NR_PAGES - 1, sum + 1));
	EXPECT_EQ(NR_PAGES - 1, sharer_faults(&st->sh, 0));
	EXPECT_EQ(c0.pte + (variant->remap && !waits ?
			    (WAIT_SHARERS - 1) * (NR_PAGES - 1) : 0),
		  vmstat_read("swapin_remap_pte"));
	for (i = WAIT_SHARERS / 2; i < WAIT_SHARERS; i++)
		ASSERT_EQ(0, sharer_madvise(&st->sh, i, 0, 1, MADV_DONTNEED));
	ASSERT_EQ(1, swap_slot_get(type, off0, &slot));
	ASSERT_EQ(WAIT_SHARERS / 2, slot.count) TH_LOG("setup: page 0");

	remap_counts_read(&c0);
	ASSERT_EQ(0, sharer_read(&st->sh, 1, 0, 1, sum));
	EXPECT_EQ(1, sharer_faults(&st->sh, 1));
	EXPECT_EQ(pattern_checksum(st->seed[0]), sum[0]);
	EXPECT_EQ(c0.pte + (variant->remap ? WAIT_SHARERS / 2 - 1 : 0),
		  vmstat_read("swapin_remap_pte"));
	EXPECT_EQ(c0.walk + variant->remap, vmstat_read("swapin_remap_walk"));
	EXPECT_EQ(c0.abort, vmstat_read("swapin_remap_abort"));
	/* Page 0 in the sharers that still map it; the rest as it was. */
	for (i = 0; i < WAIT_SHARERS / 2; i++) {
		ASSERT_EQ(0, sharer_pagemap(&st->sh, i, 0, 1, pme));
		EXPECT_EQ(i == 1 || variant->remap, !!(pme[0] & PM_PRESENT))
			TH_LOG("sharer %d page 0: %#llx", i,
			       (unsigned long long)pme[0]);
	}
	ASSERT_EQ(0, sharer_pagemap(&st->sh, 1, 0, NR_PAGES, pme));
	for (p = 1; p < NR_PAGES; p++) {
		EXPECT_EQ(variant->remap && !waits, !!(pme[p] & PM_PRESENT))
			TH_LOG("sharer 1 page %lu: %#llx", p,
			       (unsigned long long)pme[p]);
	}
	ASSERT_EQ(0, sharer_read(&st->sh, 1, 0, NR_PAGES, sum));
	for (p = 0; p < NR_PAGES; p++)
		EXPECT_EQ(pattern_checksum(st->seed[p]), sum[p]);
}

/*
 * A write by any sharer after the remap copies; the others keep the
 * page and the data.  Before the write, every sharer maps page 3 at the
 * same PFN (with the remap, after sharer 0's read alone; without, after
 * each sharer's own read of the swap cache page): checked first, so
 * that the PFNs after the write are compared with a page that was
 * shared.
 */
TEST_F_TIMEOUT(remap, write_cows, TEST_TIMEOUT)
{
	struct remap_state *st = &self->st;
	__u64 seed = page_seed(getpid(), 3, 1);
	__u64 pme, sum[NR_PAGES];
	unsigned long p, pfn;
	int i;

	ASSERT_EQ(0, share_pages(st, NR_SHARERS, NR_PAGES, MAP_PRIVATE, true));
	ASSERT_EQ(0, sharer_read(&st->sh, 0, 0, NR_PAGES, sum));
	if (!variant->remap)
		for (i = 1; i < NR_SHARERS; i++) {
			ASSERT_EQ(0, sharer_read(&st->sh, i, 0, NR_PAGES, sum));
		}
	ASSERT_EQ(0, sharer_pagemap(&st->sh, 0, 3, 1, &pme));
	ASSERT_TRUE(pme & PM_PRESENT);
	pfn = pagemap_pfn(pme);
	for (i = 1; i < NR_SHARERS; i++) {
		ASSERT_EQ(0, sharer_pagemap(&st->sh, i, 3, 1, &pme));
		ASSERT_TRUE(pme & PM_PRESENT)
			TH_LOG("setup: sharer %d page 3 not mapped: %#llx", i,
			       (unsigned long long)pme);
		ASSERT_EQ(pfn, pagemap_pfn(pme))
			TH_LOG("setup: sharer %d maps page 3 elsewhere", i);
	}

	ASSERT_EQ(0, sharer_write(&st->sh, 2, 3, 1, &seed));
	for (i = 0; i < NR_SHARERS; i++) {
		ASSERT_EQ(0, sharer_pagemap(&st->sh, i, 3, 1, &pme));
		ASSERT_TRUE(pme & PM_PRESENT) TH_LOG("sharer %d", i);
		if (i == 2) {
			EXPECT_NE(pfn, pagemap_pfn(pme));
			EXPECT_TRUE(pme & PM_MMAP_EXCLUSIVE);
		} else {
			EXPECT_EQ(pfn, pagemap_pfn(pme)) TH_LOG("sharer %d", i);
		}
	}
	for (i = 0; i < NR_SHARERS; i++) {
		ASSERT_EQ(0, sharer_read(&st->sh, i, 0, NR_PAGES, sum));
		for (p = 0; p < NR_PAGES; p++) {
			EXPECT_EQ(pattern_checksum(i == 2 && p == 3 ?
						   seed : st->seed[p]),
				  sum[p]) TH_LOG("sharer %d page %lu", i, p);
		}
	}
}

/*
 * memcg_limit_read - sharer 0 reads batch window @w of the target, whose
 * pages are charged to @pages, with @file of @pages set @room bytes
 * above its memory.current, so that reclaim is due there; then check
 * the remap: every sharer maps the pages, without a fault of its own,
 * and the slots are kept unless @frees.  @held: the target's pages that
 * hold a slot, updated.  Sharer 0 stays in the test's cgroup, a sibling
 * of @pages, so a charge above the limit sends it to no reclaim, and
 * nothing is reclaimed while the test looks: the test checks that.
 */
static void memcg_limit_read(struct __test_metadata *_metadata,
			     struct remap_state *st, struct test_cgroup *pages,
			     const char *file, long long room, unsigned long w,
			     bool remap, bool frees, unsigned long *held)
{
	unsigned long first = w * NR_PAGES, p, pfn;
	long long cur, limit, scan, high, max;
	__u64 sum[NR_PAGES], pme;
	struct remap_counts c0;
	char path[PATH_MAX], buf[32];
	int i;

	cur = cgroup_read_ll(pages, "memory.current");
	ASSERT_GE(cur, 0);
	limit = cur + room;
	snprintf(path, sizeof(path), "%s/%s", pages->path, file);
	snprintf(buf, sizeof(buf), "%lld", limit);
	ASSERT_EQ(0, file_write_str(path, buf));
	/*
	 * Reclaim, seen in counters that do not lag: /proc/vmstat's (the
	 * guest runs nothing else that reclaims) and memory.events (memcg's
	 * reclaim of memory.high counts "high", a charge that fails at
	 * memory.max "max"); memory.stat's are flushed only in batches.
	 */
	scan = vmstat_read("pgscan_anon") + vmstat_read("pgscan_file");
	high = cgroup_stat_read(pages, "memory.events", "high");
	max = cgroup_stat_read(pages, "memory.events", "max");
	ASSERT_GE(high, 0);
	ASSERT_GE(max, 0);
	remap_counts_read(&c0);

	ASSERT_EQ(0, sharer_read(&st->sh, 0, first, NR_PAGES, sum));
	for (p = 0; p < NR_PAGES; p++) {
		EXPECT_EQ(pattern_checksum(st->seed[first + p]), sum[p]);
	}
	/*
	 * Setup: the charges went to @pages (not to the reader's cgroup),
	 * the limit held then (memory.high exceeded; memory.max within a
	 * charge batch), and nothing was reclaimed.
	 */
	cur = cgroup_read_ll(pages, "memory.current");
	if (!strcmp(file, "memory.high")) {
		ASSERT_LT(limit, cur) TH_LOG("setup: %s memory.current %lld, memory.high %lld",
					     pages->path, cur, limit);
	} else {
		ASSERT_GT(cur + MEMCG_BATCH * (long long)psize(), limit)
			TH_LOG("setup: %s memory.current %lld, memory.max %lld",
			       pages->path, cur, limit);
	}
	ASSERT_EQ(scan, vmstat_read("pgscan_anon") + vmstat_read("pgscan_file"))
		TH_LOG("setup: reclaim while sharer 0 read");
	ASSERT_EQ(high, cgroup_stat_read(pages, "memory.events", "high"));
	ASSERT_EQ(max, cgroup_stat_read(pages, "memory.events", "max"));
	ASSERT_EQ(c0.pswpin + NR_PAGES, vmstat_read("pswpin"));

	EXPECT_EQ(c0.pte + (remap ? (NR_SHARERS - 1) * NR_PAGES : 0),
		  vmstat_read("swapin_remap_pte"));
	if (frees)
		*held -= NR_PAGES;
	EXPECT_EQ(0, swapfree_check(st->swapfree_base - *held));
	for (i = 0; i < NR_SHARERS; i++) {
		for (p = 0; p < NR_PAGES; p++) {
			ASSERT_EQ(0, sharer_pagemap(&st->sh, i, first + p, 1,
						    &pme));
			if (i && !remap) {
				EXPECT_TRUE(pagemap_entry_is_swap(pme));
				continue;
			}
			ASSERT_TRUE(pme & PM_PRESENT)
				TH_LOG("sharer %d page %lu: %#llx", i,
				       first + p, (unsigned long long)pme);
			pfn = pagemap_pfn(pme);
			EXPECT_EQ(!frees, page_flag(pfn, KPF_SWAPCACHE))
				TH_LOG("sharer %d page %lu", i, first + p);
		}
	}
	/* Back to no limit for the next window. */
	ASSERT_EQ(0, file_write_str(path, "max"));
}

/*
 * "auto" frees a slot on zram at swap-in, but keeps it where reclaim is
 * due in the memory cgroup the page is charged to: reclaim soon takes the
 * page again there, and a page that kept its slot is clean, dropped
 * without a write.  The target's pages are charged to a cgroup of their
 * own; sharer 0 reads one batch window with that cgroup above its
 * memory.high, and another with its memory.max half a charge batch
 * (MEMCG_BATCH / 2 pages) above its usage.  Every mode maps every
 * sharer as in maps_every_sharer, and only "free" frees the slots.
 */
TEST_F_TIMEOUT(remap, keeps_slot_at_memcg_limit, TEST_TIMEOUT)
{
	struct remap_state *st = &self->st;
	const unsigned long nr = 2 * NR_PAGES;
	bool frees = variant->frees && strcmp(variant->mode, "auto");
	unsigned long held = nr;
	struct test_cgroup *pages;

	pages = swap_env_cgroup_add(&st->env, "pages");
	ASSERT_NE(NULL, pages);
	ASSERT_EQ(0, cgroup_enter(pages));
	ASSERT_EQ(0, target_map(st, nr, MAP_PRIVATE, REMAP_BATCH, 0, false));
	ASSERT_EQ(0, cgroup_enter(&st->env.cg));
	pages->entered = false;
	ASSERT_EQ(0, target_share(st, NR_SHARERS, false));
	ASSERT_GT(cgroup_swap_out(pages, NR_SHARERS * nr * psize(),
				  sharers_swapped_cb, st, SWAP_OUT_PASSES), 0)
		sharers_explain(st);
	/* Setup: the pages, now all in swap, were charged to "pages". */
	ASSERT_EQ(nr * psize(), cgroup_read_ll(pages, "memory.swap.current"));

	memcg_limit_read(_metadata, st, pages, "memory.high", 0, 0,
			 variant->remap, frees, &held);
	memcg_limit_read(_metadata, st, pages, "memory.max",
			 MEMCG_BATCH / 2 * (long long)psize(), 1,
			 variant->remap, frees, &held);
}

/*
 * A sharer with an mlock(MLOCK_ONFAULT)ed VMA gets the page mapped and
 * mlocked, and, as do_swap_page() would for a VM_LOCKED VMA, the slot is
 * freed in every remapping mode.
 */
TEST_F_TIMEOUT(remap, mlocked_sharer, TEST_TIMEOUT)
{
	struct remap_state *st = &self->st;
	__u64 pme[NR_PAGES], sum[NR_PAGES];
	const int last = NR_SHARERS - 1;
	unsigned long p, pfn;

	ASSERT_EQ(0, share_pages(st, NR_SHARERS, NR_PAGES, MAP_PRIVATE, true));
	ASSERT_EQ(0, sharer_mlock(&st->sh, last));
	ASSERT_EQ(0, sharer_read(&st->sh, 0, 0, NR_PAGES, sum));
	/* All references gone: all slots free in every remapping mode. */
	if (variant->remap) {
		EXPECT_EQ(0, swapfree_check(st->swapfree_base));
	}
	ASSERT_EQ(0, sharer_pagemap(&st->sh, last, 0, NR_PAGES, pme));
	for (p = 0; p < NR_PAGES; p++) {
		if (!variant->remap) {
			EXPECT_TRUE(pagemap_entry_is_swap(pme[p]));
			continue;
		}
		ASSERT_TRUE(pme[p] & PM_PRESENT) TH_LOG("page %lu", p);
		pfn = pagemap_pfn(pme[p]);
		EXPECT_TRUE(page_flag(pfn, KPF_MLOCKED)) TH_LOG("page %lu", p);
		EXPECT_FALSE(page_flag(pfn, KPF_SWAPCACHE)) TH_LOG("page %lu", p);
	}
	ASSERT_EQ(0, sharer_read(&st->sh, last, 0, NR_PAGES, sum));
	EXPECT_EQ(variant->remap ? 0 : NR_PAGES, sharer_faults(&st->sh, last));
	for (p = 0; p < NR_PAGES; p++) {
		EXPECT_EQ(pattern_checksum(st->seed[p]), sum[p]);
	}
}

struct shmem_out {
	struct remap_state *st;
	long long want_free;
};

/* No sharer has a shmem page resident, and SwapFree went down by all. */
static bool shmem_swapped_cb(void *arg)
{
	struct shmem_out *o = arg;

	return meminfo_read_pages("SwapFree") <= o->want_free &&
	       sharers_none_resident(&o->st->sh, 0, o->st->nr_pages);
}

/*
 * MAP_SHARED anonymous memory is shmem: not for the remap.  The pages
 * are swapped out from the page cache first (checked: no sharer has one
 * resident, SwapFree and smaps' Swap count all of them), then read back
 * by every sharer without a single remap walk.
 */
TEST_F_TIMEOUT(remap, shmem_unaffected, TEST_TIMEOUT)
{
	struct remap_state *st = &self->st;
	struct shmem_out o = { .st = st };
	__u64 sum[NR_PAGES];
	struct remap_counts c0;
	unsigned long p;
	int i;

	ASSERT_EQ(0, share_pages(st, NR_SHARERS, NR_PAGES, MAP_SHARED, false));
	o.want_free = st->swapfree_base - NR_PAGES;
	ASSERT_GT(swap_env_swap_out(&st->env, NR_PAGES * psize(),
				    shmem_swapped_cb, &o, SWAP_OUT_PASSES), 0)
		TH_LOG("setup: the shmem pages did not go to swap");
	ASSERT_EQ(o.want_free, meminfo_read_pages("SwapFree"));
	for (i = 0; i < NR_SHARERS; i++) {
		ASSERT_EQ(NR_PAGES * psize() / 1024,
			  smaps_swap_kb(st->sh.s[i].pid, st->sh.addr))
			TH_LOG("setup: sharer %d", i);
	}

	remap_counts_read(&c0);
	for (i = 0; i < NR_SHARERS; i++) {
		ASSERT_EQ(0, sharer_read(&st->sh, i, 0, NR_PAGES, sum));
		for (p = 0; p < NR_PAGES; p++) {
			EXPECT_EQ(pattern_checksum(st->seed[p]), sum[p])
				TH_LOG("sharer %d page %lu", i, p);
		}
	}
	/* Read from swap once each, then found in the page cache. */
	EXPECT_EQ(c0.pswpin + NR_PAGES, vmstat_read("pswpin"));
	EXPECT_EQ(c0.pte, vmstat_read("swapin_remap_pte"));
	EXPECT_EQ(c0.walk, vmstat_read("swapin_remap_walk"));
}

/* 1 if the device of @area is rotational, 0 if not, -1 if unknown. */
static int area_rotational(const struct swap_area *area)
{
	char dev[64], path[128], buf[8];

	snprintf(dev, sizeof(dev), "%s", area->path);
	snprintf(path, sizeof(path), "/sys/block/%s/queue/rotational",
		 basename(dev));
	if (file_read_str(path, buf, sizeof(buf)))
		return -1;
	return atoi(buf);
}

/*
 * Transparent huge pages: a THP shared by two sharers is swapped out as
 * one folio (to a whole swap cluster) where the device has swap clusters
 * (non-rotational: zram), split first where it has none (the rotational
 * virtio disk).  It comes back as small folios, each remapped like any
 * other page; the data is right.
 *
 * Setup checked: the THP exists (kpageflags, AnonHugePages), each
 * sharer's mlock_all_but() left it PMD-mapped (it locks only outside the
 * 2 MiB target, on PMD boundaries), and the swap-out went as said
 * (thp_swpout or thp_swpout_fallback, one aligned run of slots).
 */
TEST_F_TIMEOUT(remap, thp_left_alone, TEST_TIMEOUT)
{
	struct remap_state *st = &self->st;
	__u64 pme0[THP_PAGES], pme1[THP_PAGES], now[THP_PAGES];
	__u64 sum[THP_PAGES], seed = 42;
	long long swpout, fallback;
	struct remap_counts c0;
	unsigned long p, pfn;
	int i, rot;
	bool whole;

	ASSERT_EQ(0, setting_pin(&st->thp, THP_ENABLED, "madvise"));
	/* Room for whole free clusters: 4 of them, the first one partly. */
	ASSERT_EQ(0, swap_area_teardown(&st->env.area));
	ASSERT_EQ(0, swap_area_setup(&st->env.area, variant->backend,
				     4 * THP_PAGES - 1));
	rot = area_rotational(&st->env.area);
	ASSERT_NE(-1, rot);
	whole = !rot;

	ASSERT_EQ(0, target_map(st, THP_PAGES, MAP_PRIVATE, THP_PAGES, 7,
				true));
	pfn = pagemap_pfn(self_pagemap(st->mem));
	ASSERT_TRUE(page_flag(pfn, KPF_THP)) TH_LOG("setup: no THP");
	ASSERT_EQ(2048, smaps_read_kb(getpid(), st->mem, "AnonHugePages"))
		TH_LOG("setup: no THP");

	ASSERT_EQ(0, target_share(st, 2, false));
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(2048, smaps_read_kb(st->sh.s[i].pid, st->sh.addr,
					      "AnonHugePages"))
			TH_LOG("setup: sharer %d split the THP", i);
	}

	swpout = vmstat_read("thp_swpout");
	fallback = vmstat_read("thp_swpout_fallback");
	ASSERT_GT(swap_env_swap_out(&st->env, 2 * st->nr_pages * psize(),
				    sharers_swapped_cb, st, SWAP_OUT_PASSES), 0)
		sharers_explain(st);
	ASSERT_EQ(swpout + whole, vmstat_read("thp_swpout"))
		TH_LOG("setup: the THP did not go out %s",
		       whole ? "whole" : "split");
	ASSERT_EQ(fallback + !whole, vmstat_read("thp_swpout_fallback"));
	ASSERT_EQ(0, sharer_pagemap(&st->sh, 0, 0, THP_PAGES, pme0));
	ASSERT_EQ(0, sharer_pagemap(&st->sh, 1, 0, THP_PAGES, pme1));
	for (p = 0; p < THP_PAGES; p++) {
		ASSERT_TRUE(same_swap_entry(pme0[p], pme1[p]))
			TH_LOG("setup: page %lu", p);
		if (whole) {
			ASSERT_EQ(pagemap_swap_offset(pme0[0]) + p,
				  pagemap_swap_offset(pme0[p]))
				TH_LOG("setup: page %lu not in the THP's cluster",
				       p);
		}
	}
	if (whole) {
		ASSERT_EQ(0, pagemap_swap_offset(pme0[0]) % THP_PAGES);
	}

	remap_counts_read(&c0);
	ASSERT_EQ(0, sharer_read(&st->sh, 0, 0, THP_PAGES, sum));
	EXPECT_EQ(THP_PAGES, sharer_faults(&st->sh, 0));
	for (p = 0; p < THP_PAGES; p++) {
		EXPECT_EQ(pattern_checksum(st->seed[p]), sum[p])
			TH_LOG("page %lu", p);
	}
	EXPECT_EQ(c0.pswpin + THP_PAGES, vmstat_read("pswpin"));
	EXPECT_EQ(c0.pte + (variant->remap ? THP_PAGES : 0),
		  vmstat_read("swapin_remap_pte"));
	EXPECT_EQ(c0.walk + (variant->remap ? THP_PAGES : 0),
		  vmstat_read("swapin_remap_walk"));
	EXPECT_EQ(c0.abort, vmstat_read("swapin_remap_abort"));

	ASSERT_EQ(0, sharer_pagemap(&st->sh, 0, 0, THP_PAGES, pme0));
	ASSERT_EQ(0, sharer_pagemap(&st->sh, 1, 0, THP_PAGES, now));
	for (p = 0; p < THP_PAGES; p++) {
		ASSERT_TRUE(pme0[p] & PM_PRESENT);
		pfn = pagemap_pfn(pme0[p]);
		EXPECT_FALSE(page_flag(pfn, KPF_THP)) TH_LOG("page %lu", p);
		if (variant->remap) {
			EXPECT_EQ(pfn, pagemap_pfn(now[p])) TH_LOG("page %lu", p);
		} else {
			EXPECT_TRUE(same_swap_entry(pme1[p], now[p]))
				TH_LOG("page %lu", p);
		}
	}
	ASSERT_EQ(0, sharer_read(&st->sh, 1, 0, THP_PAGES, sum));
	EXPECT_EQ(variant->remap ? 0 : THP_PAGES, sharer_faults(&st->sh, 1));
	for (p = 0; p < THP_PAGES; p++) {
		EXPECT_EQ(pattern_checksum(st->seed[p]), sum[p])
			TH_LOG("page %lu", p);
	}

	/* A write copies, in a sharer of a page of the former THP too. */
	ASSERT_EQ(0, sharer_write(&st->sh, 1, 0, 1, &seed));
	ASSERT_EQ(0, sharer_read(&st->sh, 0, 0, 1, sum));
	EXPECT_EQ(pattern_checksum(st->seed[0]), sum[0]);
	ASSERT_EQ(0, sharer_read(&st->sh, 1, 0, 1, sum));
	EXPECT_EQ(pattern_checksum(seed), sum[0]);
}

/* KSM: the content of page @p; pages KSM_DISTINCT and up repeat. */
static unsigned long ksm_content(unsigned long p)
{
	return p < KSM_DISTINCT ? p : p - KSM_DISTINCT;
}

/* Every page merged as planned: what ksm_left_alone waits for. */
static bool ksm_merged(struct remap_state *st, __u64 pme[][NR_PAGES])
{
	unsigned long p;
	int i;

	for (i = 0; i < NR_SHARERS; i++)
		if (sharer_pagemap(&st->sh, i, 0, NR_PAGES, pme[i]))
			return false;
	for (p = 0; p < NR_PAGES; p++) {
		unsigned long pfn = pagemap_pfn(pme[0][p]);

		if (!(pme[0][p] & PM_PRESENT) || !page_flag(pfn, KPF_KSM) ||
		    pfn != pagemap_pfn(pme[0][ksm_content(p)]))
			return false;
		for (i = 1; i < NR_SHARERS; i++)
			if (pagemap_pfn(pme[i][p]) != pfn)
				return false;
	}
	return true;
}

/*
 * KSM: every page has its own content, the same in every sharer, so
 * that a folio mapped at a wrong pgoff shows in the data; and pages
 * KSM_DISTINCT and up repeat the first ones, so that one KSM page, one
 * swap entry, sits at two pgoffs.  Each sharer writes its own copies
 * (fork() sharing is not KSM's), KSM merges them across sharers and
 * pgoffs (checked), and reclaim swaps the KSM pages out.
 *
 * The swapped-in folio is an ordinary anonymous folio at the pgoff it
 * was faulted at: the remap maps it into the other sharers at that
 * pgoff only, never at the other pgoff of the same entry (checked: those
 * PTEs keep the entry, and get copies, ksm_might_need_to_copy(), when
 * faulted).
 */
TEST_F_TIMEOUT(remap, ksm_left_alone, TEST_TIMEOUT)
{
	struct remap_state *st = &self->st;
	__u64 pme[NR_SHARERS][NR_PAGES], now[NR_PAGES], sum[NR_PAGES];
	__u64 seed[NR_PAGES];
	struct remap_counts c0;
	unsigned long p;
	int i, tries;

	/*
	 * An entry of a repeated page has two PTEs in each sharer, 7 other
	 * references at the first fault: "auto" runs as the mode it picks
	 * for the backend, as in budget_runs_out.
	 */
	ASSERT_EQ(0, file_write_str(KNOB, walk_all_mode(variant->mode,
							variant->backend)));
	/* The test process faults the pages in first: one anon_vma root. */
	ASSERT_EQ(0, target_map(st, NR_PAGES, MAP_PRIVATE, 1, 8, false));
	ASSERT_EQ(0, madvise(st->mem, st->mem_len, MADV_MERGEABLE));
	ASSERT_EQ(0, target_share(st, NR_SHARERS, false));
	for (p = 0; p < NR_PAGES; p++) {
		seed[p] = page_seed(getpid(), ksm_content(p), 9);
		st->seed[p] = seed[p];
	}
	for (i = 0; i < NR_SHARERS; i++) {
		ASSERT_EQ(0, sharer_write(&st->sh, i, 0, NR_PAGES, seed));
	}

	ASSERT_EQ(0, setting_pin(&st->ksm[1], KSM_DIR "pages_to_scan", "1000"));
	ASSERT_EQ(0, setting_pin(&st->ksm[2], KSM_DIR "sleep_millisecs", "0"));
	ASSERT_EQ(0, setting_pin(&st->ksm[0], KSM_DIR "run", "1"));
	for (tries = 0; tries < 600 && !ksm_merged(st, pme); tries++)
		usleep(50000);
	/*
	 * ksmd stopped, not unmerging: nothing merges the pages again
	 * while they come back.  st->ksm[0] restores "run" at teardown.
	 */
	ASSERT_EQ(0, file_write_str(KSM_DIR "run", "0"));
	setting_restore(&st->ksm[2]);
	setting_restore(&st->ksm[1]);
	ASSERT_TRUE(ksm_merged(st, pme)) TH_LOG("setup: KSM did not merge");

	ASSERT_GT(swap_env_swap_out(&st->env, NR_SHARERS * st->mem_len,
				    sharers_swapped_cb, st, SWAP_OUT_PASSES), 0)
		sharers_explain(st);
	for (i = 0; i < NR_SHARERS; i++) {
		ASSERT_EQ(0, sharer_pagemap(&st->sh, i, 0, NR_PAGES, pme[i]));
		for (p = 0; p < NR_PAGES; p++) {
			ASSERT_TRUE(same_swap_entry(pme[0][ksm_content(p)],
						    pme[i][p]))
				TH_LOG("setup: sharer %d page %lu", i, p);
		}
	}
	for (p = 1; p < KSM_DISTINCT; p++) {
		ASSERT_FALSE(same_swap_entry(pme[0][p - 1], pme[0][p]));
	}

	/* Sharer 0 faults the distinct pages. */
	remap_counts_read(&c0);
	ASSERT_EQ(0, sharer_read(&st->sh, 0, 0, KSM_DISTINCT, sum));
	for (p = 0; p < KSM_DISTINCT; p++) {
		EXPECT_EQ(pattern_checksum(seed[p]), sum[p]) TH_LOG("page %lu", p);
	}
	EXPECT_EQ(c0.pte + (variant->remap ?
			    (NR_SHARERS - 1) * KSM_DISTINCT : 0),
		  vmstat_read("swapin_remap_pte"));
	EXPECT_EQ(c0.walk + (variant->remap ? KSM_DISTINCT : 0),
		  vmstat_read("swapin_remap_walk"));
	ASSERT_EQ(0, sharer_pagemap(&st->sh, 0, 0, NR_PAGES, pme[0]));
	for (i = 1; i < NR_SHARERS; i++) {
		ASSERT_EQ(0, sharer_pagemap(&st->sh, i, 0, NR_PAGES, now));
		for (p = 0; p < NR_PAGES; p++) {
			if (variant->remap && p < KSM_DISTINCT) {
				EXPECT_EQ(pagemap_pfn(pme[0][p]),
					  pagemap_pfn(now[p]))
					TH_LOG("sharer %d page %lu", i, p);
			} else {
				EXPECT_TRUE(same_swap_entry(pme[i][p], now[p]))
					TH_LOG("sharer %d page %lu: %#llx", i,
					       p, (unsigned long long)now[p]);
			}
		}
	}

	/* Then the repeats: copies, never remapped. */
	remap_counts_read(&c0);
	ASSERT_EQ(0, sharer_read(&st->sh, 0, KSM_DISTINCT,
				 NR_PAGES - KSM_DISTINCT, sum));
	EXPECT_EQ(c0.pte, vmstat_read("swapin_remap_pte"));
	ASSERT_EQ(0, sharer_pagemap(&st->sh, 0, 0, NR_PAGES, pme[0]));
	for (p = KSM_DISTINCT; p < NR_PAGES; p++) {
		EXPECT_EQ(pattern_checksum(seed[p]), sum[p - KSM_DISTINCT]);
		ASSERT_TRUE(pme[0][p] & PM_PRESENT);
		EXPECT_NE(pagemap_pfn(pme[0][ksm_content(p)]),
			  pagemap_pfn(pme[0][p]));
	}

	/* Everyone reads everything, at the right pgoff. */
	for (i = 0; i < NR_SHARERS; i++) {
		ASSERT_EQ(0, sharer_read(&st->sh, i, 0, NR_PAGES, sum));
		for (p = 0; p < NR_PAGES; p++) {
			EXPECT_EQ(pattern_checksum(seed[p]), sum[p])
				TH_LOG("sharer %d page %lu", i, p);
		}
		if (i) {
			EXPECT_EQ(variant->remap ? NR_PAGES - KSM_DISTINCT :
				  NR_PAGES, sharer_faults(&st->sh, i))
				TH_LOG("sharer %d", i);
		}
	}
	EXPECT_EQ(c0.pte, vmstat_read("swapin_remap_pte"));
}

/*
 * The swap cache folios of sharer @i's pages [@first, NR_PAGES) that are
 * still swap PTEs there: with @ra, those that readahead brought in and no
 * fault has found yet, still marked PG_readahead (KPF_RECLAIM, the same
 * bit); without, those not marked (MADV_WILLNEED's).  Waits for their
 * reads to end, so that a batch can lock them.  @pme: sharer @i's
 * pagemap.
 * Return: a bit per page, or -1 if a read did not end in time.
 */
static long cached_pages(struct remap_state *st, int i, unsigned long first,
			 __u64 *pme, bool ra)
{
	struct swap_slot slot;
	unsigned long p;
	long mask = 0;
	int tries;

	if (sharer_pagemap(&st->sh, i, 0, NR_PAGES, pme))
		return -1;
	for (p = first; p < NR_PAGES; p++) {
		if (!pagemap_entry_is_swap(pme[p]) ||
		    swap_slot_get(pagemap_swap_type(pme[p]),
				  pagemap_swap_offset(pme[p]), &slot) != 1 ||
		    !slot.in_swapcache || page_flag(slot.pfn, KPF_RECLAIM) != ra)
			continue;
		for (tries = 0; tries < 100; tries++) {
			if (page_flag(slot.pfn, KPF_UPTODATE) &&
			    !page_flag(slot.pfn, KPF_LOCKED))
				break;
			usleep(50000);
		}
		if (tries == 100)
			return -1;
		mask |= 1L << p;
	}
	return mask;
}

/*
 * cluster_ra_prime - leave readahead by swap offset ready to read a full
 * window at its next miss, whatever faults earlier in the run left.
 *
 * swap_cluster_readahead() sizes its window from global state
 * (mm/swap_state.c's swapin_nr_pages()): the readahead hits since the
 * last miss, the offset of that miss, and the last window.  With no hit
 * and a miss far from the last one, the window is one page: no
 * readahead.  PRIME_HITS hits or more make the next window 8 pages
 * (page-cluster 3).  So the test process pages out a private mapping of
 * its own and reads it in order, checking each page's data, until
 * PRIME_HITS reads in a row found their page read ahead (in the swap
 * cache before the read, by mincore(), and one swap_ra_hit each), then
 * unmaps it.
 * Return: 0, or -1 if a step failed or readahead never made PRIME_HITS
 * hits in a row.
 */
static int cluster_ra_prime(struct remap_state *st)
{
	size_t len = PRIME_PAGES * psize();
	char *mem = target_mmap(PRIME_PAGES, MAP_PRIVATE, 1);
	__u64 seed[PRIME_PAGES], pme[PRIME_PAGES];
	long long hit0 = 0;
	unsigned char in;
	unsigned long p;
	int run = 0;

	if (!mem)
		return -1;
	if (madvise(mem, len, MADV_NOHUGEPAGE) || munlock(mem, len))
		goto fail;
	pages_fill_seeded(mem, PRIME_PAGES, getpid(), 1, seed);
	if (swap_env_pageout(&st->env, mem, PRIME_PAGES, pme))
		goto fail;
	for (p = 0; p < PRIME_PAGES && run < PRIME_HITS; p++) {
		if (mincore(mem + p * psize(), psize(), &in))
			goto fail;
		if (!(in & 1))
			run = 0;
		else if (!run++)
			hit0 = vmstat_read("swap_ra_hit");
		if (page_checksum(mem + p * psize()) !=
		    pattern_checksum(seed[p])) {
			ksft_print_msg("setup: bad data in page %lu\n", p);
			goto fail;
		}
	}
	if (run < PRIME_HITS ||
	    vmstat_read("swap_ra_hit") != hit0 + PRIME_HITS) {
		ksft_print_msg("setup: readahead made %d hits in a row\n", run);
		goto fail;
	}
	return munmap(mem, len);
fail:
	munmap(mem, len);
	return -1;
}

/*
 * disk_target_swap_out - swap the target out in page order, slot after
 * slot, while the test process alone maps it, then fork the sharers.
 *
 * On the disk readahead is by swap offset (the window around the fault's
 * slot), so the readahead tests need page p + 1 in the slot after page
 * p's.  Reclaim of the shared target (target_share()) does not give
 * that order: in about 1 run in 8 page 0 went out last, to the slot
 * after page 15's, and the window around it held no page of the target.
 * MADV_PAGEOUT works in address order on the pages it finds on the LRU;
 * filled and paged out on one CPU, whose per-CPU LRU batch it drains
 * first, the target is found whole.
 * Return: 0, or -1 if a step failed or the slots are out of order.
 */
static int disk_target_swap_out(struct remap_state *st)
{
	cpu_set_t old_mask, one_cpu;
	__u64 pme[NR_PAGES];
	unsigned long p;
	int ret;

	if (sched_getaffinity(0, sizeof(old_mask), &old_mask))
		return -1;
	CPU_ZERO(&one_cpu);
	for (p = 0; p < CPU_SETSIZE; p++) {
		if (CPU_ISSET(p, &old_mask)) {
			CPU_SET(p, &one_cpu);
			break;
		}
	}
	if (sched_setaffinity(0, sizeof(one_cpu), &one_cpu))
		return -1;
	ret = target_map(st, NR_PAGES, MAP_PRIVATE, NR_PAGES, 0, false) ||
	      swap_env_pageout(&st->env, st->mem, NR_PAGES, pme);
	sched_setaffinity(0, sizeof(old_mask), &old_mask);
	if (ret)
		return -1;
	for (p = 1; p < NR_PAGES; p++) {
		if (pagemap_swap_offset(pme[p]) != pagemap_swap_offset(pme[0]) + p) {
			ksft_print_msg("setup: page %lu in slot %lu, page 0 in %lu\n",
				       p, pagemap_swap_offset(pme[p]),
				       pagemap_swap_offset(pme[0]));
			return -1;
		}
	}
	return target_share(st, 2, true);
}

/*
 * readahead_setup - the target of the readahead tests: NR_PAGES shared
 * by 2 sharers and swapped out, with page-cluster 3 and VMA readahead
 * on.  target_share() reclaims until SwapCached is 0 (cgroup_swap_out()),
 * so no page of the target is in the swap cache and readahead reads all
 * of its window.  On the disk readahead is by swap offset: the target
 * goes out in page order (disk_target_swap_out()), and the window is
 * one that earlier faults decide, which cluster_ra_prime() sets last,
 * just before the test's first fault.
 * Return: 0, or -1 if a step failed.
 */
static int readahead_setup(struct remap_state *st, enum swap_backend backend)
{
	if (file_write_str(PAGE_CLUSTER, "3") ||
	    file_write_str(VMA_RA_ENABLED, "true"))
		return -1;
	if (backend == SWAP_BACKEND_DISK)
		return disk_target_swap_out(st) || cluster_ra_prime(st) ? -1 : 0;
	return target_map(st, NR_PAGES, MAP_PRIVATE, NR_PAGES, 0, false) ||
	       target_share(st, 2, true) ? -1 : 0;
}

/*
 * Swap readahead's guesses join a batch only once readahead has been
 * right.  With VMA readahead on (page-cluster 3), sharer 0 reads its
 * swapped-out pages in order, one read at a time:
 *
 * - page 0: a fault, and readahead reads pages 1.. ahead (PG_readahead;
 *   a new VMA starts with the readahead hits of mm/swap_state.c's
 *   GET_SWAP_RA_VAL(), so the first window is a full one).  No hit since
 *   that window: the guesses stay swap PTEs in both sharers;
 * - page 1: a fault that finds a guess, the first hit, so readahead is
 *   proven: the batch maps the other guesses into both sharers, counts
 *   their hits, and sharer 0 reads them without a fault;
 * - the page after the last guess: a fault, and readahead reads the
 *   window forward from it (mm/swap_state.c's swap_vma_ra_win()), since
 *   the batch moved the VMA's readahead address to the last guess it
 *   mapped, as that guess's own fault would have.  Left at page 1, the
 *   address would make the window centred on the fault, and the last
 *   pages of a forward one would not be read.
 *
 * With "never" there is no batch: every read is a fault, and every page
 * read ahead a hit of its own, which moves the address itself.
 */
TEST_F_TIMEOUT(remap, readahead_proven, TEST_TIMEOUT)
{
	struct remap_state *st = &self->st;
	__u64 out[NR_PAGES], pme[2][NR_PAGES], sum[NR_PAGES];
	long long ra0, hit0;
	unsigned long p, next;
	long ahead, want;
	int i, nr;

	ASSERT_EQ(0, readahead_setup(st, variant->backend));
	ASSERT_EQ(0, sharer_pagemap(&st->sh, 1, 0, NR_PAGES, out));

	/* Page 0: a fault, and pages read ahead. */
	ra0 = vmstat_read("swap_ra");
	ASSERT_EQ(0, sharer_read(&st->sh, 0, 0, 1, sum));
	EXPECT_EQ(1, sharer_faults(&st->sh, 0));
	EXPECT_EQ(pattern_checksum(st->seed[0]), sum[0]);
	ASSERT_LT(ra0, vmstat_read("swap_ra")) TH_LOG("setup: no readahead");

	/* Not proven: every guess is a swap PTE in both sharers... */
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, sharer_pagemap(&st->sh, i, 0, NR_PAGES, pme[i]));
		for (p = 1; p < NR_PAGES; p++) {
			ASSERT_TRUE(same_swap_entry(out[p], pme[i][p]))
				TH_LOG("sharer %d page %lu: %#llx", i, p,
				       (unsigned long long)pme[i][p]);
		}
	}
	/* ...still marked, pages 1 and 2 among them. */
	ahead = cached_pages(st, 0, 1, pme[0], true);
	ASSERT_LE(0, ahead) TH_LOG("a read ahead did not end");
	ASSERT_EQ(3L << 1, ahead & (3L << 1))
		TH_LOG("setup: pages 1 and 2 not read ahead (%#lx)", ahead);

	/* Page 1: a fault, a hit, and the other guesses join its batch. */
	hit0 = vmstat_read("swap_ra_hit");
	ASSERT_EQ(0, sharer_read(&st->sh, 0, 1, 1, sum));
	EXPECT_EQ(1, sharer_faults(&st->sh, 0));
	EXPECT_EQ(pattern_checksum(st->seed[1]), sum[0]);
	ahead &= ~(1L << 1);
	nr = __builtin_popcountl(ahead);
	EXPECT_EQ(hit0 + 1 + (variant->remap ? nr : 0),
		  vmstat_read("swap_ra_hit"));
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, sharer_pagemap(&st->sh, i, 0, NR_PAGES, pme[i]));
		EXPECT_EQ(variant->remap || !i, !!(pme[i][1] & PM_PRESENT))
			TH_LOG("sharer %d page 1: %#llx", i,
			       (unsigned long long)pme[i][1]);
		for (p = 2; p < NR_PAGES; p++) {
			if (!(ahead & (1L << p)))
				continue;
			EXPECT_EQ(variant->remap, !!(pme[i][p] & PM_PRESENT))
				TH_LOG("sharer %d page %lu: %#llx", i, p,
				       (unsigned long long)pme[i][p]);
		}
	}
	for (p = 2; p < NR_PAGES; p++) {
		if (!(ahead & (1L << p)))
			continue;
		ASSERT_EQ(0, sharer_read(&st->sh, 0, p, 1, sum));
		EXPECT_EQ(!variant->remap, sharer_faults(&st->sh, 0))
			TH_LOG("page %lu", p);
		EXPECT_EQ(pattern_checksum(st->seed[p]), sum[0]);
	}

	/*
	 * The page after the last guess: a fault whose window of 8 (the
	 * hit of page 1 and those of at least 2 guesses make 5 pages or
	 * more, rounded up) starts there: pages next + 1 to next + 7 are
	 * read ahead.  Only with VMA readahead: the disk is rotational to
	 * the guest's kernel, and swap on a rotational device turns it
	 * off (nr_rotate_swap), for readahead by swap offset
	 * (swap_cluster_readahead()), which keeps no address.
	 */
	if (variant->backend != SWAP_BACKEND_ZRAM)
		return;
	ASSERT_LE(2, nr)
		TH_LOG("setup: guesses after page 1: %#lx", ahead);
	next = 64 - __builtin_clzl(ahead);
	ASSERT_LT(next + 7, NR_PAGES) TH_LOG("setup: guesses up to %lu", next);
	ASSERT_EQ(0, sharer_read(&st->sh, 0, next, 1, sum));
	EXPECT_EQ(1, sharer_faults(&st->sh, 0));
	EXPECT_EQ(pattern_checksum(st->seed[next]), sum[0]);
	want = 0x7fL << (next + 1);
	ahead = cached_pages(st, 0, next + 1, pme[0], true);
	EXPECT_EQ(want, ahead)
		TH_LOG("read ahead after page %lu: %#lx, not %#lx", next,
		       ahead, want);
}

/*
 * The batch leaves the VMA's readahead address where faults in the
 * direction of access would have left it, backward as well.  Sharer 0
 * reads its pages from the last one down (VMA readahead on, page-cluster
 * 3, on zram: see readahead_proven for the disk):
 *
 * - page 15: a fault; the window, centred and clipped to the VMA, reads
 *   pages 12 to 14 ahead;
 * - page 14: a fault that finds a guess; its batch maps pages 12 and 13
 *   (the remap), or they fault in turn ("never");
 * - page 11: a fault that reads the window backward from it (3 hits, 8
 *   pages): pages 4 to 10 are read ahead.  Left at page 13, the highest
 *   member, the address would make that window centred, and only pages
 *   8 to 10 would be read.
 */
TEST_F_TIMEOUT(remap, readahead_backward, TEST_TIMEOUT)
{
	struct remap_state *st = &self->st;
	__u64 pme[NR_PAGES], sum[NR_PAGES];
	long ahead, want;
	unsigned long p;

	ASSERT_EQ(0, readahead_setup(st, variant->backend));

	ASSERT_EQ(0, sharer_read(&st->sh, 0, 15, 1, sum));
	EXPECT_EQ(1, sharer_faults(&st->sh, 0));
	EXPECT_EQ(pattern_checksum(st->seed[15]), sum[0]);
	if (variant->backend != SWAP_BACKEND_ZRAM)
		return;
	ahead = cached_pages(st, 0, 0, pme, true);
	ASSERT_EQ(0x7000L, ahead)
		TH_LOG("setup: read ahead at page 15: %#lx", ahead);

	ASSERT_EQ(0, sharer_read(&st->sh, 0, 14, 1, sum));
	EXPECT_EQ(1, sharer_faults(&st->sh, 0));
	EXPECT_EQ(pattern_checksum(st->seed[14]), sum[0]);
	for (p = 13; p >= 12; p--) {
		ASSERT_EQ(0, sharer_read(&st->sh, 0, p, 1, sum));
		EXPECT_EQ(!variant->remap, sharer_faults(&st->sh, 0))
			TH_LOG("page %lu", p);
		EXPECT_EQ(pattern_checksum(st->seed[p]), sum[0]);
	}

	ASSERT_EQ(0, sharer_read(&st->sh, 0, 11, 1, sum));
	EXPECT_EQ(1, sharer_faults(&st->sh, 0));
	EXPECT_EQ(pattern_checksum(st->seed[11]), sum[0]);
	want = 0x7f0L;
	ahead = cached_pages(st, 0, 0, pme, true);
	EXPECT_EQ(want, ahead)
		TH_LOG("read ahead at page 11: %#lx, not %#lx", ahead, want);
}

/*
 * auto_batch_waits for neighbours that no PTE maps yet: a folio that
 * MADV_WILLNEED (or readahead, once proven) read into the swap cache is
 * not anon before its first mapping and counts one reader, the faulting
 * VMA.
 * WAIT_SHARERS sharers: sharers 2 to 7 drop page 1 (MADV_DONTNEED),
 * which leaves its entry 2 references, and sharer 0 reads pages 2 to 15
 * into the swap cache with MADV_WILLNEED (unmarked: not readahead's
 * guesses).  Sharer 0's fault on page 1 maps it into sharer 1 in every
 * remapping mode.  Its batch would take pages 2 to 15, 7 other
 * references each: with "auto" they stay out, unmapped in the swap
 * cache, and each of sharer 0's reads of them is a fault; "keep" and
 * "free" map them into all 8 sharers; "never" maps nothing.
 */
TEST_F_TIMEOUT(remap, auto_batch_waits_unmapped, TEST_TIMEOUT)
{
	struct remap_state *st = &self->st;
	bool waits = !strcmp(variant->mode, "auto");
	bool joins = variant->remap && !waits;
	const long rest = ((1L << NR_PAGES) - 1) & ~3L;
	__u64 pme[NR_PAGES], sum[NR_PAGES];
	struct remap_counts c0;
	struct swap_slot slot;
	unsigned long p;
	long cached;
	int i;

	ASSERT_TRUE(swap_slots_present()) TH_LOG("no %s", SWAP_SLOTS_PATH);
	ASSERT_EQ(0, wait_window_share(st));
	for (i = 2; i < WAIT_SHARERS; i++)
		ASSERT_EQ(0, sharer_madvise(&st->sh, i, 1, 1, MADV_DONTNEED));
	ASSERT_EQ(0, sharer_pagemap(&st->sh, 1, 0, NR_PAGES, pme));
	for (p = 1; p < NR_PAGES; p++) {
		ASSERT_TRUE(pagemap_entry_is_swap(pme[p]))
			TH_LOG("setup: page %lu", p);
		ASSERT_EQ(1, swap_slot_get(pagemap_swap_type(pme[p]),
					   pagemap_swap_offset(pme[p]), &slot));
		ASSERT_EQ(p == 1 ? 2 : WAIT_SHARERS, slot.count)
			TH_LOG("setup: page %lu", p);
	}
	ASSERT_EQ(0, sharer_madvise(&st->sh, 0, 2, NR_PAGES - 2,
				    MADV_WILLNEED));
	/* Unmarked swap cache folios: pages 2 to 15, not 0 or 1. */
	cached = cached_pages(st, 0, 0, pme, false);
	ASSERT_EQ(rest, cached)
		TH_LOG("setup: in the swap cache after MADV_WILLNEED: %#lx",
		       cached);

	remap_counts_read(&c0);
	ASSERT_EQ(0, sharer_read(&st->sh, 0, 1, 1, sum));
	EXPECT_EQ(1, sharer_faults(&st->sh, 0));
	EXPECT_EQ(pattern_checksum(st->seed[1]), sum[0]);
	EXPECT_EQ(c0.pswpin + 1, vmstat_read("pswpin"));
	EXPECT_EQ(c0.pte + (variant->remap ? 1 : 0) +
		  (joins ? WAIT_SHARERS * (NR_PAGES - 2) : 0),
		  vmstat_read("swapin_remap_pte"));
	EXPECT_EQ(c0.walk + variant->remap, vmstat_read("swapin_remap_walk"));
	EXPECT_EQ(c0.abort, vmstat_read("swapin_remap_abort"));
	for (i = 0; i < WAIT_SHARERS; i++) {
		ASSERT_EQ(0, sharer_pagemap(&st->sh, i, 0, NR_PAGES, pme));
		if (i < 2)
			EXPECT_EQ(variant->remap || !i,
				  !!(pme[1] & PM_PRESENT))
				TH_LOG("sharer %d page 1: %#llx", i,
				       (unsigned long long)pme[1]);
		for (p = 2; p < NR_PAGES; p++) {
			EXPECT_EQ(joins, !!(pme[p] & PM_PRESENT))
				TH_LOG("sharer %d page %lu: %#llx", i, p,
				       (unsigned long long)pme[p]);
		}
	}
	cached = cached_pages(st, 0, 0, pme, false);
	EXPECT_EQ(joins ? 0 : rest, cached)
		TH_LOG("left unmapped in the swap cache: %#lx", cached);

	/* Left out: each read a stock fault, from the swap cache. */
	ASSERT_EQ(0, sharer_read(&st->sh, 0, 2, NR_PAGES - 2, sum + 2));
	EXPECT_EQ(joins ? 0 : NR_PAGES - 2, sharer_faults(&st->sh, 0));
	for (p = 2; p < NR_PAGES; p++)
		EXPECT_EQ(pattern_checksum(st->seed[p]), sum[p]);
	EXPECT_EQ(c0.walk + variant->remap, vmstat_read("swapin_remap_walk"));
	EXPECT_EQ(c0.pswpin + 1, vmstat_read("pswpin"));
}

/*
 * The budget: a walk gives up after SWAP_REMAP_BUDGET units, a VMA
 * costing the slots of the window it covers plus one for its page
 * table.  BUDGET_SHARERS sharers of one full 16-page window: the first
 * fault reaches about 512 / 17 = 30 of their VMAs, maps all 16 pages in
 * each, and gives up on the others (swapin_remap_abort).  The sharers it
 * did not reach keep their swap PTEs and fault as without the remap:
 * each of their 16 reads is a fault of its own, and the data is right.
 *
 * The window is full because sharer 0 read the 16 pages first with the
 * remap off (checked: they are in the swap cache), so that when sharer 1
 * faults page 0 the other 15 join the batch.  "auto" runs as the mode it
 * picks for the backend: with 38 entries left and 2 readers, sharer 1's
 * fault would be the stock one (auto_waits_for_readers).
 */
TEST_F_TIMEOUT(remap, budget_runs_out, TEST_TIMEOUT)
{
	struct remap_state *st = &self->st;
	__u64 base[REMAP_BATCH], pme[REMAP_BATCH], sum[REMAP_BATCH];
	bool reached[BUDGET_SHARERS] = { false };
	int nr_reached = 0, nr_left = 0, i, n;
	struct remap_counts c0;
	unsigned long p;

	ASSERT_EQ(0, target_map(st, REMAP_BATCH, MAP_PRIVATE, REMAP_BATCH, 0,
				false));
	ASSERT_EQ(0, target_share(st, BUDGET_SHARERS, true));

	ASSERT_EQ(0, file_write_str(KNOB, "never"));
	ASSERT_EQ(0, sharer_read(&st->sh, 0, 0, REMAP_BATCH, sum));
	ASSERT_EQ(REMAP_BATCH, sharer_faults(&st->sh, 0));
	ASSERT_EQ(0, file_write_str(KNOB, walk_all_mode(variant->mode,
							variant->backend)));
	ASSERT_EQ(0, sharer_pagemap(&st->sh, 0, 0, REMAP_BATCH, base));
	for (p = 0; p < REMAP_BATCH; p++) {
		EXPECT_EQ(pattern_checksum(st->seed[p]), sum[p]);
		ASSERT_TRUE(base[p] & PM_PRESENT);
		ASSERT_TRUE(page_flag(pagemap_pfn(base[p]), KPF_SWAPCACHE))
			TH_LOG("setup: page %lu not in the swap cache", p);
	}

	remap_counts_read(&c0);
	ASSERT_EQ(0, sharer_read(&st->sh, 1, 0, 1, sum));
	EXPECT_EQ(1, sharer_faults(&st->sh, 1));
	EXPECT_EQ(pattern_checksum(st->seed[0]), sum[0]);
	EXPECT_EQ(c0.walk + variant->remap, vmstat_read("swapin_remap_walk"));
	EXPECT_EQ(c0.abort + variant->remap, vmstat_read("swapin_remap_abort"));

	/* Sharer 1's other 15 pages came with the batch, or not at all. */
	ASSERT_EQ(0, sharer_pagemap(&st->sh, 1, 0, REMAP_BATCH, pme));
	for (p = 1; p < REMAP_BATCH; p++) {
		if (variant->remap) {
			EXPECT_EQ(pagemap_pfn(base[p]), pagemap_pfn(pme[p]))
				TH_LOG("sharer 1 page %lu: %#llx", p,
				       (unsigned long long)pme[p]);
		} else {
			EXPECT_TRUE(pagemap_entry_is_swap(pme[p]));
		}
	}
	/* Each other sharer was reached, all 16 pages, or not at all. */
	for (i = 2; i < BUDGET_SHARERS; i++) {
		ASSERT_EQ(0, sharer_pagemap(&st->sh, i, 0, REMAP_BATCH, pme));
		for (n = 0, p = 0; p < REMAP_BATCH; p++)
			n += pagemap_pfn(pme[p]) == pagemap_pfn(base[p]);
		for (p = 0; !n && p < REMAP_BATCH; p++) {
			ASSERT_TRUE(pagemap_entry_is_swap(pme[p]))
				TH_LOG("sharer %d page %lu: %#llx", i, p,
				       (unsigned long long)pme[p]);
		}
		ASSERT_TRUE(n == 0 || n == REMAP_BATCH)
			TH_LOG("sharer %d: %d of %d pages mapped", i, n,
			       REMAP_BATCH);
		reached[i] = n;
		nr_reached += !!n;
	}
	nr_left = BUDGET_SHARERS - 2 - nr_reached;
	ksft_print_msg("%s: %d sharers reached, %d not\n", variant->mode,
		       nr_reached, nr_left);
	EXPECT_EQ(c0.pte + (variant->remap ?
			    REMAP_BATCH - 1 + REMAP_BATCH * nr_reached : 0),
		  vmstat_read("swapin_remap_pte"));
	if (variant->remap) {
		/* The faulting VMA and sharer 0's cost their share too. */
		EXPECT_LE(nr_reached, REMAP_BUDGET / (REMAP_BATCH + 1));
		EXPECT_GE(nr_reached, REMAP_BUDGET / (REMAP_BATCH + 1) - 3);
		ASSERT_GT(nr_left, 0);
	} else {
		EXPECT_EQ(0, nr_reached);
	}

	/* The others read: no fault where reached, one a page elsewhere. */
	remap_counts_read(&c0);
	for (i = 2; i < BUDGET_SHARERS; i++) {
		ASSERT_EQ(0, sharer_read(&st->sh, i, 0, REMAP_BATCH, sum));
		EXPECT_EQ(reached[i] ? 0 : REMAP_BATCH,
			  sharer_faults(&st->sh, i))
			TH_LOG("sharer %d", i);
		for (p = 0; p < REMAP_BATCH; p++) {
			EXPECT_EQ(pattern_checksum(st->seed[p]), sum[p])
				TH_LOG("sharer %d page %lu", i, p);
		}
	}
	/* Read from the swap cache, never from swap again. */
	EXPECT_EQ(c0.pswpin, vmstat_read("pswpin"));
	/*
	 * Their walks reach none of them either, and give up too; but the
	 * last of them holds the last references, and walks no more.
	 */
	EXPECT_EQ(c0.pte, vmstat_read("swapin_remap_pte"));
	EXPECT_EQ(c0.walk + (variant->remap ? REMAP_BATCH * (nr_left - 1) : 0),
		  vmstat_read("swapin_remap_walk"));
	EXPECT_EQ(c0.abort + (variant->remap ? REMAP_BATCH * (nr_left - 1) : 0),
		  vmstat_read("swapin_remap_abort"));
}

/*
 * Swapoff with more than SWAP_MAP_MAX (62) references to each slot: the
 * counts go on in continuation pages (checked in the debugfs slot view).
 * Sharer 0 faults page 0 first: with the remap, the walk maps it into
 * the MANY_SHARERS - 1 others and drops their references, continuation
 * digits included, to 0; without, the count goes down by one and stays
 * continued.  Then swapoff brings in the rest, MANY_SHARERS references
 * each: every sharer maps every page, one PFN per page, and reads the
 * right data without a fault; the area is empty when swapped on again.
 * "auto" runs as the mode it picks for the backend, as in
 * budget_runs_out.
 */
TEST_F_TIMEOUT(remap, swapoff_many_refs, TEST_TIMEOUT)
{
	struct remap_state *st = &self->st;
	__u64 pme0[MANY_PAGES], pme[MANY_PAGES], sum[MANY_PAGES];
	unsigned long type, off[MANY_PAGES], p;
	struct remap_counts c0;
	struct swap_slot slot;
	int i, ret;

	ASSERT_TRUE(swap_slots_present()) TH_LOG("no %s", SWAP_SLOTS_PATH);
	ASSERT_EQ(0, file_write_str(KNOB, walk_all_mode(variant->mode,
							variant->backend)));
	ASSERT_EQ(0, share_pages(st, MANY_SHARERS, MANY_PAGES, MAP_PRIVATE,
				 true));
	ASSERT_EQ(0, sharer_pagemap(&st->sh, 0, 0, MANY_PAGES, pme0));
	type = pagemap_swap_type(pme0[0]);
	for (p = 0; p < MANY_PAGES; p++) {
		off[p] = pagemap_swap_offset(pme0[p]);
		ASSERT_EQ(1, swap_slot_get(type, off[p], &slot));
		ASSERT_EQ(MANY_SHARERS, slot.count) TH_LOG("setup: page %lu", p);
		ASSERT_TRUE(slot.map & SWAP_MAP_CONTINUED)
			TH_LOG("setup: page %lu: map %#x", p, slot.map);
	}

	remap_counts_read(&c0);
	ASSERT_EQ(0, sharer_read(&st->sh, 0, 0, 1, sum));
	EXPECT_EQ(pattern_checksum(st->seed[0]), sum[0]);
	EXPECT_EQ(c0.pte + (variant->remap ? MANY_SHARERS - 1 : 0),
		  vmstat_read("swapin_remap_pte"));
	EXPECT_EQ(c0.abort, vmstat_read("swapin_remap_abort"));
	ret = swap_slot_get(type, off[0], &slot);
	ASSERT_LE(0, ret);
	if (variant->remap) {
		/* Free, or held by the swap cache only ("keep"). */
		EXPECT_TRUE(ret == 0 || slot.count == 0)
			TH_LOG("page 0: count %lu", slot.count);
	} else {
		EXPECT_EQ(1, ret);
		EXPECT_EQ(MANY_SHARERS - 1, slot.count);
		EXPECT_TRUE(slot.map & SWAP_MAP_CONTINUED);
	}
	for (p = 1; p < MANY_PAGES; p++) {
		ASSERT_EQ(1, swap_slot_get(type, off[p], &slot));
		EXPECT_EQ(MANY_SHARERS, slot.count) TH_LOG("page %lu", p);
	}

	ASSERT_EQ(0, swap_area_teardown(&st->env.area));
	EXPECT_EQ(0, meminfo_read_pages("SwapTotal"));
	ASSERT_EQ(0, sharer_pagemap(&st->sh, 0, 0, MANY_PAGES, pme0));
	for (i = 0; i < MANY_SHARERS; i++) {
		ASSERT_EQ(0, sharer_pagemap(&st->sh, i, 0, MANY_PAGES, pme));
		for (p = 0; p < MANY_PAGES; p++) {
			ASSERT_TRUE(pme[p] & PM_PRESENT)
				TH_LOG("sharer %d page %lu: %#llx", i, p,
				       (unsigned long long)pme[p]);
			EXPECT_EQ(pagemap_pfn(pme0[p]), pagemap_pfn(pme[p]))
				TH_LOG("sharer %d page %lu", i, p);
		}
		ASSERT_EQ(0, sharer_read(&st->sh, i, 0, MANY_PAGES, sum));
		EXPECT_EQ(0, sharer_faults(&st->sh, i)) TH_LOG("sharer %d", i);
		for (p = 0; p < MANY_PAGES; p++) {
			EXPECT_EQ(pattern_checksum(st->seed[p]), sum[p])
				TH_LOG("sharer %d page %lu", i, p);
		}
	}
	for (p = 0; p < MANY_PAGES; p++) {
		EXPECT_EQ(MANY_SHARERS, page_count(pagemap_pfn(pme0[p])))
			TH_LOG("page %lu", p);
	}
	ASSERT_EQ(0, swap_area_setup(&st->env.area, variant->backend,
				     swap_area_wanted_pages()));
	EXPECT_EQ(st->env.area.total_pages, meminfo_read_pages("SwapFree"));
}

/*
 * poison_setup - pin what the memory error tests rely on: late kill (no
 * process is sent SIGBUS when the error is reported, only at its access),
 * recovery on (0 panics), the zswap shrinker off (no writeback of
 * zswap's copy behind the test's back), and hwpoison's filter on the
 * test's memory cgroup, so that a PFN whose page has moved since it was
 * read is not poisoned: memory_failure() checks the filter again under
 * the folio lock.
 * Return: 0, or -1 after a message.
 */
static int poison_setup(struct remap_state *st)
{
	struct stat sb;
	char ino[32];

	if (stat(st->env.cg.path, &sb)) {
		ksft_print_msg("stat %s: %s\n", st->env.cg.path,
			       strerror(errno));
		return -1;
	}
	snprintf(ino, sizeof(ino), "%llu", (unsigned long long)sb.st_ino);
	if (access(HWPOISON_DIR "corrupt-pfn", W_OK)) {
		ksft_print_msg("no %scorrupt-pfn (CONFIG_HWPOISON_INJECT?)\n",
			       HWPOISON_DIR);
		return -1;
	}
	return setting_pin(&st->poison[0], MF_EARLY_KILL, "0") ||
	       setting_pin(&st->poison[1], MF_RECOVERY, "1") ||
	       setting_pin(&st->poison[2], ZSWAP_SHRINKER, "N") ||
	       setting_pin(&st->poison[3], HWPOISON_DIR "corrupt-filter-memcg",
			   ino) ||
	       setting_pin(&st->poison[4], HWPOISON_DIR "corrupt-filter-enable",
			   "1") ? -1 : 0;
}

/*
 * poison_pfn - report a memory error at @pfn, as a memory scrubber would
 * (debugfs hwpoison/corrupt-pfn: memory_failure() without
 * MF_ACTION_REQUIRED).  MADV_HWPOISON would also send its caller SIGBUS.
 * Return: 0, or -errno of the write (-EBUSY: memory_failure() failed).
 */
static int poison_pfn(unsigned long pfn)
{
	char buf[32];
	int ret;

	snprintf(buf, sizeof(buf), "%lu", pfn);
	ret = file_write_str(HWPOISON_DIR "corrupt-pfn", buf);
	if (ret)
		ksft_print_msg("corrupt-pfn %#lx: %s\n", pfn, strerror(-ret));
	return ret;
}

/*
 * A memory error in a swap cache folio of the window, once
 * memory_failure() has dealt with it: the remap maps neither it nor
 * anything from its slot, and the sharers get what stock 6.12 gives them.
 *
 * zswap stores page POISON_PAGE, the only one it can compress.  Sharer
 * 0 reads it with the remap off: zswap_load() into the swap cache drops
 * zswap's copy and leaves the folio dirty, the only copy of the data.
 * The test reports a memory error in it (poison_pfn()).
 * unmap_poisoned_folio() unmaps a swap cache folio without
 * TTU_HWPOISON, so sharer 0's PTE gets its swap entry back, and
 * me_swapcache_dirty() clears the folio's dirty and uptodate bits,
 * uncharges it, and leaves it in the swap cache.  Then sharer 1 reads
 * page 0: with the remap, the walk of that fault maps page 0 into the 2
 * others and finds the poisoned folio in the swap cache as a neighbour
 * in its window, which swap_remap_add() must turn away (it is not
 * uptodate).  Every sharer keeps its swap PTE of page POISON_PAGE, the
 * slot its 3 references, and a read of that page gets SIGBUS
 * (do_swap_page() refuses a PageHWPoison cache folio), as with "never".
 * The other pages read right in every sharer.  A folio poisoned while a
 * walk runs (PG_hwpoison set, memory_failure() waiting for the folio
 * lock) is a race this test does not reach.
 */
TEST_F_TIMEOUT(remap, memory_error_left_alone, TEST_TIMEOUT)
{
	struct remap_state *st = &self->st;
	__u64 pme[POISON_SHARERS][NR_PAGES], now[NR_PAGES], sum[NR_PAGES];
	__u64 want[NR_PAGES];
	const unsigned long pp = POISON_PAGE;
	struct remap_counts c0;
	struct swap_slot slot;
	unsigned long p, off, pfn;
	unsigned int type;
	int i;

	ASSERT_TRUE(swap_slots_present()) TH_LOG("no %s", SWAP_SLOTS_PATH);
	ASSERT_EQ(0, poison_setup(st));
	ASSERT_EQ(0, setting_pin(&st->zswap, ZSWAP_ENABLED, "Y"));
	ASSERT_EQ(0, target_map(st, NR_PAGES, MAP_PRIVATE, REMAP_BATCH, 0,
				false));
	for (p = 0; p < NR_PAGES; p++)
		want[p] = pattern_checksum(st->seed[p]);
	/* Compressible, and unlike any page of another test. */
	want[pp] = page_fill_compressible(st->mem + pp * psize(), st->seed[pp]);
	ASSERT_EQ(0, target_share(st, POISON_SHARERS, true));
	ASSERT_EQ(1, file_read_ll(ZSWAP_STORED_PAGES))
		TH_LOG("setup: zswap should hold page %lu alone", pp);

	/* Sharer 0 reads it into the swap cache from zswap, remap off. */
	ASSERT_EQ(0, file_write_str(KNOB, "never"));
	for (i = 0; i < POISON_SHARERS; i++)
		ASSERT_EQ(0, sharer_pagemap(&st->sh, i, 0, NR_PAGES, pme[i]));
	type = pagemap_swap_type(pme[0][pp]);
	off = pagemap_swap_offset(pme[0][pp]);
	ASSERT_EQ(0, sharer_read(&st->sh, 0, pp, 1, sum));
	ASSERT_EQ(want[pp], sum[0]);
	ASSERT_EQ(0, file_read_ll(ZSWAP_STORED_PAGES));
	ASSERT_EQ(1, swap_slot_get(type, off, &slot));
	ASSERT_TRUE(slot.in_swapcache);
	pfn = slot.pfn;
	ASSERT_TRUE(page_flag(pfn, KPF_DIRTY))
		TH_LOG("setup: the swap cache folio is clean: not from zswap?");
	ASSERT_EQ(POISON_SHARERS - 1, slot.count);

	/* The memory error. */
	ASSERT_EQ(0, poison_pfn(pfn));
	/* Uncharged in the swap cache: see struct test_cgroup. */
	st->env.cg.swapcached_stale = psize();
	ASSERT_TRUE(page_flag(pfn, KPF_HWPOISON));
	ASSERT_FALSE(page_flag(pfn, KPF_UPTODATE));
	ASSERT_EQ(1, swap_slot_get(type, off, &slot));
	ASSERT_TRUE(slot.in_swapcache);
	ASSERT_EQ(pfn, slot.pfn);
	ASSERT_EQ(POISON_SHARERS, slot.count)
		TH_LOG("setup: sharer 0's swap PTE not put back");
	ASSERT_EQ(0, sharer_pagemap(&st->sh, 0, 0, NR_PAGES, now));
	ASSERT_TRUE(same_swap_entry(pme[0][pp], now[pp]))
		TH_LOG("setup: sharer 0 page %lu: %#llx", pp,
		       (unsigned long long)now[pp]);

	/* Sharer 1 reads page 0, of the same window. */
	ASSERT_EQ(0, file_write_str(KNOB, variant->mode));
	remap_counts_read(&c0);
	ASSERT_EQ(0, sharer_read(&st->sh, 1, 0, 1, sum));
	EXPECT_EQ(want[0], sum[0]);
	EXPECT_EQ(c0.walk + variant->remap, vmstat_read("swapin_remap_walk"));
	EXPECT_EQ(c0.pte + (variant->remap ? POISON_SHARERS - 1 : 0),
		  vmstat_read("swapin_remap_pte"));
	ASSERT_EQ(0, sharer_pagemap(&st->sh, 1, 0, NR_PAGES, now));
	ASSERT_TRUE(now[0] & PM_PRESENT);
	for (i = 0; i < POISON_SHARERS; i++) {
		__u64 was = pme[i][pp];

		ASSERT_EQ(0, sharer_pagemap(&st->sh, i, 0, NR_PAGES, pme[i]));
		/* The walk ran: page 0 is mapped in the others, or not. */
		EXPECT_EQ(variant->remap || i == 1,
			  pagemap_pfn(pme[i][0]) == pagemap_pfn(now[0]))
			TH_LOG("sharer %d page 0: %#llx", i,
			       (unsigned long long)pme[i][0]);
		EXPECT_TRUE(same_swap_entry(was, pme[i][pp]))
			TH_LOG("sharer %d page %lu: %#llx", i, pp,
			       (unsigned long long)pme[i][pp]);
	}
	ASSERT_EQ(1, swap_slot_get(type, off, &slot));
	EXPECT_TRUE(slot.in_swapcache);
	EXPECT_EQ(pfn, slot.pfn);
	EXPECT_EQ(POISON_SHARERS, slot.count);

	/* As on stock: SIGBUS there, the right data everywhere else. */
	for (i = 0; i < POISON_SHARERS; i++) {
		ASSERT_EQ(0, sharer_read_faulty(&st->sh, i, 0, NR_PAGES, 0,
						sum));
		for (p = 0; p < NR_PAGES; p++) {
			EXPECT_EQ(p == pp ? SHARER_SIGBUS : want[p], sum[p])
				TH_LOG("sharer %d page %lu", i, p);
		}
	}
}

/*
 * A memory error in a page after the remap mapped it: where the mode
 * kept the slot, as "never" does, the data is still in swap, and every
 * sharer reads it again; where the mode freed it, there is no other
 * copy, and every sharer gets SIGBUS, as after a stock swap-in that
 * frees the slot (an entry with one reference on zram, or
 * should_try_to_free_swap()).
 *
 * One page, shared by POISON_SHARERS sharers, is read by sharer 0 and,
 * with the remap, mapped into the others.  The test reports a memory
 * error in it (poison_pfn()).  A clean folio in the swap cache is
 * unmapped to swap PTEs and dropped from the cache
 * (me_swapcache_clean()); the remap's PTEs are clean, so that holds for
 * it too.  A folio that the remap freed from the swap cache is dirty
 * anon memory, and its PTEs become hwpoison entries.
 */
TEST_F_TIMEOUT(remap, memory_error_after_remap, TEST_TIMEOUT)
{
	struct remap_state *st = &self->st;
	__u64 pme0[1], pme[1], sum[1];
	unsigned long pfn;
	int i;

	ASSERT_EQ(0, poison_setup(st));
	ASSERT_EQ(0, share_pages(st, POISON_SHARERS, 1, MAP_PRIVATE, true));
	ASSERT_EQ(0, sharer_pagemap(&st->sh, 0, 0, 1, pme0));
	ASSERT_TRUE(pagemap_entry_is_swap(pme0[0]));
	ASSERT_EQ(0, sharer_read(&st->sh, 0, 0, 1, sum));
	ASSERT_EQ(pattern_checksum(st->seed[0]), sum[0]);
	ASSERT_EQ(0, sharer_pagemap(&st->sh, 0, 0, 1, pme));
	pfn = pagemap_pfn(pme[0]);
	ASSERT_NE(-1UL, pfn);
	for (i = 1; i < POISON_SHARERS; i++) {
		ASSERT_EQ(0, sharer_pagemap(&st->sh, i, 0, 1, pme));
		ASSERT_EQ(variant->remap, pagemap_pfn(pme[0]) == pfn)
			TH_LOG("setup: sharer %d: %#llx", i,
			       (unsigned long long)pme[0]);
	}
	ASSERT_EQ(!variant->frees, page_flag(pfn, KPF_SWAPCACHE));
	ASSERT_FALSE(page_flag(pfn, KPF_DIRTY) && !variant->frees)
		TH_LOG("setup: the swap cache folio is dirty");

	ASSERT_EQ(0, poison_pfn(pfn));
	ASSERT_TRUE(page_flag(pfn, KPF_HWPOISON));

	/*
	 * No sharer maps it now: the slot's swap entry where it was kept, a
	 * hwpoison entry (another swap type) where it was freed.  Checked
	 * before any read: with the remap, the first read maps the others.
	 */
	for (i = 0; i < POISON_SHARERS; i++) {
		ASSERT_EQ(0, sharer_pagemap(&st->sh, i, 0, 1, pme));
		EXPECT_TRUE(variant->frees ?
			    pagemap_entry_is_swap(pme[0]) &&
			    pagemap_swap_type(pme[0]) !=
			    pagemap_swap_type(pme0[0]) :
			    same_swap_entry(pme0[0], pme[0]))
			TH_LOG("sharer %d: %#llx", i,
			       (unsigned long long)pme[0]);
	}
	for (i = 0; i < POISON_SHARERS; i++) {
		ASSERT_EQ(0, sharer_read_faulty(&st->sh, i, 0, 1, 0, sum));
		EXPECT_EQ(variant->frees ? SHARER_SIGBUS :
			  pattern_checksum(st->seed[0]), sum[0])
			TH_LOG("sharer %d", i);
	}
}

/* Last: nothing left behind by the tests above. */
LEAK_CHECK_TEST

TEST_HARNESS_MAIN
