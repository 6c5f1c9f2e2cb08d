// SPDX-License-Identifier: GPL-2.0
/*
 * The swap-in remap (mm/swap_remap.c) against everything that can
 * happen to the other sharers' PTEs while a walk maps them, with -smp 2:
 * the races drawn at the top of mm/swap_remap.c.
 *
 * One round: STRESS_PAGES pages shared by STRESS_SHARERS sharers and
 * swapped out; then, all at once, sharers read them from the first page
 * and from the last, a forked child of a sharer reads them, one sharer
 * writes some (COW), one mprotect()s its copy read-only, one mremap()s
 * it away and back, one drops some with MADV_DONTNEED, one munmap()s or
 * exits, one sits under uffd-wp; and the test process compacts memory
 * or swaps off.  Then each sharer that did not read yet reads everything.
 * Every byte of every page read is checked: its checksum against the
 * expected one, the new content where the reader wrote, zeroes where it
 * dropped the page.  The uffd-wp sharer's PTEs must still hold their
 * swap entries when it comes to read (the remap leaves uffd-wp alone).
 *
 * The variants run with readahead off (page-cluster 0, as the other
 * tests: single-page walks) and with the kernel's default readahead
 * (page-cluster 3, VMA readahead), which puts the neighbours in the swap
 * cache and makes the walks batch, on zram and on the disk.
 *
 * At the end: nothing mismatched, no swap slot leaked, and the stress
 * did enough: a minimum of rounds, of remapped PTEs, of compaction, and
 * readahead (swap_ra) exactly where the variant has it on.  The batch
 * itself, full and counted exactly, is remap_test's budget_runs_out.
 *
 * In a soak (SWAPCACHE_SOAK=1, see swap_util.h; "make soak" runs
 * "remap_stress -r remap_stress.zram_auto_readahead.races" so, over and
 * over), the rounds run on the soak's swap areas, at its readahead and
 * at the swapin_remap mode it switches every few seconds, in the memory
 * cgroup the program was started in, which must be a leaf of its own:
 * the variant's backend and mode are not used, and the test turns no
 * swap area off, since the soak does.  Only what holds whatever else
 * runs is checked: every byte of every page read, and at least one
 * round done.  The soak's swapoff may swap the uffd-wp sharer's pages
 * in, so their PTEs are not checked; swap, leaks and the remap's
 * counters are the soak's to check, as a whole.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>

#include "../kselftest_harness.h"
#include "swap_util.h"

#define KNOB			"/sys/kernel/mm/swap/swapin_remap"
#define PAGE_CLUSTER		"/proc/sys/vm/page-cluster"
#define VMA_RA_ENABLED		"/sys/kernel/mm/swap/vma_ra_enabled"
#define COMPACT_MEMORY		"/proc/sys/vm/compact_memory"
#define SWAP_OUT_PASSES		200
/*
 * STRESS_SECONDS of rounds take well under 300 s alone; a round that
 * starts near the end can take minutes in a soak, whose memory.high
 * throttles the sharers (see SHARER_SOAK_TIMEOUT_MS).
 */
#define TEST_TIMEOUT		900
#define STRESS_SECONDS		40
#define STRESS_PAGES		48
/* Pages a sharer writes, or drops, per round. */
#define STRESS_RANGE		8
/* A mismatch is logged in full this many times, then only counted. */
#define MISMATCH_LOGS		10
/* In a soak: swap-outs of a round's setup that a swapoff may undo. */
#define SOAK_SWAP_OUT_TRIES	10

/* What each sharer does in a round. */
enum stress_role {
	READ_FORWARD,		/* reads from the first page */
	READ_BACKWARD,		/* reads from the last page */
	FORK_READ,		/* a child of it reads, both ways in turn */
	WRITER,			/* writes STRESS_RANGE pages, then reads */
	MPROTECT,		/* mprotect(PROT_READ), then reads */
	MREMAP,			/* moves its mapping away and back, reads */
	DONTNEED,		/* MADV_DONTNEED of STRESS_RANGE pages, reads */
	UFFD_WP,		/* under uffd-wp: never remapped, reads last */
	GOES_AWAY,		/* munmap() or exit(), in turn */
	STRESS_SHARERS,
};

