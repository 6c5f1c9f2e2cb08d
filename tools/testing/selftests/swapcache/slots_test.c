// SPDX-License-Identifier: GPL-2.0
/*
 * The swap slot view, /sys/kernel/debug/swap/slots (mm/swap_debugfs.c),
 * and the swap trace events, followed through each stage of swapping
 * out a page that N processes share and bringing it back:
 *
 *   stage                          count  has_cache  in_swapcache  mapcount
 *   a) reclaim unmapped all N        N        0           0            -
 *   b) the first sharer faults      N-1       1           1            1
 *   c) each further sharer faults  N-1-i      1           1           i+1
 *   d) all N faulted                 0        1           1            N
 *   e) all exited                   (slot free: not in the view)
 *
 * fork() adds a reference per child, munmap() and exit() drop one, and
 * past SWAP_MAP_MAX (62) references the count goes on in continuation
 * pages. The view is cross-checked against pagemap, kpageflags,
 * kpagecount, /proc/meminfo and smaps, its writes are checked to take
 * valid selections only, and it is read while swapoff and swapon run.
 *
 * Each test checks that its setup happened (pages swapped out, as
 * pagemap shows) before it checks anything else, and fails if it did
 * not. The counts are exact: the swap area is the only one and small
 * enough for the per-CPU swap slot cache to stay off, readahead is off,
 * and everything but the target pages is mlock()ed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/kernel-page-flags.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/swap.h>
#include <sys/wait.h>

#include "../kselftest_harness.h"
#include "swap_util.h"

#define NR_PAGES		2	/* page 0 is followed, page 1 stays out */
#define NR_XPAGES		4	/* pages of the cross-check */
#define NR_INPUT_PAGES		3
#define NR_RACE_PAGES		16
#define RACE_CYCLES		6
#define RACE_SECONDS		60
#define MAX_SLOTS		1024
#define MAX_KIDS		160
#define SWAP_OUT_PASSES		200
#define TEST_TIMEOUT		120	/* seconds, for a slow TCG debug guest */

#define TRACEFS			"/sys/kernel/tracing"
#define TRACE_BUFFER_KB		"128"
#define NR_SWAP_EVENTS		5
#define MAX_EVENTS		64	/* of one slot */

static const char * const trace_enable_path[NR_SWAP_EVENTS] = {
	TRACEFS "/events/swap/swap_cache_add/enable",
	TRACEFS "/events/swap/swap_cache_delete/enable",
	TRACEFS "/events/swap/swap_slot_count/enable",
	TRACEFS "/events/swap/swap_fault/enable",
	TRACEFS "/events/swap/swap_unmap/enable",
};

/* The trace settings a test changed, restored by its teardown. */
struct trace_env {
	struct setting enable[NR_SWAP_EVENTS];
	struct setting on;
	struct setting clock;
	char buffer_kb[32];		/* size to restore, or "" */
};

/* The state one test builds; the fixture data of every fixture. */
struct slots_state {
	struct swap_env env;
	struct sharers sh;
	struct trace_env trace;
	char *mem;			/* the test process's own mapping */
	unsigned long nr_pages;
	__u64 tag;			/* makes this test's data unique */
	__u64 seed[NR_RACE_PAGES];
	__u64 pme[NR_RACE_PAGES];	/* sharer 0 (or self), swapped out */
	long long swapfree_base;	/* SwapFree before the pages existed */
	pid_t kid[MAX_KIDS];		/* idle children holding references */
	int nr_kids;
	pid_t cycler;			/* runs swapoff and swapon */
	bool selected;			/* wrote a selection to the view */
};

/* ------------------------------------------------------------ helpers */

/* The number of slots in use, as the view shows them. */
static int view_nr_slots(struct __test_metadata *_metadata)
{
	static struct swap_slot slots[MAX_SLOTS];
	int nr = swap_slots_read(slots, MAX_SLOTS);

	EXPECT_LE(0, nr) TH_LOG("cannot read %s", SWAP_SLOTS_PATH);
	return nr;
}

/*
 * The slot of swap entry @pme is in use with @count references, the cache
 * bits given and the map byte that goes with them. @stage names the step
 * in the log. Fills @out, if not NULL.
 */
static void expect_slot(struct __test_metadata *_metadata, const char *stage,
			__u64 pme, unsigned long count, bool has_cache,
			bool in_swapcache, struct swap_slot *out)
{
	unsigned int type = pagemap_swap_type(pme);
	unsigned long offset = pagemap_swap_offset(pme);
	struct swap_slot s;

	ASSERT_TRUE(pagemap_entry_is_swap(pme))
		TH_LOG("%s: %#llx is not a swap entry", stage,
		       (unsigned long long)pme);
	ASSERT_EQ(1, swap_slot_get(type, offset, &s))
		TH_LOG("%s: slot %u:%lu is not in %s", stage, type, offset,
		       SWAP_SLOTS_PATH);
	EXPECT_EQ(count, s.count)
		TH_LOG("%s: slot %u:%lu count", stage, type, offset);
	EXPECT_EQ(swap_slot_map_of(count, has_cache), s.map)
		TH_LOG("%s: slot %u:%lu map", stage, type, offset);
	EXPECT_EQ(has_cache, s.has_cache)
		TH_LOG("%s: slot %u:%lu has_cache", stage, type, offset);
	EXPECT_EQ(in_swapcache, s.in_swapcache)
		TH_LOG("%s: slot %u:%lu in_swapcache", stage, type, offset);
	if (out)
		*out = s;
}

/* The slot of swap entry @pme is free: not in the view. */
static void expect_slot_free(struct __test_metadata *_metadata,
			     const char *stage, __u64 pme)
{
	struct swap_slot s;

	EXPECT_EQ(0, swap_slot_get(pagemap_swap_type(pme), pagemap_swap_offset(pme), &s))
		TH_LOG("%s: slot %u:%lu still in use: map %#x count %lu",
		       stage, pagemap_swap_type(pme), pagemap_swap_offset(pme), s.map, s.count);
}

/*
 * The swap cache folio of a slot: at @pfn, mapped @mapcount times (the
 * view and kpagecount agree), flagged in kpageflags. Its references are
 * the swap cache's and one per mapping, plus at most one of the per-CPU
 * LRU batch the folio may still sit in after its swap-in.
 */
static void expect_cached_folio(struct __test_metadata *_metadata,
				const char *stage, const struct swap_slot *s,
				unsigned long pfn, int mapcount)
{
	EXPECT_TRUE(s->in_swapcache) TH_LOG("%s", stage);
	EXPECT_EQ(pfn, s->pfn) TH_LOG("%s: pfn", stage);
	EXPECT_EQ(mapcount, s->mapcount) TH_LOG("%s: mapcount", stage);
	EXPECT_EQ(mapcount, page_mapcount(s->pfn))
		TH_LOG("%s: kpagecount of pfn %#lx", stage, s->pfn);
	EXPECT_TRUE(page_in_swapcache(s->pfn))
		TH_LOG("%s: pfn %#lx not SWAPCACHE in kpageflags", stage,
		       s->pfn);
	EXPECT_LE(mapcount + 1, s->refcount) TH_LOG("%s: refcount", stage);
	EXPECT_GE(mapcount + 2, s->refcount) TH_LOG("%s: refcount", stage);
}

static void state_setup(struct __test_metadata *_metadata,
			struct slots_state *st, enum swap_backend backend)
{
	int ret;

	if (!swap_slots_present())
		SKIP(return, "no %s (CONFIG_DEBUG_FS, the series)",
		     SWAP_SLOTS_PATH);
	ret = swap_env_setup(&st->env, backend);
	if (ret == SWAP_ENV_ABSENT)
		SKIP(return, "%s backend: a needed feature is missing",
		     swap_backend_name(backend));
	ASSERT_EQ(0, ret) TH_LOG("cannot set up swap on the %s backend",
				 swap_backend_name(backend));
	st->tag = getpid();
	/* No selection left over: every read shows every slot. */
	ASSERT_EQ(0, swap_slots_select("all\n", 4));
}

static void trace_teardown(struct trace_env *t);

