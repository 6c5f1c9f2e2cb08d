// SPDX-License-Identifier: GPL-2.0
/*
 * zswap in front of the swap-in remap's free (mm/swap_remap.c,
 * folios_free_swap() in mm/swapfile.c).
 *
 * Reclaim stores a folio in zswap, then tries to drop it from the swap
 * cache. If someone holds a reference at that moment (mincore(), a
 * sharer's swap cache lookup), __remove_mapping() fails and the folio
 * stays in the swap cache while zswap also holds its copy. When a sharer
 * then faults, the remap maps every sharer and frees the slot. Every path
 * that frees an order-0 slot must drop zswap's copy first: a copy left
 * behind leaks pool memory, makes zswap_swapoff() warn, and zswap's
 * writeback may write it over the slot's next owner.
 *
 * The test drives that interleaving: a thread spins mincore() over the
 * pages while MADV_PAGEOUT swaps them out and while the sharers, forked
 * after the swap-out, fault them back. It counts the folios that were
 * left both in zswap and in the swap cache (the setup must have
 * happened at least once), and checks that every page reads back with its
 * own content in every sharer, that zswap's stored_pages returns to 0
 * once SwapFree is back to SwapTotal, and that swapoff (the fixture
 * teardown) leaves a clean console.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>

#include "../kselftest_harness.h"
#include "swap_util.h"

#define NR_PAGES		64
#define NR_SHARERS		3
#define ROUND_SECONDS		120
#define MIN_ROUNDS		20
#define MIN_IN_BOTH		16
/* Reclaim passes per round before the round counts as a setup failure. */
#define RECLAIM_PASSES		50
#define RECLAIM_CHUNK		4
#define TEST_TIMEOUT		300

struct zswap_state {
	struct swap_env env;
	struct setting zswap;	/* enabled, pinned to Y */
	struct setting remap;	/* swapin_remap, pinned to the variant */
	struct sharers sh;
	char *mem;
	pthread_t spinner;
	bool spinning;
	bool stop;		/* read and written with __atomic builtins */
	__u64 want[NR_PAGES];	/* page_checksum() of each page's content */
};

/* Keep taking and dropping swap cache references on the target. */
static void *mincore_spin(void *arg)
{
	struct zswap_state *st = arg;
	unsigned char vec[NR_PAGES];

	while (!__atomic_load_n(&st->stop, __ATOMIC_RELAXED))
		mincore(st->mem, NR_PAGES * psize(), vec);
	return NULL;
}

/* Every page of the test process has a swap PTE. */
static bool all_swapped(struct zswap_state *st)
{
	__u64 pme;
	unsigned long p;

	for (p = 0; p < NR_PAGES; p++) {
		pme = pid_pagemap(getpid(), st->mem + p * psize());
		if (!pagemap_entry_is_swap(pme))
			return false;
	}
	return true;
}

/*
 * MADV_PAGEOUT from each CPU in turn: it drains the per-CPU LRU batches
 * of the CPU it runs on only.  Moves the calling thread, not the spinner.
 */
static int pageout_each_cpu(char *addr, size_t len)
{
	cpu_set_t old_mask, one_cpu;
	int cpu, ret = 0;

	if (sched_getaffinity(0, sizeof(old_mask), &old_mask))
		return -1;
	for (cpu = 0; cpu < CPU_SETSIZE && !ret; cpu++) {
		if (!CPU_ISSET(cpu, &old_mask))
			continue;
		CPU_ZERO(&one_cpu);
		CPU_SET(cpu, &one_cpu);
		if (sched_setaffinity(0, sizeof(one_cpu), &one_cpu))
			continue;	/* offline */
		ret = madvise(addr, len, MADV_PAGEOUT);
	}
	sched_setaffinity(0, sizeof(old_mask), &old_mask);
	return ret;
}

static void round_teardown(struct zswap_state *st)
{
	if (st->spinning) {
		__atomic_store_n(&st->stop, true, __ATOMIC_RELAXED);
		pthread_join(st->spinner, NULL);
		st->spinning = false;
	}
	sharers_destroy(&st->sh);
	if (st->mem && getpid() == st->env.owner)
		munmap(st->mem, NR_PAGES * psize());
	st->mem = NULL;
}

FIXTURE(zswap)
{
	struct zswap_state st;
};

FIXTURE_VARIANT(zswap)
{
	enum swap_backend backend;
	const char *mode;
};

FIXTURE_VARIANT_ADD(zswap, zram_free)
{
	.backend = SWAP_BACKEND_ZRAM, .mode = "free",
};

FIXTURE_VARIANT_ADD(zswap, disk_free)
{
	.backend = SWAP_BACKEND_DISK, .mode = "free",
};

FIXTURE_SETUP(zswap)
{
	struct zswap_state *st = &self->st;
	char buf[8];

	memset(st, 0, sizeof(*st));
	ASSERT_EQ(0, swap_env_setup(&st->env, variant->backend));
	ASSERT_EQ(0, setting_pin(&st->remap, SWAPIN_REMAP, variant->mode));
	/* CONFIG_ZSWAP is in the test kernel: its absence is a failure. */
	ASSERT_EQ(0, setting_pin(&st->zswap, ZSWAP_ENABLED, "Y"));
	ASSERT_EQ(0, file_read_str(ZSWAP_ENABLED, buf, sizeof(buf)));
	ASSERT_EQ('Y', buf[0]) TH_LOG("zswap did not turn on");
	ASSERT_EQ(0, file_read_ll(ZSWAP_STORED_PAGES)) TH_LOG("zswap holds pages before the test");
}