struct stress_state {
	struct swap_env env;
	struct setting knob;
	struct setting page_cluster;
	struct setting vma_ra;
	struct sharers sh;
	char *mem;
	__u64 seed[STRESS_PAGES];
	__u64 new_seed[STRESS_PAGES];
	__u64 zero_sum;		/* page_checksum() of a page of zeroes */
};

/* Counters of /proc/vmstat that the stress must have moved. */
struct stress_counts {
	long long pte, walk, abort, compact, migrated, ra;
};

static void stress_counts_read(struct stress_counts *c)
{
	c->pte = vmstat_read("swapin_remap_pte");
	c->walk = vmstat_read("swapin_remap_walk");
	c->abort = vmstat_read("swapin_remap_abort");
	c->compact = vmstat_read("compact_migrate_scanned");
	c->migrated = vmstat_read("pgmigrate_success");
	c->ra = vmstat_read("swap_ra");
}

static bool sharers_swapped_cb(void *arg)
{
	struct stress_state *st = arg;

	return sharers_all_swapped(&st->sh, 0, STRESS_PAGES);
}

/*
 * swap_env_setup() in a soak: the swap areas that are on, readahead and
 * swapin_remap as they are, and for memory.reclaim the memory cgroup the
 * process is in, which nothing else should share; all the process's
 * memory locked, as there.  Nothing is made, so the teardown removes
 * nothing.  Return: 0, or -1.
 */
static int soak_env_join(struct swap_env *env)
{
	char line[256], path[PATH_MAX];
	FILE *f;

	memset(env, 0, sizeof(*env));
	env->owner = getpid();
	if (meminfo_read_pages("SwapTotal") <= 0) {
		ksft_print_msg("soak: no swap area is on\n");
		return -1;
	}
	/* cgroup v2: the one line "0::/PATH". */
	f = fopen("/proc/self/cgroup", "re");
	if (!f) {
		ksft_print_msg("open /proc/self/cgroup: %s\n", strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f) && strncmp(line, "0::/", 4))
		;
	fclose(f);
	line[strcspn(line, "\n")] = '\0';
	if (strncmp(line, "0::/", 4) || !line[4]) {
		ksft_print_msg("soak: not in a memory cgroup of its own (%s)\n",
			       line);
		return -1;
	}
	if (snprintf(env->cg.path, sizeof(env->cg.path), "/sys/fs/cgroup/%s",
		     line + 4) >= (int)sizeof(env->cg.path)) {
		ksft_print_msg("soak: cgroup path too long: %s\n", line + 4);
		return -1;
	}
	snprintf(path, sizeof(path), "%s/memory.reclaim", env->cg.path);
	if (access(path, W_OK)) {
		ksft_print_msg("%s: %s\n", path, strerror(errno));
		return -1;
	}
	if (mlockall(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT)) {
		ksft_print_msg("mlockall: %s\n", strerror(errno));
		return -1;
	}
	env->locked = true;
	return 0;
}

FIXTURE(remap_stress)
{
	struct stress_state st;
};

FIXTURE_VARIANT(remap_stress)
{
	enum swap_backend backend;
	const char *mode;
	bool readahead;		/* the kernel's default, not pinned off */
	int min_rounds;
	int min_remapped;	/* PTEs, per round on average */
};

/*
 * The minimums are about a quarter of what the TCG debug guest does
 * (80 to 95 rounds of about 300 remapped PTEs each in STRESS_SECONDS):
 * a stress that stalled, or whose races kept the remap from working,
 * fails.
 */
FIXTURE_VARIANT_ADD(remap_stress, zram_free)
{
	.backend = SWAP_BACKEND_ZRAM, .mode = "free",
	.min_rounds = 20, .min_remapped = 75,
};

