// SPDX-License-Identifier: GPL-2.0
/*
 * Helpers for the swap cache selftests. See swap_util.h.
 *
 * Functions return 0 (or a count) on success and a negative value on
 * failure, after printing why with ksft_print_msg(), so that the tests
 * can simply ASSERT on the result and the log names the cause.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <linux/userfaultfd.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/swap.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "../kselftest.h"
#include <linux/kernel-page-flags.h>

#include "swap_util.h"

#define CGROUP_ROOT		"/sys/fs/cgroup"
#define CGROUP_PREFIX		"swapcache_test."
#define PAGE_CLUSTER		"/proc/sys/vm/page-cluster"
#define VMA_RA_ENABLED		"/sys/kernel/mm/swap/vma_ra_enabled"
#define ZRAM_DEV		"/dev/zram0"
#define ZRAM_DISKSIZE		"/sys/block/zram0/disksize"
#define ZRAM_DEFAULT_SIZE	"256M"
#define ZRAM_MM_STAT		"/sys/block/zram0/mm_stat"
#define ZRAM_DEBUG_STAT		"/sys/block/zram0/debug_stat"
#define ZRAM_COMPACT		"/sys/block/zram0/compact"
#define DISK_DEV		"/dev/vda"
/* The disk backend overwrites its device: refuse anything this big. */
#define DISK_MAX_BYTES		BIT_ULL(30)
#define SWAP_MAGIC		"SWAPSPACE2"
#define SWAP_MAGIC_LEN		10
#define SWAP_INFO_OFFSET	1024

/* The v1 swap header of include/linux/swap.h, from byte 1024 on. */
struct swap_header_info {
	__u32 version;
	__u32 last_page;
	__u32 nr_badpages;
	unsigned char sws_uuid[16];
	unsigned char sws_volume[16];
};

/* ---------------------------------------------------------------- data */

/* splitmix64's finalizer: a well-mixed 64-bit hash of @x. */
__u64 mix64(__u64 x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/* A seed unique to (test, page, generation of its contents). */
__u64 page_seed(__u64 tag, unsigned long page, unsigned long gen)
{
	return mix64(mix64(tag) ^ mix64(((__u64)page << 20) ^ gen));
}

/*
 * Word i of a page filled from @seed. Never zero: 6.12 does not write
 * zero-filled pages to the swap device (the zeromap), which would take
 * them out of the I/O counts.
 */
static __u64 pattern_word(__u64 seed, size_t i)
{
	return mix64(seed + i) | 1;
}

void page_fill(void *page, __u64 seed)
{
	__u64 *w = page;
	size_t i;

	for (i = 0; i < psize() / sizeof(*w); i++)
		w[i] = pattern_word(seed, i);
}

static __u64 checksum_step(__u64 h, __u64 w)
{
	return (h ^ w) * 0x100000001b3ULL;
}

__u64 page_checksum(const void *page)
{
	const __u64 *w = page;
	__u64 h = 0xcbf29ce484222325ULL;
	size_t i;

	for (i = 0; i < psize() / sizeof(*w); i++)
		h = checksum_step(h, w[i]);
	return h;
}

/* The checksum page_checksum() gives for a page filled from @seed. */
__u64 pattern_checksum(__u64 seed)
{
	__u64 h = 0xcbf29ce484222325ULL;
	size_t i;

	for (i = 0; i < psize() / sizeof(__u64); i++)
		h = checksum_step(h, pattern_word(seed, i));
	return h;
}

/*
 * Fill @page with content zswap can compress (it rejects what does not
 * compress, and never stores a zero-filled page) and that differs from
 * seed to seed: the seed in the first words, a constant after.
 * Return: its checksum.
 */
__u64 page_fill_compressible(void *page, __u64 seed)
{
	__u64 *w = page;
	size_t i;

	for (i = 0; i < psize() / sizeof(*w); i++)
		w[i] = i < 8 ? seed + i : 0x5a5a5a5a5a5a5a5aULL;
	return page_checksum(page);
}

/* --------------------------------------------------------------- files */

int file_read_str(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	if (n < 0) {
		n = -errno;
		close(fd);
		return n;
	}
	close(fd);
	buf[n] = '\0';
	while (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	return 0;
}

/* One write() of @len bytes of @buf. Return: 0, or -errno, or -EIO. */
int file_write_buf(const char *path, const char *buf, size_t len)
{
	ssize_t n;
	int fd;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, buf, len);
	if (n < 0)
		n = -errno;
	close(fd);
	if (n < 0)
		return n;
	return (size_t)n == len ? 0 : -EIO;
}

int file_write_str(const char *path, const char *str)
{
	return file_write_buf(path, str, strlen(str));
}

/*
 * Read @fd from where it is to its end, in reads of at most @chunk bytes,
 * into a NUL-terminated buffer to free().
 * Return: the buffer, or NULL with errno set.
 */
char *fd_read_all(int fd, size_t chunk)
{
	size_t len = 0, size = 16384;
	char *buf = malloc(size), *bigger;
	ssize_t n;

	while (buf) {
		if (size - len < chunk + 1) {
			bigger = realloc(buf, size * 2 + chunk);
			if (!bigger)
				break;
			buf = bigger;
			size = size * 2 + chunk;
		}
		n = read(fd, buf + len, chunk);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		if (n == 0) {
			buf[len] = '\0';
			return buf;
		}
		len += n;
	}
	n = errno;
	free(buf);
	errno = n;
	return NULL;
}

/* ------------------------------------------------------------ counters */

/* Value of @name in a "name value" file such as /proc/vmstat, or -1. */
static long long stat_file_read(const char *path, const char *name,
				const char *sep)
{
	size_t len = strlen(name);
	long long val = -1;
	char line[256];
	FILE *f;

	f = fopen(path, "re");
	if (!f) {
		ksft_print_msg("open %s: %s\n", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, name, len) || !strchr(sep, line[len]))
			continue;
		val = strtoll(line + len + 1, NULL, 10);
		break;
	}
	fclose(f);
	if (val < 0)
		ksft_print_msg("%s has no %s\n", path, name);
	return val;
}

long long vmstat_read(const char *name)
{
	return stat_file_read("/proc/vmstat", name, " ");
}

/*
 * Fold the per-CPU deltas of the vmstat counters into the global ones.
 * SwapCached is the node counter NR_SWAPCACHE: without this it lags by
 * up to a stat threshold per CPU until the next vmstat_update() pass.
 */
int vmstat_refresh(void)
{
	int ret = file_write_str("/proc/sys/vm/stat_refresh", "1");

	if (ret)
		ksft_print_msg("vm.stat_refresh: %s\n", strerror(-ret));
	return ret;
}

/*
 * An exact /proc/meminfo value. SwapTotal and SwapFree come from atomic
 * counters; the others (SwapCached...) from vmstat ones, folded first.
 */
long long meminfo_read_kb(const char *name)
{
	if (strcmp(name, "SwapTotal") && strcmp(name, "SwapFree") &&
	    vmstat_refresh())
		return -1;
	return stat_file_read("/proc/meminfo", name, ":");
}

long long meminfo_read_pages(const char *name)
{
	long long kb = meminfo_read_kb(name);

	return kb < 0 ? kb : kb * 1024 / psize();
}

static int proc_u64_array_get(const char *path, unsigned long idx,
			      __u64 *val)
{
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ksft_print_msg("open %s: %s\n", path, strerror(errno));
		return -1;
	}
	n = pread(fd, val, sizeof(*val), idx * sizeof(*val));
	close(fd);
	if (n != sizeof(*val)) {
		ksft_print_msg("read %s at %lu failed\n", path, idx);
		return -1;
	}
	return 0;
}

int kpageflags_get(unsigned long pfn, __u64 *flags)
{
	return proc_u64_array_get("/proc/kpageflags", pfn, flags);
}

int kpagecount_get(unsigned long pfn, __u64 *count)
{
	return proc_u64_array_get("/proc/kpagecount", pfn, count);
}

/* Field @name ("Swap", "SwapPss"...) of the VMA of @pid at @addr, in kB, or -1. */
long long smaps_read_kb(pid_t pid, const void *addr, const char *name)
{
	unsigned long start, end, a = (unsigned long)addr;
	size_t len = strlen(name);
	bool in_vma = false;
	long long kb = -1;
	char path[64], line[512];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/smaps", pid);
	f = fopen(path, "re");
	if (!f) {
		ksft_print_msg("open %s: %s\n", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx ", &start, &end) == 2 &&
		    strchr(line, '-') < strchr(line, ' ')) {
			in_vma = start <= a && a < end;
			continue;
		}
		if (in_vma && !strncmp(line, name, len) && line[len] == ':' &&
		    sscanf(line + len + 1, "%lld kB", &kb) == 1)
			break;
	}
	fclose(f);
	if (kb < 0)
		ksft_print_msg("%s: no %s: line for %p\n", path, name, addr);
	return kb;
}

/* "Swap:" of the VMA of @pid that contains @addr, in kB, or -1. */
/* kpageflags says @pfn is in the swap cache. */
bool page_in_swapcache(unsigned long pfn)
{
	__u64 flags;

	return !kpageflags_get(pfn, &flags) &&
	       (flags & BIT_ULL(KPF_SWAPCACHE));
}

/* The map count kpagecount reports for @pfn, or -1. */
long long page_mapcount(unsigned long pfn)
{
	__u64 count;

	return kpagecount_get(pfn, &count) ? -1 : (long long)count;
}

long long smaps_swap_kb(pid_t pid, const void *addr)
{
	return smaps_read_kb(pid, addr, "Swap");
}

/* Column @name ("rss", "swap", "nattch") of /proc/sysvipc/shm, or -1. */
long long sysvipc_shm_read(int shmid, const char *name)
{
	int col, id_col = -1, val_col = -1;
	long long val = -1;
	char line[512], *tok, *save;
	FILE *f;

	f = fopen("/proc/sysvipc/shm", "re");
	if (!f) {
		ksft_print_msg("open /proc/sysvipc/shm: %s\n", strerror(errno));
		return -1;
	}
	if (!fgets(line, sizeof(line), f))
		goto out;
	for (col = 0, tok = strtok_r(line, "\n ", &save); tok;
	     col++, tok = strtok_r(NULL, "\n ", &save)) {
		if (!strcmp(tok, "shmid"))
			id_col = col;
		else if (!strcmp(tok, name))
			val_col = col;
	}
	if (id_col < 0 || val_col < 0)
		goto out;
	while (val < 0 && fgets(line, sizeof(line), f)) {
		long long id = -1, v = -1;

		for (col = 0, tok = strtok_r(line, "\n ", &save); tok;
		     col++, tok = strtok_r(NULL, "\n ", &save)) {
			if (col == id_col)
				id = strtoll(tok, NULL, 10);
			else if (col == val_col)
				v = strtoll(tok, NULL, 10);
		}
		if (id == shmid)
			val = v;
	}
out:
	fclose(f);
	if (val < 0)
		ksft_print_msg("/proc/sysvipc/shm: no %s for shmid %d\n",
			       name, shmid);
	return val;
}

/* The entry /proc/@pid/pagemap has for @addr, or 0 if it cannot be read. */
__u64 pid_pagemap(pid_t pid, void *addr)
{
	char path[64];
	__u64 pme = 0;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/pagemap", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	if (pread(fd, &pme, sizeof(pme),
		  (unsigned long)addr / psize() * sizeof(pme)) != sizeof(pme))
		pme = 0;
	close(fd);
	return pme;
}

/* ------------------------------------------------------------- pagemap */

bool pagemap_get_swap_entry(int fd, char *addr, unsigned int *type,
			    unsigned long *offset)
{
	__u64 pme = pagemap_get_entry(fd, addr);

	if (!pagemap_entry_is_swap(pme))
		return false;
	*type = pagemap_swap_type(pme);
	*offset = pagemap_swap_offset(pme);
	return true;
}

/* ----------------------------------------------------- slot debugfs view */

