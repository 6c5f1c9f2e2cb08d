// SPDX-License-Identifier: GPL-2.0
/*
 * Swap-in remap (mm/swap_remap.c): when one sharer of a swapped-out
 * anonymous page faults it in, every other sharer whose PTE still holds
 * the same swap entry gets the page mapped too, read-only, without a
 * fault of its own; the swap slot is freed as
 * /sys/kernel/mm/swap/swapin_remap says.
 *
 * The fixtures pin page-cluster to 0 and VMA readahead off (swap_util),
 * so every count below is exact: one pswpin per page, and no batch
 * member but the faulting page itself.
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
#include <linux/kernel-page-flags.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "../kselftest_harness.h"
#include "swap_util.h"

#define KNOB			"/sys/kernel/mm/swap/swapin_remap"
#define NR_PAGES		16
#define NR_KIDS			4
#define SWAP_OUT_PASSES		200
#define TEST_TIMEOUT		300
#define STRESS_SECONDS		40
#define STRESS_PAGES		48
#define STRESS_KIDS		4

/* Reported by /proc/kpageflags, not in the uapi header. */
#ifndef KPF_MLOCKED
#define KPF_MLOCKED		33
#endif

#ifndef MLOCK_ONFAULT
#define MLOCK_ONFAULT		0x01
#endif

/*
 * A kid: a forked sharer of the target that runs commands from the test
 * and reports the faults (getrusage) each one took.
 */
enum kid_op { KID_READ, KID_WRITE, KID_MLOCK, KID_MUNMAP, KID_FORK_READ,
	      KID_EXIT };

struct kid_cmd {
	int op;
	unsigned int first, count;
	__u64 seed;
};

struct kid_reply {
	int err;
	long faults;			/* minflt + majflt of the command */
	__u64 sum[STRESS_PAGES];	/* KID_READ: checksum of each page */
};

struct kid {
	pid_t pid;
	int cmd, reply;
};

struct remap_state {
	struct swap_env env;
	struct setting knob;	/* swapin_remap, pinned to the variant */
	struct setting ksm[3];	/* run, pages_to_scan, sleep_millisecs */
	struct kid kid[STRESS_KIDS];
	int nr_kids;
	char *mem;
	unsigned long nr_pages;
	__u64 seed[STRESS_PAGES];
	long long swapfree_base;
};

static long rusage_faults(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_minflt + ru.ru_majflt;
}

static void kid_main(char *mem, unsigned long nr_pages, int cmd_fd,
		     int reply_fd)
{
	static __u64 warm[65536 / sizeof(__u64)];	/* >= a page */
	struct kid_reply r;
	struct kid_cmd c;
	unsigned long p;
	long before;

	if (mlock_all_but(mem, nr_pages * psize()))
		_exit(3);
	/*
	 * MCL_ONFAULT locks only what is touched: touch the code and data
	 * of the commands once, so that their fault counts are the
	 * target's alone.
	 */
	memset(&r, 0, sizeof(r));
	page_fill(warm, 1);
	r.sum[0] = page_checksum(warm) + rusage_faults();
	while (read(cmd_fd, &c, sizeof(c)) == sizeof(c)) {
		memset(&r, 0, sizeof(r));
		before = rusage_faults();
		switch (c.op) {
		case KID_READ:
			for (p = c.first; p < c.first + c.count; p++)
				r.sum[p] = page_checksum(mem + p * psize());
			break;
		case KID_WRITE:
			for (p = c.first; p < c.first + c.count; p++)
				page_fill(mem + p * psize(), c.seed);
			break;
		case KID_MLOCK:
			if (syscall(__NR_mlock2, mem, nr_pages * psize(),
				    MLOCK_ONFAULT))
				r.err = errno;
			break;
		case KID_MUNMAP:
			if (munmap(mem, nr_pages * psize()))
				r.err = errno;
			break;
		case KID_FORK_READ: {
			/* A grandchild, forked now, reads every page. */
			pid_t pid = fork();
			int status;

			if (!pid) {
				for (p = c.first; p < c.first + c.count; p++)
					r.sum[p] = page_checksum(mem + p * psize());
				if (write(reply_fd, &r, sizeof(r)) != sizeof(r))
					_exit(1);
				_exit(0);
			}
			if (pid < 0 || waitpid(pid, &status, 0) != pid ||
			    !WIFEXITED(status) || WEXITSTATUS(status))
				_exit(4);
			continue;	/* the grandchild replied */
		}
		case KID_EXIT:
			_exit(0);
		}
		r.faults = rusage_faults() - before;
		if (write(reply_fd, &r, sizeof(r)) != sizeof(r))
			_exit(1);
	}
	_exit(0);
}