/* The idle children, the cycler: killed and reaped by their parent. */
static void kids_destroy(struct slots_state *st)
{
	int i;

	if (getpid() != st->env.owner) {
		/* They died with it (PR_SET_PDEATHSIG), reaped by init. */
		st->nr_kids = 0;
		st->cycler = 0;
		return;
	}
	for (i = 0; i < st->nr_kids; i++) {
		if (st->kid[i] > 0) {
			kill(st->kid[i], SIGKILL);
			waitpid(st->kid[i], NULL, 0);
		}
	}
	st->nr_kids = 0;
	if (st->cycler > 0) {
		kill(st->cycler, SIGKILL);
		waitpid(st->cycler, NULL, 0);
	}
	st->cycler = 0;
}

/*
 * FIXTURE_TEARDOWN_PARENT(): runs in the parent of the test process once
 * that is gone (a plain FIXTURE_TEARDOWN() is skipped after a failed
 * ASSERT). The trace settings and the view's selection are global: put
 * them back from wherever this runs.
 */
static void state_teardown(struct slots_state *st)
{
	sharers_destroy(&st->sh);
	kids_destroy(st);
	if (st->mem && getpid() == st->env.owner)
		munmap(st->mem, st->nr_pages * psize());
	st->mem = NULL;
	trace_teardown(&st->trace);
	if (st->selected && !swap_slots_select("all\n", 4))
		st->selected = false;
	swap_env_teardown(&st->env);
}

/*
 * Map @nr_pages private anonymous pages that reclaim may swap out: no
 * THP (the counts are per base page), not mlock()ed like the rest.
 */
static char *target_map(struct __test_metadata *_metadata,
			struct slots_state *st, unsigned long nr_pages)
{
	size_t len = nr_pages * psize();
	unsigned long p;
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
	st->swapfree_base = meminfo_read_pages("SwapFree");
	for (p = 0; p < nr_pages; p++) {
		st->seed[p] = page_seed(st->tag, p, 0);
		page_fill(mem + p * psize(), st->seed[p]);
	}
	return mem;
}

static bool sharers_swapped_cb(void *arg)
{
	struct slots_state *st = arg;

	return sharers_all_swapped(&st->sh, 0, st->nr_pages);
}

/*
 * @nr_pages pages written by the test process and shared with
 * @nr_sharers forked sharers, and only with them: the test process
 * unmaps them. Returns with the sharers up, the pages still present.
 */
static void share_pages(struct __test_metadata *_metadata,
			struct slots_state *st, int nr_sharers,
			unsigned long nr_pages)
{
	char *mem = target_map(_metadata, st, nr_pages);

	ASSERT_NE(NULL, mem);
	ASSERT_EQ(st->env.area.total_pages, st->swapfree_base)
		TH_LOG("setup: the new swap area is not empty");
	ASSERT_EQ(0, sharers_spawn(&st->sh, nr_sharers, mem, nr_pages))
		TH_LOG("setup: cannot start %d sharers", nr_sharers);
	ASSERT_EQ(0, munmap(mem, nr_pages * psize()));
	st->mem = NULL;
}

/*
 * Reclaim the shared pages until every sharer's pagemap shows a swap
 * entry and the swap cache is empty; record sharer 0's entries.
 */
static void swap_out_shared(struct __test_metadata *_metadata,
			    struct slots_state *st)
{
	int passes;

	passes = swap_env_swap_out(&st->env, st->nr_pages * psize(),
				   sharers_swapped_cb, st, SWAP_OUT_PASSES);
	ASSERT_GT(passes, 0)
		TH_LOG("setup: %lu pages of %d sharers not swapped out",
		       st->nr_pages, st->sh.nr);
	ASSERT_EQ(0, sharer_pagemap(&st->sh, 0, 0, st->nr_pages, st->pme));
	ASSERT_EQ(st->swapfree_base - (long long)st->nr_pages,
		  meminfo_read_pages("SwapFree"))
		TH_LOG("setup: %lu pages do not take %lu slots",
		       st->nr_pages, st->nr_pages);
}

static void share_swapped_pages(struct __test_metadata *_metadata,
				struct slots_state *st, int nr_sharers,
				unsigned long nr_pages)
{
	share_pages(_metadata, st, nr_sharers, nr_pages);
	swap_out_shared(_metadata, st);
}

/* Sharer @i reads page @p, which must hold its data: a read fault. */
static void sharer_fault(struct __test_metadata *_metadata,
			 struct slots_state *st, int i, unsigned long p)
{
	__u64 sum;

	ASSERT_EQ(0, sharer_read(&st->sh, i, p, 1, &sum));
	EXPECT_EQ(pattern_checksum(st->seed[p]), sum)
		TH_LOG("sharer %d page %lu: wrong data", i, p);
}

/* The PFN sharer @i maps page @p at; fails the test if not present. */
static unsigned long sharer_pfn(struct __test_metadata *_metadata,
				struct slots_state *st, int i,
				unsigned long p)
{
	__u64 pme;

	ASSERT_EQ(0, sharer_pagemap(&st->sh, i, p, 1, &pme));
	ASSERT_TRUE(pme & PM_PRESENT)
		TH_LOG("sharer %d page %lu not present: %#llx", i, p,
		       (unsigned long long)pme);
	return pagemap_pfn(pme);
}

/* Swap out the test process's own pages, which it alone maps. */
static void self_pageout(struct __test_metadata *_metadata,
			 struct slots_state *st, unsigned long nr_pages)
{
	ASSERT_NE(NULL, target_map(_metadata, st, nr_pages));
	ASSERT_EQ(st->env.area.total_pages, st->swapfree_base)
		TH_LOG("setup: the new swap area is not empty");
	ASSERT_EQ(0, swap_env_pageout(&st->env, st->mem, nr_pages, st->pme))
		TH_LOG("setup: %lu pages not swapped out", nr_pages);
	ASSERT_EQ(st->swapfree_base - (long long)nr_pages,
		  meminfo_read_pages("SwapFree"))
		TH_LOG("setup: %lu pages do not take %lu slots", nr_pages,
		       nr_pages);
}

/* ------------------------------------------------------------- slots */

FIXTURE(slots)
{
	struct slots_state st;
};

FIXTURE_VARIANT(slots)
{
	enum swap_backend backend;
	int nr_sharers;
};

FIXTURE_VARIANT_ADD(slots, zram_2)
{
	.backend = SWAP_BACKEND_ZRAM,
	.nr_sharers = 2,
};

FIXTURE_VARIANT_ADD(slots, zram_3)
{
	.backend = SWAP_BACKEND_ZRAM,
	.nr_sharers = 3,
};

FIXTURE_VARIANT_ADD(slots, disk_2)
{
	.backend = SWAP_BACKEND_DISK,
	.nr_sharers = 2,
};

FIXTURE_VARIANT_ADD(slots, disk_3)
{
	.backend = SWAP_BACKEND_DISK,
	.nr_sharers = 3,
};

FIXTURE_SETUP(slots)
{
	state_setup(_metadata, &self->st, variant->backend);
}

FIXTURE_TEARDOWN_PARENT(slots)
{
	state_teardown(&self->st);
}

/*
 * Stages a) to e), as in the table at the top, with the read faults of
 * sharers 0, 1, ... in turn, then their exits. Page 1 stays swapped out
 * throughout, so its slot keeps N references until the exits. Catches a
 * miscounted slot (one reference per PTE, one dropped per fault), a
 * SWAP_HAS_CACHE bit or swap cache folio that comes or goes at the wrong
 * stage, the wrong folio in the swap cache, and a slot leaked after the
 * last sharer is gone.
 */
