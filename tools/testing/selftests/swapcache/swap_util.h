/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers for the swap cache selftests: a private swap area on a named
 * backend, counters from /proc, pagemap swap entry decoding, a memory
 * cgroup to reclaim shared pages, and "sharers": forked processes that
 * share one mapping and act on it on command, so that the parent can
 * drive faults in a known order and check every sharer's view.
 */
#ifndef __SWAP_UTIL_H
#define __SWAP_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include <limits.h>
#include <sys/types.h>

#include "../mm/vm_util.h"

/* Pagemap: a swap PTE holds the type in bits 0-4, the offset in 5-54. */
#define PM_PFN_MASK		(BIT_ULL(55) - 1)
#define PM_SWAP_TYPE_BITS	5
#define PM_SWAP_TYPE_MASK	(BIT_ULL(PM_SWAP_TYPE_BITS) - 1)

/*
 * Where a sharer's reply may take longer than this, the test fails: the
 * first in a test of its own, the second in a soak (swap_soak()), whose
 * memory.high throttles every process of its cgroup, sharers included,
 * for up to two seconds at each return to user space, and once kept a
 * sharer from replying for more than the first.
 */
#define SHARER_TIMEOUT_MS	120000
#define SHARER_SOAK_TIMEOUT_MS	600000
/* Most pages one sharer command may cover: a PMD of 4 KiB pages. */
#define SHARER_MAX_PAGES	512
/* Most sharers of one mapping: more than SWAP_MAP_MAX (62) references. */
#define SHARERS_MAX		80

/*
 * The debugfs view of the swap slots in use (mm/swap_debugfs.c): a header
 * line, then one line per slot. Writing "TYPE OFFSET [COUNT]" restricts
 * the files opened afterwards to those slots; "all" lifts it.
 */
#define SWAP_SLOTS_PATH		"/sys/kernel/debug/swap/slots"
#define SWAP_SLOTS_HEADER	\
	"type offset map count has_cache in_swapcache pfn mapcount refcount"

/* swap_map bytes, as include/linux/swap.h defines them. */
#define SWAP_MAP_HAS_CACHE	0x40	/* SWAP_HAS_CACHE */
#define SWAP_MAP_CONTINUED	0x80	/* COUNT_CONTINUED */
#define SWAP_MAP_MAX_COUNT	0x3e	/* SWAP_MAP_MAX */
#define SWAP_MAP_BAD_SLOT	0x3f	/* SWAP_MAP_BAD */
#define SWAP_MAP_SHMEM_SLOT	0xbf	/* SWAP_MAP_SHMEM */

/* Knob of the swap-in remap: the tests describe the stock behaviour. */
#define SWAPIN_REMAP		"/sys/kernel/mm/swap/swapin_remap"
/* zswap, built in and off until a test turns it on. */
#define ZSWAP_ENABLED		"/sys/module/zswap/parameters/enabled"
#define ZSWAP_STORED_PAGES	"/sys/kernel/debug/zswap/stored_pages"

enum swap_backend {
	SWAP_BACKEND_ZRAM,
	SWAP_BACKEND_DISK,
};

/* A swap area written and enabled by the test on a whole device. */
struct swap_area {
	const char *path;		/* device node */
	unsigned long last_page;	/* header: last usable page */
	unsigned long total_pages;	/* SwapTotal gained by swapon */
	bool active;
};

/* A sysfs or procfs knob pinned for the test and restored after it. */
struct setting {
	const char *path;
	char saved[64];
	bool changed;
};

struct test_cgroup {
	char path[256];
	bool created;
	bool entered;
	/*
	 * memory.stat swapcached that stays once every process has gone:
	 * memory_failure() uncharges a poisoned dirty folio and leaves it
	 * in the swap cache (me_swapcache_dirty()), so its leaving the
	 * cache later is not subtracted here.  Set by a test that poisons
	 * one.
	 */
	long long swapcached_stale;
};

/* Memory cgroups a test may make besides its own (swap_env_cgroup_add()). */
#define SWAP_ENV_MORE_CGROUPS	2

/*
 * Everything a fixture sets up around one test. Plain data, so that it
 * can live in the fixture data the harness shares with the process that
 * runs FIXTURE_TEARDOWN_PARENT().
 */