/*
 * Teardown in the parent of the test process, once it is gone: its
 * sharers are gone with it, so the swap area can go (swapoff, where
 * zswap_swapoff() warns about copies left in its tree).
 */
FIXTURE_TEARDOWN_PARENT(zswap)
{
	struct zswap_state *st = &self->st;

	round_teardown(st);
	setting_restore(&st->zswap);
	setting_restore(&st->remap);
	swap_env_teardown(&st->env);
}

/*
 * Rounds of: NR_PAGES pages written by the test process and swapped out
 * with MADV_PAGEOUT while a thread spins mincore() over them, then three
 * forked sharers that inherit the swap entries and read every page (the
 * first read remaps the test process and the others and, in mode free,
 * frees the slots), then the test process reads them too. Catches a page
 * that reads back wrong, and zswap copies that outlive their slots.
 */
TEST_F_TIMEOUT(zswap, free_drops_zswap_copy, TEST_TIMEOUT)
{
	struct zswap_state *st = &self->st;
	long long swapfree_start = meminfo_read_pages("SwapFree");
	long long zswpout = vmstat_read("zswpout");
	long long remapped = vmstat_read("swapin_remap_pte");
	long long stored, both, in_both = 0, mismatches = 0;
	size_t len = NR_PAGES * psize();
	__u64 sums[NR_PAGES];
	unsigned long p;
	int rounds = 0, i, pass;
	time_t end;

	ASSERT_EQ(st->env.area.total_pages, swapfree_start)
		TH_LOG("setup: the new swap area is not empty");
	ASSERT_GE(zswpout, 0);

	/*
	 * The interleaving takes a race per page: go on until it happened
	 * a few times, or for at most ROUND_SECONDS.
	 */
	end = time(NULL) + ROUND_SECONDS;
	while (rounds < MIN_ROUNDS ||
	       (in_both < MIN_IN_BOTH && time(NULL) < end)) {
		st->mem = mmap(NULL, len, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		ASSERT_NE(MAP_FAILED, st->mem);
		madvise(st->mem, len, MADV_NOHUGEPAGE);
		ASSERT_EQ(0, munlock(st->mem, len));
		for (p = 0; p < NR_PAGES; p++) {
			__u64 seed = page_seed(getpid(), p, rounds);

			st->want[p] = page_fill_compressible(st->mem + p * psize(),
							     seed);
		}
		stored = file_read_ll(ZSWAP_STORED_PAGES);
		ASSERT_GE(stored, 0);
		__atomic_store_n(&st->stop, false, __ATOMIC_RELAXED);
		ASSERT_EQ(0, pthread_create(&st->spinner, NULL, mincore_spin,
					    st));
		st->spinning = true;

		/*
		 * Swap out with MADV_PAGEOUT, one shrink_folio_list() pass
		 * with no retry: unlike memory.reclaim, it does not come
		 * back within the same call for a folio it failed to drop
		 * from the swap cache, which is what this test is after.
		 * The sharers are forked afterwards and inherit the swap
		 * entries.
		 */
		for (pass = 0; pass < RECLAIM_PASSES && !all_swapped(st); pass++)
			ASSERT_EQ(0, pageout_each_cpu(st->mem, len));
		ASSERT_LT(pass, RECLAIM_PASSES)
			TH_LOG("round %d: not swapped out", rounds);
		/*
		 * Each page is in zswap, in the swap cache, or both: those
		 * in both are the folios this test is after.
		 */
		both = file_read_ll(ZSWAP_STORED_PAGES) - stored +
		       meminfo_read_pages("SwapCached") - NR_PAGES;
		if (both > 0)
			in_both += both;
		ASSERT_EQ(0, sharers_spawn(&st->sh, NR_SHARERS, st->mem,
					   NR_PAGES));
		ASSERT_TRUE(sharers_all_swapped(&st->sh, 0, NR_PAGES));

		for (i = 0; i < NR_SHARERS; i++) {
			ASSERT_EQ(0, sharer_read(&st->sh, i, 0, NR_PAGES, sums));
			for (p = 0; p < NR_PAGES; p++)
				mismatches += sums[p] != st->want[p];
		}
		for (p = 0; p < NR_PAGES; p++)
			mismatches += page_checksum(st->mem + p * psize()) !=
				      st->want[p];
		round_teardown(st);
		rounds++;
	}

	zswpout = vmstat_read("zswpout") - zswpout;
	remapped = vmstat_read("swapin_remap_pte") - remapped;
	ASSERT_EQ(0, swap_env_wait_swapfree(&st->env, swapfree_start, 100));
	stored = file_read_ll(ZSWAP_STORED_PAGES);
	ksft_print_msg("%d rounds: %lld pages to zswap, %lld of them also left in the swap cache, %lld PTEs remapped, %lld mismatches, %lld zswap pages left\n",
		       rounds, zswpout, in_both, remapped, mismatches, stored);
	/* The setup happened: zswap stored the pages, the remap ran. */
	ASSERT_GE(zswpout, (long long)rounds * NR_PAGES / 2);
	ASSERT_GT(remapped, 0);
	/* And the interleaving this test exists for happened. */
	ASSERT_GT(in_both, 0)
		TH_LOG("no zswap-stored folio was left in the swap cache");
	EXPECT_EQ(0, mismatches);
	EXPECT_EQ(0, stored);
}

/* Last: nothing left behind by the tests above. */
LEAK_CHECK_TEST

TEST_HARNESS_MAIN