FIXTURE_VARIANT_ADD(remap_stress, zram_keep)
{
	.backend = SWAP_BACKEND_ZRAM, .mode = "keep",
	.min_rounds = 20, .min_remapped = 75,
};

FIXTURE_VARIANT_ADD(remap_stress, zram_auto_readahead)
{
	.backend = SWAP_BACKEND_ZRAM, .mode = "auto", .readahead = true,
	.min_rounds = 20, .min_remapped = 75,
};

FIXTURE_VARIANT_ADD(remap_stress, disk_auto_readahead)
{
	.backend = SWAP_BACKEND_DISK, .mode = "auto", .readahead = true,
	.min_rounds = 20, .min_remapped = 75,
};

FIXTURE_SETUP(remap_stress)
{
	struct stress_state *st = &self->st;
	char *zero;
	int ret;

	memset(st, 0, sizeof(*st));
	if (swap_soak()) {
		ASSERT_EQ(0, soak_env_join(&st->env));
	} else {
		ret = swap_env_setup(&st->env, variant->backend);
		if (ret == SWAP_ENV_ABSENT)
			SKIP(return, "%s: a needed feature is missing",
			     swap_backend_name(variant->backend));
		ASSERT_EQ(0, ret);
		ASSERT_EQ(0, setting_pin(&st->knob, KNOB, variant->mode));
	}
	if (variant->readahead && !swap_soak()) {
		ASSERT_EQ(0, setting_pin(&st->page_cluster, PAGE_CLUSTER, "3"));
		ASSERT_EQ(0, setting_pin(&st->vma_ra, VMA_RA_ENABLED, "true"));
	}
	zero = calloc(1, psize());
	ASSERT_NE(NULL, zero);
	st->zero_sum = page_checksum(zero);
	free(zero);
}

FIXTURE_TEARDOWN_PARENT(remap_stress)
{
	struct stress_state *st = &self->st;

	sharers_destroy(&st->sh);
	if (st->mem && getpid() == st->env.owner)
		munmap(st->mem, STRESS_PAGES * psize());
	st->mem = NULL;
	setting_restore(&st->vma_ra);
	setting_restore(&st->page_cluster);
	setting_restore(&st->knob);
	swap_env_teardown(&st->env);
}

/* Compare sharer @i's checksums with what it must have read. */
static long check_sums(struct stress_state *st, long round, int i,
		       const __u64 *sum, long *logged)
{
	unsigned long wfirst = round % (STRESS_PAGES - STRESS_RANGE);
	unsigned long dfirst = (round * 7 + 3) % (STRESS_PAGES - STRESS_RANGE);
	long bad = 0;
	unsigned long p;
	__u64 want;

	for (p = 0; p < STRESS_PAGES; p++) {
		want = pattern_checksum(st->seed[p]);
		if (i == WRITER && p >= wfirst && p < wfirst + STRESS_RANGE)
			want = pattern_checksum(st->new_seed[p]);
		if (i == DONTNEED && p >= dfirst && p < dfirst + STRESS_RANGE)
			want = st->zero_sum;
		if (sum[p] == want)
			continue;
		bad++;
		if ((*logged)++ < MISMATCH_LOGS)
			ksft_print_msg("round %ld sharer %d page %lu: checksum %#llx, want %#llx\n",
				       round, i, p, (unsigned long long)sum[p],
				       (unsigned long long)want);
	}
	return bad;
}

/*
 * Rounds for STRESS_SECONDS, each set up from scratch and checked: the
 * setup (every PTE of every sharer swapped out, the uffd-wp sharer's
 * PTEs marked) before the races, every page of every reader after.
 */