TEST_F_TIMEOUT(slots, stages, TEST_TIMEOUT)
{
	struct slots_state *st = &self->st;
	int i, n = variant->nr_sharers;
	unsigned long pfn = 0;
	struct swap_slot s;
	char stage[64];

	share_swapped_pages(_metadata, st, n, NR_PAGES);

	/* a) One slot per page, N references, no cache. */
	EXPECT_EQ(NR_PAGES, view_nr_slots(_metadata));
	expect_slot(_metadata, "a) swapped out", st->pme[0], n, false, false,
		    &s);
	EXPECT_EQ(-1, s.mapcount);
	expect_slot(_metadata, "a) swapped out", st->pme[1], n, false, false,
		    NULL);

	/* b), c), d): each fault moves a reference from the slot to the folio. */
	for (i = 0; i < n; i++) {
		snprintf(stage, sizeof(stage), "%s) sharer %d faulted",
			 i ? (i == n - 1 ? "d" : "c") : "b", i);
		sharer_fault(_metadata, st, i, 0);
		if (!i)
			pfn = sharer_pfn(_metadata, st, 0, 0);
		EXPECT_EQ(pfn, sharer_pfn(_metadata, st, i, 0))
			TH_LOG("%s: another page than sharer 0's", stage);
		expect_slot(_metadata, stage, st->pme[0], n - 1 - i, true,
			    true, &s);
		expect_cached_folio(_metadata, stage, &s, pfn, i + 1);
		expect_slot(_metadata, stage, st->pme[1], n, false, false,
			    NULL);
		EXPECT_EQ(NR_PAGES, view_nr_slots(_metadata));
	}

	/* e) The exits unmap the folio and drop page 1's references. */
	for (i = 0; i < n - 1; i++) {
		snprintf(stage, sizeof(stage), "e) sharer %d exited", i);
		ASSERT_EQ(0, sharer_exit(&st->sh, i));
		expect_slot(_metadata, stage, st->pme[0], 0, true, true, &s);
		expect_cached_folio(_metadata, stage, &s, pfn, n - 1 - i);
		expect_slot(_metadata, stage, st->pme[1], n - 1 - i, false,
			    false, NULL);
	}
	ASSERT_EQ(0, sharer_exit(&st->sh, n - 1));
	/* The cache drops the unmapped folio, now or on reclaim. */
	EXPECT_EQ(0, swap_env_wait_swapfree(&st->env, st->swapfree_base,
					    100));
	expect_slot_free(_metadata, "e) all exited", st->pme[0]);
	expect_slot_free(_metadata, "e) all exited", st->pme[1]);
	EXPECT_EQ(0, view_nr_slots(_metadata));
	EXPECT_EQ(0, meminfo_read_kb("SwapCached"));
}

/*
 * fork() of a process whose pages are swapped out copies its swap PTEs
 * and adds one reference per child to each slot (swap_duplicate()); a
 * munmap() or an exit() drops one; the last one frees the slot. No
 * slot is allocated or freed on the way. Catches fork() not counting
 * its copies (the first fault would then free the slot under the
 * others), munmap() or exit() dropping too many or too few.
 */
TEST_F_TIMEOUT(slots, fork_count, TEST_TIMEOUT)
{
	struct slots_state *st = &self->st;
	int i, n = variant->nr_sharers;
	long long swapfree;
	unsigned long p;
	char stage[64];
	__u64 pme[NR_PAGES];

	self_pageout(_metadata, st, NR_PAGES);
	swapfree = meminfo_read_pages("SwapFree");
	for (p = 0; p < NR_PAGES; p++)
		expect_slot(_metadata, "paged out", st->pme[p], 1, false,
			    false, NULL);
	ASSERT_EQ(0, sharers_spawn(&st->sh, 0, st->mem, NR_PAGES));

	for (i = 0; i < n; i++) {
		snprintf(stage, sizeof(stage), "fork %d", i + 1);
		ASSERT_EQ(0, sharers_add(&st->sh));
		ASSERT_EQ(0, sharer_pagemap(&st->sh, i, 0, NR_PAGES, pme));
		for (p = 0; p < NR_PAGES; p++) {
			EXPECT_TRUE(same_swap_entry(st->pme[p], pme[p]))
				TH_LOG("%s: child's page %lu: %#llx", stage, p,
				       (unsigned long long)pme[p]);
			expect_slot(_metadata, stage, st->pme[p], i + 2,
				    false, false, NULL);
		}
		EXPECT_EQ(swapfree, meminfo_read_pages("SwapFree"))
			TH_LOG("%s", stage);
	}

	/* The children leave, by munmap() and by exit() in turn. */
	for (i = 0; i < n; i++) {
		snprintf(stage, sizeof(stage), "child %d %s", i,
			 i % 2 ? "exited" : "unmapped");
		ASSERT_EQ(0, i % 2 ? sharer_exit(&st->sh, i) :
				     sharer_munmap(&st->sh, i));
		for (p = 0; p < NR_PAGES; p++)
			expect_slot(_metadata, stage, st->pme[p], n - i, false,
				    false, NULL);
		EXPECT_EQ(swapfree, meminfo_read_pages("SwapFree"))
			TH_LOG("%s", stage);
	}

	/* The last reference: the slot is free at once, no cache holds it. */
	ASSERT_EQ(0, munmap(st->mem, NR_PAGES * psize()));
	st->mem = NULL;
	for (p = 0; p < NR_PAGES; p++)
		expect_slot_free(_metadata, "parent unmapped", st->pme[p]);
	EXPECT_EQ(st->swapfree_base, meminfo_read_pages("SwapFree"));
	EXPECT_EQ(0, view_nr_slots(_metadata));
	EXPECT_EQ(0, sharers_stop(&st->sh));
}

/* ------------------------------------------------------ trace events */

static void trace_clear(void)
{
	int fd = open(TRACEFS "/trace", O_WRONLY | O_TRUNC | O_CLOEXEC);

	if (fd >= 0)
		close(fd);
}

/*
 * Enable the swap events in a small, clean buffer, with a clock that
 * orders the events of both CPUs. Return: 0, or -1 (see the log).
 */
static int trace_setup(struct trace_env *t)
{
	char buf[64], *expanded;
	unsigned long kb;
	int i;

	if (file_read_str(TRACEFS "/buffer_size_kb", buf, sizeof(buf))) {
		ksft_print_msg("no %s/buffer_size_kb\n", TRACEFS);
		return -1;
	}
	/* "7 (expanded: 1408)" until tracing is first used. */
	expanded = strstr(buf, "expanded: ");
	kb = strtoul(expanded ? expanded + 10 : buf, NULL, 10);
	if (!kb)
		return -1;
	snprintf(t->buffer_kb, sizeof(t->buffer_kb), "%lu", kb);
	if (file_write_str(TRACEFS "/buffer_size_kb", TRACE_BUFFER_KB) ||
	    setting_pin(&t->clock, TRACEFS "/trace_clock", "global") ||
	    setting_pin(&t->on, TRACEFS "/tracing_on", "1"))
		return -1;
	for (i = 0; i < NR_SWAP_EVENTS; i++)
		if (setting_pin(&t->enable[i], trace_enable_path[i], "1"))
			return -1;
	trace_clear();
	return 0;
}

static void trace_teardown(struct trace_env *t)
{
	int i;

	for (i = 0; i < NR_SWAP_EVENTS; i++)
		setting_restore(&t->enable[i]);
	setting_restore(&t->on);
	setting_restore(&t->clock);
	if (t->buffer_kb[0]) {
		trace_clear();
		if (file_write_str(TRACEFS "/buffer_size_kb", t->buffer_kb))
			ksft_print_msg("cannot restore buffer_size_kb %s\n",
				       t->buffer_kb);
		t->buffer_kb[0] = '\0';
	}
}

/* One swap event, as the trace file prints it. */
struct swap_event {
	char name[24];
	char mm[24];
	char what[16];			/* reason= or source= */
	unsigned int type;
	unsigned long offset;
	long nr;
	unsigned long pfn, address;
	unsigned long old_count, new_count;
	int old_cache, new_cache;
};

/* The value of "@key=" in the event's arguments @args. */
static bool event_arg(const char *args, const char *key, char *val,
		      size_t len)
{
	size_t klen = strlen(key), n;
	const char *p = args;

	while ((p = strstr(p, key))) {
		if ((p == args || p[-1] == ' ') && p[klen] == '=') {
			p += klen + 1;
			n = strcspn(p, "\n ");
			if (n >= len)
				return false;
			memcpy(val, p, n);
			val[n] = '\0';
			return true;
		}
		p += klen;
	}
	return false;
}

/*
 * Parse a trace line "task-pid [cpu] flags time: swap_xxx: args".
 * Return: true for a well-formed swap event.
 */
