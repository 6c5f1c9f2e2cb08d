// SPDX-License-Identifier: GPL-2.0
/*
 * swapcache_demo: follow one anonymous page shared by three processes
 * through swap-out and swap-in on the running kernel, and print what
 * each stage leaves behind: every sharer's PTE (present PFN or swap
 * entry), the page's flags and map count, the swap I/O counters and the
 * swap totals.
 *
 * usage: swapcache_demo [zram|disk]...   (default: zram disk)
 *
 * It needs root, a swap backend (/dev/zram0 or /dev/vda, which it
 * formats) and cgroup v2 at /sys/fs/cgroup: the harness guest has them
 * ("make run"). It is not a test; the tests are the *_test programs.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/kernel-page-flags.h>

#include "../kselftest.h"
#include "swap_util.h"

#define NR_SHARERS	3
#define SWAP_OUT_PASSES	200

static const char * const sharer_name[NR_SHARERS] = { "A", "B", "C" };

struct demo {
	struct swap_env env;
	struct sharers sh;
	const char *backend;
	long long pswpin0, pswpout0, swapfree0;
	int stage;
};

/* The kpageflags bits worth showing for an anonymous page in swap. */
static const struct {
	int bit;
	const char *name;
} flag_names[] = {
	{ KPF_ANON,	 "anon" },
	{ KPF_SWAPCACHE, "swapcache" },
	{ KPF_SWAPBACKED, "swapbacked" },
	{ KPF_LRU,	 "lru" },
	{ KPF_DIRTY,	 "dirty" },
	{ KPF_UPTODATE,	 "uptodate" },
	{ KPF_LOCKED,	 "locked" },
	{ KPF_WRITEBACK, "writeback" },
};

static void page_flags_str(unsigned long pfn, char *buf, size_t len)
{
	__u64 flags;
	size_t i, n = 0;

	buf[0] = '\0';
	if (kpageflags_get(pfn, &flags)) {
		snprintf(buf, len, "?");
		return;
	}
	for (i = 0; i < ARRAY_SIZE(flag_names); i++)
		if (flags & BIT_ULL(flag_names[i].bit))
			n += snprintf(buf + n, len - n, "%s%s", n ? "," : "",
				      flag_names[i].name);
}

/* Print one stage: a row per live sharer, then the system counters. */
static int stage_print(struct demo *d, const char *title)
{
	int i;

	printf("\n== %s, stage %d: %s\n", d->backend, ++d->stage, title);
	printf("  %-7s %-8s %-14s %-6s %s\n", "process", "PTE", "PFN / entry",
	       "maps", "page flags");
	for (i = 0; i < d->sh.nr; i++) {
		char where[32], flags[96] = "";
		const char *state;
		__u64 pme, count;
		unsigned long pfn;
		char maps[16] = "-";

		if (!d->sh.s[i].pid) {
			printf("  %-7s %-8s\n", sharer_name[i], "exited");
			continue;
		}
		if (sharer_pagemap(&d->sh, i, 0, 1, &pme))
			return -1;
		if (pme & PM_PRESENT) {
			pfn = pagemap_pfn(pme);
			state = "present";
			snprintf(where, sizeof(where), "pfn %#lx", pfn);
			page_flags_str(pfn, flags, sizeof(flags));
			if (!kpagecount_get(pfn, &count))
				snprintf(maps, sizeof(maps), "%llu",
					 (unsigned long long)count);
		} else if (pagemap_entry_is_swap(pme)) {
			state = "swap";
			snprintf(where, sizeof(where), "swp %u:%lu",
				 pagemap_swap_type(pme),
				 pagemap_swap_offset(pme));
		} else {
			state = "none";
			snprintf(where, sizeof(where), "-");
		}
		printf("  %-7s %-8s %-14s %-6s %s\n", sharer_name[i], state,
		       where, maps, flags);
	}
	printf("  pswpout %+lld  pswpin %+lld  SwapCached %lld kB  SwapFree %lld of %lu kB\n",
	       vmstat_read("pswpout") - d->pswpout0,
	       vmstat_read("pswpin") - d->pswpin0,
	       meminfo_read_kb("SwapCached"), meminfo_read_kb("SwapFree"),
	       d->env.area.total_pages * (psize() / 1024));
	return 0;
}