bool swap_slots_present(void)
{
	return !access(SWAP_SLOTS_PATH, F_OK);
}

/*
 * The swap_map byte of a slot with @count references: counts above
 * SWAP_MAP_MAX keep their low digit, base SWAP_MAP_MAX + 1, in swap_map
 * with COUNT_CONTINUED, the other digits in continuation pages.
 */
unsigned int swap_slot_map_of(unsigned long count, bool has_cache)
{
	unsigned int map = count;

	if (count > SWAP_MAP_MAX_COUNT)
		map = SWAP_MAP_CONTINUED | count % (SWAP_MAP_MAX_COUNT + 1);
	return map | (has_cache ? SWAP_MAP_HAS_CACHE : 0);
}

/* A decimal (@base 10) or "0x"-prefixed hex (@base 16) number, no sign. */
static bool slot_field_num(const char *tok, int base, unsigned long *val)
{
	const char *digits = base == 16 ? "0123456789abcdef" : "0123456789";
	char *end;

	if (base == 16) {
		if (strncmp(tok, "0x", 2))
			return false;
		tok += 2;
	}
	if (!*tok || strspn(tok, digits) != strlen(tok))
		return false;
	errno = 0;
	*val = strtoul(tok, &end, base);
	return !errno && !*end;
}

/*
 * Parse one line of the view into @slot, strictly: nine fields separated
 * by single spaces, numbers where numbers belong and in the right base,
 * "-" for the folio fields of a slot the swap cache has no folio for,
 * and a map byte that agrees with count and has_cache (all three are
 * read under one lock). The folio fields may disagree with has_cache:
 * they are read after that lock.
 * Return: 0, or -1 if the line is malformed.
 */
int swap_slot_parse(const char *line, struct swap_slot *slot)
{
	char buf[256], *tok[10], *save = NULL;
	unsigned long v[9];
	unsigned int low;
	size_t len = strcspn(line, "\n");
	int nr = 0, i;

	memset(slot, 0, sizeof(*slot));
	if (len >= sizeof(buf) || (line[len] && line[len + 1]))
		return -1;
	memcpy(buf, line, len);
	buf[len] = '\0';
	/* Single spaces: no empty field, no leading or trailing blank. */
	if (!len || buf[0] == ' ' || buf[len - 1] == ' ' || strstr(buf, "  "))
		return -1;
	tok[0] = strtok_r(buf, " ", &save);
	while (tok[nr] && nr < 9)
		tok[++nr] = strtok_r(NULL, " ", &save);
	if (nr != 9 || tok[9])
		return -1;
	if (!slot_field_num(tok[0], 10, &v[0]) ||
	    !slot_field_num(tok[1], 10, &v[1]) ||
	    strlen(tok[2]) != 4 || !slot_field_num(tok[2], 16, &v[2]) ||
	    !slot_field_num(tok[3], 10, &v[3]) ||
	    (strcmp(tok[4], "0") && strcmp(tok[4], "1")) ||
	    (strcmp(tok[5], "0") && strcmp(tok[5], "1")))
		return -1;
	slot->type = v[0];
	slot->offset = v[1];
	slot->map = v[2];
	slot->count = v[3];
	slot->has_cache = tok[4][0] == '1';
	slot->in_swapcache = tok[5][0] == '1';
	if (slot->in_swapcache) {
		if (!slot_field_num(tok[6], 16, &v[6]) ||
		    !slot_field_num(tok[7], 10, &v[7]) ||
		    !slot_field_num(tok[8], 10, &v[8]) ||
		    v[7] > INT_MAX || v[8] > INT_MAX || !v[8])
			return -1;
		slot->pfn = v[6];
		slot->mapcount = v[7];
		slot->refcount = v[8];
	} else {
		for (i = 6; i < 9; i++)
			if (strcmp(tok[i], "-"))
				return -1;
		slot->mapcount = -1;
		slot->refcount = -1;
	}

	/* The map byte against count and has_cache. */
	if (slot->type >= 32 || !slot->map || slot->map > 0xff ||
	    slot->map == SWAP_MAP_BAD_SLOT ||
	    !!(slot->map & SWAP_MAP_HAS_CACHE) != slot->has_cache)
		return -1;
	low = slot->map & ~SWAP_MAP_HAS_CACHE;
	if (low == SWAP_MAP_SHMEM_SLOT)
		return slot->count == 1 ? 0 : -1;
	if (low & SWAP_MAP_CONTINUED) {
		low &= ~SWAP_MAP_CONTINUED;
		if (slot->count <= SWAP_MAP_MAX_COUNT ||
		    slot->count % (SWAP_MAP_MAX_COUNT + 1) != low)
			return -1;
		return 0;
	}
	if (low > SWAP_MAP_MAX_COUNT || slot->count != low)
		return -1;
	/* A slot with no reference and no cache is free: never shown. */
	return slot->count || slot->has_cache ? 0 : -1;
}

/*
 * Parse the whole view in @text (modified) into at most @max slots: the
 * header, then well-formed lines in increasing (type, offset) order.
 * Return: the number of slots, or -1 after printing the first problem.
 */
int swap_slots_parse(char *text, struct swap_slot *slots, int max)
{
	char *line, *save = NULL;
	struct swap_slot slot, prev;
	int nr = 0;

	line = strtok_r(text, "\n", &save);
	if (!line || strcmp(line, SWAP_SLOTS_HEADER)) {
		ksft_print_msg("%s: bad header '%s'\n", SWAP_SLOTS_PATH,
			       line ? line : "");
		return -1;
	}
	while ((line = strtok_r(NULL, "\n", &save))) {
		if (swap_slot_parse(line, &slot)) {
			ksft_print_msg("%s: malformed line '%s'\n",
				       SWAP_SLOTS_PATH, line);
			return -1;
		}
		if (nr && (slot.type < prev.type ||
			   (slot.type == prev.type &&
			    slot.offset <= prev.offset))) {
			ksft_print_msg("%s: line '%s' out of order\n",
				       SWAP_SLOTS_PATH, line);
			return -1;
		}
		if (nr == max) {
			ksft_print_msg("%s: more than %d slots\n",
				       SWAP_SLOTS_PATH, max);
			return -1;
		}
		prev = slot;
		slots[nr++] = slot;
	}
	return nr;
}

/*
 * Read the view as the current selection shows it.
 * Return: the number of slots, or -1 after printing why.
 */