static bool swap_event_parse(const char *line, struct swap_event *e)
{
	const char *p = strstr(line, ": swap_"), *args;
	char val[32];
	size_t n;

	memset(e, 0, sizeof(*e));
	e->nr = 1;
	if (!p)
		return false;
	p += 2;
	args = strstr(p, ": ");
	if (!args)
		return false;
	n = args - p;
	if (n >= sizeof(e->name))
		return false;
	memcpy(e->name, p, n);
	args += 2;
	if (!event_arg(args, "type", val, sizeof(val)))
		return false;
	e->type = strtoul(val, NULL, 10);
	if (!event_arg(args, "offset", val, sizeof(val)))
		return false;
	e->offset = strtoul(val, NULL, 10);
	if (event_arg(args, "nr", val, sizeof(val)))
		e->nr = strtol(val, NULL, 10);
	if (event_arg(args, "pfn", val, sizeof(val)))
		e->pfn = strtoul(val, NULL, 16);
	if (event_arg(args, "address", val, sizeof(val)))
		e->address = strtoul(val, NULL, 16);
	event_arg(args, "mm", e->mm, sizeof(e->mm));
	if (!event_arg(args, "reason", e->what, sizeof(e->what)))
		event_arg(args, "source", e->what, sizeof(e->what));
	if (event_arg(args, "count", val, sizeof(val)) &&
	    sscanf(val, "%lu->%lu", &e->old_count, &e->new_count) != 2)
		return false;
	if (event_arg(args, "cache", val, sizeof(val)) &&
	    sscanf(val, "%d->%d", &e->old_cache, &e->new_cache) != 2)
		return false;
	return true;
}

/* The event in the short form the expectations are written in. */
static void swap_event_str(const struct swap_event *e, char *buf, size_t len)
{
	if (!strcmp(e->name, "swap_slot_count"))
		snprintf(buf, len, "count %lu->%lu cache %d->%d %s",
			 e->old_count, e->new_count, e->old_cache,
			 e->new_cache, e->what);
	else if (!strcmp(e->name, "swap_fault"))
		snprintf(buf, len, "fault pfn=%#lx address=%#lx %s", e->pfn,
			 e->address, e->what);
	else if (!strcmp(e->name, "swap_unmap"))
		snprintf(buf, len, "unmap pfn=%#lx address=%#lx", e->pfn,
			 e->address);
	else if (!strcmp(e->name, "swap_cache_add"))
		snprintf(buf, len, "cache_add pfn=%#lx", e->pfn);
	else if (!strcmp(e->name, "swap_cache_delete"))
		snprintf(buf, len, "cache_delete pfn=%#lx", e->pfn);
	else
		snprintf(buf, len, "%s", e->name);
}

/* The events of one slot, in trace order. */
struct slot_events {
	unsigned int type;
	unsigned long offset;
	int nr;
	struct swap_event ev[MAX_EVENTS];
};

/*
 * Collect the events of each slot of @se from the trace file; other
 * events are left out. Return: 0, or -1 if the trace lost events, has a
 * malformed swap event or too many for a slot.
 */
static int trace_collect(struct slot_events *se, int nr_slots)
{
	long long in_buffer = -1, written = -2;
	char *text, *line, *save = NULL, *p;
	struct swap_event e;
	int fd, i, ret = 0;

	fd = open(TRACEFS "/trace", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	text = fd_read_all(fd, 65536);
	close(fd);
	if (!text)
		return -1;
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		p = strstr(line, "entries-in-buffer/entries-written:");
		if (line[0] == '#') {
			if (p)
				sscanf(p, "entries-in-buffer/entries-written: %lld/%lld",
				       &in_buffer, &written);
			continue;
		}
		if (!strstr(line, ": swap_"))
			continue;
		if (!swap_event_parse(line, &e)) {
			ksft_print_msg("malformed event: %s\n", line);
			ret = -1;
			continue;
		}
		for (i = 0; i < nr_slots; i++) {
			if (e.type != se[i].type || e.offset > se[i].offset ||
			    se[i].offset >= e.offset + (e.nr > 0 ? e.nr : 1))
				continue;
			if (se[i].nr == MAX_EVENTS) {
				ret = -1;
				continue;
			}
			se[i].ev[se[i].nr++] = e;
		}
	}
	free(text);
	if (in_buffer != written) {
		ksft_print_msg("trace: %lld events in the buffer, %lld written: events lost\n",
			       in_buffer, written);
		ret = -1;
	}
	return ret;
}

/* An expected event, and another form it may take instead, or "". */
struct expected {
	char ev[96];
	char alt[96];
};

static int expect_add(struct expected *x, int n, const char *alt,
		      const char *fmt, ...)
{
	va_list ap;

	if (n >= MAX_EVENTS)
		return n;
	va_start(ap, fmt);
	vsnprintf(x[n].ev, sizeof(x[n].ev), fmt, ap);
	va_end(ap);
	snprintf(x[n].alt, sizeof(x[n].alt), "%s", alt ? alt : "");
	return n + 1;
}

/*
 * The events of slot @se are exactly @x, in that order. On a mismatch,
 * log both lists.
 */
static void expect_events(struct __test_metadata *_metadata,
			  const char *what, const struct slot_events *se,
			  const struct expected *x, int nr_x)
{
	char got[96];
	bool same = se->nr == nr_x;
	int i;

	for (i = 0; same && i < nr_x; i++) {
		swap_event_str(&se->ev[i], got, sizeof(got));
		same = !strcmp(got, x[i].ev) ||
		       (x[i].alt[0] && !strcmp(got, x[i].alt));
	}
	EXPECT_TRUE(same)
		TH_LOG("%s: slot %u:%lu has %d events, want %d", what,
		       se->type, se->offset, se->nr, nr_x);
	if (same)
		return;
	for (i = 0; i < se->nr || i < nr_x; i++) {
		got[0] = '\0';
		if (i < se->nr)
			swap_event_str(&se->ev[i], got, sizeof(got));
		ksft_print_msg("  %2d got  %-52s want %s%s%s\n", i, got,
			       i < nr_x ? x[i].ev : "",
			       i < nr_x && x[i].alt[0] ? " or " : "",
			       i < nr_x ? x[i].alt : "");
	}
}

/*
 * The swap-out of a page that @n sharers map at @addr from @pfn: added to
 * the swap cache, each PTE made a swap PTE after taking its reference,
 * written, deleted from the swap cache, which lets go of the slot.
 */
static int expect_swap_out(struct expected *x, int nr, int n,
			   unsigned long pfn, unsigned long addr)
{
	int i;

	nr = expect_add(x, nr, NULL, "cache_add pfn=%#lx", pfn);
	for (i = 0; i < n; i++) {
		nr = expect_add(x, nr, NULL, "count %d->%d cache 1->1 unmap",
				i, i + 1);
		nr = expect_add(x, nr, NULL, "unmap pfn=%#lx address=%#lx",
				pfn, addr);
	}
	nr = expect_add(x, nr, NULL, "cache_delete pfn=%#lx", pfn);
	return expect_add(x, nr, NULL, "count %d->%d cache 1->0 cache_put",
			  n, n);
}

/*
 * One round of a page shared by N sharers through the trace events:
 * reclaim swaps pages 0 and 1 out, the sharers fault page 0 in turn,
 * then all exit. For page 0 the events must be exactly:
 *
 *   swap-out   swap_cache_add, then per sharer swap_slot_count k->k+1
 *              (unmap) and swap_unmap, then swap_cache_delete and
 *              swap_slot_count N->N cache 1->0 (cache_put)
 *   1st fault  swap_slot_count cache 0->1 (cache_get), swap_cache_add,
 *              swap_slot_count N->N-1 (swap_free), swap_fault
 *              (readahead; on the disk, a fault that waited for the
 *              read and retried finds it in the swap cache: cache_hit)
 *   others     swap_slot_count k->k-1 (swap_free), swap_fault (cache_hit)
 *   exits      swap_cache_delete, swap_slot_count 0->0 cache 1->0
 *
 * and for page 1: its swap-out, then one swap_slot_count (zap) per exit.
 * The faults come from distinct mms, which are those of the unmaps.
 * Catches events missing, doubled or out of order, wrong counts, reasons,
 * sources, pfns or addresses. Events of other slots are ignored.
 */