static bool swapped_cb(void *arg)
{
	struct demo *d = arg;

	return sharers_all_swapped(&d->sh, 0, 1);
}

static int demo_run(enum swap_backend backend)
{
	struct demo d = { .backend = swap_backend_name(backend) };
	__u64 seed, sum;
	char *mem;
	int ret = -1, i;

	if (swap_env_setup(&d.env, backend)) {
		fprintf(stderr, "%s: cannot set up swap\n", d.backend);
		return -1;
	}
	d.swapfree0 = meminfo_read_pages("SwapFree");
	d.pswpin0 = vmstat_read("pswpin");
	d.pswpout0 = vmstat_read("pswpout");

	mem = mmap(NULL, psize(), PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED || munlock(mem, psize()))
		goto out;
	madvise(mem, psize(), MADV_NOHUGEPAGE);
	seed = page_seed(getpid(), 0, 0);
	page_fill(mem, seed);
	/* A, B and C inherit the page; this driver then lets go of it. */
	if (sharers_spawn(&d.sh, NR_SHARERS, mem, 1) || munmap(mem, psize()))
		goto out;
	if (stage_print(&d, "A, B and C share one anonymous page after fork()"))
		goto out;

	if (swap_env_swap_out(&d.env, psize(), swapped_cb, &d,
			      SWAP_OUT_PASSES) <= 0)
		goto out;
	if (stage_print(&d, "reclaim (memory.reclaim) unmapped it through rmap: every PTE holds one swap entry"))
		goto out;

	if (sharer_read(&d.sh, 1, 0, 1, &sum) || sum != pattern_checksum(seed))
		goto out;
	if (stage_print(&d, "B reads: one swap-in, the page stays in the swap cache for A and C"))
		goto out;

	for (i = 0; i < NR_SHARERS; i += 2)
		if (sharer_read(&d.sh, i, 0, 1, &sum) ||
		    sum != pattern_checksum(seed))
			goto out;
	if (stage_print(&d, "A and C read: swap cache hits, no I/O, the same PFN"))
		goto out;

	seed = page_seed(getpid(), 0, 1);
	if (sharer_write(&d.sh, 1, 0, 1, &seed))
		goto out;
	if (stage_print(&d, "B writes: copy-on-write gives B its own page"))
		goto out;

	for (i = 0; i < NR_SHARERS; i++)
		if (sharer_exit(&d.sh, i))
			goto out;
	if (swap_env_wait_swapfree(&d.env, d.swapfree0, 100))
		goto out;
	if (stage_print(&d, "A, B and C exit: the slot is free again"))
		goto out;
	ret = 0;
out:
	if (ret)
		fprintf(stderr, "%s: demo failed at stage %d\n", d.backend,
			d.stage + 1);
	sharers_destroy(&d.sh);
	swap_env_teardown(&d.env);
	return ret;
}

int main(int argc, char **argv)
{
	int i, ret = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2) {
		ret |= demo_run(SWAP_BACKEND_ZRAM);
		ret |= demo_run(SWAP_BACKEND_DISK);
		return ret ? 1 : 0;
	}
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "zram")) {
			ret |= demo_run(SWAP_BACKEND_ZRAM);
		} else if (!strcmp(argv[i], "disk")) {
			ret |= demo_run(SWAP_BACKEND_DISK);
		} else {
			fprintf(stderr, "usage: %s [zram|disk]...\n", argv[0]);
			return 2;
		}
	}
	return ret ? 1 : 0;
}
