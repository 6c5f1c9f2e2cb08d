// SPDX-License-Identifier: GPL-2.0
/*
 * swapcache_demo: follow one anonymous page shared by three processes
 * through swap-out and swap-in on the running kernel, and print what
 * each stage leaves behind: every sharer's PTE (present PFN or swap
 * entry); the page usage counters, the page's map count (kpagecount) and
 * its reference count (from the slot view, for a swap cache folio), with
 * its flags; the slot usage counters of the page's swap slot from
 * /sys/kernel/debug/swap/slots: its swap count, swap_map byte and cache
 * bits (SWAP_HAS_CACHE/in the swap cache); the swap I/O counters and the
 * swap totals. Without the slot view, those columns show "-".
 *
 * usage: swapcache_demo [-r MODE] [zram|disk]...   (default: zram disk)
 *
 * On a kernel with the swap-in remap, the stages are those of the stock
 * kernel (swapin_remap "never") unless -r names another mode, which the
 * demo then uses, and whose stages 3 and 4 differ: B's fault maps the
 * page into A and C as well, and they read it without a fault.  The mode
 * is restored at the end.
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

#define MAX_SLOTS	1024
#define KNOB		"/sys/kernel/mm/swap/swapin_remap"

/* The mode -r asked for; NULL: "never", as swap_env_setup() pins it. */
static const char *remap_mode;