TEST_F_TIMEOUT(slots, trace_order, TEST_TIMEOUT)
{
	struct slots_state *st = &self->st;
	int i, j, nr_x, n = variant->nr_sharers;
	struct slot_events *se;
	struct expected *x;
	unsigned long pfn[NR_PAGES], q, addr;
	const char *src0;
	char alt[96];
	int nr_unmaps = 0, nr_faults = 0;
	const char *unmap_mm[SHARERS_MAX], *fault_mm[SHARERS_MAX];

	if (access(TRACEFS "/events/swap", F_OK))
		SKIP(return, "no swap trace events in %s (CONFIG_FTRACE)",
		     TRACEFS);
	se = calloc(NR_PAGES, sizeof(*se));
	x = calloc(MAX_EVENTS, sizeof(*x));
	ASSERT_TRUE(se && x);
	ASSERT_EQ(0, trace_setup(&st->trace))
		TH_LOG("setup: cannot enable the swap events in %s", TRACEFS);
	share_pages(_metadata, st, n, NR_PAGES);
	addr = (unsigned long)st->sh.addr;
	for (i = 0; i < NR_PAGES; i++)
		pfn[i] = sharer_pfn(_metadata, st, 0, i);

	trace_clear();
	swap_out_shared(_metadata, st);
	for (i = 0; i < n; i++)
		sharer_fault(_metadata, st, i, 0);
	q = sharer_pfn(_metadata, st, 0, 0);
	ASSERT_EQ(0, sharers_stop(&st->sh));
	ASSERT_EQ(0, swap_env_wait_swapfree(&st->env, st->swapfree_base,
					    100));
	ASSERT_EQ(0, file_write_str(TRACEFS "/tracing_on", "0"));

	for (i = 0; i < NR_PAGES; i++) {
		se[i].type = pagemap_swap_type(st->pme[i]);
		se[i].offset = pagemap_swap_offset(st->pme[i]);
	}
	ASSERT_EQ(0, trace_collect(se, NR_PAGES));

	/* Page 0. */
	nr_x = expect_swap_out(x, 0, n, pfn[0], addr);
	nr_x = expect_add(x, nr_x, NULL, "count %d->%d cache 0->1 cache_get",
			  n, n);
	nr_x = expect_add(x, nr_x, NULL, "cache_add pfn=%#lx", q);
	nr_x = expect_add(x, nr_x, NULL, "count %d->%d cache 1->1 swap_free",
			  n, n - 1);
	src0 = "readahead";
	snprintf(alt, sizeof(alt), "fault pfn=%#lx address=%#lx cache_hit",
		 q, addr);
	nr_x = expect_add(x, nr_x,
			  variant->backend == SWAP_BACKEND_DISK ? alt : NULL,
			  "fault pfn=%#lx address=%#lx %s", q, addr, src0);
	for (i = 1; i < n; i++) {
		nr_x = expect_add(x, nr_x, NULL,
				  "count %d->%d cache 1->1 swap_free",
				  n - i, n - i - 1);
		nr_x = expect_add(x, nr_x, NULL,
				  "fault pfn=%#lx address=%#lx cache_hit",
				  q, addr);
	}
	nr_x = expect_add(x, nr_x, NULL, "cache_delete pfn=%#lx", q);
	nr_x = expect_add(x, nr_x, NULL, "count 0->0 cache 1->0 cache_put");
	expect_events(_metadata, "page 0", &se[0], x, nr_x);

	/* Page 1: out, then dropped by the exits. */
	nr_x = expect_swap_out(x, 0, n, pfn[1], addr + psize());
	for (i = 0; i < n; i++)
		nr_x = expect_add(x, nr_x, NULL, "count %d->%d cache 0->0 zap",
				  n - i, n - i - 1);
	expect_events(_metadata, "page 1", &se[1], x, nr_x);

	/* One mm per sharer: each faulted once, each unmapped once. */
	for (i = 0; i < se[0].nr; i++) {
		if (!strcmp(se[0].ev[i].name, "swap_unmap") &&
		    nr_unmaps < SHARERS_MAX)
			unmap_mm[nr_unmaps++] = se[0].ev[i].mm;
		if (!strcmp(se[0].ev[i].name, "swap_fault") &&
		    nr_faults < SHARERS_MAX)
			fault_mm[nr_faults++] = se[0].ev[i].mm;
	}
	ASSERT_EQ(n, nr_faults);
	ASSERT_EQ(n, nr_unmaps);
	for (i = 0; i < n; i++) {
		bool unmapped = false;

		for (j = 0; j < i; j++)
			EXPECT_STRNE(fault_mm[i], fault_mm[j])
				TH_LOG("faults %d and %d from one mm", j, i);
		for (j = 0; j < n; j++)
			unmapped |= !strcmp(fault_mm[i], unmap_mm[j]);
		EXPECT_TRUE(unmapped)
			TH_LOG("fault %d: mm %s had no unmap", i, fault_mm[i]);
	}
	free(se);
	free(x);
}

/* -------------------------------------------------------- cross-checks */

/*
 * Sharer 0 reads pages 0 and 1, sharer 1 reads page 0, the last sharer
 * writes page 3 (a write fault on a shared entry: read into the swap
 * cache, then copied). Then every interface that reports these facts
 * must agree with the view:
 *  - pagemap: each slot's count is the number of swap PTEs holding it;
 *  - kpageflags and kpagecount: the folio of an in_swapcache slot is
 *    SWAPCACHE and mapped as often as the view says, by as many present
 *    PTEs, and no other mapped page is SWAPCACHE;
 *  - /proc/meminfo: SwapCached is one page per in_swapcache slot, SwapFree
 *    the area less one page per slot in the view;
 *  - smaps: each sharer's Swap is a page per swap PTE and its SwapPss the
 *    sum of a page divided by each PTE's slot count, as the kernel sums.
 * And the counts are the ones this sequence must give.
 */