int swap_slots_read(struct swap_slot *slots, int max)
{
	char *text;
	int fd, nr;

	fd = open(SWAP_SLOTS_PATH, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ksft_print_msg("open %s: %s\n", SWAP_SLOTS_PATH,
			       strerror(errno));
		return -1;
	}
	text = fd_read_all(fd, psize());
	if (!text) {
		ksft_print_msg("read %s: %s\n", SWAP_SLOTS_PATH,
			       strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	nr = swap_slots_parse(text, slots, max);
	free(text);
	return nr;
}

/*
 * The line of slot @offset of device @type, from the whole view.
 * Return: 1 if the slot is in use, 0 if it is not, -1 on error.
 */
int swap_slot_get(unsigned int type, unsigned long offset,
		  struct swap_slot *slot)
{
	static struct swap_slot slots[4096];
	int i, nr;

	nr = swap_slots_read(slots, ARRAY_SIZE(slots));
	if (nr < 0)
		return -1;
	for (i = 0; i < nr; i++) {
		if (slots[i].type == type && slots[i].offset == offset) {
			*slot = slots[i];
			return 1;
		}
	}
	memset(slot, 0, sizeof(*slot));
	return 0;
}

/*
 * Write @len bytes of @cmd to the view in one write(): a selection,
 * "all", or anything else.
 * Return: 0, or -errno of the open() or write().
 */
int swap_slots_select(const char *cmd, size_t len)
{
	return file_write_buf(SWAP_SLOTS_PATH, cmd, len);
}

/* ------------------------------------------------------------ settings */

/*
 * A knob that lists its choices with the current one in brackets, like
 * "auto keep [never]" (the THP knobs, trace_clock), is written back as
 * that one choice: keep only what is between the brackets.
 */
static void setting_current_choice(char *buf)
{
	char *open = strchr(buf, '['), *close;

	close = open ? strchr(open, ']') : NULL;
	if (!close)
		return;
	*close = '\0';
	memmove(buf, open + 1, close - open);
}

int setting_pin(struct setting *s, const char *path, const char *value)
{
	int ret;

	s->path = path;
	ret = file_read_str(path, s->saved, sizeof(s->saved));
	if (ret) {
		ksft_print_msg("read %s: %s\n", path, strerror(-ret));
		return -1;
	}
	setting_current_choice(s->saved);
	ret = file_write_str(path, value);
	if (ret) {
		ksft_print_msg("write %s to %s: %s\n", value, path,
			       strerror(-ret));
		return -1;
	}
	s->changed = true;
	return 0;
}

int setting_restore(struct setting *s)
{
	int ret;

	if (!s->changed)
		return 0;
	ret = file_write_str(s->path, s->saved);
	if (ret) {
		ksft_print_msg("restore %s to %s: %s\n", s->path, s->saved,
			       strerror(-ret));
		return -1;
	}
	s->changed = false;
	return 0;
}

/* ---------------------------------------------------------- swap areas */

/*
 * Usable pages of the test's swap area. With more than
 * num_online_cpus() * 5 * SWAP_BATCH (64) free swap pages, the per-CPU
 * swap slot cache of 6.12 (mm/swap_slots.c) turns on and allocates and
 * frees slots 64 at a time, so SwapFree stops being exact. Below
 * num_online_cpus() * 2 * SWAP_BATCH it is turned off again. Stay below
 * that so that every slot is allocated and freed one by one.
 */
unsigned long swap_area_wanted_pages(void)
{
	long ncpus = sysconf(_SC_NPROCESSORS_ONLN);

	if (ncpus < 1)
		ncpus = 1;
	return 2 * 64 * ncpus - 8;
}

const char *swap_backend_path(enum swap_backend backend)
{
	const char *disk = getenv("SWAPCACHE_DISK");

	if (backend == SWAP_BACKEND_ZRAM)
		return ZRAM_DEV;
	return disk && *disk ? disk : DISK_DEV;
}

const char *swap_backend_name(enum swap_backend backend)
{
	return backend == SWAP_BACKEND_ZRAM ? "zram" : "disk";
}

/* Turn swap off on both backends; "not a swap area" is fine. */
void swap_devices_off(void)
{
	enum swap_backend b;

	for (b = SWAP_BACKEND_ZRAM; b <= SWAP_BACKEND_DISK; b++) {
		const char *path = swap_backend_path(b);

		if (swapoff(path) && errno != EINVAL && errno != ENOENT)
			ksft_print_msg("swapoff %s: %s\n", path,
				       strerror(errno));
	}
}

static int zram_prepare(void)
{
	char size[64];
	int ret;

	ret = file_read_str(ZRAM_DISKSIZE, size, sizeof(size));
	if (ret) {
		ksft_print_msg("read %s: %s\n", ZRAM_DISKSIZE, strerror(-ret));
		return -1;
	}
	if (strcmp(size, "0"))
		return 0;
	ret = file_write_str(ZRAM_DISKSIZE, ZRAM_DEFAULT_SIZE);
	if (ret) {
		ksft_print_msg("set %s: %s\n", ZRAM_DISKSIZE, strerror(-ret));
		return -1;
	}
	return 0;
}

/* Write a v1 swap header for @last_page usable pages at offset 0. */
static int swap_header_write(int fd, unsigned long last_page)
{
	struct swap_header_info info = {
		.version = 1,
		.last_page = last_page,
		.nr_badpages = 0,
	};
	char *page;
	int ret = 0;

	page = calloc(1, psize());
	if (!page)
		return -1;
	memcpy(page + SWAP_INFO_OFFSET, &info, sizeof(info));
	memcpy(page + psize() - SWAP_MAGIC_LEN, SWAP_MAGIC, SWAP_MAGIC_LEN);
	if (pwrite(fd, page, psize(), 0) != (ssize_t)psize() || fsync(fd)) {
		ksft_print_msg("writing the swap header: %s\n",
			       strerror(errno));
		ret = -1;
	}
	free(page);
	return ret;
}

/*
 * Write a swap header on the whole device of @backend and swapon(2) it.
 * Return: 0, SWAP_ENV_ABSENT if the device does not exist, -1 on error.
 */
int swap_area_setup(struct swap_area *area, enum swap_backend backend,
		    unsigned long last_page)
{
	unsigned long long bytes;
	long long before, after;
	int fd;

	memset(area, 0, sizeof(*area));
	area->path = swap_backend_path(backend);
	if (access(area->path, F_OK)) {
		ksft_print_msg("%s missing: the %s backend needs %s\n",
			       area->path, swap_backend_name(backend),
			       backend == SWAP_BACKEND_ZRAM ? "CONFIG_ZRAM" :
			       "a scratch disk (SWAPCACHE_DISK=dev)");
		return SWAP_ENV_ABSENT;
	}
	if (backend == SWAP_BACKEND_ZRAM && zram_prepare())
		return -1;

	/* O_EXCL: fail rather than overwrite a mounted or busy device. */
	fd = open(area->path, O_RDWR | O_EXCL | O_CLOEXEC);
	if (fd < 0) {
		ksft_print_msg("open %s: %s\n", area->path, strerror(errno));
		return -1;
	}
	if (ioctl(fd, BLKGETSIZE64, &bytes)) {
		ksft_print_msg("BLKGETSIZE64 %s: %s\n", area->path,
			       strerror(errno));
		close(fd);
		return -1;
	}
	if (backend == SWAP_BACKEND_DISK && bytes > DISK_MAX_BYTES) {
		ksft_print_msg("%s has %llu bytes: not a scratch disk, refusing to overwrite it\n",
			       area->path, bytes);
		close(fd);
		return -1;
	}
	if (last_page > bytes / psize() - 1)
		last_page = bytes / psize() - 1;
	area->last_page = last_page;
	if (swap_header_write(fd, last_page)) {
		close(fd);
		return -1;
	}
	close(fd);

	before = meminfo_read_pages("SwapTotal");
	if (before != 0) {
		ksft_print_msg("another swap area is active: SwapTotal %lld pages\n",
			       before);
		return -1;
	}
	if (swapon(area->path, 0)) {
		ksft_print_msg("swapon %s: %s\n", area->path, strerror(errno));
		return -1;
	}
	area->active = true;
	/* The header says last_page usable pages: page 0 is the header. */
	after = meminfo_read_pages("SwapTotal");
	area->total_pages = after - before;
	if (area->total_pages != area->last_page) {
		ksft_print_msg("swapon %s: SwapTotal grew by %lu pages, header has %lu\n",
			       area->path, area->total_pages, area->last_page);
		swap_area_teardown(area);
		return -1;
	}
	return 0;
}

static void swapoff_alarm(int sig)
{
}

/*
 * swapoff(2), given up after SWAPOFF_TIMEOUT seconds: try_to_unuse()
 * loops until every slot is free and stops at a signal, so a slot that
 * nobody will ever free (a leaked SWAP_HAS_CACHE) fails it with EINTR
 * rather than hanging the test. Return: 0, or -1 with errno set.
 */
#define SWAPOFF_TIMEOUT		60
static int swapoff_timed(const char *path)
{
	struct sigaction sa = { .sa_handler = swapoff_alarm }, old;
	int ret, err;

	sigaction(SIGALRM, &sa, &old);
	alarm(SWAPOFF_TIMEOUT);
	ret = swapoff(path);
	err = errno;
	alarm(0);
	sigaction(SIGALRM, &old, NULL);
	errno = err;
	return ret;
}

int swap_area_teardown(struct swap_area *area)
{
	if (!area->active)
		return 0;
	if (swapoff_timed(area->path) && errno != EINVAL) {
		ksft_print_msg("swapoff %s: %s\n", area->path, strerror(errno));
		return -1;
	}
	area->active = false;
	return 0;
}

/* ------------------------------------------------------------- cgroups */

/* Return: 0, SWAP_ENV_ABSENT without the memory controller, -1. */
int cgroup_create(struct test_cgroup *cg)
{
	char buf[512], path[PATH_MAX];
	int ret;

	memset(cg, 0, sizeof(*cg));
	ret = file_read_str(CGROUP_ROOT "/cgroup.controllers", buf,
			    sizeof(buf));
	if (ret || !strstr(buf, "memory")) {
		ksft_print_msg("no cgroup v2 memory controller at %s (CONFIG_MEMCG)\n",
			       CGROUP_ROOT);
		return SWAP_ENV_ABSENT;
	}
	ret = file_read_str(CGROUP_ROOT "/cgroup.subtree_control", buf,
			    sizeof(buf));
	if (ret || !strstr(buf, "memory")) {
		ret = file_write_str(CGROUP_ROOT "/cgroup.subtree_control",
				     "+memory");
		if (ret) {
			ksft_print_msg("enable +memory: %s\n", strerror(-ret));
			return -1;
		}
	}
	snprintf(cg->path, sizeof(cg->path), "%s/%s%d", CGROUP_ROOT,
		 CGROUP_PREFIX, getpid());
	if (mkdir(cg->path, 0755) && (errno != EEXIST || rmdir(cg->path) ||
				      mkdir(cg->path, 0755))) {
		ksft_print_msg("mkdir %s: %s\n", cg->path, strerror(errno));
		return -1;
	}
	cg->created = true;
	snprintf(path, sizeof(path), "%s/memory.reclaim", cg->path);
	if (access(path, W_OK)) {
		ksft_print_msg("%s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* Move the calling process into @cg: what it faults later is charged there. */
int cgroup_enter(struct test_cgroup *cg)
{
	char path[PATH_MAX];
	int ret;

	snprintf(path, sizeof(path), "%s/cgroup.procs", cg->path);
	ret = file_write_str(path, "0");
	if (ret) {
		ksft_print_msg("enter %s: %s\n", cg->path, strerror(-ret));
		return -1;
	}
	cg->entered = true;
	return 0;
}

/*
 * Proactive reclaim of anon memory only (swappiness=200). MADV_PAGEOUT
 * skips folios mapped by more than one process, this does not.
 * Return: 0, or -errno (-EAGAIN when less than @bytes was reclaimed).
 */
int cgroup_reclaim(struct test_cgroup *cg, size_t bytes)
{
	char path[PATH_MAX], req[64];

	snprintf(path, sizeof(path), "%s/memory.reclaim", cg->path);
	snprintf(req, sizeof(req), "%zu swappiness=200", bytes);
	return file_write_str(path, req);
}

int cgroup_destroy(struct test_cgroup *cg)
{
	int ret, i;

	if (cg->entered) {
		ret = file_write_str(CGROUP_ROOT "/cgroup.procs", "0");
		if (ret) {
			ksft_print_msg("leave %s: %s\n", cg->path,
				       strerror(-ret));
			return -1;
		}
		cg->entered = false;
	}
	if (!cg->created)
		return 0;
	/* Killed processes may leave the cgroup a moment later. */
	for (i = 0; rmdir(cg->path) && errno == EBUSY && i < 1000; i++)
		usleep(10000);
	if (access(cg->path, F_OK) == 0) {
		ksft_print_msg("rmdir %s: %s\n", cg->path, strerror(errno));
		return -1;
	}
	cg->created = false;
	return 0;
}

/* A number from a sysfs or cgroup file of one value. -1 if absent. */
long long file_read_ll(const char *path)
{
	char buf[64];

	if (file_read_str(path, buf, sizeof(buf)))
		return -1;
	return strtoll(buf, NULL, 10);
}

/* The number in file @file of @cg ("memory.current"...), or -1. */
long long cgroup_read_ll(struct test_cgroup *cg, const char *file)
{
	char path[PATH_MAX];
	long long val;

	snprintf(path, sizeof(path), "%s/%s", cg->path, file);
	val = file_read_ll(path);
	if (val < 0)
		ksft_print_msg("cannot read %s\n", path);
	return val;
}

/* Key @name of the "key value" file @file of @cg ("memory.stat"...), or -1. */
long long cgroup_stat_read(struct test_cgroup *cg, const char *file,
			   const char *name)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", cg->path, file);
	return stat_file_read(path, name, " ");
}

/* --------------------------------------------------------------- leaks */

/*
 * What the teardowns of a program found, for leak_check() at its end: in
 * a page shared with every process forked from the main one, since the
 * harness runs each teardown in a process of its own. Set up by the
 * library's constructor; NULL if that failed (problems are then only
 * printed, and counted by the function that found them).
 */
#define LEAK_NOTES		8
#define LEAK_NOTE_LEN		200
/* Most memory cgroups leak_check() looks at. */
#define LEAK_CGROUPS		16

struct leak_notes {
	int nr;				/* problems noted, kept or not */
	char text[LEAK_NOTES][LEAK_NOTE_LEN];
};

static struct leak_notes *leak_notes;

/* Print a leak and note it for leak_check(). Return: 1, one problem. */
static __printf(1, 2) int leak_note(const char *fmt, ...)
{
	char text[LEAK_NOTE_LEN];
	va_list ap;
	int i;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	ksft_print_msg("leak: %s\n", text);
	if (leak_notes) {
		i = __atomic_fetch_add(&leak_notes->nr, 1, __ATOMIC_RELAXED);
		if (i < LEAK_NOTES)
			memcpy(leak_notes->text[i], text, sizeof(text));
	}
	return 1;
}

/* The first lines of the slot view, of the @nr slots in use. */
static void leak_slots_print(const struct swap_slot *slots, int nr)
{
	const struct swap_slot *s;
	int i;

	ksft_print_msg("  %s\n", SWAP_SLOTS_HEADER);
	for (i = 0, s = slots; i < nr && i < 8; i++, s++)
		ksft_print_msg("  %u %lu 0x%04x %lu %d %d %#lx %d %d\n",
			       s->type, s->offset, s->map, s->count,
			       s->has_cache, s->in_swapcache, s->pfn,
			       s->mapcount, s->refcount);
	if (nr > i)
		ksft_print_msg("  ... %d slots in use\n", nr);
}

/*
 * The slots in use, all of them held by the per-CPU swap slot caches of
 * 6.12 (mm/swap_slots.c)? Those keep up to SWAP_SLOTS_CACHE_SIZE (64)
 * slots per CPU allocated ahead and as many freed ones to return in a
 * batch, all with SWAP_HAS_CACHE alone in swap_map and no folio in the
 * swap cache; only swapoff, or too little free swap, drains them. The
 * caches turn on with more than num_online_cpus() * 5 * 64 free swap
 * pages: never on the tests' own areas (swap_area_wanted_pages()), but
 * on remap_upstream.sh's 256 MiB zram0, where 132 slots were seen held
 * so after its cow runs, on 2 CPUs. Slots in that state, no more than
 * the caches hold, are no leak; swapoff then frees them (a SWAP_HAS_CACHE
 * leaked elsewhere would keep it looping, see swapoff_timed()).
 */
static bool slot_caches_hold(const struct swap_slot *slots, int nr,
			     long long used_kb)
{
	long ncpus = sysconf(_SC_NPROCESSORS_CONF);
	long long total = meminfo_read_pages("SwapTotal");
	int i;

	if (nr * (long long)(psize() / 1024) != used_kb ||
	    total <= sysconf(_SC_NPROCESSORS_ONLN) * 5 * 64 ||
	    nr > ncpus * 2 * 64)
		return false;
	for (i = 0; i < nr; i++)
		if (slots[i].count || !slots[i].has_cache ||
		    slots[i].in_swapcache)
			return false;
	return true;
}

/*
 * Every active swap area, with no process of the test left: no slot may
 * be in use, neither referenced by a swap PTE nor held by the swap cache,
 * so that SwapFree is SwapTotal. Checked before swapoff, which would take
 * care of both and hide them; slots the per-CPU slot caches hold are
 * fine (slot_caches_hold()).
 * Return: the number of problems.
 */
static int swap_leaks(void)
{
	static struct swap_slot slots[4096];
	long long used, used_kb = 0, swapfree, swaptotal;
	char line[512], name[256];
	int nr = -1;
	FILE *f;

	f = fopen("/proc/swaps", "re");
	if (!f)
		return leak_note("open /proc/swaps: %s", strerror(errno));
	/* Filename Type Size Used Priority: the header has no numbers. */
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%255s %*s %*d %lld", name, &used) == 2)
			used_kb += used;
	fclose(f);
	if (!used_kb) {
		swapfree = meminfo_read_kb("SwapFree");
		swaptotal = meminfo_read_kb("SwapTotal");
		if (swapfree == swaptotal)
			return 0;
		return leak_note("SwapFree %lld kB, SwapTotal %lld kB, no slot in use",
				 swapfree, swaptotal);
	}
	if (swap_slots_present())
		nr = swap_slots_read(slots, ARRAY_SIZE(slots));
	if (nr >= 0 && slot_caches_hold(slots, nr, used_kb)) {
		ksft_print_msg("%d free slots held by the per-CPU swap slot caches\n",
			       nr);
		return 0;
	}
	if (nr >= 0)
		leak_slots_print(slots, nr);
	return leak_note("%lld kB of swap in use (SwapFree %lld kB, SwapTotal %lld kB)",
			 used_kb, meminfo_read_kb("SwapFree"),
			 meminfo_read_kb("SwapTotal"));
}

/*
 * No anon memory charged to the memory cgroup at @path, whose processes
 * are all gone: memory.stat anon (mapped) and swapcached (in the swap
 * cache) are 0. memory.stat lags until the per-CPU deltas are flushed,
 * which a read does only past MEMCG_CHARGE_BATCH * nr_cpus pending
 * updates, and a worker does every 2 s (FLUSH_TIME): anon was seen at
 * 12288 for 2 s after a test's exit. Poll for up to 5 s. swapcached
 * must be @stale instead where the test poisoned a dirty swap cache
 * folio (struct test_cgroup).
 * Return: the number of problems.
 */
static int cgroup_anon_leaks(const char *path, long long stale)
{
	long long anon, cached;
	char stat[PATH_MAX];
	int i, bad = 0;

	snprintf(stat, sizeof(stat), "%s/memory.stat", path);
	for (i = 0; ; i++) {
		anon = stat_file_read(stat, "anon", " ");
		cached = stat_file_read(stat, "swapcached", " ");
		if ((!anon && cached == stale) || i == 50)
			break;
		usleep(100000);
	}
	if (anon)
		bad += leak_note("%s: memory.stat anon %lld with no process left",
				 path, anon);
	if (cached != stale)
		bad += leak_note("%s: memory.stat swapcached %lld, not %lld, with no process",
				 path, cached, stale);
	return bad;
}

/*
 * No swap charged to the memory cgroup at @path, whose processes are all
 * gone: memory.swap.current, a page counter, exact when read, is 0.
 * Checked after swapoff: a slot is uncharged when it is really freed,
 * and the per-CPU slot caches (slot_caches_hold()) keep freed slots for
 * a while; seen: 64 pages (a batch) after remap_test's thp_left_alone,
 * which swaps a split THP out to a 2047-page area.
 * Return: the number of problems.
 */
static int cgroup_swap_leaks(const char *path)
{
	char file[PATH_MAX];
	long long swapped;

	snprintf(file, sizeof(file), "%s/memory.swap.current", path);
	/* No memory.swap.current without swap accounting: nothing to see. */
	if (access(file, F_OK))
		return 0;
	swapped = file_read_ll(file);
	if (!swapped)
		return 0;
	return leak_note("%s: memory.swap.current %lld with no process, swap off",
			 path, swapped);
}

/*
 * The memory cgroup at @path, whose processes have exited or are exiting
 * (a test's sharers are killed by the test process's death,
 * PR_SET_PDEATHSIG): wait for up to 10 s until it has none, then check
 * that no anon memory is left charged to it. A task leaves its cgroup in
 * do_exit() after exit_mm(): its memory is freed by then.
 * Return: the number of problems.
 */
static int cgroup_leaks(const char *path, long long stale)
{
	char file[PATH_MAX], buf[256], *populated;
	int i;

	snprintf(file, sizeof(file), "%s/cgroup.events", path);
	for (i = 0; i < 1000; i++) {
		if (file_read_str(file, buf, sizeof(buf)))
			return leak_note("cannot read %s", file);
		populated = strstr(buf, "populated ");
		if (populated && populated[strlen("populated ")] == '0')
			return cgroup_anon_leaks(path, stale);
		usleep(10000);
	}
	snprintf(file, sizeof(file), "%s/cgroup.procs", path);
	if (file_read_str(file, buf, sizeof(buf)))
		buf[0] = '\0';
	for (i = 0; buf[i]; i++)
		if (buf[i] == '\n')
			buf[i] = ' ';
	return leak_note("%s: processes still in it after 10 s: %s", path,
			 buf);
}

/* Remove the cgroup at @path. Return: the number of problems. */
static int cgroup_remove(const char *path)
{
	int i;

	for (i = 0; rmdir(path) && errno == EBUSY && i < 100; i++)
		usleep(10000);
	if (!access(path, F_OK))
		return leak_note("rmdir %s: %s", path, strerror(errno));
	return 0;
}

/*
 * zram after every swap slot on it is free. Block 0 holds the swap
 * header (written by swap_area_setup() or mkswap), which is no swap slot
 * and which swap never frees: measured after swapoff, zram0's mm_stat
 * says orig_data_size 4096 (that one page) and mem_used_total 4096 for
 * the header swap_area_setup() writes (51 bytes compressed), 12288 for
 * mkswap's (73 bytes, with a UUID: a larger size class, whose zspage has
 * 3 pages), and writing "compact" changes neither. So the check discards
 * block 0 (BLKDISCARD): then zram holds nothing, and its empty value is
 * 0 for both. Measured, right after the discard: orig_data_size 0 and
 * mem_used_total 0, without compaction, since zs_free() frees a zspage
 * as soon as its last object goes. A zspage being migrated when its
 * last object goes is freed later by a worker (kick_deferred_free()):
 * poll for a second, compacting, before calling it a leak.
 * Return: the number of problems.
 */
static int zram_leaks(void)
{
	unsigned long long range[2] = { 0, psize() };
	long long orig = -1, compr = -1, used = -1, miss_free = -1;
	char buf[256];
	int fd, i;

	if (access(ZRAM_DEV, F_OK) || file_read_ll(ZRAM_DISKSIZE) <= 0)
		return 0;	/* no zram, or never set up: holds nothing */
	fd = open(ZRAM_DEV, O_RDWR | O_EXCL | O_CLOEXEC);
	if (fd < 0)
		return leak_note("open %s: %s: still in use", ZRAM_DEV,
				 strerror(errno));
	if (ioctl(fd, BLKDISCARD, range)) {
		close(fd);
		return leak_note("BLKDISCARD of %s's swap header: %s",
				 ZRAM_DEV, strerror(errno));
	}
	close(fd);
	for (i = 0; ; i++) {
		if (file_read_str(ZRAM_MM_STAT, buf, sizeof(buf)) ||
		    sscanf(buf, "%lld %lld %lld", &orig, &compr, &used) != 3)
			return leak_note("cannot read %s", ZRAM_MM_STAT);
		if ((!orig && !used) || i == 10)
			break;
		file_write_str(ZRAM_COMPACT, "1");
		usleep(100000);
	}
	if (!orig && !used)
		return 0;
	/* zram keeps a slot's page if it could not lock it when freed. */
	if (!file_read_str(ZRAM_DEBUG_STAT, buf, sizeof(buf)))
		sscanf(buf, "version: %*d %*u %lld", &miss_free);
	return leak_note("zram0: orig_data_size %lld, mem_used_total %lld, want 0 (miss_free %lld)",
			 orig, used, miss_free);
}

/* zswap holds no page, if it exists (it shows up once enabled). */
static int zswap_leaks(void)
{
	long long stored;

	if (access(ZSWAP_STORED_PAGES, F_OK))
		return 0;
	stored = file_read_ll(ZSWAP_STORED_PAGES);
	if (!stored)
		return 0;
	return leak_note("%s is %lld with every swap area off",
			 ZSWAP_STORED_PAGES, stored);
}

/* ---------------------------------------------------------- benchmarks */

/* Every page of @pid's [mem, mem + len) holds a swap entry. */
bool pid_range_swapped(pid_t pid, const char *mem, size_t len)
{
	size_t nr = len / psize(), i;
	char path[64];
	__u64 *pme;
	bool ok;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/pagemap", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	pme = malloc(nr * sizeof(*pme));
	ok = fd >= 0 && pme &&
	     pread(fd, pme, nr * sizeof(*pme),
		   (unsigned long)mem / psize() * sizeof(*pme)) ==
	     (ssize_t)(nr * sizeof(*pme));
	for (i = 0; ok && i < nr; i++)
		ok = pagemap_entry_is_swap(pme[i]);
	free(pme);
	if (fd >= 0)
		close(fd);
	return ok;
}

/**
 * bench_env_setup - the set-up every benchmark program shares
 * @env: filled in; bench_env_teardown() undoes it
 * @backend: the device to swap on, all of it (the per-CPU slot cache of
 *	6.12 is then on, as in real use)
 * @prog: the program's name, for the error message
 *
 * Swap on @backend alone, the calling process in a fresh memory cgroup,
 * and all its memory locked (MCL_ONFAULT), so that reclaim in the cgroup
 * swaps out only what the benchmark munlock()s.
 * Return: 0, or -1 with a message on stderr and nothing left set up.
 */
int bench_env_setup(struct bench_env *env, enum swap_backend backend,
		    const char *prog)
{
	memset(env, 0, sizeof(*env));
	swap_devices_off();
	if (swap_area_setup(&env->area, backend, ULONG_MAX)) {
		fprintf(stderr, "%s: cannot set up swap on %s\n", prog,
			swap_backend_name(backend));
		return -1;
	}
	if (cgroup_create(&env->cg) || cgroup_enter(&env->cg) ||
	    mlockall(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT)) {
		fprintf(stderr, "%s: cannot set up the cgroup\n", prog);
		bench_env_teardown(env);
		return -1;
	}
	return 0;
}

void bench_env_teardown(struct bench_env *env)
{
	munlockall();
	cgroup_destroy(&env->cg);
	swap_area_teardown(&env->area);
}

/* CLOCK_MONOTONIC in seconds: guest instructions under -icount. */
double bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * A decimal option argument in [@min, @max], digits only: no sign, no
 * blank (strtoul() would take " 5" and "+5"). Return: 0, or -1.
 */
int bench_arg_ulong(const char *s, unsigned long min, unsigned long max,
		    unsigned long *val)
{
	char *end;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	*val = strtoul(s, &end, 10);
	return errno || *end || *val < min || *val > max ? -1 : 0;
}

/* --------------------------------------------------------- environment */

/*
 * Swap on @backend only, readahead off, the calling process in a fresh
 * memory cgroup and all its memory locked, so that reclaim in the cgroup
 * can only swap out what a test munlock()s.
 * Return: 0, SWAP_ENV_ABSENT if a needed feature is missing, -1.
 */
int swap_env_setup(struct swap_env *env, enum swap_backend backend)
{
	int ret;

	memset(env, 0, sizeof(*env));
	env->owner = getpid();
	if (geteuid()) {
		ksft_print_msg("needs root\n");
		return SWAP_ENV_ABSENT;
	}
	if (access("/proc/kpageflags", R_OK)) {
		ksft_print_msg("no /proc/kpageflags (CONFIG_PROC_PAGE_MONITOR)\n");
		return SWAP_ENV_ABSENT;
	}
	swap_devices_off();
	ret = swap_area_setup(&env->area, backend, swap_area_wanted_pages());
	if (ret)
		goto fail;
	ret = -1;
	/* Count I/Os exactly: no readahead around the faulting entry. */
	if (setting_pin(&env->page_cluster, PAGE_CLUSTER, "0") ||
	    setting_pin(&env->vma_ra, VMA_RA_ENABLED, "false"))
		goto fail;
	/*
	 * The tests describe the stock swap-in, where a fault maps the page
	 * in the faulting process only: no swap-in remap, if the kernel has
	 * it. A test of the remap sets its own mode after this.
	 */
	if (!access(SWAPIN_REMAP, F_OK) &&
	    setting_pin(&env->swapin_remap, SWAPIN_REMAP, "never"))
		goto fail;
	ret = cgroup_create(&env->cg);
	if (ret)
		goto fail;
	ret = -1;
	if (cgroup_enter(&env->cg))
		goto fail;
	if (mlockall(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT)) {
		ksft_print_msg("mlockall: %s\n", strerror(errno));
		goto fail;
	}
	env->locked = true;
	return 0;
fail:
	swap_env_teardown(env);
	return ret;
}

/*
 * Undo swap_env_setup(), whatever part of it happened. Idempotent. May run
 * in the process that set it up or, once that one is gone, in its parent.
 * In the parent, every process of the test has exited (or is exiting, and
 * leaves the cgroup): no anon memory may be left charged to the cgroup
 * or to those of swap_env_cgroup_add(), no slot in use in the swap area
 * before swapoff, and no swap charged to any of them after it (see
 * cgroup_swap_leaks()), before they are removed.
 * Each problem, and a swap area or cgroup that cannot be removed, is
 * printed and noted for leak_check() at the end of the program.
 * Return: the number of problems.
 */
int swap_env_teardown(struct swap_env *env)
{
	bool gone = getpid() != env->owner;
	int bad = 0, i;

	if (!gone) {
		if (env->locked)
			munlockall();
	} else {
		/* It left the cgroup by exiting. */
		env->cg.entered = false;
		for (i = 0; i < SWAP_ENV_MORE_CGROUPS; i++)
			env->more[i].entered = false;
	}
	env->locked = false;
	if (gone && env->cg.created)
		bad += cgroup_leaks(env->cg.path, env->cg.swapcached_stale);
	/* Their processes gone too before the slots are counted. */
	for (i = 0; i < SWAP_ENV_MORE_CGROUPS; i++)
		if (gone && env->more[i].created)
			bad += cgroup_leaks(env->more[i].path,
					    env->more[i].swapcached_stale);
	if (gone && env->area.active)
		bad += swap_leaks();
	if (swap_area_teardown(&env->area))
		bad += leak_note("%s not swapped off", env->area.path);
	if (gone && env->cg.created)
		bad += cgroup_swap_leaks(env->cg.path);
	for (i = 0; i < SWAP_ENV_MORE_CGROUPS; i++) {
		if (gone && env->more[i].created)
			bad += cgroup_swap_leaks(env->more[i].path);
		if (cgroup_destroy(&env->more[i]))
			bad += leak_note("cgroup %s not removed",
					 env->more[i].path);
	}
	if (cgroup_destroy(&env->cg))
		bad += leak_note("cgroup %s not removed", env->cg.path);
	setting_restore(&env->swapin_remap);
	setting_restore(&env->vma_ra);
	setting_restore(&env->page_cluster);
	return bad;
}

/*
 * Make memory cgroup "@name" next to the env's own (its name plus
 * ".@name"), for processes or memory of the test that must be charged
 * apart. swap_env_teardown() checks it as it checks the env's own and
 * removes it; the processes the test moved there must be the test's.
 * Return: the cgroup, or NULL after printing why.
 */
struct test_cgroup *swap_env_cgroup_add(struct swap_env *env,
					const char *name)
{
	struct test_cgroup *cg = NULL;
	int i;

	for (i = 0; i < SWAP_ENV_MORE_CGROUPS && !cg; i++)
		if (!env->more[i].created)
			cg = &env->more[i];
	if (!cg || !env->cg.created) {
		ksft_print_msg("cgroup %s: no room, or no env cgroup\n", name);
		return NULL;
	}
	memset(cg, 0, sizeof(*cg));
	if ((size_t)snprintf(cg->path, sizeof(cg->path), "%s.%s",
			     env->cg.path, name) >= sizeof(cg->path) ||
	    mkdir(cg->path, 0755)) {
		ksft_print_msg("mkdir %s: %s\n", cg->path, strerror(errno));
		return NULL;
	}
	cg->created = true;
	return cg;
}

/*
 * Reclaim in @cg until @done says the target is out and no folio is left
 * in the swap cache: on the disk backend, a folio is still in the swap
 * cache (under writeback) right after its first pass. In a soak
 * (swap_soak()) only until @done: its other processes never let
 * SwapCached drop to 0.
 * Return: the number of passes it took, or -1 after @max_passes.
 */
int cgroup_swap_out(struct test_cgroup *cg, size_t bytes,
		    bool (*done)(void *arg), void *arg, int max_passes)
{
	long long cached = -1;
	int pass;

	for (pass = 1; pass <= max_passes; pass++) {
		int ret = cgroup_reclaim(cg, bytes);

		if (ret && ret != -EAGAIN) {
			ksft_print_msg("memory.reclaim: %s\n", strerror(-ret));
			return -1;
		}
		cached = swap_soak() ? 0 : meminfo_read_kb("SwapCached");
		if (cached == 0 && done(arg))
			return pass;
		usleep(pass < 10 ? 1000 : 20000);
	}
	ksft_print_msg("not swapped out after %d reclaim passes (SwapCached %lld kB)\n",
		       max_passes, cached);
	return -1;
}

/* cgroup_swap_out() in the test's own cgroup. */
int swap_env_swap_out(struct swap_env *env, size_t bytes,
		      bool (*done)(void *arg), void *arg, int max_passes)
{
	return cgroup_swap_out(&env->cg, bytes, done, arg, max_passes);
}

/*
 * Wait for SwapFree to reach @want pages, reclaiming between polls to
 * drop folios left in the swap cache. Return: 0, or -1 after @max_passes.
 */
int swap_env_wait_swapfree(struct swap_env *env, long long want,
			   int max_passes)
{
	long long free = -1;
	int pass;

	for (pass = 0; pass < max_passes; pass++) {
		free = meminfo_read_pages("SwapFree");
		if (free == want)
			return 0;
		cgroup_reclaim(&env->cg, psize());
		usleep(10000);
	}
	ksft_print_msg("SwapFree stays at %lld pages, want %lld\n", free, want);
	return -1;
}

/*
 * Is SwapFree @want pages now?  For the swap-in remap's "free" mode, which
 * frees the slots before the fault returns: no waiting.  Logs the
 * difference if not.
 */
int swapfree_check(long long want)
{
	long long free = meminfo_read_pages("SwapFree");

	if (free == want)
		return 0;
	ksft_print_msg("SwapFree is %lld pages, want %lld\n", free, want);
	return -1;
}

static bool swap_env_done(void *arg)
{
	return true;
}

/*
 * Swap out @nr_pages pages of the calling process at @addr with
 * MADV_PAGEOUT, which works on pages it alone maps, then wait until the
 * swap cache is empty (disk writeback done). Fills @pmes, if not NULL,
 * with the pages' pagemap entries.
 * Return: 0 once every page has a swap PTE, -1 otherwise.
 */
int swap_env_pageout(struct swap_env *env, char *addr, unsigned long nr_pages,
		     __u64 *pmes)
{
	size_t len = nr_pages * psize();
	cpu_set_t old_mask, one_cpu;
	unsigned long p;
	int fd, cpu, ret = 0;
	__u64 pme;

	/*
	 * MADV_PAGEOUT only sees pages on the LRU, and drains the per-CPU
	 * LRU batches of the CPU it runs on only: run it on every CPU.
	 */
	if (sched_getaffinity(0, sizeof(old_mask), &old_mask)) {
		ksft_print_msg("sched_getaffinity: %s\n", strerror(errno));
		return -1;
	}
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
	if (ret) {
		ksft_print_msg("MADV_PAGEOUT: %s\n", strerror(errno));
		return -1;
	}
	fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ksft_print_msg("open pagemap: %s\n", strerror(errno));
		return -1;
	}
	for (p = 0; p < nr_pages; p++) {
		pme = pagemap_get_entry(fd, addr + p * psize());
		if (!pagemap_entry_is_swap(pme)) {
			ksft_print_msg("MADV_PAGEOUT left page %lu: %#llx\n",
				       p, (unsigned long long)pme);
			ret = -1;
		}
		if (pmes)
			pmes[p] = pme;
	}
	close(fd);
	if (ret)
		return -1;
	/* The disk backend: wait for writeback and drop the swap cache. */
	return swap_env_swap_out(env, len, swap_env_done, NULL, 200) > 0 ?
	       0 : -1;
}

/*
 * Lock every mapping but [addr, addr + len), now and in future.
 * MLOCK_ONFAULT: lock what gets faulted in, do not populate.
 *
 * The target is never locked, not even for a moment: mlockall() followed
 * by munlock() of the target would mlock and munlock every present page
 * of it, and with several sharers doing that at once a page was seen to
 * stay on the unevictable list (PG_unevictable without PG_mlocked), out
 * of reclaim's reach.  So: MCL_FUTURE only, then mlock2() per mapping.
 */
int mlock_all_but(void *addr, size_t len)
{
	unsigned long start, end, lo = (unsigned long)addr, hi = lo + len;
	char line[512];
	FILE *maps;
	int ret = 0;

	if (mlockall(MCL_FUTURE | MCL_ONFAULT))
		return -1;
	maps = fopen("/proc/self/maps", "re");
	if (!maps)
		return -1;
	while (fgets(line, sizeof(line), maps)) {
		if (sscanf(line, "%lx-%lx", &start, &end) != 2)
			continue;
		/* [vsyscall] and the like cannot be locked, nor need to be. */
		if (strstr(line, "[vsyscall]") || strstr(line, "[vvar]"))
			continue;
		if (start < lo &&
		    mlock2((void *)start, (end < lo ? end : lo) - start,
			   MLOCK_ONFAULT))
			ret = -1;
		if (end > hi) {
			start = start > hi ? start : hi;
			if (mlock2((void *)start, end - start, MLOCK_ONFAULT))
				ret = -1;
		}
	}
	fclose(maps);
	return ret;
}

/*
 * Safety net for a test the harness had to kill (its teardown never
 * ran): the main process restores the knobs as they were at startup
 * and removes leftover cgroups when it exits.
 */
static pid_t main_pid;
static char startup_page_cluster[64], startup_vma_ra[64];
static char startup_swapin_remap[64];

__attribute__((constructor)) static void swap_util_startup(void)
{
	main_pid = getpid();
	leak_notes = mmap(NULL, sizeof(*leak_notes), PROT_READ | PROT_WRITE,
			  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (leak_notes == MAP_FAILED)
		leak_notes = NULL;
	else	/* Touched here: charged to our cgroup, not to a test's. */
		memset(leak_notes, 0, sizeof(*leak_notes));
	if (file_read_str(PAGE_CLUSTER, startup_page_cluster,
			  sizeof(startup_page_cluster)))
		startup_page_cluster[0] = '\0';
	if (file_read_str(VMA_RA_ENABLED, startup_vma_ra,
			  sizeof(startup_vma_ra)))
		startup_vma_ra[0] = '\0';
	if (file_read_str(SWAPIN_REMAP, startup_swapin_remap,
			  sizeof(startup_swapin_remap)))
		startup_swapin_remap[0] = '\0';
	setting_current_choice(startup_swapin_remap);
}

bool swap_soak(void)
{
	const char *soak = getenv("SWAPCACHE_SOAK");

	return soak && !strcmp(soak, "1");
}

__attribute__((destructor)) static void swap_util_exit(void)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *dir;

	/* In a soak, swap and the knobs are the soak's. */
	if (getpid() != main_pid || geteuid() || swap_soak())
		return;
	swap_devices_off();
	if (startup_page_cluster[0])
		file_write_str(PAGE_CLUSTER, startup_page_cluster);
	if (startup_vma_ra[0])
		file_write_str(VMA_RA_ENABLED, startup_vma_ra);
	if (startup_swapin_remap[0])
		file_write_str(SWAPIN_REMAP, startup_swapin_remap);
	dir = opendir(CGROUP_ROOT);
	if (!dir)
		return;
	while ((de = readdir(dir))) {
		if (strncmp(de->d_name, CGROUP_PREFIX, strlen(CGROUP_PREFIX)))
			continue;
		snprintf(path, sizeof(path), "%s/%s", CGROUP_ROOT, de->d_name);
		if (rmdir(path))
			ksft_print_msg("leftover cgroup %s: %s\n", path,
				       strerror(errno));
	}
	closedir(dir);
}

/*
 * The "nothing leaked" check, for the end of a test program (the last
 * test, LEAK_CHECK_TEST) or of a soak script (swap_leak_check), once
 * every process of the test has exited. It checks that:
 *  - the teardowns noted no problem (see swap_env_teardown(): no anon
 *    memory or swap charged to a test's memory cgroup, no slot in use in
 *    its swap area before swapoff, swapoff done, the cgroup removed);
 *  - no memory cgroup of a test is left (a leftover one is checked as
 *    its teardown would have, and removed), nor any of the
 *    NULL-terminated @cgroups the caller made, with the same checks;
 *  - no swap area is left on, unless LEAK_CHECK_SWAPON says they are the
 *    caller's: they have no slot in use (/proc/swaps Used 0, SwapFree is
 *    SwapTotal), then each is swapped off, which must succeed;
 *  - with every area off, SwapCached is 0, zram holds nothing and uses
 *    no memory (see zram_leaks()), and zswap stores no page.
 * Return: the number of problems, each printed with what was seen.
 */
int leak_check(unsigned int flags, const char *const *cgroups)
{
	char line[512], path[PATH_MAX], name[256], *cg[LEAK_CGROUPS];
	int bad = 0, i, nr = 0, nr_cg = 0;
	struct dirent *de;
	long long used;
	DIR *dir;
	FILE *f;

	/* What the teardowns found, printed then: once more, together. */
	if (leak_notes)
		nr = __atomic_load_n(&leak_notes->nr, __ATOMIC_RELAXED);
	for (i = 0; i < nr && i < LEAK_NOTES; i++)
		ksft_print_msg("leak check: a teardown found: %s\n",
			       leak_notes->text[i]);
	if (nr > LEAK_NOTES)
		ksft_print_msg("leak check: and %d more\n", nr - LEAK_NOTES);
	bad += nr;

	/* The caller's cgroups, those tests left: as swap_env_teardown(). */
	for (i = 0; cgroups && cgroups[i] && nr_cg < LEAK_CGROUPS; i++)
		cg[nr_cg++] = strdup(cgroups[i]);
	dir = opendir(CGROUP_ROOT);
	while (dir && (de = readdir(dir)) && nr_cg < LEAK_CGROUPS) {
		if (strncmp(de->d_name, CGROUP_PREFIX, strlen(CGROUP_PREFIX)))
			continue;
		snprintf(path, sizeof(path), "%s/%s", CGROUP_ROOT, de->d_name);
		bad += leak_note("cgroup %s left by a test", path);
		cg[nr_cg++] = strdup(path);
	}
	if (dir)
		closedir(dir);
	for (i = 0; i < nr_cg; i++)
		if (cg[i])
			bad += cgroup_leaks(cg[i], 0);

	bad += swap_leaks();
	/* Swapoff changes /proc/swaps: one area at a time, from the top. */
	for (;;) {
		f = fopen("/proc/swaps", "re");
		if (!f) {
			bad += leak_note("open /proc/swaps: %s", strerror(errno));
			break;
		}
		name[0] = '\0';
		while (fgets(line, sizeof(line), f)) {
			if (sscanf(line, "%255s %*s %*d %lld", name, &used) == 2)
				break;
			name[0] = '\0';
		}
		fclose(f);
		if (!name[0])
			break;
		if (!(flags & LEAK_CHECK_SWAPON))
			bad += leak_note("%s left swapped on by a test", name);
		if (swapoff_timed(name)) {
			bad += leak_note("swapoff %s: %s", name, strerror(errno));
			break;
		}
	}

	for (i = 0; i < nr_cg; i++) {
		if (!cg[i])
			continue;
		bad += cgroup_swap_leaks(cg[i]);
		bad += cgroup_remove(cg[i]);
		free(cg[i]);
	}
	used = meminfo_read_kb("SwapCached");
	if (used)
		bad += leak_note("SwapCached is %lld kB with every swap area off",
				 used);
	bad += zram_leaks();
	bad += zswap_leaks();
	if (!bad)
		ksft_print_msg("leak check: nothing leaked\n");
	return bad;
}

/* ------------------------------------------------------------- sharers */

static const char * const sharer_op_name[NR_SHARER_OPS] = {
	[SHARER_READY] = "ready",
	[SHARER_READ] = "read",
	[SHARER_WRITE] = "write",
	[SHARER_PAGEMAP] = "pagemap",
	[SHARER_MINCORE] = "mincore",
	[SHARER_MUNMAP] = "munmap",
	[SHARER_EXIT] = "exit",
	[SHARER_MLOCK] = "mlock",
	[SHARER_MUNLOCK] = "munlock",
	[SHARER_MPROTECT] = "mprotect",
	[SHARER_MADVISE] = "madvise",
	[SHARER_MREMAP] = "mremap",
	[SHARER_FORK_READ] = "fork-read",
	[SHARER_UFFD_WP] = "uffd-wp",
	[SHARER_READ_FAULTY] = "read-faulty",
};

/* Followed by @count seeds for SHARER_WRITE. */
struct sharer_cmd {
	__s32 op;
	__u32 count;
	__u64 first;
	__u64 arg;
};

/* Followed by @count values for the commands that return some. */
struct sharer_reply {
	__s32 op;
	__s32 err;	/* 0 or an errno of the sharer */
	__u32 count;
	__u32 pad;
	__s64 faults;	/* minflt + majflt the command took */
};

/* What a SHARER_FORK_READ child hands back, in memory shared with it. */
struct sharer_fork_result {
	__s64 faults;
	__u64 vals[SHARER_MAX_PAGES];
};

static bool sharer_op_returns_values(int op)
{
	return op == SHARER_READ || op == SHARER_PAGEMAP ||
	       op == SHARER_MINCORE || op == SHARER_FORK_READ ||
	       op == SHARER_READ_FAULTY;
}

static const char *sharer_op_str(int op)
{
	return op >= 0 && op < NR_SHARER_OPS ? sharer_op_name[op] : "?";
}

static int write_full(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= n;
	}
	return 0;
}

/* How long a sharer may take to reply or to exit, in ms. */
static int sharer_timeout_ms(void)
{
	return swap_soak() ? SHARER_SOAK_TIMEOUT_MS : SHARER_TIMEOUT_MS;
}

/* Read exactly @len bytes. Without a deadline (@timeout_ms < 0) block. */
static int read_full(int fd, void *buf, size_t len, int timeout_ms)
{
	struct timespec start, now;
	char *p = buf;

	clock_gettime(CLOCK_MONOTONIC, &start);
	while (len) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		int left = timeout_ms;
		ssize_t n;

		if (timeout_ms >= 0) {
			clock_gettime(CLOCK_MONOTONIC, &now);
			left -= (now.tv_sec - start.tv_sec) * 1000 +
				(now.tv_nsec - start.tv_nsec) / 1000000;
			if (left <= 0)
				return -ETIMEDOUT;
		}
		n = poll(&pfd, 1, left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -ETIMEDOUT;
		n = read(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EPIPE;
		p += n;
		len -= n;
	}
	return 0;
}

static long rusage_faults(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru))
		return 0;
	return ru.ru_minflt + ru.ru_majflt;
}

static void sharer_reply(int fd, int op, int err, unsigned int count,
			 long faults, const __u64 *vals)
{
	struct sharer_reply r = { .op = op, .err = err, .count = count,
				  .faults = faults };

	if (write_full(fd, &r, sizeof(r)) ||
	    write_full(fd, vals, count * sizeof(*vals)))
		_exit(2);
}

/*
 * Checksum @count pages from @first into @vals, in page order, touching
 * them from the first or (@backward) from the last one.
 */
static void sharer_sums(const char *first, unsigned long count,
			bool backward, __u64 *vals)
{
	unsigned long i, p;

	for (i = 0; i < count; i++) {
		p = backward ? count - 1 - i : i;
		vals[p] = page_checksum(first + p * psize());
	}
}

static sigjmp_buf sharer_sigbus_env;

static void sharer_sigbus(int sig)
{
	siglongjmp(sharer_sigbus_env, 1);
}

/*
 * SHARER_READ_FAULTY: as sharer_sums(), but a page whose fault raises
 * SIGBUS reads as SHARER_SIGBUS, and the next pages are still read. With
 * SHARER_MAKE_IT_FAIL in @arg, /proc/self/make-it-fail is 1 from just
 * before the first page is touched to just after the last: the file is
 * opened before, so that only the faults run with it set.
 * Return: 0 or an errno.
 */
static int sharer_sums_faulty(char *first, unsigned long count, __u64 arg,
			      __u64 *vals)
{
	struct sigaction sa = { .sa_handler = sharer_sigbus }, old;
	int fd = -1, err = 0;
	/*
	 * Not volatile: neither changes between a sigsetjmp() and the
	 * siglongjmp() to it, so both have their values after it.
	 */
	unsigned long i, p;

	if (arg & SHARER_MAKE_IT_FAIL) {
		fd = open("/proc/self/make-it-fail", O_WRONLY | O_CLOEXEC);
		if (fd < 0)
			return errno;
	}
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGBUS, &sa, &old)) {
		err = errno;
		goto out;
	}
	if (fd >= 0 && write(fd, "1", 1) != 1) {
		err = errno;
		goto restore;
	}
	for (i = 0; i < count; i++) {
		p = arg & SHARER_BACKWARD ? count - 1 - i : i;
		/* The mask is saved: the handler's SIGBUS block is undone. */
		if (sigsetjmp(sharer_sigbus_env, 1)) {
			vals[p] = SHARER_SIGBUS;
			continue;
		}
		vals[p] = page_checksum(first + p * psize());
	}
	if (fd >= 0 && write(fd, "0", 1) != 1)
		err = errno;