static int kid_send(struct kid *k, int op, unsigned int first,
		    unsigned int count, __u64 seed)
{
	struct kid_cmd c = { .op = op, .first = first, .count = count,
			     .seed = seed };

	return write(k->cmd, &c, sizeof(c)) == sizeof(c) ? 0 : -1;
}

static int kid_wait(struct kid *k, struct kid_reply *r)
{
	if (read(k->reply, r, sizeof(*r)) != sizeof(*r))
		return -1;
	return r->err ? -1 : 0;
}

static int kid_call(struct kid *k, int op, unsigned int first,
		    unsigned int count, __u64 seed, struct kid_reply *r)
{
	struct kid_reply dummy;

	if (kid_send(k, op, first, count, seed))
		return -1;
	return kid_wait(k, r ? r : &dummy);
}

static void kid_reap(struct kid *k)
{
	int status;

	if (k->pid <= 0)
		return;
	kill(k->pid, SIGKILL);
	waitpid(k->pid, &status, 0);
	close(k->cmd);
	close(k->reply);
	k->pid = 0;
}

static int kids_spawn(struct remap_state *st, int nr)
{
	int i, j;

	signal(SIGPIPE, SIG_IGN);
	for (i = 0; i < nr; i++) {
		int cmd[2], reply[2];
		pid_t pid;

		if (pipe(cmd) || pipe(reply))
			return -1;
		fflush(stdout);
		fflush(stderr);
		pid = fork();
		if (!pid) {
			close(cmd[1]);
			close(reply[0]);
			for (j = 0; j < i; j++) {
				close(st->kid[j].cmd);
				close(st->kid[j].reply);
			}
			kid_main(st->mem, st->nr_pages, cmd[0], reply[1]);
		}
		close(cmd[0]);
		close(reply[1]);
		if (pid < 0)
			return -1;
		st->kid[i].pid = pid;
		st->kid[i].cmd = cmd[1];
		st->kid[i].reply = reply[0];
		st->nr_kids = i + 1;
		/* Fault in the text of the read path, see kid_main(). */
		if (kid_call(&st->kid[i], KID_READ, 0, 0, 0, NULL))
			return -1;
	}
	return 0;
}