struct swap_env {
	pid_t owner;			/* the process that set it up */
	struct swap_area area;
	struct setting page_cluster;
	struct setting vma_ra;
	struct test_cgroup cg;
	bool locked;
	struct setting swapin_remap;	/* pinned to "never" if present */
	/* Siblings of @cg made by swap_env_cgroup_add(). */
	struct test_cgroup more[SWAP_ENV_MORE_CGROUPS];
};

/*
 * The commands of a sharer (see sharer_send()). Each acts on pages
 * [first, first + count) of the target, the same in every sharer, unless
 * said otherwise; @arg is the command's own argument.
 */
enum sharer_op {
	SHARER_READY,		/* internal: the sharer is up */
	SHARER_READ,		/* checksum each page; arg: SHARER_BACKWARD */
	SHARER_WRITE,		/* fill page i from seed i (the @args) */
	SHARER_PAGEMAP,		/* the sharer's pagemap entry of each page */
	SHARER_MINCORE,		/* mincore() of each page, 0 or 1 */
	SHARER_MUNMAP,		/* munmap() the whole target */
	SHARER_EXIT,		/* _exit(0); sharer_wait() reaps it */
	SHARER_MLOCK,		/* mlock2(MLOCK_ONFAULT) */
	SHARER_MUNLOCK,		/* munlock() */
	SHARER_MPROTECT,	/* mprotect() to arg */
	SHARER_MADVISE,		/* madvise() with advice arg */
	SHARER_MREMAP,		/* move the whole target away, then back */
	SHARER_FORK_READ,	/* a child forked now reads, as SHARER_READ */
	SHARER_UFFD_WP,		/* register uffd-wp on the whole target, wp */
	SHARER_READ_FAULTY,	/* SHARER_READ, SIGBUS caught; arg: see below */
	NR_SHARER_OPS,
};

/* SHARER_READ, SHARER_FORK_READ: from the last page down to the first. */
#define SHARER_BACKWARD		1
/*
 * SHARER_READ_FAULTY: /proc/self/make-it-fail is 1 while the sharer
 * touches the pages, so that fault injection with task-filter=Y fails
 * the allocations and I/O of its faults and of nothing else it does.
 */
#define SHARER_MAKE_IT_FAIL	2
/*
 * SHARER_READ_FAULTY: the value of a page whose fault raised SIGBUS (a
 * swap-in whose read failed). page_checksum() gives it with odds 2^-64.
 */
#define SHARER_SIGBUS		(~0ULL)

struct sharer {
	pid_t pid;
	int cmd_fd;	/* parent -> sharer */
	int reply_fd;	/* sharer -> parent */
	bool mapped;	/* still maps the target */
	bool busy;	/* a command sent, its reply not read yet */
	int op;		/* of that command */
	unsigned int count;
	long faults;	/* minflt + majflt of the last command */
};

struct sharers {
	pid_t owner;	/* their parent */
	int nr;
	char *addr;	/* the shared target, the same in every sharer */
	unsigned long nr_pages;
	struct sharer s[SHARERS_MAX];
};

/* One line of the debugfs slot view. */
struct swap_slot {
	unsigned int type;
	unsigned long offset;
	unsigned int map;		/* the swap_map byte */
	unsigned long count;		/* continuations included */
	bool has_cache;
	bool in_swapcache;
	/* The swap cache folio, if in_swapcache; else 0, -1, -1. */
	unsigned long pfn;
	int mapcount;
	int refcount;
};

/* Return values of swap_env_setup() other than 0 and -1. */
#define SWAP_ENV_ABSENT	1	/* a needed kernel feature is missing */

/* Data */
__u64 mix64(__u64 x);
__u64 page_seed(__u64 tag, unsigned long page, unsigned long gen);
void page_fill(void *page, __u64 seed);
__u64 page_checksum(const void *page);
__u64 pattern_checksum(__u64 seed);
__u64 page_fill_compressible(void *page, __u64 seed);

/* Counters */
int vmstat_refresh(void);
long long vmstat_read(const char *name);
long long meminfo_read_kb(const char *name);
long long meminfo_read_pages(const char *name);
int kpageflags_get(unsigned long pfn, __u64 *flags);
int kpagecount_get(unsigned long pfn, __u64 *count);
long long smaps_swap_kb(pid_t pid, const void *addr);
bool page_in_swapcache(unsigned long pfn);
long long page_mapcount(unsigned long pfn);
long long smaps_read_kb(pid_t pid, const void *addr, const char *name);
long long sysvipc_shm_read(int shmid, const char *name);

