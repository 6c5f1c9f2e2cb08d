// SPDX-License-Identifier: GPL-2.0
/*
 * Swap of shared memory pages (MAP_SHARED | MAP_ANONYMOUS and SysV shm)
 * attached by several processes.
 *
 * Unlike private anonymous pages, swapped-out shmem pages leave no swap
 * PTE: reclaim clears the PTEs and the swap entry lives in the shmem
 * page cache. pagemap then shows nothing, so the swap-out is verified
 * through the page cache (mincore()), smaps "Swap:", the swap column of
 * /proc/sysvipc/shm and SwapFree. Swap-in goes through the swap cache
 * and puts the page back in the page cache, so each page is read once
 * whichever attacher faults first.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>

#include "../kselftest_harness.h"
#include "swap_util.h"

#define NR_PAGES		8
#define NR_SHARERS		3
#define SWAP_OUT_PASSES		200
#define TEST_TIMEOUT		300	/* seconds, for a slow TCG debug guest */

enum shmem_kind {
	SHMEM_SHARED_ANON,
	SHMEM_SYSV,
};

struct shmem_state {
	struct swap_env env;
	struct sharers sh;
	char *mem;		/* the test process's own attachment */
	int shmid;		/* SysV only, else -1 */
	__u64 seed[NR_PAGES];
};

FIXTURE(shmem)
{
	struct shmem_state st;
};

FIXTURE_VARIANT(shmem)
{
	enum swap_backend backend;
	enum shmem_kind kind;
};

FIXTURE_VARIANT_ADD(shmem, zram_shared_anon)
{
	.backend = SWAP_BACKEND_ZRAM,
	.kind = SHMEM_SHARED_ANON,
};

FIXTURE_VARIANT_ADD(shmem, zram_sysv)
{
	.backend = SWAP_BACKEND_ZRAM,
	.kind = SHMEM_SYSV,
};

FIXTURE_VARIANT_ADD(shmem, disk_shared_anon)
{
	.backend = SWAP_BACKEND_DISK,
	.kind = SHMEM_SHARED_ANON,
};

FIXTURE_VARIANT_ADD(shmem, disk_sysv)
{
	.backend = SWAP_BACKEND_DISK,
	.kind = SHMEM_SYSV,
};

FIXTURE_SETUP(shmem)
{
	int ret;

	self->st.shmid = -1;
	ret = swap_env_setup(&self->st.env, variant->backend);
	if (ret == SWAP_ENV_ABSENT)
		SKIP(return, "%s backend: a needed feature is missing",
		     swap_backend_name(variant->backend));
	ASSERT_EQ(0, ret) TH_LOG("cannot set up swap on the %s backend",
				 swap_backend_name(variant->backend));
}

/* Detach the test process; not its parent, see FIXTURE_TEARDOWN_PARENT. */
static void shmem_unmap(struct shmem_state *st)
{
	if (st->mem && getpid() == st->env.owner) {
		if (st->shmid >= 0)
			shmdt(st->mem);
		else
			munmap(st->mem, NR_PAGES * psize());
	}
	st->mem = NULL;
}

/*
 * In the parent of the test process, with which the fixture data is
 * shared: the 6.12 harness skips a plain FIXTURE_TEARDOWN() after a
 * failed ASSERT.
 */
FIXTURE_TEARDOWN_PARENT(shmem)
{
	sharers_destroy(&self->st.sh);
	shmem_unmap(&self->st);
	swap_env_teardown(&self->st.env);
}

/* Create the shared memory, attached in the test process only. */
static char *shmem_create(struct __test_metadata *_metadata,
			  struct shmem_state *st, enum shmem_kind kind)
{
	size_t len = NR_PAGES * psize();
	char *mem;