static bool kids_swapped(void *arg)
{
	struct remap_state *st = arg;
	unsigned long p;
	int i;

	for (i = 0; i < st->nr_kids; i++) {
		for (p = 0; p < st->nr_pages; p++) {
			__u64 pme = pid_pagemap(st->kid[i].pid,
						st->mem + p * psize());

			if (!pagemap_entry_is_swap(pme))
				return false;
		}
	}
	return true;
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

/* Why is a kid's page not swapped out?  For the log of a failure. */
static void kids_explain(struct remap_state *st)
{
	unsigned long p, pfn;
	__u64 pme, flags, count;
	int i;

	ksft_print_msg("SwapCached %lld kB\n", meminfo_read_kb("SwapCached"));
	for (i = 0; i < st->nr_kids; i++) {
		for (p = 0; p < st->nr_pages; p++) {
			pme = pid_pagemap(st->kid[i].pid, st->mem + p * psize());
			if (pagemap_entry_is_swap(pme))
				continue;
			pfn = pagemap_pfn(pme);
			flags = 0;
			count = 0;
			if (pme & PM_PRESENT) {
				kpageflags_get(pfn, &flags);
				kpagecount_get(pfn, &count);
			}
			ksft_print_msg("kid %d page %lu: pme %#llx flags %#llx count %llu\n",
				       i, p, (unsigned long long)pme,
				       (unsigned long long)flags,
				       (unsigned long long)count);
		}
	}
}

/*
 * Map @nr_pages anonymous pages (@type: MAP_PRIVATE or MAP_SHARED), fill
 * them, fork @nr_kids sharers and drop the test's own mapping, so that
 * exactly the kids map them.  With @swap_out, reclaim until every kid's
 * PTE holds a swap entry and the swap cache is empty.
 */
static int share_pages(struct remap_state *st, int nr_kids,
		       unsigned long nr_pages, int type, bool swap_out)
{
	size_t len = nr_pages * psize();
	unsigned long p;

	st->mem = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       type | MAP_ANONYMOUS, -1, 0);
	if (st->mem == MAP_FAILED) {
		st->mem = NULL;
		return -1;
	}
	st->nr_pages = nr_pages;
	madvise(st->mem, len, MADV_NOHUGEPAGE);
	if (munlock(st->mem, len))
		return -1;
	st->swapfree_base = meminfo_read_pages("SwapFree");
	for (p = 0; p < nr_pages; p++) {
		st->seed[p] = page_seed(getpid(), p, 0);
		page_fill(st->mem + p * psize(), st->seed[p]);
	}
	if (kids_spawn(st, nr_kids))
		return -1;
	/* Keep the address: the kids map the target there. */
	if (munmap(st->mem, len))
		return -1;
	if (!swap_out)
		return 0;
	if (swap_env_swap_out(&st->env, len * nr_kids, kids_swapped, st,
			      SWAP_OUT_PASSES) > 0)
		return 0;
	kids_explain(st);
	return -1;
}