/* Pagemap swap entries */
static inline bool pagemap_entry_is_swap(__u64 pme)
{
	return (pme & PM_SWAP) && !(pme & PM_PRESENT);
}

static inline unsigned int pagemap_swap_type(__u64 pme)
{
	return pme & PM_SWAP_TYPE_MASK;
}

static inline unsigned long pagemap_swap_offset(__u64 pme)
{
	return (pme & PM_PFN_MASK) >> PM_SWAP_TYPE_BITS;
}

static inline unsigned long pagemap_pfn(__u64 pme)
{
	return (pme & PM_PRESENT) ? (pme & PM_PFN_MASK) : -1UL;
}

/* Both entries are swap entries, and the same one. */
static inline bool same_swap_entry(__u64 a, __u64 b)
{
	return pagemap_entry_is_swap(a) && pagemap_entry_is_swap(b) &&
	       pagemap_swap_type(a) == pagemap_swap_type(b) &&
	       pagemap_swap_offset(a) == pagemap_swap_offset(b);
}

__u64 pid_pagemap(pid_t pid, void *addr);
bool pagemap_get_swap_entry(int fd, char *addr, unsigned int *type,
			    unsigned long *offset);

/* The debugfs slot view */
bool swap_slots_present(void);
unsigned int swap_slot_map_of(unsigned long count, bool has_cache);
int swap_slot_parse(const char *line, struct swap_slot *slot);
int swap_slots_parse(char *text, struct swap_slot *slots, int max);
int swap_slots_read(struct swap_slot *slots, int max);
int swap_slot_get(unsigned int type, unsigned long offset,
		  struct swap_slot *slot);
int swap_slots_select(const char *cmd, size_t len);

/* Files */
int file_read_str(const char *path, char *buf, size_t len);
long long file_read_ll(const char *path);
int file_write_buf(const char *path, const char *buf, size_t len);
int file_write_str(const char *path, const char *str);
char *fd_read_all(int fd, size_t chunk);

/* Settings */
int setting_pin(struct setting *s, const char *path, const char *value);
int setting_restore(struct setting *s);

/* Swap areas */
unsigned long swap_area_wanted_pages(void);
const char *swap_backend_path(enum swap_backend backend);
const char *swap_backend_name(enum swap_backend backend);
void swap_devices_off(void);
int swap_area_setup(struct swap_area *area, enum swap_backend backend,
		    unsigned long last_page);
int swap_area_teardown(struct swap_area *area);

/* Memory cgroups */
int cgroup_create(struct test_cgroup *cg);
int cgroup_enter(struct test_cgroup *cg);
int cgroup_reclaim(struct test_cgroup *cg, size_t bytes);
int cgroup_destroy(struct test_cgroup *cg);
long long cgroup_read_ll(struct test_cgroup *cg, const char *file);
long long cgroup_stat_read(struct test_cgroup *cg, const char *file,
			   const char *name);
int cgroup_swap_out(struct test_cgroup *cg, size_t bytes,
		    bool (*done)(void *arg), void *arg, int max_passes);

/* The environment of one benchmark (swapcache_bench, remap_bench, ...) */
struct bench_env {
	struct swap_area area;
	struct test_cgroup cg;
};

int bench_env_setup(struct bench_env *env, enum swap_backend backend,
		    const char *prog);
void bench_env_teardown(struct bench_env *env);
double bench_now(void);
bool pid_range_swapped(pid_t pid, const char *mem, size_t len);
int bench_arg_ulong(const char *s, unsigned long min, unsigned long max,
		    unsigned long *val);

/* The environment of one test */
int swap_env_setup(struct swap_env *env, enum swap_backend backend);
int swap_env_teardown(struct swap_env *env);
struct test_cgroup *swap_env_cgroup_add(struct swap_env *env,
					const char *name);
int swap_env_swap_out(struct swap_env *env, size_t bytes,
		      bool (*done)(void *arg), void *arg, int max_passes);
int swap_env_wait_swapfree(struct swap_env *env, long long want,
			   int max_passes);
int swapfree_check(long long want);
int swap_env_pageout(struct swap_env *env, char *addr, unsigned long nr_pages,
		     __u64 *pmes);

/*
 * The "nothing leaked" check, once every process of a test has exited:
 * see leak_check() in swap_util.c. With LEAK_CHECK_SWAPON, swap areas
 * still on are the caller's (a soak script's) and are swapped off by the
 * check; without, an area still on was left by a test, which is a leak.
 */