restore:
	sigaction(SIGBUS, &old, NULL);
out:
	if (fd >= 0)
		close(fd);
	return err;
}

/* A child forked now checksums the pages, as SHARER_READ would. */
static int sharer_do_fork_read(char *first, unsigned long count,
			       bool backward, struct sharer_fork_result *res,
			       __u64 *vals, long *faults)
{
	int status;
	pid_t pid;

	res->faults = -1;
	pid = fork();
	if (pid < 0)
		return errno;
	if (pid == 0) {
		long before = rusage_faults();

		sharer_sums(first, count, backward, res->vals);
		res->faults = rusage_faults() - before;
		_exit(0);
	}
	if (waitpid(pid, &status, 0) != pid)
		return errno;
	if (!WIFEXITED(status) || WEXITSTATUS(status) || res->faults < 0)
		return ECHILD;
	memcpy(vals, res->vals, count * sizeof(*vals));
	*faults = res->faults;
	return 0;
}

/*
 * Register the whole target with a userfaultfd in write-protect mode and
 * write-protect it: its PTEs get the uffd-wp bit, which swap-out keeps in
 * the swap PTEs. Nothing serves the faults: the sharer must only read.
 */
static int sharer_do_uffd_wp(char *addr, size_t len)
{
	static int uffd = -1;
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = {
		.range = { .start = (unsigned long)addr, .len = len },
		.mode = UFFDIO_REGISTER_MODE_WP,
	};
	struct uffdio_writeprotect wp = {
		.range = { .start = (unsigned long)addr, .len = len },
		.mode = UFFDIO_WRITEPROTECT_MODE_WP,
	};

	if (uffd < 0) {
		uffd = syscall(__NR_userfaultfd, O_CLOEXEC | O_NONBLOCK);
		if (uffd < 0)
			return errno;
		if (ioctl(uffd, UFFDIO_API, &api))
			return errno;
	}
	if (ioctl(uffd, UFFDIO_REGISTER, &reg) ||
	    ioctl(uffd, UFFDIO_WRITEPROTECT, &wp))
		return errno;
	return 0;
}