static void state_teardown(struct remap_state *st)
{
	int i;

	for (i = 0; i < st->nr_kids; i++)
		kid_reap(&st->kid[i]);
	st->nr_kids = 0;
	for (i = 0; i < 3; i++)
		setting_restore(&st->ksm[i]);
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

FIXTURE_TEARDOWN(remap)
{
	state_teardown(&self->st);
}

/*
 * After sharer 0 reads the pages, every other sharer maps the same PFN
 * without having touched it, read-only and with its soft-dirty bit as
 * its swap PTE had it; reading costs them no fault; each page was read
 * from swap once; the slot is freed or kept as the mode says.
 */
TEST_F_TIMEOUT(remap, maps_every_sharer, TEST_TIMEOUT)
{
	struct remap_state *st = &self->st;
	__u64 pme[NR_KIDS][NR_PAGES], pme0;
	long long pswpin, remapped, walks;
	struct kid_reply r;
	unsigned long p, pfn;
	char path[64];
	int i;

	ASSERT_EQ(0, share_pages(st, NR_KIDS, NR_PAGES, MAP_PRIVATE, false));
	/* Kid 1's pages are not soft-dirty, the others' are. */
	snprintf(path, sizeof(path), "/proc/%d/clear_refs", st->kid[1].pid);
	ASSERT_EQ(0, file_write_str(path, "4"));
	ASSERT_GT(swap_env_swap_out(&st->env, NR_KIDS * NR_PAGES * psize(),
				    kids_swapped, st, SWAP_OUT_PASSES), 0);
	for (i = 0; i < NR_KIDS; i++)
		for (p = 0; p < NR_PAGES; p++)
			pme[i][p] = pid_pagemap(st->kid[i].pid,
						st->mem + p * psize());

	pswpin = vmstat_read("pswpin");
	remapped = vmstat_read("swapin_remap_pte");
	walks = vmstat_read("swapin_remap_walk");
	ASSERT_GE(remapped, 0) TH_LOG("no swapin_remap_pte in /proc/vmstat");
	ASSERT_EQ(0, kid_call(&st->kid[0], KID_READ, 0, NR_PAGES, 0, &r));
	EXPECT_EQ(NR_PAGES, r.faults);
	for (p = 0; p < NR_PAGES; p++)
		EXPECT_EQ(pattern_checksum(st->seed[p]), r.sum[p]);
	EXPECT_EQ(pswpin + NR_PAGES, vmstat_read("pswpin"));
	EXPECT_EQ(remapped + (variant->remap ? (NR_KIDS - 1) * NR_PAGES : 0),
		  vmstat_read("swapin_remap_pte"));
	EXPECT_EQ(walks + (variant->remap ? NR_PAGES : 0),
		  vmstat_read("swapin_remap_walk"));

	/* "free" has freed the slots by the time the fault returned. */
	EXPECT_EQ(0, swapfree_check(st->swapfree_base -
				    (variant->frees ? 0 : NR_PAGES)));
	for (p = 0; p < NR_PAGES; p++) {
		pme0 = pid_pagemap(st->kid[0].pid, st->mem + p * psize());
		ASSERT_TRUE(pme0 & PM_PRESENT);
		pfn = pagemap_pfn(pme0);
		for (i = 1; i < NR_KIDS; i++) {
			__u64 now = pid_pagemap(st->kid[i].pid,
						st->mem + p * psize());

			if (!variant->remap) {
				EXPECT_EQ(pme[i][p], now);
				continue;
			}
			EXPECT_TRUE(now & PM_PRESENT)
				TH_LOG("kid %d page %lu: %#llx", i, p,
				       (unsigned long long)now);
			EXPECT_EQ(pfn, pagemap_pfn(now));
			EXPECT_EQ(pme[i][p] & PM_SOFT_DIRTY, now & PM_SOFT_DIRTY)
				TH_LOG("kid %d page %lu: soft-dirty", i, p);
			/* Mapped shared, never exclusive. */
			EXPECT_FALSE(now & PM_MMAP_EXCLUSIVE);
		}
		EXPECT_EQ(variant->remap ? NR_KIDS : 1, page_count(pfn));
		EXPECT_EQ(!variant->frees, page_flag(pfn, KPF_SWAPCACHE))
			TH_LOG("page %lu", p);
	}

	for (i = 1; i < NR_KIDS; i++) {
		ASSERT_EQ(0, kid_call(&st->kid[i], KID_READ, 0, NR_PAGES, 0,
				      &r));
		EXPECT_EQ(variant->remap ? 0 : NR_PAGES, r.faults)
			TH_LOG("kid %d", i);
		for (p = 0; p < NR_PAGES; p++)
			EXPECT_EQ(pattern_checksum(st->seed[p]), r.sum[p]);
	}
	EXPECT_EQ(pswpin + NR_PAGES, vmstat_read("pswpin"));
}

/* A write by any sharer after the remap copies; the others keep the data. */
TEST_F_TIMEOUT(remap, write_cows, TEST_TIMEOUT)
{
	struct remap_state *st = &self->st;
	__u64 seed = page_seed(getpid(), 3, 1);
	__u64 before, after;
	struct kid_reply r;
	unsigned long p;
	int i;

	ASSERT_EQ(0, share_pages(st, NR_KIDS, NR_PAGES, MAP_PRIVATE, true));
	ASSERT_EQ(0, kid_call(&st->kid[0], KID_READ, 0, NR_PAGES, 0, &r));
	before = pid_pagemap(st->kid[2].pid, st->mem + 3 * psize());
	ASSERT_EQ(0, kid_call(&st->kid[2], KID_WRITE, 3, 1, seed, &r));
	after = pid_pagemap(st->kid[2].pid, st->mem + 3 * psize());
	ASSERT_TRUE(after & PM_PRESENT);
	/* A swap PTE has no PFN: it differs in "never" mode too. */
	EXPECT_NE(pagemap_pfn(before), pagemap_pfn(after));
	EXPECT_TRUE(after & PM_MMAP_EXCLUSIVE);
	for (i = 0; i < NR_KIDS; i++) {
		ASSERT_EQ(0, kid_call(&st->kid[i], KID_READ, 0, NR_PAGES, 0,
				      &r));
		for (p = 0; p < NR_PAGES; p++)
			EXPECT_EQ(pattern_checksum(i == 2 && p == 3 ?
						   seed : st->seed[p]),
				  r.sum[p]) TH_LOG("kid %d page %lu", i, p);
	}
}

/*
 * A sharer with an mlock(MLOCK_ONFAULT)ed VMA gets the page mapped and
 * mlocked, and, as do_swap_page() would for a VM_LOCKED VMA, the slot is
 * freed in every remapping mode.
 */
TEST_F_TIMEOUT(remap, mlocked_sharer, TEST_TIMEOUT)
{
	struct remap_state *st = &self->st;
	struct kid_reply r;
	unsigned long p, pfn;
	__u64 pme;

	ASSERT_EQ(0, share_pages(st, NR_KIDS, NR_PAGES, MAP_PRIVATE, true));
	ASSERT_EQ(0, kid_call(&st->kid[NR_KIDS - 1], KID_MLOCK, 0, 0, 0, &r));
	ASSERT_EQ(0, kid_call(&st->kid[0], KID_READ, 0, NR_PAGES, 0, &r));
	/* All references gone: all slots free in every remapping mode. */
	if (variant->remap)
		EXPECT_EQ(0, swapfree_check(st->swapfree_base));
	for (p = 0; p < NR_PAGES; p++) {
		pme = pid_pagemap(st->kid[NR_KIDS - 1].pid, st->mem + p * psize());
		if (!variant->remap) {
			EXPECT_TRUE(pagemap_entry_is_swap(pme));
			continue;
		}
		ASSERT_TRUE(pme & PM_PRESENT) TH_LOG("page %lu", p);
		pfn = pagemap_pfn(pme);
		EXPECT_TRUE(page_flag(pfn, KPF_MLOCKED)) TH_LOG("page %lu", p);
		EXPECT_FALSE(page_flag(pfn, KPF_SWAPCACHE)) TH_LOG("page %lu", p);
	}
	ASSERT_EQ(0, kid_call(&st->kid[NR_KIDS - 1], KID_READ, 0, NR_PAGES, 0,
			      &r));
	EXPECT_EQ(variant->remap ? 0 : NR_PAGES, r.faults);
	for (p = 0; p < NR_PAGES; p++)
		EXPECT_EQ(pattern_checksum(st->seed[p]), r.sum[p]);
}

/* MAP_SHARED anonymous memory is shmem: not for the remap. */
TEST_F_TIMEOUT(remap, shmem_unaffected, TEST_TIMEOUT)
{
	struct remap_state *st = &self->st;
	long long remapped;
	struct kid_reply r;
	unsigned long p;
	int i;

	ASSERT_EQ(0, share_pages(st, NR_KIDS, NR_PAGES, MAP_SHARED, false));
	/* The shmem pages are swapped out from the page cache. */
	for (i = 0; i < 50 && meminfo_read_pages("SwapFree") >
			       st->swapfree_base - NR_PAGES; i++)
		cgroup_reclaim(&st->env.cg, NR_PAGES * psize());
	remapped = vmstat_read("swapin_remap_pte");
	for (i = 0; i < NR_KIDS; i++) {
		ASSERT_EQ(0, kid_call(&st->kid[i], KID_READ, 0, NR_PAGES, 0,
				      &r));
		for (p = 0; p < NR_PAGES; p++)
			EXPECT_EQ(pattern_checksum(st->seed[p]), r.sum[p]);
	}
	EXPECT_EQ(remapped, vmstat_read("swapin_remap_pte"));
}

/*
 * Transparent huge pages: a shared THP is split to swap out; the pages
 * come back as small folios and are remapped like any other; the data is
 * right and a THP still mapped elsewhere is never touched.
 */
TEST_F_TIMEOUT(remap, thp_left_alone, TEST_TIMEOUT)
{
	struct remap_state *st = &self->st;
	size_t len = 2UL << 20;
	struct kid_reply r;
	unsigned long p;
	char *raw, *mem;
	int i;

	/* A 2 MiB aligned THP at st->mem, shared by two kids, not swapped. */
	raw = mmap(NULL, 2 * len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, raw);
	mem = (char *)(((unsigned long)raw + len - 1) & ~(len - 1));
	ASSERT_EQ(0, madvise(mem, len, MADV_HUGEPAGE));
	ASSERT_EQ(0, munlock(mem, len));
	for (p = 0; p < STRESS_PAGES; p++) {
		st->seed[p] = page_seed(getpid(), p, 7);
		page_fill(mem + p * psize(), st->seed[p]);
	}
	st->mem = mem;
	st->nr_pages = STRESS_PAGES;
	ASSERT_EQ(0, kids_spawn(st, 2));
	munmap(raw, 2 * len);
	/* Partial reclaim: whatever reclaim does to it, data stays right. */
	cgroup_reclaim(&st->env.cg, len / 2);
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, kid_call(&st->kid[i], KID_READ, 0, STRESS_PAGES,
				      0, &r));
		for (p = 0; p < STRESS_PAGES; p++)
			EXPECT_EQ(pattern_checksum(st->seed[p]), r.sum[p]);
	}
	ASSERT_EQ(0, kid_call(&st->kid[1], KID_WRITE, 0, 1, 42, &r));
	ASSERT_EQ(0, kid_call(&st->kid[0], KID_READ, 0, 1, 0, &r));
	EXPECT_EQ(pattern_checksum(st->seed[0]), r.sum[0]);
}