#define LEAK_CHECK_SWAPON	0x1

int leak_check(unsigned int flags, const char *const *cgroups);

/*
 * LEAK_CHECK_TEST: the last test of a kselftest_harness program, with
 * the result "after_all.leak_check": leak_check() once every other test
 * and its teardown are done. Put it after the program's last FIXTURE,
 * just before TEST_HARNESS_MAIN: the harness runs the "global" fixture
 * of plain TEST()s first, then the other fixtures in the order they are
 * defined, so a plain TEST() would run first and this fixture, defined
 * last, runs last. Being a test, it is counted in the plan (1..N) the
 * harness prints.
 */
#define LEAK_CHECK_TIMEOUT	120
#define LEAK_CHECK_TEST							\
	FIXTURE(after_all) {};						\
	FIXTURE_SETUP(after_all) {}					\
	FIXTURE_TEARDOWN(after_all) {}					\
	TEST_F_TIMEOUT(after_all, leak_check, LEAK_CHECK_TIMEOUT)	\
	{								\
		EXPECT_EQ(0, leak_check(0, NULL));			\
	}

/*
 * Soak mode: SWAPCACHE_SOAK=1 in the environment. A soak
 * (scripts/guest/soak.sh) owns swap: the program runs on the swap areas
 * that are on, in the memory cgroup it was started in, at the
 * swapin_remap mode and readahead that the soak sets and changes, and
 * leaves them all as they are, also at exit. remap_stress supports it.
 */
bool swap_soak(void);

/* Memory locking: everything but the target stays resident. */
int mlock_all_but(void *addr, size_t len);

/* The target: the pages the sharers map, of known contents. */
char *target_mmap(unsigned long nr_pages, int type, unsigned long align);
void pages_fill_seeded(char *mem, unsigned long nr_pages, __u64 tag,
		       unsigned long gen, __u64 *seeds);
int sharers_take_over(struct sharers *sh, int nr, char *mem,
		      unsigned long nr_pages);

/* Sharers */
int sharers_spawn(struct sharers *sh, int nr, char *addr,
		  unsigned long nr_pages);
int sharers_add(struct sharers *sh);
int sharers_stop(struct sharers *sh);
void sharers_destroy(struct sharers *sh);
/* Asynchronous: send a command to sharer @i, later wait for its reply. */
int sharer_send(struct sharers *sh, int i, int op, unsigned long first,
		unsigned long count, __u64 arg, const __u64 *args);
int sharer_wait(struct sharers *sh, int i, __u64 *vals);
int sharer_call(struct sharers *sh, int i, int op, unsigned long first,
		unsigned long count, __u64 arg, const __u64 *args,
		__u64 *vals);
long sharer_faults(struct sharers *sh, int i);
/* Synchronous: one command, then its reply. */
int sharer_read(struct sharers *sh, int i, unsigned long first,
		unsigned long count, __u64 *sums);
int sharer_read_backward(struct sharers *sh, int i, unsigned long first,
			 unsigned long count, __u64 *sums);
int sharer_fork_read(struct sharers *sh, int i, unsigned long first,
		     unsigned long count, __u64 *sums);
int sharer_read_faulty(struct sharers *sh, int i, unsigned long first,
		       unsigned long count, __u64 flags, __u64 *sums);
int sharer_write(struct sharers *sh, int i, unsigned long first,
		 unsigned long count, const __u64 *seeds);
int sharer_pagemap(struct sharers *sh, int i, unsigned long first,
		   unsigned long count, __u64 *pmes);
int sharer_mincore(struct sharers *sh, int i, unsigned long first,
		   unsigned long count, __u64 *resident);
int sharer_mlock(struct sharers *sh, int i);
int sharer_munlock(struct sharers *sh, int i);
int sharer_mprotect(struct sharers *sh, int i, int prot);
int sharer_madvise(struct sharers *sh, int i, unsigned long first,
		   unsigned long count, int advice);
int sharer_mremap(struct sharers *sh, int i);
int sharer_uffd_wp(struct sharers *sh, int i);
int sharer_munmap(struct sharers *sh, int i);
int sharer_exit(struct sharers *sh, int i);
bool sharers_all_swapped(struct sharers *sh, unsigned long first,
			 unsigned long count);
bool sharers_none_resident(struct sharers *sh, unsigned long first,
			   unsigned long count);

#endif /* __SWAP_UTIL_H */