TEST_F_TIMEOUT(slots, cross_check, TEST_TIMEOUT)
{
	static struct swap_slot slots[MAX_SLOTS];
	struct slots_state *st = &self->st;
	int i, k, nr, n = variant->nr_sharers, mapped;
	__u64 pme[SHARERS_MAX][NR_XPAGES], seed;
	const unsigned long want_count[NR_XPAGES] = { n - 2, n - 1, n, n - 1 };
	const bool want_cached[NR_XPAGES] = { true, true, false, true };
	unsigned long p, tally, swapped, nr_cached = 0;
	__u64 pss, flags;

	share_swapped_pages(_metadata, st, n, NR_XPAGES);
	sharer_fault(_metadata, st, 0, 0);
	sharer_fault(_metadata, st, 0, 1);
	sharer_fault(_metadata, st, 1, 0);
	seed = page_seed(st->tag, 3, 1);
	ASSERT_EQ(0, sharer_write(&st->sh, n - 1, 3, 1, &seed));
	for (i = 0; i < n; i++)
		ASSERT_EQ(0, sharer_pagemap(&st->sh, i, 0, NR_XPAGES, pme[i]));

	nr = swap_slots_read(slots, MAX_SLOTS);
	ASSERT_EQ(NR_XPAGES, nr);
	for (p = 0; p < NR_XPAGES; p++) {
		expect_slot(_metadata, "cross-check", st->pme[p],
			    want_count[p], want_cached[p], want_cached[p],
			    NULL);
	}

	for (k = 0; k < nr; k++) {
		struct swap_slot *s = &slots[k];

		/* pagemap: a reference per swap PTE. */
		tally = 0;
		for (i = 0; i < n; i++)
			for (p = 0; p < NR_XPAGES; p++)
				tally += pagemap_entry_is_swap(pme[i][p]) &&
					 pagemap_swap_type(pme[i][p]) == s->type &&
					 pagemap_swap_offset(pme[i][p]) == s->offset;
		EXPECT_EQ(tally, s->count)
			TH_LOG("slot %u:%lu: %lu swap PTEs", s->type,
			       s->offset, tally);
		if (!s->in_swapcache)
			continue;
		/* kpageflags, kpagecount and the present PTEs. */
		nr_cached++;
		mapped = 0;
		for (i = 0; i < n; i++)
			for (p = 0; p < NR_XPAGES; p++)
				mapped += (pme[i][p] & PM_PRESENT) &&
					  pagemap_pfn(pme[i][p]) == s->pfn;
		EXPECT_EQ(mapped, s->mapcount)
			TH_LOG("slot %u:%lu pfn %#lx", s->type, s->offset,
			       s->pfn);
		EXPECT_EQ(s->mapcount, page_mapcount(s->pfn));
		EXPECT_TRUE(page_in_swapcache(s->pfn))
			TH_LOG("pfn %#lx not SWAPCACHE in kpageflags", s->pfn);
	}
	/* Every swap PTE's slot is in the view. */
	for (i = 0; i < n; i++) {
		for (p = 0; p < NR_XPAGES; p++) {
			bool found = false;

			if (!pagemap_entry_is_swap(pme[i][p])) {
				/* A mapped page is SWAPCACHE iff in the view. */
				for (k = 0; k < nr; k++)
					found |= slots[k].in_swapcache &&
						 slots[k].pfn ==
						 pagemap_pfn(pme[i][p]);
				ASSERT_EQ(0, kpageflags_get(pagemap_pfn(pme[i][p]),
							    &flags));
				EXPECT_EQ(found,
					  !!(flags & BIT_ULL(KPF_SWAPCACHE)))
					TH_LOG("sharer %d page %lu", i, p);
				continue;
			}
			for (k = 0; k < nr; k++)
				found |= slots[k].type == pagemap_swap_type(pme[i][p]) &&
					 slots[k].offset ==
					 pagemap_swap_offset(pme[i][p]);
			EXPECT_TRUE(found)
				TH_LOG("sharer %d page %lu: slot %u:%lu not in the view",
				       i, p, pagemap_swap_type(pme[i][p]),
				       pagemap_swap_offset(pme[i][p]));
		}
	}
	/* The writer has its own copy, in no swap cache. */
	EXPECT_FALSE(page_in_swapcache(pagemap_pfn(pme[n - 1][3])));

	/* /proc/meminfo. */
	EXPECT_EQ(3, nr_cached);
	EXPECT_EQ(nr_cached * psize() / 1024, meminfo_read_kb("SwapCached"));
	EXPECT_EQ(st->env.area.total_pages - nr,
		  meminfo_read_pages("SwapFree"));

	/* smaps, summed the way smaps_pte_entry() does. */
	for (i = 0; i < n; i++) {
		pss = 0;
		swapped = 0;
		for (p = 0; p < NR_XPAGES; p++) {
			if (!pagemap_entry_is_swap(pme[i][p]))
				continue;
			for (k = 0; k < nr; k++) {
				if (slots[k].type != pagemap_swap_type(pme[i][p]) ||
				    slots[k].offset != pagemap_swap_offset(pme[i][p]))
					continue;
				pss += ((__u64)psize() << 12) /
				       (slots[k].count > 1 ? slots[k].count : 1);
			}
			swapped++;
		}
		EXPECT_EQ(swapped * psize() / 1024,
			  smaps_read_kb(st->sh.s[i].pid, st->sh.addr, "Swap"))
			TH_LOG("sharer %d", i);
		EXPECT_EQ((long long)(pss >> 12 >> 10),
			  smaps_read_kb(st->sh.s[i].pid, st->sh.addr,
					"SwapPss"))
			TH_LOG("sharer %d: %lu swap PTEs", i, swapped);
	}
	EXPECT_EQ(0, sharers_stop(&st->sh));
}

/* ------------------------------------------------ continuation counts */

FIXTURE(slots_cont)
{
	struct slots_state st;
};

FIXTURE_VARIANT(slots_cont)
{
	enum swap_backend backend;
	int nr_kids;
};

/* 101 references: one continuation digit. */
FIXTURE_VARIANT_ADD(slots_cont, zram_100)
{
	.backend = SWAP_BACKEND_ZRAM,
	.nr_kids = 100,
};

/* 131 references: the continuation digit reaches 2. */
FIXTURE_VARIANT_ADD(slots_cont, disk_130)
{
	.backend = SWAP_BACKEND_DISK,
	.nr_kids = 130,
};

FIXTURE_SETUP(slots_cont)
{
	state_setup(_metadata, &self->st, variant->backend);
}

FIXTURE_TEARDOWN_PARENT(slots_cont)
{
	state_teardown(&self->st);
}

/* A child that only holds the references fork() gave it, until killed. */
static pid_t kid_spawn(void)
{
	pid_t parent = getpid(), pid;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid == 0) {
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) || getppid() != parent)
			_exit(3);
		for (;;)
			pause();
	}
	return pid;
}

/*
 * A page swapped out, then shared by fork() with 100 or more idle
 * children: past SWAP_MAP_MAX (62) references the swap_map byte keeps
 * the low digit with COUNT_CONTINUED and the rest goes to continuation
 * pages, but the view reports the true count at every step up and, as
 * the children are killed one by one, at every step down, across the
 * digit boundaries both ways. Each child's pagemap has the same entry,
 * and no slot is allocated. Catches a count truncated to the swap_map
 * digit, a continuation digit lost or not borrowed from, and a
 * COUNT_CONTINUED bit not set or not cleared.
 */
TEST_F_TIMEOUT(slots_cont, continued, TEST_TIMEOUT)
{
	struct slots_state *st = &self->st;
	int i, nr = variant->nr_kids;
	long long swapfree;
	struct swap_slot s;
	char stage[64];
	pid_t pid;

	ASSERT_LE(nr, MAX_KIDS);
	self_pageout(_metadata, st, 1);
	swapfree = meminfo_read_pages("SwapFree");
	expect_slot(_metadata, "paged out", st->pme[0], 1, false, false, NULL);

	for (i = 0; i < nr; i++) {
		snprintf(stage, sizeof(stage), "fork %d", i + 1);
		pid = kid_spawn();
		ASSERT_LT(0, pid) TH_LOG("%s: %s", stage, strerror(errno));
		st->kid[i] = pid;
		st->nr_kids = i + 1;
		expect_slot(_metadata, stage, st->pme[0], i + 2, false, false,
			    &s);
	}
	EXPECT_TRUE(s.map & SWAP_MAP_CONTINUED)
		TH_LOG("map %#x with %d references", s.map, nr + 1);
	EXPECT_LT(SWAP_MAP_MAX_COUNT, s.count);
	for (i = 0; i < nr; i++) {
		EXPECT_TRUE(same_swap_entry(st->pme[0],
					    pid_pagemap(st->kid[i], st->mem)))
			TH_LOG("child %d", i);
	}
	EXPECT_EQ(swapfree, meminfo_read_pages("SwapFree"));

	for (i = nr - 1; i >= 0; i--) {
		snprintf(stage, sizeof(stage), "child %d killed", i);
		ASSERT_EQ(0, kill(st->kid[i], SIGKILL));
		ASSERT_EQ(st->kid[i], waitpid(st->kid[i], NULL, 0));
		st->kid[i] = 0;
		st->nr_kids = i;
		expect_slot(_metadata, stage, st->pme[0], i + 1, false, false,
			    NULL);
	}
	ASSERT_EQ(0, munmap(st->mem, psize()));
	st->mem = NULL;
	expect_slot_free(_metadata, "parent unmapped", st->pme[0]);
	EXPECT_EQ(st->swapfree_base, meminfo_read_pages("SwapFree"));
}

/* -------------------------------------------------------------- input */

FIXTURE(slots_input)
{
	struct slots_state st;
};

FIXTURE_SETUP(slots_input)
{
	state_setup(_metadata, &self->st, SWAP_BACKEND_ZRAM);
}

FIXTURE_TEARDOWN_PARENT(slots_input)
{
	state_teardown(&self->st);
}