/*
 * KSM: identical pages merged into one KSM page and swapped out share one
 * swap entry at several pgoffs.  The remap maps the folio only at the
 * pgoff it was faulted at (the others copy, ksm_might_need_to_copy()),
 * and never touches a KSM folio: every sharer reads the right data.
 */
TEST_F_TIMEOUT(remap, ksm_left_alone, TEST_TIMEOUT)
{
	struct remap_state *st = &self->st;
	long long remapped, sharing = 0;
	size_t len = NR_PAGES * psize();
	struct kid_reply r;
	unsigned long p;
	char *mem;
	int i;

	ASSERT_EQ(0, setting_pin(&st->ksm[0], "/sys/kernel/mm/ksm/run", "1"));
	ASSERT_EQ(0, setting_pin(&st->ksm[1], "/sys/kernel/mm/ksm/pages_to_scan",
				 "1000"));
	ASSERT_EQ(0, setting_pin(&st->ksm[2],
				 "/sys/kernel/mm/ksm/sleep_millisecs", "0"));
	mem = mmap(NULL, len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, mem);
	ASSERT_EQ(0, munlock(mem, len));
	st->seed[0] = page_seed(getpid(), 0, 9);
	for (p = 0; p < NR_PAGES; p++)
		page_fill(mem + p * psize(), st->seed[0]);
	ASSERT_EQ(0, madvise(mem, len, MADV_MERGEABLE));
	for (i = 0; i < 600 && sharing < NR_PAGES - 1; i++) {
		char buf[32];

		usleep(50000);
		if (!file_read_str("/sys/kernel/mm/ksm/pages_sharing", buf,
				   sizeof(buf)))
			sharing = atoll(buf);
	}
	/* ksmd stays on (st->ksm[0]) until teardown: not scanning hard. */
	setting_restore(&st->ksm[2]);
	setting_restore(&st->ksm[1]);
	ASSERT_EQ(NR_PAGES - 1, sharing) TH_LOG("KSM did not merge");

	st->mem = mem;
	st->nr_pages = NR_PAGES;
	ASSERT_EQ(0, kids_spawn(st, NR_KIDS));
	ASSERT_EQ(0, munmap(mem, len));
	ASSERT_GT(swap_env_swap_out(&st->env, len * NR_KIDS, kids_swapped,
				    st, SWAP_OUT_PASSES), 0);
	remapped = vmstat_read("swapin_remap_pte");
	for (i = 0; i < NR_KIDS; i++) {
		ASSERT_EQ(0, kid_call(&st->kid[i], KID_READ, 0, NR_PAGES, 0,
				      &r));
		for (p = 0; p < NR_PAGES; p++)
			EXPECT_EQ(pattern_checksum(st->seed[0]), r.sum[p])
				TH_LOG("kid %d page %lu", i, p);
	}
	/* At most the other kids at the first pgoff faulted. */
	EXPECT_GE(remapped + NR_KIDS - 1, vmstat_read("swapin_remap_pte"));
}