TEST_F_TIMEOUT(remap_stress, races, TEST_TIMEOUT)
{
	struct stress_state *st = &self->st;
	long long swapfree_start = meminfo_read_pages("SwapFree");
	long mismatches = 0, logged = 0, uffd_mapped = 0, rounds = 0;
	size_t len = STRESS_PAGES * psize();
	__u64 sum[STRESS_PAGES], pme[STRESS_PAGES];
	struct stress_counts c0, c1;
	unsigned long p, wfirst, dfirst;
	bool soak = swap_soak();
	time_t end;
	int i, tries, passes;

	stress_counts_read(&c0);
	ASSERT_GE(c0.pte, 0);
	ASSERT_GE(c0.compact, 0);
	end = time(NULL) + STRESS_SECONDS;
	while (time(NULL) < end) {
		bool swapoff = !soak && rounds % 4 == 2;
		bool compact = rounds % 4 == 1;

		wfirst = rounds % (STRESS_PAGES - STRESS_RANGE);
		dfirst = (rounds * 7 + 3) % (STRESS_PAGES - STRESS_RANGE);
		st->mem = mmap(NULL, len, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (st->mem == MAP_FAILED)
			st->mem = NULL;
		ASSERT_NE(NULL, st->mem);
		madvise(st->mem, len, MADV_NOHUGEPAGE);
		ASSERT_EQ(0, munlock(st->mem, len));
		for (p = 0; p < STRESS_PAGES; p++) {
			st->seed[p] = page_seed(getpid(), p, 2 * rounds);
			st->new_seed[p] = page_seed(getpid(), p, 2 * rounds + 1);
			page_fill(st->mem + p * psize(), st->seed[p]);
		}
		ASSERT_EQ(0, sharers_spawn(&st->sh, STRESS_SHARERS, st->mem,
					   STRESS_PAGES))
			TH_LOG("round %ld", rounds);
		ASSERT_EQ(0, sharer_uffd_wp(&st->sh, UFFD_WP));
		ASSERT_EQ(0, munmap(st->mem, len));
		st->mem = NULL;
		for (tries = 1; ; tries++) {
			passes = swap_env_swap_out(&st->env, len,
						   sharers_swapped_cb, st,
						   SWAP_OUT_PASSES);
			ASSERT_GT(passes, 0)
				TH_LOG("setup: round %ld: not swapped out",
				       rounds);
			ASSERT_EQ(0, sharer_pagemap(&st->sh, UFFD_WP, 0,
						    STRESS_PAGES, pme));
			for (p = 0; p < STRESS_PAGES; p++)
				if (!pagemap_entry_is_swap(pme[p]) ||
				    !(pme[p] & PM_UFFD_WP))
					break;
			/* In a soak, its swapoff may have swapped them in. */
			if (p == STRESS_PAGES || !soak ||
			    tries == SOAK_SWAP_OUT_TRIES)
				break;
		}
		ASSERT_EQ(STRESS_PAGES, p)
			TH_LOG("setup: round %ld page %lu: %#llx", rounds, p,
			       (unsigned long long)pme[p]);

		/* All at once. */
		ASSERT_EQ(0, sharer_send(&st->sh, READ_FORWARD, SHARER_READ,
					 0, STRESS_PAGES, 0, NULL));
		ASSERT_EQ(0, sharer_send(&st->sh, READ_BACKWARD, SHARER_READ,
					 0, STRESS_PAGES, SHARER_BACKWARD,
					 NULL));
		ASSERT_EQ(0, sharer_send(&st->sh, FORK_READ, SHARER_FORK_READ,
					 0, STRESS_PAGES,
					 rounds % 2 ? SHARER_BACKWARD : 0,
					 NULL));
		ASSERT_EQ(0, sharer_send(&st->sh, WRITER, SHARER_WRITE, wfirst,
					 STRESS_RANGE, 0,
					 st->new_seed + wfirst));
		ASSERT_EQ(0, sharer_send(&st->sh, MPROTECT, SHARER_MPROTECT,
					 0, STRESS_PAGES, PROT_READ, NULL));
		ASSERT_EQ(0, sharer_send(&st->sh, MREMAP, SHARER_MREMAP, 0, 0,
					 0, NULL));
		ASSERT_EQ(0, sharer_send(&st->sh, DONTNEED, SHARER_MADVISE,
					 dfirst, STRESS_RANGE, MADV_DONTNEED,
					 NULL));
		ASSERT_EQ(0, sharer_send(&st->sh, GOES_AWAY, rounds % 2 ?
					 SHARER_EXIT : SHARER_MUNMAP, 0, 0, 0,
					 NULL));
		if (compact)
			ASSERT_EQ(0, file_write_str(COMPACT_MEMORY, "1"));
		if (swapoff)
			ASSERT_EQ(0, swap_area_teardown(&st->env.area));
		for (i = 0; i < STRESS_SHARERS; i++) {
			if (i == UFFD_WP)
				continue;
			ASSERT_EQ(0, sharer_wait(&st->sh, i, sum))
				TH_LOG("round %ld sharer %d", rounds, i);
			if (i <= FORK_READ)
				mismatches += check_sums(st, rounds, i, sum,
							 &logged);
		}

		/* The uffd-wp sharer's PTEs: never remapped. */
		ASSERT_EQ(0, sharer_pagemap(&st->sh, UFFD_WP, 0, STRESS_PAGES,
					    pme));
		for (p = 0; !swapoff && !soak && p < STRESS_PAGES; p++) {
			if (pagemap_entry_is_swap(pme[p]) &&
			    (pme[p] & PM_UFFD_WP))
				continue;
			if (uffd_mapped++ < MISMATCH_LOGS)
				ksft_print_msg("round %ld: uffd-wp sharer page %lu: %#llx\n",
					       rounds, p,
					       (unsigned long long)pme[p]);
		}
		/* The others read everything, all at once again. */
		for (i = WRITER; i <= UFFD_WP; i++)
			ASSERT_EQ(0, sharer_send(&st->sh, i, SHARER_READ, 0,
						 STRESS_PAGES,
						 i % 2 ? SHARER_BACKWARD : 0,
						 NULL));
		for (i = WRITER; i <= UFFD_WP; i++) {
			ASSERT_EQ(0, sharer_wait(&st->sh, i, sum))
				TH_LOG("round %ld sharer %d", rounds, i);
			mismatches += check_sums(st, rounds, i, sum, &logged);
		}

		sharers_destroy(&st->sh);
		if (swapoff)
			ASSERT_EQ(0, swap_area_setup(&st->env.area,
						     variant->backend,
						     swap_area_wanted_pages()));
		rounds++;
	}
	stress_counts_read(&c1);
	ksft_print_msg("%s%s: %ld rounds, %ld mismatches, %lld PTEs remapped in %lld walks, %lld given up, %lld pages read ahead, %lld pages scanned and %lld migrated by compaction\n",
		       soak ? "soak" : variant->mode,
		       variant->readahead && !soak ? " readahead" : "",
		       rounds, mismatches, c1.pte - c0.pte, c1.walk - c0.walk,
		       c1.abort - c0.abort, c1.ra - c0.ra,
		       c1.compact - c0.compact, c1.migrated - c0.migrated);
	EXPECT_EQ(0, mismatches);
	if (soak) {
		EXPECT_GT(rounds, 0);
		return;
	}
	EXPECT_EQ(0, uffd_mapped);
	/* No slot leaked by any race. */
	EXPECT_EQ(0, swap_env_wait_swapfree(&st->env, swapfree_start, 100));
	/* It did something: rounds, remaps among the races, compaction. */
	EXPECT_GE(rounds, variant->min_rounds);
	EXPECT_GE(c1.pte - c0.pte, rounds * variant->min_remapped);
	EXPECT_GT(c1.compact - c0.compact, 0);
	/* The variant's readahead, on or off, is what the kernel did. */
	if (variant->readahead) {
		EXPECT_GT(c1.ra - c0.ra, 0);
	} else {
		EXPECT_EQ(c0.ra, c1.ra);
	}
}

/* Last: nothing left behind by the tests above. */
LEAK_CHECK_TEST

TEST_HARNESS_MAIN