struct demo {
	struct swap_env env;
	struct setting knob;	/* swapin_remap, set after swap_env_setup() */
	struct sharers sh;
	const char *backend;
	long long pswpin0, pswpout0, swapfree0;
	int stage;
	bool slot_known;		/* the page has been given a slot */
	unsigned int type;		/* its slot */
	unsigned long offset;
	struct swap_slot slots[MAX_SLOTS];	/* the view at this stage */
	int nr_slots;			/* or -1 without the view */
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

/* The view's line for a slot, or for the swap cache folio at @pfn. */
static const struct swap_slot *demo_slot(struct demo *d, bool by_pfn,
					 unsigned long pfn, unsigned int type,
					 unsigned long offset)
{
	int i;

	for (i = 0; i < d->nr_slots; i++) {
		const struct swap_slot *s = &d->slots[i];

		if (by_pfn ? s->in_swapcache && s->pfn == pfn :
			     s->type == type && s->offset == offset)
			return s;
	}
	return NULL;
}

/* The slot usage counters of @s: slot, count, map byte, cache bits. */
static void slot_str(struct demo *d, const struct swap_slot *s, char *buf,
		     size_t len)
{
	char slot[32];

	if (d->nr_slots < 0 || !s) {
		snprintf(buf, len, "%-8s %5s %-4s %s", "-", "-", "-", "-");
		return;
	}
	snprintf(slot, sizeof(slot), "%u:%lu", s->type, s->offset);
	snprintf(buf, len, "%-8s %5lu 0x%02x %d/%d", slot, s->count, s->map,
		 s->has_cache, s->in_swapcache);
}

/*
 * Print one stage: a row per sharer with its PTE, the page usage counters
 * of the page it maps and the slot usage counters of that page's slot,
 * then the followed slot and the system counters.
 */
static int stage_print(struct demo *d, const char *title)
{
	const struct swap_slot *s;
	char slot[64];
	int i;

	d->nr_slots = -1;
	if (swap_slots_present())
		d->nr_slots = swap_slots_read(d->slots, MAX_SLOTS);

	printf("\n== %s, stage %d: %s\n", d->backend, ++d->stage, title);
	printf("  %-7s %-8s %-14s %4s %4s %-34s | %-8s %5s %-4s %s\n",
	       "process", "PTE", "PFN / entry", "maps", "refs", "page flags",
	       "slot", "count", "map", "cache");
	for (i = 0; i < d->sh.nr; i++) {
		char where[32], flags[96] = "", maps[16] = "-", refs[16] = "-";
		const char *state;
		__u64 pme, count;
		unsigned long pfn;

		s = NULL;
		if (!d->sh.s[i].pid) {
			printf("  %-7s %s\n", sharer_name[i], "exited");
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
			s = demo_slot(d, true, pfn, 0, 0);
			if (s)
				snprintf(refs, sizeof(refs), "%d",
					 s->refcount);
		} else if (pagemap_entry_is_swap(pme)) {
			state = "swap";
			snprintf(where, sizeof(where), "swp %u:%lu",
				 pagemap_swap_type(pme),
				 pagemap_swap_offset(pme));
			s = demo_slot(d, false, 0, pagemap_swap_type(pme),
				      pagemap_swap_offset(pme));
			if (!d->slot_known) {
				d->slot_known = true;
				d->type = pagemap_swap_type(pme);
				d->offset = pagemap_swap_offset(pme);
			}
		} else {
			state = "none";
			snprintf(where, sizeof(where), "-");
		}
		slot_str(d, s, slot, sizeof(slot));
		printf("  %-7s %-8s %-14s %4s %4s %-34s | %s\n",
		       sharer_name[i], state, where, maps, refs,
		       flags[0] ? flags : "-", slot);
	}
	if (d->slot_known) {
		s = demo_slot(d, false, 0, d->type, d->offset);
		if (d->nr_slots < 0)
			printf("  slot %u:%lu: - (no %s)\n", d->type, d->offset,
			       SWAP_SLOTS_PATH);
		else if (!s)
			printf("  slot %u:%lu: free\n", d->type, d->offset);
		else
			printf("  slot %u:%lu: count %lu, map 0x%02x, %s %d, %s %d\n",
			       d->type, d->offset, s->count, s->map,
			       "has_cache", s->has_cache, "in_swapcache",
			       s->in_swapcache);
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

static bool remapping(void)
{
	return remap_mode && strcmp(remap_mode, "never");
}

static int demo_run(enum swap_backend backend)
{
	static struct demo d;
	__u64 seed, sum;
	char *mem;
	int ret = -1, i;

	memset(&d, 0, sizeof(d));
	d.backend = swap_backend_name(backend);
	if (swap_env_setup(&d.env, backend)) {
		fprintf(stderr, "%s: cannot set up swap\n", d.backend);
		return -1;
	}
	/* swap_env_setup() pinned the remap to "never" for the stock stages. */
	if (remap_mode && setting_pin(&d.knob, KNOB, remap_mode)) {
		fprintf(stderr, "%s: cannot set %s to \"%s\": try never, keep, free or auto\n",
			d.backend, KNOB, remap_mode);
		goto out;
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
	if (stage_print(&d, "memory.reclaim unmapped it via rmap: each PTE holds the swap entry"))
		goto out;

	if (sharer_read(&d.sh, 1, 0, 1, &sum) || sum != pattern_checksum(seed))
		goto out;
	if (stage_print(&d, remapping() ?
			"B reads: one swap-in, and the remap maps the page into A and C too" :
			"B reads: one swap-in, the page stays in the swap cache for A and C"))
		goto out;

	for (i = 0; i < NR_SHARERS; i += 2)
		if (sharer_read(&d.sh, i, 0, 1, &sum) ||
		    sum != pattern_checksum(seed))
			goto out;
	if (stage_print(&d, remapping() ?
			"A and C read: no fault, no I/O, the same PFN" :
			"A and C read: swap cache hits, no I/O, the same PFN"))
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
	if (setting_restore(&d.knob))
		ret = -1;
	swap_env_teardown(&d.env);
	return ret;
}

static int print_usage(const char *prog)
{
	fprintf(stderr, "usage: %s [-r never|keep|free|auto] [zram|disk]...\n",
		prog);
	return 2;
}

int main(int argc, char **argv)
{
	const char *mode = NULL;
	int i = 1, ret = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (i < argc && !strcmp(argv[i], "-r")) {
		if (i + 1 >= argc)
			return print_usage(argv[0]);
		mode = argv[i + 1];
		i += 2;
		if (strcmp(mode, "never") && strcmp(mode, "keep") &&
		    strcmp(mode, "free") && strcmp(mode, "auto"))
			return print_usage(argv[0]);
	}
	for (int j = i; j < argc; j++)
		if (strcmp(argv[j], "zram") && strcmp(argv[j], "disk"))
			return print_usage(argv[0]);
	if (access(KNOB, W_OK)) {
		if (mode) {
			fprintf(stderr, "%s: no %s: this kernel has no swap-in remap\n",
				argv[0], KNOB);
			return 2;
		}
	} else {
		remap_mode = mode;
		printf("swapin_remap: %s\n", mode ? mode : "never");
	}
	if (swap_slots_present())
		printf("page: maps = map count (kpagecount), refs = reference count (%s)\n"
		       "slot: count = swap count, map = swap_map byte, cache = SWAP_HAS_CACHE/in swap cache\n",
		       SWAP_SLOTS_PATH);
	else
		printf("no %s: the refs and slot columns show \"-\"\n",
		       SWAP_SLOTS_PATH);
	if (i >= argc) {
		ret |= demo_run(SWAP_BACKEND_ZRAM);
		ret |= demo_run(SWAP_BACKEND_DISK);
	}
	for (; i < argc; i++)
		ret |= demo_run(strcmp(argv[i], "zram") ? SWAP_BACKEND_DISK :
				SWAP_BACKEND_ZRAM);
	return ret ? 1 : 0;
}