FIXTURE(remap_stress)
{
	struct remap_state st;
};

FIXTURE_VARIANT(remap_stress)
{
	enum swap_backend backend;
	const char *mode;
};

FIXTURE_VARIANT_ADD(remap_stress, zram_free)
{
	.backend = SWAP_BACKEND_ZRAM, .mode = "free",
};

FIXTURE_VARIANT_ADD(remap_stress, zram_keep)
{
	.backend = SWAP_BACKEND_ZRAM, .mode = "keep",
};

FIXTURE_SETUP(remap_stress)
{
	memset(&self->st, 0, sizeof(self->st));
	ASSERT_EQ(0, swap_env_setup(&self->st.env, variant->backend));
	ASSERT_EQ(0, setting_pin(&self->st.knob, KNOB, variant->mode));
}

FIXTURE_TEARDOWN(remap_stress)
{
	state_teardown(&self->st);
}

/*
 * With -smp 2: the remap runs against faults of other sharers, munmap,
 * exit, fork and swapoff in other processes, for STRESS_SECONDS.  Every
 * page read by anyone is checksummed; at the end no swap slot is left.
 */
TEST_F_TIMEOUT(remap_stress, races, TEST_TIMEOUT)
{
	struct remap_state *st = &self->st;
	long long swapfree_start = meminfo_read_pages("SwapFree");
	long long remapped = vmstat_read("swapin_remap_pte");
	long long aborted = vmstat_read("swapin_remap_abort");
	long mismatches = 0, rounds = 0;
	struct kid_reply r;
	time_t end;
	unsigned long p;
	int i;

	end = time(NULL) + STRESS_SECONDS;
	while (time(NULL) < end) {
		int action = rounds % 4;

		ASSERT_EQ(0, share_pages(st, STRESS_KIDS, STRESS_PAGES, MAP_PRIVATE,
					 true)) TH_LOG("round %ld", rounds);
		/* Kids 0 and 1 fault concurrently, from both ends. */
		ASSERT_EQ(0, kid_send(&st->kid[0], KID_READ, 0, STRESS_PAGES,
				      0));
		ASSERT_EQ(0, kid_send(&st->kid[1], KID_FORK_READ, 0,
				      STRESS_PAGES, 0));
		/* Kid 2 goes away, kid 3 forks and reads, meanwhile. */
		ASSERT_EQ(0, kid_send(&st->kid[2], action == 1 ? KID_EXIT :
				      KID_MUNMAP, 0, 0, 0));
		ASSERT_EQ(0, kid_send(&st->kid[3], KID_FORK_READ, 0,
				      STRESS_PAGES, 0));
		/* And every other round, swapoff under them. */
		if (action == 2)
			ASSERT_EQ(0, swap_area_teardown(&st->env.area));
		for (i = 0; i < STRESS_KIDS; i++) {
			if (i == 2) {
				if (action != 1)
					ASSERT_EQ(0, kid_wait(&st->kid[i], &r));
				continue;
			}
			ASSERT_EQ(0, kid_wait(&st->kid[i], &r))
				TH_LOG("round %ld kid %d", rounds, i);
			for (p = 0; p < STRESS_PAGES; p++)
				mismatches += r.sum[p] !=
					pattern_checksum(st->seed[p]);
		}
		for (i = 0; i < STRESS_KIDS; i++)
			kid_reap(&st->kid[i]);
		st->nr_kids = 0;
		if (action == 2)
			ASSERT_EQ(0, swap_area_setup(&st->env.area,
						     variant->backend,
						     swap_area_wanted_pages()));
		rounds++;
	}
	EXPECT_EQ(0, mismatches);
	EXPECT_EQ(0, swap_env_wait_swapfree(&st->env, swapfree_start, 100));
	remapped = vmstat_read("swapin_remap_pte") - remapped;
	aborted = vmstat_read("swapin_remap_abort") - aborted;
	ksft_print_msg("stress: %ld rounds, %ld mismatches, ", rounds,
		       mismatches);
	printf("%lld PTEs remapped, %lld walks given up\n", remapped,
	       aborted);
	/* The races happened around remaps, not instead of them. */
	EXPECT_GT(remapped, 0);
}

TEST_HARNESS_MAIN