/* The view, as a file opened now shows it, as text to free(). */
static char *view_text(void)
{
	char *text;
	int fd;

	fd = open(SWAP_SLOTS_PATH, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	text = fd_read_all(fd, psize());
	close(fd);
	return text;
}

/* The number of slot lines in @text. */
static int text_nr_slots(const char *text)
{
	int lines = 0;

	for (; text && *text; text++)
		lines += *text == '\n';
	return lines - 1;
}

static void select_ok(struct __test_metadata *_metadata,
		      struct slots_state *st, const char *cmd, size_t len,
		      int want_slots)
{
	char *text;

	st->selected = true;
	ASSERT_EQ(0, swap_slots_select(cmd, len))
		TH_LOG("write '%.*s' refused", (int)len, cmd);
	text = view_text();
	ASSERT_NE(NULL, text);
	EXPECT_EQ(want_slots, text_nr_slots(text))
		TH_LOG("after '%.*s':\n%s", (int)len, cmd, text);
	free(text);
}

/* Offsets of the test's slots, sorted. */
static void input_slots(struct __test_metadata *_metadata,
			struct slots_state *st, unsigned int *type,
			unsigned long *off)
{
	unsigned long t;
	int i, j;

	self_pageout(_metadata, st, NR_INPUT_PAGES);
	*type = pagemap_swap_type(st->pme[0]);
	for (i = 0; i < NR_INPUT_PAGES; i++)
		off[i] = pagemap_swap_offset(st->pme[i]);
	for (i = 0; i < NR_INPUT_PAGES; i++)
		for (j = i + 1; j < NR_INPUT_PAGES; j++)
			if (off[j] < off[i]) {
				t = off[i];
				off[i] = off[j];
				off[j] = t;
			}
	ASSERT_EQ(NR_INPUT_PAGES, view_nr_slots(_metadata));
}

/*
 * Valid selections: "TYPE OFFSET" shows that slot, "TYPE OFFSET COUNT"
 * the slots in use of that range, in decimal or hex, separated by spaces
 * or tabs, with a newline or not; "all", an empty line or blanks lift the
 * selection; a write of 0 bytes changes nothing. A file keeps the
 * selection it was opened with. Reads of a few bytes give the text of
 * one big read. Catches a range off by one at either end, a selection
 * that leaks into files already open, and a seq_file position that
 * skips or repeats a line when a read stops mid-line.
 */
TEST_F_TIMEOUT(slots_input, select, TEST_TIMEOUT)
{
	struct slots_state *st = &self->st;
	unsigned long off[NR_INPUT_PAGES], last = st->env.area.last_page;
	char cmd[128], *all, *small, *text;
	unsigned long free_off;
	unsigned int type;
	int fd_before, fd;

	input_slots(_metadata, st, &type, off);

	/* Small reads: the same text as one big read. */
	all = view_text();
	ASSERT_NE(NULL, all);
	fd = open(SWAP_SLOTS_PATH, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	small = fd_read_all(fd, 7);
	close(fd);
	ASSERT_NE(NULL, small);
	EXPECT_STREQ(all, small);
	free(small);

	fd_before = open(SWAP_SLOTS_PATH, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd_before);
	snprintf(cmd, sizeof(cmd), "%u %lu\n", type, off[1]);
	select_ok(_metadata, st, cmd, strlen(cmd), 1);
	/* A file opened before keeps showing everything. */
	text = fd_read_all(fd_before, psize());
	close(fd_before);
	ASSERT_NE(NULL, text);
	EXPECT_STREQ(all, text);
	free(text);
	free(all);

	/* [off0, off2) holds two of the slots, [off0, off2] three. */
	snprintf(cmd, sizeof(cmd), "%u %lu %lu", type, off[0],
		 off[2] - off[0]);
	select_ok(_metadata, st, cmd, strlen(cmd), 2);
	snprintf(cmd, sizeof(cmd), "%#x %#lx %#lx\n", type, off[0],
		 off[2] - off[0] + 1);
	select_ok(_metadata, st, cmd, strlen(cmd), 3);
	free_off = 1;
	while (free_off == off[0] || free_off == off[1] || free_off == off[2])
		free_off++;
	snprintf(cmd, sizeof(cmd), "%u %lu 1", type, free_off);
	select_ok(_metadata, st, cmd, strlen(cmd), 0);
	snprintf(cmd, sizeof(cmd), "\t%u\t%lu\t", type, off[2]);
	select_ok(_metadata, st, cmd, strlen(cmd), 1);
	/* The whole area, and its last slot alone. */
	snprintf(cmd, sizeof(cmd), "%u 0 %lu", type, last + 1);
	select_ok(_metadata, st, cmd, strlen(cmd), 3);
	snprintf(cmd, sizeof(cmd), "%u %lu", type, last);
	select_ok(_metadata, st, cmd, strlen(cmd), 0);
	/* The longest write taken: 63 bytes. */
	snprintf(cmd, sizeof(cmd), "%u %lu%*s", type, off[1], 60, "\n");
	ASSERT_LE(63, strlen(cmd));
	select_ok(_metadata, st, cmd, 63, 1);

	/* Resets. A write of nothing changes nothing. */
	select_ok(_metadata, st, "all", 3, 3);
	select_ok(_metadata, st, cmd, 63, 1);
	select_ok(_metadata, st, "", 0, 1);
	select_ok(_metadata, st, "\n", 1, 3);
	select_ok(_metadata, st, cmd, 63, 1);
	select_ok(_metadata, st, "  all \t\n", 8, 3);
	select_ok(_metadata, st, cmd, 63, 1);
	select_ok(_metadata, st, " \t ", 3, 3);
	st->selected = false;
}

/*
 * Every malformed or out-of-range write fails with EINVAL and leaves the
 * selection as it was: garbage, signs, numbers that overflow, a type
 * with no device or past MAX_SWAPFILES, an offset or a range past the
 * end of the device, a count of 0, too few or too many fields, a write
 * of 64 bytes or more, a NUL byte. Catches a parser that takes a prefix,
 * wraps, reads past the device's swap_map, or half applies a bad write.
 */
TEST_F_TIMEOUT(slots_input, bad_writes, TEST_TIMEOUT)
{
	struct slots_state *st = &self->st;
	unsigned long off[NR_INPUT_PAGES], last = st->env.area.last_page;
	char bad[32][80], *before, *after, big[4096];
	unsigned int type;
	int i, nr = 0, ret;
	size_t len;

	input_slots(_metadata, st, &type, off);
	/* A selection that any change would show. */
	snprintf(bad[0], sizeof(bad[0]), "%u %lu", type, off[1]);
	select_ok(_metadata, st, bad[0], strlen(bad[0]), 1);
	before = view_text();
	ASSERT_NE(NULL, before);

#define BAD(...) snprintf(bad[nr++], sizeof(bad[0]), __VA_ARGS__)
	BAD("garbage\n");
	BAD("ALL\n");
	BAD("all %lu\n", off[1]);
	BAD("%u\n", type);
	BAD("%u %lu 1 1\n", type, off[1]);
	BAD("%u %lu 1 x\n", type, off[1]);
	BAD("-1 %lu\n", off[1]);
	BAD("%u -%lu\n", type, off[1]);
	BAD("%u %lu -1\n", type, off[1]);
	BAD("+-%u %lu\n", type, off[1]);
	BAD("%u %lux\n", type, off[1]);
	BAD("%u,%lu\n", type, off[1]);
	BAD("0x %lu\n", off[1]);
	BAD("%u 0x\n", type);
	BAD("99999999999999999999 %lu\n", off[1]);
	BAD("4294967296 %lu\n", off[1]);
	BAD("%u 99999999999999999999\n", type);
	BAD("%u %lu 99999999999999999999\n", type, off[1]);
	BAD("%u %lu 18446744073709551615\n", type, off[1]);
	BAD("%u 18446744073709551615 2\n", type);
	BAD("%u %lu\n", type + 1, off[1]);	/* no device */
	BAD("31 %lu\n", off[1]);
	BAD("32 %lu\n", off[1]);		/* MAX_SWAPFILES */
	BAD("%u %lu\n", type, last + 1);	/* past the end */
	BAD("%u %lu 2\n", type, last);
	BAD("%u 0 %lu\n", type, last + 2);
	BAD("%u %lu 0\n", type, off[1]);	/* count 0 */
	BAD("%u %lu 0x0\n", type, off[1]);
#undef BAD
	ASSERT_GE(ARRAY_SIZE(bad), nr);

	for (i = 0; i < nr; i++) {
		len = strlen(bad[i]);
		ret = swap_slots_select(bad[i], len);
		EXPECT_EQ(-EINVAL, ret) TH_LOG("write '%.*s'", (int)len - 1,
					       bad[i]);
		after = view_text();
		ASSERT_NE(NULL, after);
		EXPECT_STREQ(before, after) TH_LOG("after '%s'", bad[i]);
		free(after);
	}

	/* 64 bytes or more, however valid the start: too long. */
	snprintf(big, sizeof(big), "%u %lu", type, off[0]);
	memset(big + strlen(big), ' ', sizeof(big) - strlen(big));
	EXPECT_EQ(-EINVAL, swap_slots_select(big, 64));
	EXPECT_EQ(-EINVAL, swap_slots_select(big, sizeof(big)));
	/* A NUL byte inside. */
	len = snprintf(big, sizeof(big), "%u %lu", type, off[0]);
	big[1] = '\0';
	EXPECT_EQ(-EINVAL, swap_slots_select(big, len));
	after = view_text();
	ASSERT_NE(NULL, after);
	EXPECT_STREQ(before, after);
	free(after);
	free(before);
}

/*
 * The file is 0600 root and a process without privileges cannot open it,
 * for reading or for writing, whether through the path or (past the
 * 0700 debugfs root) through the directory opened by root: EACCES.
 */
TEST_F_TIMEOUT(slots_input, not_root, TEST_TIMEOUT)
{
	const char *dir = "/sys/kernel/debug/swap";
	struct stat sb;
	int dfd, status, code;
	pid_t pid;

	ASSERT_EQ(0, stat(SWAP_SLOTS_PATH, &sb));
	EXPECT_EQ(0600, sb.st_mode & 07777);
	EXPECT_EQ(0, sb.st_uid);
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ASSERT_LE(0, dfd);

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		code = 10;
		if (setgroups(0, NULL) || setgid(65534) || setuid(65534) ||
		    geteuid() != 65534)
			_exit(code);
		/* Each failing step exits with its own code. */
		if (open(SWAP_SLOTS_PATH, O_RDONLY) >= 0 || errno != EACCES)
			_exit(code + 1);
		if (open(SWAP_SLOTS_PATH, O_WRONLY) >= 0 || errno != EACCES)
			_exit(code + 2);
		if (openat(dfd, "slots", O_RDONLY) >= 0 || errno != EACCES)
			_exit(code + 3);
		if (openat(dfd, "slots", O_WRONLY) >= 0 || errno != EACCES)
			_exit(code + 4);
		_exit(0);
	}
	close(dfd);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status))
		TH_LOG("10: no uid 65534; 11-14: no EACCES (path rd/wr, dirfd rd/wr)");
}

