// SPDX-License-Identifier: GPL-2.0
/*
 * Swap entries of private anonymous pages shared by fork().
 *
 * A page mapped by N processes after fork() is swapped out once: every
 * sharer's PTE holds the same swap entry, whose swap count is N. The
 * first sharer to fault reads the page into the swap cache; the others
 * find it there and map the same page without I/O; a write breaks the
 * sharing with a copy; swapoff maps the page back into every sharer;
 * and the slot goes back to the free pool when the last sharer lets go.
 *
 * Each test checks that its setup happened (pages really swapped out in
 * every sharer, as pagemap shows) before it checks anything else, and
 * fails if it did not. Expected I/O counts are exact: the swap area is
 * small enough for the per-CPU swap slot cache to stay off, readahead is
 * off, and everything but the target pages is mlock()ed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/kernel-page-flags.h>
#include <sys/mman.h>

#include "../kselftest_harness.h"
#include "swap_util.h"

#define NR_PAGES		4	/* pages of the shared mapping */
#define NR_PAGES_INTEGRITY	16
#define INTEGRITY_ROUNDS	4
#define MAX_SMALL_SHARERS	3
#define SWAP_OUT_PASSES		200
#define TEST_TIMEOUT		300	/* seconds, for a slow TCG debug guest */

/* The state one test builds; embedded in both fixtures. */
struct shared_state {
	struct swap_env env;
	struct sharers sh;
	char *mem;			/* the test process's own mapping */
	unsigned long nr_pages;
	__u64 tag;			/* makes this test's data unique */
	__u64 seed[NR_PAGES_INTEGRITY];
	__u64 pme[NR_PAGES_INTEGRITY];	/* sharer 0, after swap-out */
	long long swapfree_base;	/* SwapFree before the pages existed */
	long long pswpout_base;
};

/* How many of @n values repeat an earlier one. */
static int nr_duplicates(const unsigned long *val, int n)
{
	int i, j, dups = 0;

	for (i = 0; i < n; i++)
		for (j = 0; j < i; j++)
			if (val[i] == val[j]) {
				dups++;
				break;
			}
	return dups;
}

static void state_setup(struct __test_metadata *_metadata,
			struct shared_state *st, enum swap_backend backend)
{
	int ret;

	ret = swap_env_setup(&st->env, backend);
	if (ret == SWAP_ENV_ABSENT)
		SKIP(return, "%s backend: a needed feature is missing",
		     swap_backend_name(backend));
	ASSERT_EQ(0, ret) TH_LOG("cannot set up swap on the %s backend",
				 swap_backend_name(backend));
	st->tag = getpid();
}

/*
 * FIXTURE_TEARDOWN_PARENT(): the fixture data is shared with the parent
 * of the test process, which runs this when the test process is gone.
 * (With a plain FIXTURE_TEARDOWN(), the 6.12 harness skips the teardown
 * of a test that failed an ASSERT.) Only the test process itself has the
 * mapping and the sharers as children.
 */
static void state_teardown(struct shared_state *st)
{
	sharers_destroy(&st->sh);
	if (st->mem && getpid() == st->env.owner)
		munmap(st->mem, st->nr_pages * psize());
	st->mem = NULL;
	swap_env_teardown(&st->env);
}

/*
 * Map @nr_pages private anonymous pages that reclaim may swap out: no
 * THP (the counts are per base page), not mlock()ed like the rest.
 */
static char *target_map(struct __test_metadata *_metadata,
			struct shared_state *st, unsigned long nr_pages)
{
	size_t len = nr_pages * psize();
	char *mem;