/* Move [addr, addr + len) to a new place and back: mremap() twice. */
static int sharer_do_mremap(char *addr, size_t len)
{
	void *tmp = mmap(NULL, len, PROT_NONE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (tmp == MAP_FAILED)
		return errno;
	if (mremap(addr, len, len, MREMAP_MAYMOVE | MREMAP_FIXED, tmp) != tmp) {
		int err = errno;

		munmap(tmp, len);
		return err;
	}
	if (mremap(tmp, len, len, MREMAP_MAYMOVE | MREMAP_FIXED, addr) != addr)
		return errno;
	return 0;
}

/* A sharer's buffers: static, so that touching them once faults them in. */
static __u64 sharer_vals[SHARER_MAX_PAGES];
static unsigned char sharer_vec[SHARER_MAX_PAGES];
static __u64 sharer_warm_buf[65536 / sizeof(__u64)];	/* >= a page */

/*
 * MCL_ONFAULT locks only what is touched: touch the code and data of the
 * commands, so that the faults a command reports are the target's alone.
 * Again after a fork(), which write-protected them all.
 */
static void sharer_warm(void)
{
	volatile __u64 *vals = sharer_vals;
	volatile unsigned char *vec = sharer_vec;
	volatile char stack[8192];
	size_t i;

	memset((char *)stack, 0, sizeof(stack));
	/* Keep the values: they may be a reply not sent yet. */
	for (i = 0; i < ARRAY_SIZE(sharer_vals); i += 64)
		vals[i] = vals[i];
	for (i = 0; i < ARRAY_SIZE(sharer_vec); i += 64)
		vec[i] = vec[i];
	page_fill(sharer_warm_buf, 1);
	stack[0] = page_checksum(sharer_warm_buf) + rusage_faults();
	sharer_sums_faulty(NULL, 0, 0, NULL);
}

/*
 * A sharer: lock all its memory but the target, then serve commands until
 * told to exit or until the parent goes away. It only ever leaves with
 * _exit(): no atexit handlers, no stdio flush of the parent's buffers.
 */
static void sharer_main(char *addr, unsigned long nr_pages, int cmd_fd,
			int reply_fd, pid_t parent)
{
	__u64 *vals = sharer_vals;
	unsigned char *vec = sharer_vec;
	struct sharer_fork_result *res;
	size_t len = nr_pages * psize();
	int pagemap_fd, err = 0;
	unsigned long i;
	long before;

	if (prctl(PR_SET_PDEATHSIG, SIGKILL) || getppid() != parent)
		_exit(3);
	if (mlock_all_but(addr, len))
		err = errno;
	pagemap_fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	if (pagemap_fd < 0 && !err)
		err = errno;
	res = mmap(NULL, sizeof(*res), PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (res == MAP_FAILED && !err)
		err = errno;
	if (res != MAP_FAILED)
		memset(res, 0, sizeof(*res));
	sharer_warm();
	sharer_reply(reply_fd, SHARER_READY, err, 0, 0, NULL);

	for (;;) {
		struct sharer_cmd cmd;
		char *first;
		long faults = -1;

		if (read_full(cmd_fd, &cmd, sizeof(cmd), -1))
			_exit(0);	/* the parent is gone */
		first = addr + cmd.first * psize();
		err = 0;
		if (cmd.count > SHARER_MAX_PAGES ||
		    cmd.first + cmd.count > nr_pages) {
			sharer_reply(reply_fd, cmd.op, ERANGE, 0, 0, NULL);
			continue;
		}
		if (cmd.op == SHARER_WRITE &&
		    read_full(cmd_fd, vals, cmd.count * sizeof(*vals), -1))
			_exit(0);
		before = rusage_faults();
		switch (cmd.op) {
		case SHARER_READ:
			sharer_sums(first, cmd.count, cmd.arg & SHARER_BACKWARD,
				    vals);
			break;
		case SHARER_WRITE:
			for (i = 0; i < cmd.count; i++)
				page_fill(first + i * psize(), vals[i]);
			break;
		case SHARER_PAGEMAP:
			for (i = 0; i < cmd.count; i++)
				vals[i] = pagemap_get_entry(pagemap_fd,
							    first + i * psize());
			break;
		case SHARER_MINCORE:
			if (mincore(first, cmd.count * psize(), vec))
				err = errno;
			for (i = 0; i < cmd.count; i++)
				vals[i] = vec[i] & 1;
			break;
		case SHARER_MUNMAP:
			if (munmap(addr, len))
				err = errno;
			break;
		case SHARER_EXIT:
			_exit(0);
		case SHARER_MLOCK:
			if (mlock2(first, cmd.count * psize(), MLOCK_ONFAULT))
				err = errno;
			break;
		case SHARER_MUNLOCK:
			if (munlock(first, cmd.count * psize()))
				err = errno;
			break;
		case SHARER_MPROTECT:
			if (mprotect(first, cmd.count * psize(), cmd.arg))
				err = errno;
			break;
		case SHARER_MADVISE:
			if (madvise(first, cmd.count * psize(), cmd.arg))
				err = errno;
			break;
		case SHARER_MREMAP:
			err = sharer_do_mremap(addr, len);
			break;
		case SHARER_FORK_READ:
			/* Reports the child's faults, not the fork's. */
			err = res == MAP_FAILED ? ENOMEM :
			      sharer_do_fork_read(first, cmd.count,
						  cmd.arg & SHARER_BACKWARD,
						  res, vals, &faults);
			sharer_warm();
			break;
		case SHARER_UFFD_WP:
			err = sharer_do_uffd_wp(addr, len);
			break;
		case SHARER_READ_FAULTY:
			err = sharer_sums_faulty(first, cmd.count, cmd.arg,
						 vals);
			break;
		default:
			err = EINVAL;
		}
		if (cmd.op != SHARER_FORK_READ)
			faults = rusage_faults() - before;
		sharer_reply(reply_fd, cmd.op, err,
			     !err && sharer_op_returns_values(cmd.op) ?
			     cmd.count : 0, faults, vals);
	}
}

/* Read the reply to the command sharer @i was sent; values into @vals. */
static int sharer_wait_reply(struct sharers *sh, int i, __u64 *vals)
{
	static __u64 scratch[SHARER_MAX_PAGES];
	struct sharer *s = &sh->s[i];
	unsigned int count = sharer_op_returns_values(s->op) ? s->count : 0;
	struct sharer_reply r;
	int ret;

	s->busy = false;
	ret = read_full(s->reply_fd, &r, sizeof(r), sharer_timeout_ms());
	if (ret) {
		ksft_print_msg("sharer %d (pid %d): no reply to %s: %s\n", i,
			       s->pid, sharer_op_str(s->op), strerror(-ret));
		return -1;
	}
	if (r.op != s->op || (!r.err && r.count != count) ||
	    r.count > SHARER_MAX_PAGES) {
		ksft_print_msg("sharer %d: bad reply to %s (op %d count %u)\n",
			       i, sharer_op_str(s->op), r.op, r.count);
		return -1;
	}
	if (r.count) {
		ret = read_full(s->reply_fd, vals ? vals : scratch,
				r.count * sizeof(*vals), sharer_timeout_ms());
		if (ret) {
			ksft_print_msg("sharer %d: short reply to %s: %s\n",
				       i, sharer_op_str(s->op), strerror(-ret));
			return -1;
		}
	}
	s->faults = r.faults;
	if (r.err) {
		ksft_print_msg("sharer %d: %s failed: %s\n", i,
			       sharer_op_str(s->op), strerror(r.err));
		return -1;
	}
	return 0;
}

/* Reap sharer @i, waiting at most sharer_timeout_ms(). Return: its status. */
static int sharer_reap(struct sharers *sh, int i, bool kill_it)
{
	struct sharer *s = &sh->s[i];
	int status = -1, waited;

	if (!s->pid)
		return 0;
	if (kill_it)
		kill(s->pid, SIGKILL);
	for (waited = 0; ; waited++) {
		pid_t pid = waitpid(s->pid, &status, WNOHANG);

		if (pid == s->pid || (pid < 0 && errno != EINTR))
			break;
		if (waited == sharer_timeout_ms()) {
			ksft_print_msg("sharer %d (pid %d) does not exit\n", i,
				       s->pid);
			kill(s->pid, SIGKILL);
			waitpid(s->pid, &status, 0);
			status = -1;
			break;
		}
		usleep(1000);
	}
	close(s->cmd_fd);
	close(s->reply_fd);
	s->pid = 0;
	s->mapped = false;
	s->busy = false;
	return status;
}

/*
 * Send command @op to sharer @i without waiting for it to be done:
 * several sharers can work at once. @arg is the command's argument (see
 * enum sharer_op), @args the @count seeds of SHARER_WRITE. Collect the
 * reply with sharer_wait() before the next command to the same sharer.
 * Return: 0, or -1 after printing why.
 */
int sharer_send(struct sharers *sh, int i, int op, unsigned long first,
		unsigned long count, __u64 arg, const __u64 *args)
{
	struct sharer_cmd cmd = { .op = op, .count = count, .first = first,
				  .arg = arg };
	struct sharer *s;

	if (i < 0 || i >= sh->nr || !sh->s[i].pid) {
		ksft_print_msg("sharer %d does not exist\n", i);
		return -1;
	}
	s = &sh->s[i];
	if (s->busy) {
		ksft_print_msg("sharer %d: %s sent before the reply to %s\n",
			       i, sharer_op_str(op), sharer_op_str(s->op));
		return -1;
	}
	if (op <= SHARER_READY || op >= NR_SHARER_OPS ||
	    (op == SHARER_WRITE && !args)) {
		ksft_print_msg("sharer %d: bad command %d\n", i, op);
		return -1;
	}
	if (count > SHARER_MAX_PAGES || first + count > sh->nr_pages) {
		ksft_print_msg("sharer %d: pages %lu+%lu out of range\n", i,
			       first, count);
		return -1;
	}
	if (write_full(s->cmd_fd, &cmd, sizeof(cmd)) ||
	    (op == SHARER_WRITE &&
	     write_full(s->cmd_fd, args, count * sizeof(*args)))) {
		ksft_print_msg("sharer %d (pid %d): cannot send %s: %s\n", i,
			       s->pid, sharer_op_str(op), strerror(errno));
		return -1;
	}
	s->busy = true;
	s->op = op;
	s->count = count;
	return 0;
}

/*
 * Wait for sharer @i to be done with the command sharer_send() sent it;
 * its values, if it returns some, go to @vals (may be NULL). After
 * SHARER_EXIT, reap the sharer: its mm is gone when this returns.
 * Return: 0 if the command succeeded, -1 after printing why not.
 */
int sharer_wait(struct sharers *sh, int i, __u64 *vals)
{
	struct sharer *s;
	int status;

	if (i < 0 || i >= sh->nr || !sh->s[i].pid || !sh->s[i].busy) {
		ksft_print_msg("sharer %d: nothing to wait for\n", i);
		return -1;
	}
	s = &sh->s[i];
	if (s->op == SHARER_EXIT) {
		status = sharer_reap(sh, i, false);
		if (!WIFEXITED(status) || WEXITSTATUS(status)) {
			ksft_print_msg("sharer %d: exit status %#x\n", i,
				       status);
			return -1;
		}
		return 0;
	}
	if (sharer_wait_reply(sh, i, vals))
		return -1;
	if (s->op == SHARER_MUNMAP)
		s->mapped = false;
	return 0;
}

/* sharer_send(), then sharer_wait(). */
int sharer_call(struct sharers *sh, int i, int op, unsigned long first,
		unsigned long count, __u64 arg, const __u64 *args,
		__u64 *vals)
{
	if (sharer_send(sh, i, op, first, count, arg, args))
		return -1;
	return sharer_wait(sh, i, vals);
}

/* The page faults (minor + major) the last command of sharer @i took. */
long sharer_faults(struct sharers *sh, int i)
{
	return sh->s[i].faults;
}

/*
 * Fork one more sharer of the target of @sh (set up by sharers_spawn()),
 * and wait until it has locked its memory but the target and opened its
 * pagemap, so that sharers' mlock()s never race.
 * Return: 0, or -1 (the sharer, if forked, is left for sharers_destroy()).
 */
int sharers_add(struct sharers *sh)
{
	int cmd[2], reply[2], i = sh->nr, j;
	pid_t pid, parent = getpid();

	if (i >= SHARERS_MAX || parent != sh->owner) {
		ksft_print_msg("cannot add sharer %d\n", i);
		return -1;
	}
	/* A dead sharer must make write() fail, not kill the test. */
	signal(SIGPIPE, SIG_IGN);
	if (pipe2(cmd, O_CLOEXEC)) {
		ksft_print_msg("pipe: %s\n", strerror(errno));
		return -1;
	}
	if (pipe2(reply, O_CLOEXEC)) {
		ksft_print_msg("pipe: %s\n", strerror(errno));
		close(cmd[0]);
		close(cmd[1]);
		return -1;
	}
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid == 0) {
		close(cmd[1]);
		close(reply[0]);
		for (j = 0; j < i; j++) {
			if (!sh->s[j].pid)
				continue;
			close(sh->s[j].cmd_fd);
			close(sh->s[j].reply_fd);
		}
		sharer_main(sh->addr, sh->nr_pages, cmd[0], reply[1], parent);
		_exit(1);	/* not reached */
	}
	close(cmd[0]);
	close(reply[1]);
	if (pid < 0) {
		ksft_print_msg("fork: %s\n", strerror(errno));
		close(cmd[1]);
		close(reply[0]);
		return -1;
	}
	memset(&sh->s[i], 0, sizeof(sh->s[i]));
	sh->s[i].pid = pid;
	sh->s[i].cmd_fd = cmd[1];
	sh->s[i].reply_fd = reply[0];
	sh->s[i].mapped = true;
	sh->s[i].busy = true;
	sh->s[i].op = SHARER_READY;
	sh->nr = i + 1;
	if (sharer_wait_reply(sh, i, NULL))
		return -1;
	/* The code of the read path faulted in, see sharer_main(). */
	return sharer_call(sh, i, SHARER_READ, 0, 0, 0, NULL, NULL);
}

/*
 * Fork @nr sharers of the @nr_pages pages at @addr, one after the other,
 * with sharers_add().
 */
int sharers_spawn(struct sharers *sh, int nr, char *addr,
		  unsigned long nr_pages)
{
	int i;

	memset(sh, 0, sizeof(*sh));
	sh->owner = getpid();
	sh->addr = addr;
	sh->nr_pages = nr_pages;
	if (nr > SHARERS_MAX || nr_pages > SHARER_MAX_PAGES) {
		ksft_print_msg("%d sharers of %lu pages: too many\n", nr,
			       nr_pages);
		return -1;
	}
	for (i = 0; i < nr; i++)
		if (sharers_add(sh))
			return -1;
	return 0;
}

/**
 * target_mmap - map exactly @nr_pages anonymous pages, aligned
 * @nr_pages: the size of the target
 * @type: MAP_PRIVATE or MAP_SHARED
 * @align: the alignment in pages, a power of two (1: a page)
 *
 * Maps more and unmaps what lies around the aligned range, so that the
 * VMA is exactly the target: the sharers' VMA then is too.
 * Return: the target, or NULL.
 */
char *target_mmap(unsigned long nr_pages, int type, unsigned long align)
{
	size_t len = nr_pages * psize(), extra = (align - 1) * psize();
	char *raw, *mem;

	if (!nr_pages || !align || (align & (align - 1)))
		return NULL;
	raw = mmap(NULL, len + extra, PROT_READ | PROT_WRITE,
		   type | MAP_ANONYMOUS, -1, 0);
	if (raw == MAP_FAILED)
		return NULL;
	mem = (char *)(((unsigned long)raw + align * psize() - 1) &
		       ~(align * psize() - 1));
	if (mem > raw)
		munmap(raw, mem - raw);
	if (raw + len + extra > mem + len)
		munmap(mem + len, raw + len + extra - (mem + len));
	return mem;
}

/*
 * pages_fill_seeded - write each of the @nr_pages pages at @mem with the
 * pattern of a seed unique to (@tag, the page, @gen), kept in @seeds.
 */
void pages_fill_seeded(char *mem, unsigned long nr_pages, __u64 tag,
		       unsigned long gen, __u64 *seeds)
{
	unsigned long p;

	for (p = 0; p < nr_pages; p++) {
		seeds[p] = page_seed(tag, p, gen);
		page_fill(mem + p * psize(), seeds[p]);
	}
}

/**
 * sharers_take_over - fork @nr sharers of a target, then unmap it here
 * @sh: the sharers, as sharers_spawn() fills it in
 * @nr: how many
 * @mem: the target, of @nr_pages pages (target_mmap())
 * @nr_pages: its size
 *
 * Afterwards exactly the sharers map the target, at @mem in each.
 * Return: 0, or -1.
 */
int sharers_take_over(struct sharers *sh, int nr, char *mem,
		      unsigned long nr_pages)
{
	if (sharers_spawn(sh, nr, mem, nr_pages))
		return -1;
	return munmap(mem, nr_pages * psize()) ? -1 : 0;
}

/*
 * Tell every sharer left to exit and reap it.
 * Return: how many did not exit cleanly (crashed earlier, or now).
 */
int sharers_stop(struct sharers *sh)
{
	int i, bad = 0;

	for (i = 0; i < sh->nr; i++)
		if (sh->s[i].pid && sharer_exit(sh, i))
			bad++;
	return bad;
}

/*
 * Kill and reap every sharer left. Safe to call more than once, and from
 * another process than their parent: they died with it (PR_SET_PDEATHSIG)
 * and are not ours to kill or reap, their pids may be reused already.
 */
void sharers_destroy(struct sharers *sh)
{
	int i;

	if (getpid() == sh->owner)
		for (i = 0; i < sh->nr; i++)
			sharer_reap(sh, i, true);
	sh->nr = 0;
}

int sharer_read(struct sharers *sh, int i, unsigned long first,
		unsigned long count, __u64 *sums)
{
	return sharer_call(sh, i, SHARER_READ, first, count, 0, NULL, sums);
}

int sharer_read_backward(struct sharers *sh, int i, unsigned long first,
			 unsigned long count, __u64 *sums)
{
	return sharer_call(sh, i, SHARER_READ, first, count, SHARER_BACKWARD,
			   NULL, sums);
}

/*
 * Sharer @i reads as sharer_read(), but a page whose fault raises SIGBUS
 * reads as SHARER_SIGBUS; @flags: SHARER_BACKWARD, SHARER_MAKE_IT_FAIL.
 */
int sharer_read_faulty(struct sharers *sh, int i, unsigned long first,
		       unsigned long count, __u64 flags, __u64 *sums)
{
	return sharer_call(sh, i, SHARER_READ_FAULTY, first, count, flags,
			   NULL, sums);
}

/* A child of sharer @i, forked now, reads; sharer_faults() are its. */
int sharer_fork_read(struct sharers *sh, int i, unsigned long first,
		     unsigned long count, __u64 *sums)
{
	return sharer_call(sh, i, SHARER_FORK_READ, first, count, 0, NULL,
			   sums);
}

int sharer_write(struct sharers *sh, int i, unsigned long first,
		 unsigned long count, const __u64 *seeds)
{
	return sharer_call(sh, i, SHARER_WRITE, first, count, 0, seeds, NULL);
}

int sharer_pagemap(struct sharers *sh, int i, unsigned long first,
		   unsigned long count, __u64 *pmes)
{
	return sharer_call(sh, i, SHARER_PAGEMAP, first, count, 0, NULL, pmes);
}

int sharer_mincore(struct sharers *sh, int i, unsigned long first,
		   unsigned long count, __u64 *resident)
{
	return sharer_call(sh, i, SHARER_MINCORE, first, count, 0, NULL,
			   resident);
}

/* mlock2(MLOCK_ONFAULT) the whole target in sharer @i. */
int sharer_mlock(struct sharers *sh, int i)
{
	return sharer_call(sh, i, SHARER_MLOCK, 0, sh->nr_pages, 0, NULL,
			   NULL);
}

int sharer_munlock(struct sharers *sh, int i)
{
	return sharer_call(sh, i, SHARER_MUNLOCK, 0, sh->nr_pages, 0, NULL,
			   NULL);
}

/* mprotect() the whole target of sharer @i to @prot. */
int sharer_mprotect(struct sharers *sh, int i, int prot)
{
	return sharer_call(sh, i, SHARER_MPROTECT, 0, sh->nr_pages, prot, NULL,
			   NULL);
}

int sharer_madvise(struct sharers *sh, int i, unsigned long first,
		   unsigned long count, int advice)
{
	return sharer_call(sh, i, SHARER_MADVISE, first, count, advice, NULL,
			   NULL);
}

/* Sharer @i moves its target elsewhere with mremap(), then back. */
int sharer_mremap(struct sharers *sh, int i)
{
	return sharer_call(sh, i, SHARER_MREMAP, 0, 0, 0, NULL, NULL);
}

/* Sharer @i write-protects its target with a userfaultfd (uffd-wp). */
int sharer_uffd_wp(struct sharers *sh, int i)
{
	return sharer_call(sh, i, SHARER_UFFD_WP, 0, 0, 0, NULL, NULL);
}

int sharer_munmap(struct sharers *sh, int i)
{
	return sharer_call(sh, i, SHARER_MUNMAP, 0, 0, 0, NULL, NULL);
}

/* Tell sharer @i to exit and reap it: its mm is gone when this returns. */
int sharer_exit(struct sharers *sh, int i)
{
	if (sharer_send(sh, i, SHARER_EXIT, 0, 0, 0, NULL)) {
		if (i >= 0 && i < sh->nr)
			sharer_reap(sh, i, true);
		return -1;
	}
	return sharer_wait(sh, i, NULL);
}

/* Every sharer still mapping the target has a swap PTE for each page. */
bool sharers_all_swapped(struct sharers *sh, unsigned long first,
			 unsigned long count)
{
	__u64 pme[SHARER_MAX_PAGES];
	unsigned long p;
	int i;

	for (i = 0; i < sh->nr; i++) {
		if (!sh->s[i].pid || !sh->s[i].mapped)
			continue;
		if (sharer_pagemap(sh, i, first, count, pme))
			return false;
		for (p = 0; p < count; p++)
			if (!pagemap_entry_is_swap(pme[p]))
				return false;
	}
	return true;
}

/*
 * For shmem, where a swapped-out page leaves no PTE: no sharer maps any
 * page and mincore() finds none in the page cache or the swap cache.
 */
bool sharers_none_resident(struct sharers *sh, unsigned long first,
			   unsigned long count)
{
	__u64 val[SHARER_MAX_PAGES];
	unsigned long p;
	int i;

	for (i = 0; i < sh->nr; i++) {
		if (!sh->s[i].pid || !sh->s[i].mapped)
			continue;
		if (sharer_pagemap(sh, i, first, count, val))
			return false;
		for (p = 0; p < count; p++)
			if (val[p] & PM_PRESENT)
				return false;
		if (sharer_mincore(sh, i, first, count, val))
			return false;
		for (p = 0; p < count; p++)
			if (val[p])
				return false;
	}
	return true;
}