/* --------------------------------------------------------------- race */

FIXTURE(slots_race)
{
	struct slots_state st;
};

FIXTURE_VARIANT(slots_race)
{
	enum swap_backend backend;
};

FIXTURE_VARIANT_ADD(slots_race, zram)
{
	.backend = SWAP_BACKEND_ZRAM,
};

FIXTURE_VARIANT_ADD(slots_race, disk)
{
	.backend = SWAP_BACKEND_DISK,
};

FIXTURE_SETUP(slots_race)
{
	state_setup(_metadata, &self->st, variant->backend);
}

FIXTURE_TEARDOWN_PARENT(slots_race)
{
	state_teardown(&self->st);
}

/*
 * The cycler: @cycles times, swap out pages of its own, swapoff (which
 * reads them back), swapon. Exit status: 0, or the failing step.
 */
static void cycler_main(const char *path, int cycles, pid_t parent)
{
	size_t len = NR_RACE_PAGES * psize();
	cpu_set_t all;
	unsigned long p;
	char *mem;
	int i, cpu;

	if (prctl(PR_SET_PDEATHSIG, SIGKILL) || getppid() != parent)
		_exit(2);
	munlockall();
	mem = mmap(NULL, len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		_exit(3);
	madvise(mem, len, MADV_NOHUGEPAGE);
	if (sched_getaffinity(0, sizeof(all), &all))
		_exit(4);
	for (i = 0; i < cycles; i++) {
		for (p = 0; p < NR_RACE_PAGES; p++)
			page_fill(mem + p * psize(), page_seed(i, p, 0));
		/* Some slots in use, wherever the pages' LRU batch is. */
		for (cpu = 0; cpu < CPU_SETSIZE; cpu++) {
			cpu_set_t one;

			if (!CPU_ISSET(cpu, &all))
				continue;
			CPU_ZERO(&one);
			CPU_SET(cpu, &one);
			if (!sched_setaffinity(0, sizeof(one), &one))
				madvise(mem, len, MADV_PAGEOUT);
		}
		sched_setaffinity(0, sizeof(all), &all);
		if (swapoff(path))
			_exit(5);
		for (p = 0; p < NR_RACE_PAGES; p++)
			if (page_checksum(mem + p * psize()) !=
			    pattern_checksum(page_seed(i, p, 0)))
				_exit(6);
		if (swapon(path, 0))
			_exit(7);
	}
	_exit(0);
}

/*
 * Read the view in a loop, in small reads, while another process swaps
 * off and on the test's area again and again with slots in use: every
 * read must give a header and well-formed, ordered lines of that area
 * or of none, the reader must not block swapoff for good, and the kernel
 * must not complain (the harness scans the console). Bounded: a few
 * cycles, RACE_SECONDS at most. Catches a walk that follows a device
 * being freed, a slot read torn between two states, and seq_file
 * positions that break when the device goes away between two reads.
 */
TEST_F_TIMEOUT(slots_race, swapoff_while_reading, TEST_TIMEOUT)
{
	static struct swap_slot slots[MAX_SLOTS];
	struct slots_state *st = &self->st;
	long reads = 0, with_slots = 0, bad = 0;
	struct timespec start, now;
	unsigned int type;
	int status = -1, fd, k, nr;
	pid_t pid, parent = getpid();
	char *text;

	self_pageout(_metadata, st, NR_RACE_PAGES / 2);
	type = pagemap_swap_type(st->pme[0]);
	ASSERT_EQ(NR_RACE_PAGES / 2, view_nr_slots(_metadata));

	fflush(stdout);
	fflush(stderr);
	/* st is shared with the harness: only the parent writes it. */
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		cycler_main(st->env.area.path, RACE_CYCLES, parent);
	st->cycler = pid;

	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		pid_t done = waitpid(st->cycler, &status, WNOHANG);

		if (done == st->cycler) {
			st->cycler = 0;
			break;
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - start.tv_sec > RACE_SECONDS)
			break;
		fd = open(SWAP_SLOTS_PATH, O_RDONLY | O_CLOEXEC);
		ASSERT_LE(0, fd);
		text = fd_read_all(fd, 100);
		close(fd);
		ASSERT_NE(NULL, text);
		nr = swap_slots_parse(text, slots, MAX_SLOTS);
		free(text);
		reads++;
		if (nr < 0) {
			bad++;
			continue;
		}
		with_slots += nr > 0;
		for (k = 0; k < nr; k++) {
			if (slots[k].type != type ||
			    slots[k].offset < 1 ||
			    slots[k].offset > st->env.area.last_page) {
				ksft_print_msg("slot %u:%lu: not of the area\n",
					       slots[k].type, slots[k].offset);
				bad++;
			}
		}
	}
	ASSERT_EQ(0, st->cycler) TH_LOG("swapoff/swapon not done in %ds",
					RACE_SECONDS);
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status))
		TH_LOG("cycler failed at step %d (5 swapoff, 6 data, 7 swapon)",
		       WEXITSTATUS(status));
	EXPECT_EQ(0, bad) TH_LOG("%ld malformed views of %ld", bad, reads);
	EXPECT_LT(0, reads);
	ksft_print_msg("%ld reads, %ld with slots, during %d swapoff/swapon\n",
		       reads, with_slots, RACE_CYCLES);
	/* The area is on again and empty: swapoff read every page back. */
	EXPECT_EQ(0, view_nr_slots(_metadata));
}

/* Last: nothing left behind by the tests above. */
LEAK_CHECK_TEST

TEST_HARNESS_MAIN