	if (kind == SHMEM_SHARED_ANON) {
		mem = mmap(NULL, len, PROT_READ | PROT_WRITE,
			   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	} else {
		if (access("/proc/sysvipc/shm", R_OK))
			SKIP(return NULL, "no SysV IPC (CONFIG_SYSVIPC)");
		st->shmid = shmget(IPC_PRIVATE, len, IPC_CREAT | 0600);
		ASSERT_GE(st->shmid, 0) TH_LOG("shmget: %s", strerror(errno));
		mem = shmat(st->shmid, NULL, 0);
		/* Destroyed when the last attacher detaches, on every path. */
		EXPECT_EQ(0, shmctl(st->shmid, IPC_RMID, NULL));
	}
	ASSERT_NE(MAP_FAILED, mem) TH_LOG("cannot map shared memory: %s",
					  strerror(errno));
	st->mem = mem;
	EXPECT_EQ(0, munlock(mem, len));
	return mem;
}

/* /proc/sysvipc/shm of a SysV segment: swapped and resident bytes. */
static void expect_sysvipc(struct __test_metadata *_metadata,
			   struct shmem_state *st, long long swap,
			   long long rss)
{
	if (st->shmid < 0)
		return;
	EXPECT_EQ(swap, sysvipc_shm_read(st->shmid, "swap"));
	EXPECT_EQ(rss, sysvipc_shm_read(st->shmid, "rss"));
	EXPECT_EQ(NR_SHARERS, sysvipc_shm_read(st->shmid, "nattch"));
}

static unsigned long nr_resident(const __u64 *vec, unsigned long n)
{
	unsigned long i, nr = 0;

	for (i = 0; i < n; i++)
		nr += vec[i] != 0;
	return nr;
}

static bool shmem_out_cb(void *arg)
{
	struct sharers *sh = arg;

	return sharers_none_resident(sh, 0, NR_PAGES);
}

/*
 * g) Shared memory pages attached by several processes swap out and
 * back with one read per page, and every attacher then maps the same
 * page and sees the same data, including a later write by any of them.
 * Catches a shmem page swapped in once per attacher, a slot not freed
 * after swap-in (shmem drops the swap cache copy at once), attachers
 * ending up on different pages and lost writes.
 */
TEST_F_TIMEOUT(shmem, swap_roundtrip, TEST_TIMEOUT)
{
	struct shmem_state *st = &self->st;
	size_t len = NR_PAGES * psize();
	__u64 sums[NR_PAGES], pme[NR_PAGES], resident[NR_PAGES];
	unsigned long pfn[NR_PAGES], p;
	long long swapfree_base, pswpin;
	__u64 seed, count;
	char *mem;
	int i;

	mem = shmem_create(_metadata, st, variant->kind);
	ASSERT_NE(NULL, mem);
	swapfree_base = meminfo_read_pages("SwapFree");
	ASSERT_EQ(st->env.area.total_pages, swapfree_base)
		TH_LOG("setup: the new swap area is not empty");
	for (p = 0; p < NR_PAGES; p++) {
		st->seed[p] = page_seed(getpid(), p, 0);
		page_fill(mem + p * psize(), st->seed[p]);
	}
	ASSERT_EQ(0, sharers_spawn(&st->sh, NR_SHARERS, mem, NR_PAGES));
	shmem_unmap(st);

	ASSERT_GT(swap_env_swap_out(&st->env, len, shmem_out_cb,
				    &st->sh, SWAP_OUT_PASSES), 0)
		TH_LOG("setup: shared memory not swapped out");
	/* One slot per page, seen from every attacher. */
	ASSERT_EQ(swapfree_base - NR_PAGES, meminfo_read_pages("SwapFree"))
		TH_LOG("setup: the pages are not in swap");
	for (i = 0; i < NR_SHARERS; i++) {
		EXPECT_EQ(len / 1024, smaps_swap_kb(st->sh.s[i].pid, mem))
			TH_LOG("sharer %d: smaps Swap", i);
	}
	expect_sysvipc(_metadata, st, len, 0);

	/* The first attacher to fault reads each page once. */
	pswpin = vmstat_read("pswpin");
	ASSERT_EQ(0, sharer_read(&st->sh, 0, 0, NR_PAGES, sums));
	for (p = 0; p < NR_PAGES; p++) {
		EXPECT_EQ(pattern_checksum(st->seed[p]), sums[p])
			TH_LOG("sharer 0 page %lu: wrong data", p);
	}
	EXPECT_EQ(pswpin + NR_PAGES, vmstat_read("pswpin"));
	/* Back in the page cache, out of the swap cache and the swap area. */
	EXPECT_EQ(swapfree_base, meminfo_read_pages("SwapFree"));
	EXPECT_EQ(0, meminfo_read_kb("SwapCached"));
	expect_sysvipc(_metadata, st, 0, len);

	/* The other attachers find the pages there: no I/O. */
	for (i = 1; i < NR_SHARERS; i++) {
		ASSERT_EQ(0, sharer_mincore(&st->sh, i, 0, NR_PAGES,
					    resident));
		EXPECT_EQ(NR_PAGES, nr_resident(resident, NR_PAGES))
			TH_LOG("sharer %d", i);
	}
	pswpin = vmstat_read("pswpin");
	for (i = 1; i < NR_SHARERS; i++) {
		ASSERT_EQ(0, sharer_read(&st->sh, i, 0, NR_PAGES, sums));
		for (p = 0; p < NR_PAGES; p++) {
			EXPECT_EQ(pattern_checksum(st->seed[p]), sums[p])
				TH_LOG("sharer %d page %lu: wrong data", i, p);
		}
	}
	EXPECT_EQ(pswpin, vmstat_read("pswpin"));

	/* One page, mapped by every attacher. */
	for (i = 0; i < NR_SHARERS; i++) {
		ASSERT_EQ(0, sharer_pagemap(&st->sh, i, 0, NR_PAGES, pme));
		for (p = 0; p < NR_PAGES; p++) {
			EXPECT_TRUE(pme[p] & PM_PRESENT);
			if (!i)
				pfn[p] = pagemap_pfn(pme[p]);
			EXPECT_EQ(pfn[p], pagemap_pfn(pme[p]))
				TH_LOG("sharer %d page %lu", i, p);
		}
	}
	for (p = 0; p < NR_PAGES; p++) {
		ASSERT_EQ(0, kpagecount_get(pfn[p], &count));
		EXPECT_EQ(NR_SHARERS, count);
	}

	/* Shared means shared: a write by one is seen by all. */
	seed = page_seed(getpid(), 0, 1);
	ASSERT_EQ(0, sharer_write(&st->sh, NR_SHARERS - 1, 0, 1, &seed));
	for (i = 0; i < NR_SHARERS; i++) {
		ASSERT_EQ(0, sharer_read(&st->sh, i, 0, 1, sums));
		EXPECT_EQ(pattern_checksum(seed), sums[0])
			TH_LOG("sharer %d misses the write", i);
	}
	/* Every sharer survived all of it. */
	EXPECT_EQ(0, sharers_stop(&st->sh));
}

/* Last: nothing left behind by the tests above. */
LEAK_CHECK_TEST

TEST_HARNESS_MAIN
