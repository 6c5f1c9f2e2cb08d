// SPDX-License-Identifier: GPL-2.0
/*
 * swapslots: show how the pages of a process's range, or one swap slot,
 * stand with respect to swap, one line per page:
 *
 *  - the PTE, from /proc/PID/pagemap: present (with its PFN), swap (with
 *    the swap entry, type:offset) or none;
 *  - for a present page, its flags from /proc/kpageflags and the number
 *    of its mappings from /proc/kpagecount (the page usage counter);
 *  - the page's swap slot, from /sys/kernel/debug/swap/slots (the slot
 *    usage counter): its swap count (swap count continuations included),
 *    its swap_map byte, and two cache bits, SWAP_HAS_CACHE and whether
 *    the swap cache really holds a folio for it, then that folio's
 *    mapcount and refcount. A present page has a slot if it is the
 *    folio the swap cache holds for one.
 *
 * usage: swapslots PID ADDR [LEN]    the pages of PID's [ADDR, ADDR+LEN)
 *        swapslots -s TYPE OFFSET   one swap slot
 *
 * Numbers are in C notation (0x for hex); LEN defaults to one page. It
 * needs root, and for the slot columns debugfs mounted at
 * /sys/kernel/debug with a kernel that has the swap slot view. Without
 * the view, the PID form shows "-" for the slot columns.
 *
 * The slot view is read whole and filtered here: writing a selection to
 * it would change what every other reader sees.
 *
 * Build: gcc -static -Wall -Wextra -O2 swapslots.c -o swapslots
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/kernel-page-flags.h>

#define SLOTS_PATH	"/sys/kernel/debug/swap/slots"
#define SLOTS_HEADER	\
	"type offset map count has_cache in_swapcache pfn mapcount refcount"

#define BIT_ULL(nr)	(1ULL << (nr))
#define PM_PFN_MASK	(BIT_ULL(55) - 1)
#define PM_SWAP		BIT_ULL(62)
#define PM_PRESENT	BIT_ULL(63)
#define PM_TYPE_BITS	5
#define PM_TYPE_MASK	(BIT_ULL(PM_TYPE_BITS) - 1)

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* The most pages one run shows. */
#define MAX_PAGES	(1024UL * 1024)

#define DEBUGFS_HINT \
	" (mount debugfs at /sys/kernel/debug; the kernel needs " \
	"CONFIG_DEBUG_FS and the swap slot view)"

/* One line of the slot view. */
struct slot {
	unsigned int type;
	unsigned long offset;
	unsigned int map;
	unsigned long count;
	int has_cache;
	int in_swapcache;
	unsigned long pfn;
	long mapcount;
	long refcount;
};

struct slots {
	struct slot *s;
	size_t nr;
	bool present;			/* the view could be read */
};

static const char *prog = "swapslots";

/* The kpageflags bits worth showing for an anonymous page and swap. */
static const struct {
	int bit;
	const char *name;
} flag_names[] = {
	{ KPF_ANON,	  "anon" },
	{ KPF_SWAPCACHE,  "swapcache" },
	{ KPF_SWAPBACKED, "swapbacked" },
	{ KPF_LRU,	  "lru" },
	{ KPF_ACTIVE,	  "active" },
	{ KPF_DIRTY,	  "dirty" },
	{ KPF_UPTODATE,	  "uptodate" },
	{ KPF_LOCKED,	  "locked" },
	{ KPF_WRITEBACK,  "writeback" },
	{ KPF_THP,	  "thp" },
	{ KPF_ZERO_PAGE,  "zero" },
	/*
	 * Not KPF_KSM: 6.12's stable_page_flags() tests
	 * "mapping & PAGE_MAPPING_KSM", true for every anonymous page.
	 */
};

static void usage_exit(void)
{
	fprintf(stderr,
		"usage: %s PID ADDR [LEN]   the pages of PID's [ADDR, ADDR+LEN)\n"
		"       %s -s TYPE OFFSET  one swap slot\n"
		"\n"
		"Numbers in C notation (0x for hex); LEN defaults to one page.\n"
		"Per page: the PTE (/proc/PID/pagemap), the page's flags and\n"
		"mappings (/proc/kpageflags, /proc/kpagecount), and its swap slot\n"
		"from %s: swap count, swap_map byte,\n"
		"cache = SWAP_HAS_CACHE/in swap cache, and the swap cache folio's\n"
		"mapcount/refcount. Needs root and debugfs.\n",
		prog, prog, SLOTS_PATH);
	exit(2);
}