	mem = mmap(NULL, len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		mem = NULL;
	EXPECT_NE(NULL, mem);
	if (!mem)
		return NULL;
	st->mem = mem;
	st->nr_pages = nr_pages;
	/* Fails with EINVAL without CONFIG_TRANSPARENT_HUGEPAGE: fine. */
	madvise(mem, len, MADV_NOHUGEPAGE);
	EXPECT_EQ(0, munlock(mem, len));
	return mem;
}

static void target_fill(struct shared_state *st)
{
	pages_fill_seeded(st->mem, st->nr_pages, st->tag, 0, st->seed);
}

static bool sharers_swapped_cb(void *arg)
{
	struct shared_state *st = arg;

	return sharers_all_swapped(&st->sh, 0, st->nr_pages);
}

/*
 * The common setup: @nr_pages pages written by the test process, shared
 * with @nr_sharers forked sharers, unmapped by the test process (so that
 * exactly the sharers map them) and swapped out by reclaim in the cgroup
 * until every sharer's pagemap shows a swap entry and the swap cache is
 * empty. Fails the test if that cannot be reached.
 */
static void share_swapped_pages(struct __test_metadata *_metadata,
				struct shared_state *st, int nr_sharers,
				unsigned long nr_pages)
{
	size_t len = nr_pages * psize();
	char *mem;
	int passes;

	mem = target_map(_metadata, st, nr_pages);
	ASSERT_NE(NULL, mem);
	st->swapfree_base = meminfo_read_pages("SwapFree");
	st->pswpout_base = vmstat_read("pswpout");
	ASSERT_EQ(st->env.area.total_pages, st->swapfree_base)
		TH_LOG("setup: the new swap area is not empty");
	ASSERT_GE(st->pswpout_base, 0);
	target_fill(st);

	ASSERT_EQ(0, sharers_spawn(&st->sh, nr_sharers, mem, nr_pages))
		TH_LOG("setup: cannot start %d sharers", nr_sharers);
	ASSERT_EQ(0, munmap(mem, len));
	st->mem = NULL;

	passes = swap_env_swap_out(&st->env, len, sharers_swapped_cb, st,
				   SWAP_OUT_PASSES);
	ASSERT_GT(passes, 0)
		TH_LOG("setup: %lu pages of %d sharers not swapped out",
		       nr_pages, nr_sharers);
	ASSERT_EQ(0, sharer_pagemap(&st->sh, 0, 0, nr_pages, st->pme));
}

/* Every sharer still holds the swap entry it had after swap-out. */
static void expect_swap_entries(struct __test_metadata *_metadata,
				struct shared_state *st, int from, int to,
				unsigned long first, unsigned long count)
{
	__u64 pme[NR_PAGES_INTEGRITY];
	unsigned long p;
	int i;

	for (i = from; i < to; i++) {
		ASSERT_EQ(0, sharer_pagemap(&st->sh, i, first, count, pme));
		for (p = 0; p < count; p++) {
			EXPECT_TRUE(same_swap_entry(st->pme[first + p], pme[p]))
				TH_LOG("sharer %d page %lu: pagemap %#llx, want swap entry %#llx",
				       i, first + p,
				       (unsigned long long)pme[p],
				       (unsigned long long)st->pme[first + p]);
		}
	}
}

/* The PFN sharer @i maps page @p at; fails the test if not present. */
static unsigned long sharer_pfn(struct __test_metadata *_metadata,
				struct shared_state *st, int i,
				unsigned long p)
{
	__u64 pme;

	EXPECT_EQ(0, sharer_pagemap(&st->sh, i, p, 1, &pme));
	EXPECT_TRUE(pme & PM_PRESENT)
		TH_LOG("sharer %d page %lu not present: %#llx", i, p,
		       (unsigned long long)pme);
	return pagemap_pfn(pme);
}

static void expect_data(struct __test_metadata *_metadata,
			struct shared_state *st, int i, unsigned long p,
			__u64 seed)
{
	__u64 sum;

	ASSERT_EQ(0, sharer_read(&st->sh, i, p, 1, &sum));
	EXPECT_EQ(pattern_checksum(seed), sum)
		TH_LOG("sharer %d page %lu: wrong data", i, p);
}

FIXTURE(swapcache)
{
	struct shared_state st;
};

FIXTURE_VARIANT(swapcache)
{
	enum swap_backend backend;
	int nr_sharers;
};

FIXTURE_VARIANT_ADD(swapcache, zram_2)
{
	.backend = SWAP_BACKEND_ZRAM,
	.nr_sharers = 2,
};

FIXTURE_VARIANT_ADD(swapcache, zram_3)
{
	.backend = SWAP_BACKEND_ZRAM,
	.nr_sharers = 3,
};

FIXTURE_VARIANT_ADD(swapcache, zram_64)
{
	.backend = SWAP_BACKEND_ZRAM,
	.nr_sharers = 64,
};

FIXTURE_VARIANT_ADD(swapcache, disk_2)
{
	.backend = SWAP_BACKEND_DISK,
	.nr_sharers = 2,
};

FIXTURE_VARIANT_ADD(swapcache, disk_3)
{
	.backend = SWAP_BACKEND_DISK,
	.nr_sharers = 3,
};

FIXTURE_VARIANT_ADD(swapcache, disk_64)
{
	.backend = SWAP_BACKEND_DISK,
	.nr_sharers = 64,
};

FIXTURE_SETUP(swapcache)
{
	state_setup(_metadata, &self->st, variant->backend);
}

FIXTURE_TEARDOWN_PARENT(swapcache)
{
	state_teardown(&self->st);
}

/*
 * a) Reclaim of a page mapped by N processes swaps it out once: every
 * sharer's PTE holds the same swap entry (same type, same offset), each
 * page takes one slot of the area and is written once. Catches a sharer
 * left with a present PTE or a different entry, a slot per sharer, or
 * a page written more than once.
 */
TEST_F_TIMEOUT(swapcache, swap_entry_shared, TEST_TIMEOUT)
{
	struct shared_state *st = &self->st;
	__u64 pme[NR_PAGES], resident[NR_PAGES];
	unsigned long offset[NR_PAGES], p;
	int i;

	share_swapped_pages(_metadata, st, variant->nr_sharers, NR_PAGES);

	for (i = 0; i < variant->nr_sharers; i++) {
		ASSERT_EQ(0, sharer_pagemap(&st->sh, i, 0, NR_PAGES, pme));
		ASSERT_EQ(0, sharer_mincore(&st->sh, i, 0, NR_PAGES, resident));
		for (p = 0; p < NR_PAGES; p++) {
			EXPECT_TRUE(same_swap_entry(st->pme[p], pme[p]))
				TH_LOG("sharer %d page %lu: %#llx, sharer 0: %#llx",
				       i, p, (unsigned long long)pme[p],
				       (unsigned long long)st->pme[p]);
			/* Cross-check: not in the swap cache either. */
			EXPECT_EQ(0, resident[p])
				TH_LOG("sharer %d page %lu resident", i, p);
		}
	}
	for (p = 0; p < NR_PAGES; p++) {
		unsigned long off = pagemap_swap_offset(st->pme[p]);

		/* One area: one type. Page 0 of the area is the header. */
		EXPECT_EQ(pagemap_swap_type(st->pme[0]),
			  pagemap_swap_type(st->pme[p]));
		EXPECT_GE(off, 1);
		EXPECT_LE(off, st->env.area.last_page);
		offset[p] = off;
	}
	/* A slot per page. */
	EXPECT_EQ(0, nr_duplicates(offset, NR_PAGES));
	/* One slot and one write per page, however many sharers. */
	EXPECT_EQ(st->swapfree_base - NR_PAGES,
		  meminfo_read_pages("SwapFree"));
	EXPECT_EQ(st->pswpout_base + NR_PAGES, vmstat_read("pswpout"));
	/* Every sharer survived all of it. */
	EXPECT_EQ(0, sharers_stop(&st->sh));
}

/*
 * b) The first fault on a shared swap entry reads the page once and
 * leaves it in the swap cache, because the other sharers still hold the
 * entry. This holds on zram too, whose swap cache bypass applies only to
 * entries with a swap count of 1. Catches a shared entry read without
 * the swap cache (each sharer would read its own copy), a read of more
 * than one page, and a fault that changes the other sharers' PTEs.
 */
TEST_F_TIMEOUT(swapcache, first_fault_reads_once, TEST_TIMEOUT)
{
	struct shared_state *st = &self->st;
	long long pswpin, cached_kb;
	__u64 resident[NR_PAGES];
	unsigned long pfn;
	int i;

	share_swapped_pages(_metadata, st, variant->nr_sharers, NR_PAGES);
	pswpin = vmstat_read("pswpin");
	cached_kb = meminfo_read_kb("SwapCached");
	ASSERT_EQ(0, cached_kb);

	expect_data(_metadata, st, 0, 0, st->seed[0]);

	EXPECT_EQ(pswpin + 1, vmstat_read("pswpin"));
	EXPECT_EQ(cached_kb + psize() / 1024, meminfo_read_kb("SwapCached"));
	pfn = sharer_pfn(_metadata, st, 0, 0);
	EXPECT_TRUE(page_in_swapcache(pfn))
		TH_LOG("pfn %#lx is not in the swap cache", pfn);
	EXPECT_EQ(1, page_mapcount(pfn));

	/* The other sharers: same entry, page 0 found in the swap cache. */
	expect_swap_entries(_metadata, st, 1, variant->nr_sharers, 0,
			    NR_PAGES);
	for (i = 1; i < variant->nr_sharers; i++) {
		ASSERT_EQ(0, sharer_mincore(&st->sh, i, 0, NR_PAGES, resident));
		EXPECT_EQ(1, resident[0]) TH_LOG("sharer %d", i);
		EXPECT_EQ(0, resident[1]) TH_LOG("sharer %d", i);
	}
	/* Sharer 0's other pages: untouched, still swapped out. */
	expect_swap_entries(_metadata, st, 0, 1, 1, NR_PAGES - 1);
	/* Every sharer survived all of it. */
	EXPECT_EQ(0, sharers_stop(&st->sh));
}

/*
 * c) Once one sharer has read the page, the others map the very page in
 * the swap cache: no I/O and the same PFN everywhere. Catches a second
 * read of a page already in the swap cache and sharers ending up with
 * private copies of a page nobody wrote.
 */
TEST_F_TIMEOUT(swapcache, other_faults_no_io, TEST_TIMEOUT)
{
	struct shared_state *st = &self->st;
	unsigned long pfn0;
	long long pswpin;
	__u64 pme;
	int i;

	share_swapped_pages(_metadata, st, variant->nr_sharers, NR_PAGES);
	pswpin = vmstat_read("pswpin");
	expect_data(_metadata, st, 0, 0, st->seed[0]);
	ASSERT_EQ(pswpin + 1, vmstat_read("pswpin"))
		TH_LOG("setup: the first fault did not read exactly once");
	pfn0 = sharer_pfn(_metadata, st, 0, 0);

	pswpin = vmstat_read("pswpin");
	for (i = 1; i < variant->nr_sharers; i++)
		expect_data(_metadata, st, i, 0, st->seed[0]);
	EXPECT_EQ(pswpin, vmstat_read("pswpin"));

	for (i = 0; i < variant->nr_sharers; i++) {
		ASSERT_EQ(0, sharer_pagemap(&st->sh, i, 0, 1, &pme));
		EXPECT_EQ(pfn0, pagemap_pfn(pme)) TH_LOG("sharer %d", i);
		EXPECT_FALSE(pme & PM_MMAP_EXCLUSIVE) TH_LOG("sharer %d", i);
	}
	EXPECT_EQ(variant->nr_sharers, page_mapcount(pfn0));
	/* No readahead: the neighbours are still swapped out everywhere. */
	expect_swap_entries(_metadata, st, 0, variant->nr_sharers, 1,
			    NR_PAGES - 1);
	/* Every sharer survived all of it. */
	EXPECT_EQ(0, sharers_stop(&st->sh));
}

/*
 * d) A write to a page that all sharers mapped from the swap cache
 * copies it: the writer gets a new page, the others keep the old one and
 * its data. Catches a write that lands in the shared swap cache page
 * (the others would see it) and a copy that needs I/O.
 */
TEST_F_TIMEOUT(swapcache, write_after_swapin_cows, TEST_TIMEOUT)
{
	struct shared_state *st = &self->st;
	unsigned long pfn, shared_pfn;
	__u64 seed, pme;
	long long pswpin;
	int i;

	share_swapped_pages(_metadata, st, variant->nr_sharers, NR_PAGES);
	for (i = 0; i < variant->nr_sharers; i++)
		expect_data(_metadata, st, i, 0, st->seed[0]);
	shared_pfn = sharer_pfn(_metadata, st, 0, 0);
	for (i = 1; i < variant->nr_sharers; i++) {
		ASSERT_EQ(shared_pfn, sharer_pfn(_metadata, st, i, 0))
			TH_LOG("setup: sharer %d maps another page", i);
	}

	pswpin = vmstat_read("pswpin");
	seed = page_seed(st->tag, 0, 1);
	ASSERT_EQ(0, sharer_write(&st->sh, 0, 0, 1, &seed));

	ASSERT_EQ(0, sharer_pagemap(&st->sh, 0, 0, 1, &pme));
	pfn = pagemap_pfn(pme);
	EXPECT_TRUE(pme & PM_PRESENT);
	EXPECT_NE(shared_pfn, pfn);
	EXPECT_TRUE(pme & PM_MMAP_EXCLUSIVE);
	EXPECT_EQ(1, page_mapcount(pfn));
	for (i = 1; i < variant->nr_sharers; i++) {
		EXPECT_EQ(shared_pfn, sharer_pfn(_metadata, st, i, 0))
			TH_LOG("sharer %d", i);
	}
	EXPECT_EQ(variant->nr_sharers - 1, page_mapcount(shared_pfn));

	expect_data(_metadata, st, 0, 0, seed);
	for (i = 1; i < variant->nr_sharers; i++)
		expect_data(_metadata, st, i, 0, st->seed[0]);
	EXPECT_EQ(pswpin, vmstat_read("pswpin"));
	/* Every sharer survived all of it. */
	EXPECT_EQ(0, sharers_stop(&st->sh));
}

/*
 * d2) A write fault on a swap entry that other sharers still hold reads
 * the page into the swap cache and copies it for the writer; the swap
 * cache page keeps the old data for the others, who then map it without
 * I/O. Catches reuse of the swap cache page by the writer (the others
 * would read the new data) and a second read for the others.
 */
TEST_F_TIMEOUT(swapcache, write_fault_cows, TEST_TIMEOUT)
{
	struct shared_state *st = &self->st;
	unsigned long pfn, cache_pfn = -1UL;
	__u64 seed, resident;
	long long pswpin;
	int i;

	share_swapped_pages(_metadata, st, variant->nr_sharers, NR_PAGES);
	pswpin = vmstat_read("pswpin");
	seed = page_seed(st->tag, 0, 1);
	ASSERT_EQ(0, sharer_write(&st->sh, 0, 0, 1, &seed));

	EXPECT_EQ(pswpin + 1, vmstat_read("pswpin"));
	pfn = sharer_pfn(_metadata, st, 0, 0);
	EXPECT_FALSE(page_in_swapcache(pfn));
	EXPECT_EQ(1, page_mapcount(pfn));
	expect_swap_entries(_metadata, st, 1, variant->nr_sharers, 0, 1);
	for (i = 1; i < variant->nr_sharers; i++) {
		ASSERT_EQ(0, sharer_mincore(&st->sh, i, 0, 1, &resident));
		EXPECT_EQ(1, resident) TH_LOG("sharer %d", i);
	}

	pswpin = vmstat_read("pswpin");
	for (i = 1; i < variant->nr_sharers; i++) {
		unsigned long other;

		expect_data(_metadata, st, i, 0, st->seed[0]);
		other = sharer_pfn(_metadata, st, i, 0);
		if (i == 1)
			cache_pfn = other;
		EXPECT_EQ(cache_pfn, other) TH_LOG("sharer %d", i);
	}
	EXPECT_EQ(pswpin, vmstat_read("pswpin"));
	EXPECT_NE(pfn, cache_pfn);
	EXPECT_TRUE(page_in_swapcache(cache_pfn));
	EXPECT_EQ(variant->nr_sharers - 1, page_mapcount(cache_pfn));
	expect_data(_metadata, st, 0, 0, seed);
	/* Every sharer survived all of it. */
	EXPECT_EQ(0, sharers_stop(&st->sh));
}

/*
 * f) Slots are freed when the last sharer lets go, by munmap() or by
 * exit(), and not before: SwapFree stays at its swapped-out value while
 * any sharer holds an entry or maps the page from the swap cache, and
 * returns exactly to its baseline after the last one. Catches leaked
 * slots (a swap count that never drops to 0, a swap cache page that
 * keeps its slot) and slots freed while still in use.
 */
TEST_F_TIMEOUT(swapcache, release_restores_swapfree, TEST_TIMEOUT)
{
	struct shared_state *st = &self->st;
	long long held;
	int i;

	share_swapped_pages(_metadata, st, variant->nr_sharers, NR_PAGES);
	held = st->swapfree_base - NR_PAGES;
	ASSERT_EQ(held, meminfo_read_pages("SwapFree"))
		TH_LOG("setup: %d pages do not take %d slots", NR_PAGES,
		       NR_PAGES);

	/* Sharer 0 maps page 0 from the swap cache, holds the rest. */
	expect_data(_metadata, st, 0, 0, st->seed[0]);
	EXPECT_EQ(held, meminfo_read_pages("SwapFree"));

	/* The others leave, half by munmap(), half by exit(). */
	for (i = 1; i < variant->nr_sharers; i++) {
		ASSERT_EQ(0, i % 2 ? sharer_munmap(&st->sh, i) :
				     sharer_exit(&st->sh, i));
		EXPECT_EQ(held, meminfo_read_pages("SwapFree"))
			TH_LOG("after sharer %d left", i);
	}
	expect_swap_entries(_metadata, st, 0, 1, 1, NR_PAGES - 1);

	/* The last sharer leaves: every slot is free again. */
	ASSERT_EQ(0, sharer_exit(&st->sh, 0));
	EXPECT_EQ(0, swap_env_wait_swapfree(&st->env, st->swapfree_base,
					    100));
	EXPECT_EQ(0, meminfo_read_kb("SwapCached"));
	/* Every sharer survived all of it. */
	EXPECT_EQ(0, sharers_stop(&st->sh));
}

/* Fewer sharers: tests that take more pages or more rounds. */
FIXTURE(swapcache_small)
{
	struct shared_state st;
};

FIXTURE_VARIANT(swapcache_small)
{
	enum swap_backend backend;
	int nr_sharers;
};

FIXTURE_VARIANT_ADD(swapcache_small, zram_2)
{
	.backend = SWAP_BACKEND_ZRAM,
	.nr_sharers = 2,
};

FIXTURE_VARIANT_ADD(swapcache_small, zram_3)
{
	.backend = SWAP_BACKEND_ZRAM,
	.nr_sharers = 3,
};

FIXTURE_VARIANT_ADD(swapcache_small, disk_2)
{
	.backend = SWAP_BACKEND_DISK,
	.nr_sharers = 2,
};

FIXTURE_VARIANT_ADD(swapcache_small, disk_3)
{
	.backend = SWAP_BACKEND_DISK,
	.nr_sharers = 3,
};

FIXTURE_SETUP(swapcache_small)
{
	state_setup(_metadata, &self->st, variant->backend);
}

FIXTURE_TEARDOWN_PARENT(swapcache_small)
{
	state_teardown(&self->st);
}

static bool self_swapped_cb(void *arg)
{
	struct shared_state *st = arg;
	bool swapped = true;
	unsigned long p;
	int fd;

	fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	for (p = 0; p < st->nr_pages; p++) {
		__u64 pme = pagemap_get_entry(fd, st->mem + p * psize());

		swapped &= pagemap_entry_is_swap(pme);
	}
	close(fd);
	return swapped;
}

/*
 * e) fork() of a process whose pages are swapped out (MADV_PAGEOUT, one
 * mapper) shares the slots: each child's PTE holds the parent's swap
 * entry, no slot is allocated, the first fault of any of them reads the
 * page once and all of them end up on the same page with the right
 * data. Catches fork() dropping or copying swap entries, a lost swap
 * count (the first fault would free the slot under the others) and bad
 * data after the read.
 */
TEST_F_TIMEOUT(swapcache_small, fork_shares_slot, TEST_TIMEOUT)
{
	struct shared_state *st = &self->st;
	int nr_children = variant->nr_sharers - 1;
	__u64 pme[NR_PAGES];
	long long swapfree, pswpin;
	size_t len = NR_PAGES * psize();
	cpu_set_t old_mask, one_cpu;
	unsigned long p;
	int fd, i, ret;

	fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	ASSERT_GE(fd, 0);
	ASSERT_NE(NULL, target_map(_metadata, st, NR_PAGES));
	st->swapfree_base = meminfo_read_pages("SwapFree");

	/*
	 * MADV_PAGEOUT only sees pages on the LRU; it drains the per-CPU
	 * LRU batch of the CPU it runs on, so fault them in on that CPU.
	 */
	ASSERT_EQ(0, sched_getaffinity(0, sizeof(old_mask), &old_mask));
	CPU_ZERO(&one_cpu);
	CPU_SET(sched_getcpu(), &one_cpu);
	ASSERT_EQ(0, sched_setaffinity(0, sizeof(one_cpu), &one_cpu));
	target_fill(st);
	ret = madvise(st->mem, len, MADV_PAGEOUT);
	sched_setaffinity(0, sizeof(old_mask), &old_mask);
	if (ret && errno == EINVAL)
		SKIP(return, "MADV_PAGEOUT not supported");
	ASSERT_EQ(0, ret);
	for (p = 0; p < NR_PAGES; p++) {
		st->pme[p] = pagemap_get_entry(fd, st->mem + p * psize());
		ASSERT_TRUE(pagemap_entry_is_swap(st->pme[p]))
			TH_LOG("setup: MADV_PAGEOUT left page %lu: %#llx", p,
			       (unsigned long long)st->pme[p]);
	}
	/* The disk backend: wait for writeback and drop the swap cache. */
	ASSERT_GT(swap_env_swap_out(&st->env, len, self_swapped_cb, st,
				    SWAP_OUT_PASSES), 0);
	swapfree = meminfo_read_pages("SwapFree");
	ASSERT_EQ(st->swapfree_base - NR_PAGES, swapfree);

	ASSERT_EQ(0, sharers_spawn(&st->sh, nr_children, st->mem, NR_PAGES));
	EXPECT_EQ(swapfree, meminfo_read_pages("SwapFree"));
	expect_swap_entries(_metadata, st, 0, nr_children, 0, NR_PAGES);
	for (p = 0; p < NR_PAGES; p++) {
		__u64 own = pagemap_get_entry(fd, st->mem + p * psize());

		EXPECT_TRUE(same_swap_entry(st->pme[p], own))
			TH_LOG("parent page %lu: %#llx", p,
			       (unsigned long long)own);
	}

	pswpin = vmstat_read("pswpin");
	for (p = 0; p < NR_PAGES; p++)
		expect_data(_metadata, st, 0, p, st->seed[p]);
	EXPECT_EQ(pswpin + NR_PAGES, vmstat_read("pswpin"));

	pswpin = vmstat_read("pswpin");
	for (i = 1; i < nr_children; i++)
		for (p = 0; p < NR_PAGES; p++)
			expect_data(_metadata, st, i, p, st->seed[p]);
	for (p = 0; p < NR_PAGES; p++) {
		EXPECT_EQ(pattern_checksum(st->seed[p]),
			  page_checksum(st->mem + p * psize()))
			TH_LOG("parent page %lu: wrong data", p);
	}
	EXPECT_EQ(pswpin, vmstat_read("pswpin"));

	for (p = 0; p < NR_PAGES; p++) {
		unsigned long pfn = pagemap_get_pfn(fd, st->mem + p * psize());

		for (i = 0; i < nr_children; i++) {
			ASSERT_EQ(0, sharer_pagemap(&st->sh, i, p, 1, pme));
			EXPECT_EQ(pfn, pagemap_pfn(pme[0]))
				TH_LOG("child %d page %lu", i, p);
		}
		EXPECT_EQ(variant->nr_sharers, page_mapcount(pfn));
	}
	close(fd);
	/* Every sharer survived all of it. */
	EXPECT_EQ(0, sharers_stop(&st->sh));
}

/*
 * h) swapoff while the pages are shared and swapped out reads each page
 * once and maps it into every sharer: afterwards every sharer has a
 * present PTE for the same page, without having touched it, and reads
 * the right data. Catches swapoff reading a page per sharer (private
 * copies of shared data) and sharers left with stale entries.
 */
TEST_F_TIMEOUT(swapcache_small, swapoff_restores_sharers, TEST_TIMEOUT)
{
	struct shared_state *st = &self->st;
	unsigned long pfn[NR_PAGES], p;
	long long pswpin, total;
	__u64 pme[NR_PAGES];
	int i;

	share_swapped_pages(_metadata, st, variant->nr_sharers, NR_PAGES);
	pswpin = vmstat_read("pswpin");
	total = meminfo_read_pages("SwapTotal");

	ASSERT_EQ(0, swap_area_teardown(&st->env.area));

	EXPECT_EQ(pswpin + NR_PAGES, vmstat_read("pswpin"));
	EXPECT_EQ(total - (long long)st->env.area.total_pages,
		  meminfo_read_pages("SwapTotal"));
	EXPECT_EQ(0, meminfo_read_kb("SwapCached"));
	for (i = 0; i < variant->nr_sharers; i++) {
		ASSERT_EQ(0, sharer_pagemap(&st->sh, i, 0, NR_PAGES, pme));
		for (p = 0; p < NR_PAGES; p++) {
			EXPECT_TRUE(pme[p] & PM_PRESENT)
				TH_LOG("sharer %d page %lu: %#llx", i, p,
				       (unsigned long long)pme[p]);
			if (!i)
				pfn[p] = pagemap_pfn(pme[p]);
			EXPECT_EQ(pfn[p], pagemap_pfn(pme[p]))
				TH_LOG("sharer %d page %lu", i, p);
		}
	}
	for (p = 0; p < NR_PAGES; p++) {
		EXPECT_EQ(variant->nr_sharers, page_mapcount(pfn[p]));
		EXPECT_FALSE(page_in_swapcache(pfn[p]));
	}
	EXPECT_EQ(0, nr_duplicates(pfn, NR_PAGES));
	for (i = 0; i < variant->nr_sharers; i++)
		for (p = 0; p < NR_PAGES; p++)
			expect_data(_metadata, st, i, p, st->seed[p]);
	/* Every sharer survived all of it. */
	EXPECT_EQ(0, sharers_stop(&st->sh));
}

/*
 * i) Data survives several swap round trips with writes in between.
 * Each round swaps everything out, checks that sharers which still
 * share a version of a page share its swap entry (and only they), that
 * each distinct page takes one slot and is read back once, that every
 * sharer reads the data it should, and then lets one sharer overwrite
 * half of the pages. Catches corruption, lost or misdirected writes,
 * and copies shared or split where they should not be.
 */
TEST_F_TIMEOUT(swapcache_small, integrity_roundtrips, TEST_TIMEOUT)
{
	unsigned long version[MAX_SMALL_SHARERS][NR_PAGES_INTEGRITY];
	__u64 seed[MAX_SMALL_SHARERS][NR_PAGES_INTEGRITY];
	__u64 pme[MAX_SMALL_SHARERS][NR_PAGES_INTEGRITY];
	__u64 sums[NR_PAGES_INTEGRITY];
	struct shared_state *st = &self->st;
	int nr = variant->nr_sharers;
	size_t len = NR_PAGES_INTEGRITY * nr * psize();
	unsigned long next_version = 1, p;
	long long distinct, pswpin;
	int round, i, j;

	ASSERT_LE(nr, MAX_SMALL_SHARERS);
	share_swapped_pages(_metadata, st, nr, NR_PAGES_INTEGRITY);
	for (i = 0; i < nr; i++)
		for (p = 0; p < NR_PAGES_INTEGRITY; p++) {
			seed[i][p] = st->seed[p];
			version[i][p] = 0;
		}

	for (round = 0; ; round++) {
		if (round) {
			ASSERT_GT(swap_env_swap_out(&st->env, len,
						    sharers_swapped_cb, st,
						    SWAP_OUT_PASSES), 0)
				TH_LOG("round %d: not swapped out", round);
		}

		/* Same version <=> same swap entry. */
		distinct = 0;
		for (i = 0; i < nr; i++) {
			ASSERT_EQ(0, sharer_pagemap(&st->sh, i, 0,
						    NR_PAGES_INTEGRITY,
						    pme[i]));
		}
		for (p = 0; p < NR_PAGES_INTEGRITY; p++) {
			for (i = 0; i < nr; i++) {
				bool first = true;

				for (j = 0; j < i; j++) {
					bool same_version =
						version[i][p] == version[j][p];

					EXPECT_EQ(same_version,
						  same_swap_entry(pme[i][p],
								  pme[j][p]))
						TH_LOG("round %d page %lu sharers %d %d",
						       round, p, j, i);
					if (same_version)
						first = false;
				}
				distinct += first;
			}
		}
		EXPECT_EQ(st->swapfree_base - distinct,
			  meminfo_read_pages("SwapFree"))
			TH_LOG("round %d: %lld distinct pages", round,
			       distinct);

		pswpin = vmstat_read("pswpin");
		for (i = 0; i < nr; i++) {
			ASSERT_EQ(0, sharer_read(&st->sh, i, 0,
						 NR_PAGES_INTEGRITY, sums));
			for (p = 0; p < NR_PAGES_INTEGRITY; p++) {
				EXPECT_EQ(pattern_checksum(seed[i][p]),
					  sums[p])
					TH_LOG("round %d sharer %d page %lu: wrong data",
					       round, i, p);
			}
		}
		EXPECT_EQ(pswpin + distinct, vmstat_read("pswpin"))
			TH_LOG("round %d", round);

		if (round == INTEGRITY_ROUNDS)
			break;
		i = round % nr;
		for (p = round % 2; p < NR_PAGES_INTEGRITY; p += 2) {
			seed[i][p] = page_seed(st->tag, p, next_version);
			version[i][p] = next_version++;
			ASSERT_EQ(0, sharer_write(&st->sh, i, p, 1,
						  &seed[i][p]));
		}
	}
	/* Every sharer survived all of it. */
	EXPECT_EQ(0, sharers_stop(&st->sh));
}

/* Last: nothing left behind by the tests above. */
LEAK_CHECK_TEST

TEST_HARNESS_MAIN