/* A whole non-negative number in C notation, or usage_exit(). */
static unsigned long parse_num(const char *arg, const char *what,
			       unsigned long max)
{
	unsigned long val;
	char *end;

	errno = 0;
	if (!*arg || *arg == '-' || *arg == '+')
		goto bad;
	val = strtoul(arg, &end, 0);
	if (errno || *end || val > max)
		goto bad;
	return val;
bad:
	fprintf(stderr, "%s: bad %s '%s'\n", prog, what, arg);
	usage_exit();
	return 0;
}

/* Read one 64-bit entry of a /proc array file. */
static int read_u64(int fd, unsigned long idx, uint64_t *val)
{
	return pread(fd, val, sizeof(*val), idx * sizeof(*val)) ==
	       sizeof(*val) ? 0 : -1;
}

static int open_or_die(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd >= 0)
		return fd;
	fprintf(stderr, "%s: open %s: %s%s\n", prog, path, strerror(errno),
		errno == EACCES || errno == EPERM ? " (needs root)" : "");
	exit(1);
}

/* Read the whole slot view. Return: 0, or -errno of the open. */
static int slots_read(struct slots *v)
{
	size_t len = 0, size = 65536, cap = 0;
	char *buf, *line, *save = NULL, *more;
	struct slot s, *grown;
	ssize_t n;
	int fd;

	memset(v, 0, sizeof(*v));
	fd = open(SLOTS_PATH, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	buf = malloc(size);
	for (;;) {
		if (!buf) {
			fprintf(stderr, "%s: out of memory\n", prog);
			exit(1);
		}
		n = read(fd, buf + len, size - len - 1);
		if (n < 0) {
			fprintf(stderr, "%s: read %s: %s\n", prog, SLOTS_PATH,
				strerror(errno));
			exit(1);
		}
		if (!n)
			break;
		len += n;
		if (size - len < 4096) {
			size *= 2;
			more = realloc(buf, size);
			if (!more)
				free(buf);
			buf = more;
		}
	}
	close(fd);
	buf[len] = '\0';

	line = strtok_r(buf, "\n", &save);
	if (!line || strcmp(line, SLOTS_HEADER)) {
		fprintf(stderr, "%s: %s: unknown format (header '%s')\n",
			prog, SLOTS_PATH, line ? line : "");
		exit(1);
	}
	while ((line = strtok_r(NULL, "\n", &save))) {
		char pfn[32], mapcount[32], refcount[32];

		memset(&s, 0, sizeof(s));
		if (sscanf(line, "%u %lu %x %lu %d %d %31s %31s %31s",
			   &s.type, &s.offset, &s.map, &s.count, &s.has_cache,
			   &s.in_swapcache, pfn, mapcount, refcount) != 9) {
			fprintf(stderr, "%s: %s: bad line '%s'\n", prog,
				SLOTS_PATH, line);
			exit(1);
		}
		s.mapcount = -1;
		s.refcount = -1;
		if (s.in_swapcache) {
			s.pfn = strtoul(pfn, NULL, 16);
			s.mapcount = strtol(mapcount, NULL, 10);
			s.refcount = strtol(refcount, NULL, 10);
		}
		if (v->nr == cap) {
			cap = cap ? cap * 2 : 256;
			grown = realloc(v->s, cap * sizeof(*grown));
			if (!grown) {
				fprintf(stderr, "%s: out of memory\n", prog);
				exit(1);
			}
			v->s = grown;
		}
		v->s[v->nr++] = s;
	}
	free(buf);
	v->present = true;
	return 0;
}

/* The view's line for a slot, or NULL if the slot is free. */
static const struct slot *slot_find(const struct slots *v, unsigned int type,
				    unsigned long offset)
{
	size_t i;

	for (i = 0; i < v->nr; i++)
		if (v->s[i].type == type && v->s[i].offset == offset)
			return &v->s[i];
	return NULL;
}

/* The slot whose swap cache folio is at @pfn, or NULL. */
static const struct slot *slot_of_pfn(const struct slots *v,
				      unsigned long pfn)
{
	size_t i;

	for (i = 0; i < v->nr; i++)
		if (v->s[i].in_swapcache && v->s[i].pfn == pfn)
			return &v->s[i];
	return NULL;
}

static void flags_str(uint64_t flags, char *buf, size_t len)
{
	size_t i, n = 0;

	buf[0] = '\0';
	for (i = 0; i < ARRAY_SIZE(flag_names) && n < len; i++)
		if (flags & (1ULL << flag_names[i].bit))
			n += snprintf(buf + n, len - n, "%s%s", n ? "," : "",
				      flag_names[i].name);
	if (!n)
		snprintf(buf, len, "-");
}

/*
 * The columns after the PTE: the page usage counters of the page mapped
 * (@pfn, or none for a swap PTE: mapcount from kpagecount, refcount from
 * the view if it is a swap cache folio) and its flags, then the slot usage
 * counters of its slot @s, if any.
 */
static void counter_columns(const struct slots *v, const struct slot *s,
			    int kflags, int kcount, bool present,
			    unsigned long pfn, char *buf, size_t len)
{
	char maps[24] = "-", refs[24] = "-", flags[160] = "-", slot[32];
	uint64_t val;

	if (present) {
		if (!read_u64(kcount, pfn, &val))
			snprintf(maps, sizeof(maps), "%llu",
				 (unsigned long long)val);
		if (!read_u64(kflags, pfn, &val))
			flags_str(val, flags, sizeof(flags));
		if (s && s->in_swapcache)
			snprintf(refs, sizeof(refs), "%ld", s->refcount);
	}
	if (!v->present) {
		snprintf(buf, len, "%4s %4s %-34s | %-8s %5s %-4s %s", maps,
			 refs, flags, "-", "-", "-", "-");
		return;
	}
	if (!s) {
		snprintf(buf, len, "%4s %4s %-34s | %-8s %5s %-4s %s", maps,
			 refs, flags, "-", "-", "-", "-");
		return;
	}
	snprintf(slot, sizeof(slot), "%u:%lu", s->type, s->offset);
	snprintf(buf, len, "%4s %4s %-34s | %-8s %5lu 0x%02x %d/%d", maps,
		 refs, flags, slot, s->count, s->map, s->has_cache,
		 s->in_swapcache);
}

static void table_header(const char *first, const char *second)
{
	printf("%-5s %-14s %-7s %-14s %4s %4s %-34s | %-8s %5s %-4s %s\n",
	       first, second, "PTE", "PFN / entry", "maps", "refs",
	       "page flags", "slot", "count", "map", "cache");
}

static int show_range(pid_t pid, unsigned long addr, unsigned long len)
{
	unsigned long page = sysconf(_SC_PAGESIZE), first, nr, i;
	char path[64], where[32], cols[160];
	int pagemap, kflags, kcount, ret;
	struct slots v;

	first = addr / page;
	nr = (addr + len + page - 1) / page - first;
	if (!nr || nr > MAX_PAGES) {
		fprintf(stderr, "%s: LEN must cover 1 to %lu pages\n", prog,
			MAX_PAGES);
		usage_exit();
	}
	snprintf(path, sizeof(path), "/proc/%d/pagemap", pid);
	pagemap = open_or_die(path);
	kflags = open_or_die("/proc/kpageflags");
	kcount = open_or_die("/proc/kpagecount");
	ret = slots_read(&v);
	if (ret)
		fprintf(stderr, "%s: %s: %s: no slot columns%s\n", prog,
			SLOTS_PATH, strerror(-ret), ret == -ENOENT ?
			DEBUGFS_HINT :
			"");

	printf("pid %d: %lu page%s from %#lx; cache = SWAP_HAS_CACHE/in swap cache\n",
	       pid, nr, nr == 1 ? "" : "s", first * page);
	table_header("page", "address");
	for (i = 0; i < nr; i++) {
		unsigned long va = (first + i) * page, pfn = 0;
		const struct slot *s = NULL;
		const char *state;
		uint64_t pme;

		if (read_u64(pagemap, first + i, &pme)) {
			fprintf(stderr, "%s: read %s at %#lx: %s\n", prog, path,
				va, strerror(errno));
			return 1;
		}
		if (pme & PM_PRESENT) {
			pfn = pme & PM_PFN_MASK;
			if (!pfn) {
				fprintf(stderr, "%s: %s shows no PFNs: needs root\n",
					prog, path);
				return 1;
			}
			state = "present";
			snprintf(where, sizeof(where), "pfn %#lx", pfn);
			s = slot_of_pfn(&v, pfn);
		} else if (pme & PM_SWAP) {
			unsigned int type = pme & PM_TYPE_MASK;
			unsigned long off = (pme & PM_PFN_MASK) >> PM_TYPE_BITS;

			state = "swap";
			snprintf(where, sizeof(where), "swp %u:%lu", type, off);
			s = slot_find(&v, type, off);
		} else {
			state = "none";
			snprintf(where, sizeof(where), "-");
		}
		counter_columns(&v, s, kflags, kcount, pme & PM_PRESENT, pfn,
				cols, sizeof(cols));
		printf("%-5lu %#-14lx %-7s %-14s %s\n", i, va, state, where,
		       cols);
	}
	return 0;
}

static int show_slot(unsigned int type, unsigned long offset)
{
	int kflags = open_or_die("/proc/kpageflags");
	int kcount = open_or_die("/proc/kpagecount");
	char where[32] = "-", cols[160];
	const struct slot *s;
	struct slots v;
	int ret;

	ret = slots_read(&v);
	if (ret) {
		fprintf(stderr, "%s: %s: %s%s\n", prog, SLOTS_PATH,
			strerror(-ret), ret == -ENOENT ?
			DEBUGFS_HINT :
			"");
		return 1;
	}
	s = slot_find(&v, type, offset);
	if (!s) {
		printf("slot %u:%lu is not in use (or there is no such slot)\n",
		       type, offset);
		return 0;
	}
	if (s->in_swapcache)
		snprintf(where, sizeof(where), "pfn %#lx", s->pfn);
	counter_columns(&v, s, kflags, kcount, s->in_swapcache, s->pfn, cols,
			sizeof(cols));
	printf("slot %u:%lu; cache = SWAP_HAS_CACHE/in swap cache\n", type,
	       offset);
	table_header("slot", "-");
	printf("%-5s %-14s %-7s %-14s %s\n", "-", "-",
	       s->in_swapcache ? "cache" : "-", where, cols);
	return 0;
}

int main(int argc, char **argv)
{
	unsigned long addr, len;
	pid_t pid;

	if (argc > 0 && argv[0][0])
		prog = argv[0];
	if (argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")))
		usage_exit();
	if (argc >= 2 && !strcmp(argv[1], "-s")) {
		if (argc != 4)
			usage_exit();
		if (geteuid()) {
			fprintf(stderr, "%s: needs root: %s and kpageflags are root only\n",
				prog, SLOTS_PATH);
			return 1;
		}
		return show_slot(parse_num(argv[2], "TYPE", 31),
				 parse_num(argv[3], "OFFSET", ULONG_MAX));
	}
	if (argc != 3 && argc != 4)
		usage_exit();
	pid = parse_num(argv[1], "PID", INT_MAX);
	addr = parse_num(argv[2], "ADDR", ULONG_MAX);
	len = argc == 4 ? parse_num(argv[3], "LEN", ULONG_MAX - addr) :
			  (unsigned long)sysconf(_SC_PAGESIZE);
	if (!pid || !len) {
		fprintf(stderr, "%s: PID and LEN must not be 0\n", prog);
		usage_exit();
	}
	if (geteuid()) {
		fprintf(stderr, "%s: needs root: PFNs, kpageflags and %s are root only\n",
			prog, SLOTS_PATH);
		return 1;
	}
	return show_range(pid, addr, len);
}
