// SPDX-License-Identifier: GPL-2.0
/*
 * swapcache_bench: how long it takes N processes sharing swapped-out
 * anonymous memory to read all of it back, and what that costs in
 * faults, swap-ins and swap space.
 *
 * usage: swapcache_bench [-b zram|disk] [-w share|snapshot] [-n SHARERS]
 *                        [-m MIB] [-r REPS] [-l LABEL]
 *
 * share:    a process writes MIB MiB and forks SHARERS readers, then lets
 *           go of its own mapping; reclaim (memory.reclaim) swaps the
 *           pages out of all sharers; then sharer 0 reads every page, and
 *           after it each other sharer in turn.
 * snapshot: a process writes MIB MiB, has it swapped out, then forks a
 *           child (the Redis BGSAVE pattern): the child reads everything,
 *           then the parent does.
 *
 * One line per repetition, "bench: key=value ...", for scripts/bench.sh:
 *   first_s   time of the first reader's pass
 *   all_s     time until every sharer has read every page: the sum of
 *             the passes, without the measurements between them
 *   minflt, majflt   faults taken by all readers during their passes
 *   other_flt faults (minor + major) of the readers after the first
 *   pswpin    pages read from swap
 *   held_first_kb, held_kb   swap space the pages still hold right after
 *             the first pass and at the end: SwapTotal - SwapFree less
 *             base_kb
 *   base_kb   swap space in use right after the swap-out that is not the
 *             pages' own (SwapTotal - SwapFree - MIB): the slots that the
 *             per-CPU slot caches hold, stock kernel or not
 *   settle_ms time after the first pass until held reached 0, polled
 *             every 0.5 ms for up to 100 ms (-1: it did not); outside
 *             the timed passes
 *   zram_kb   zram memory in use at the end (mm_stat mem_used_total)
 *
 * Needs root, a swap backend (/dev/zram0 or /dev/vda, which it formats)
 * and cgroup v2 at /sys/fs/cgroup, as in the harness guest.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include "../kselftest.h"
#include "swap_util.h"

#define MAX_SHARERS	64
#define SWAP_OUT_PASSES	200
#define ZRAM_MM_STAT	"/sys/block/zram0/mm_stat"

enum workload { WL_SHARE, WL_SNAPSHOT };

struct reader {
	pid_t pid;
	int cmd_fd, reply_fd;
};

/* What a reader reports after its pass. */
struct pass_result {
	long minflt, majflt;
	__u64 sum;
};

static struct {
	enum swap_backend backend;
	enum workload workload;
	int nr_sharers;
	unsigned long mib;
	int reps;
	const char *label;
} opt = {
	.backend = SWAP_BACKEND_ZRAM,
	.workload = WL_SHARE,
	.nr_sharers = 8,
	.mib = 64,
	.reps = 1,
	.label = "-",
};

/* Read one word of every page; report the faults it took. */
static void read_pass(const char *mem, size_t len, struct pass_result *res)
{
	struct rusage before, after;
	__u64 sum = 0;
	size_t off;

	getrusage(RUSAGE_SELF, &before);
	for (off = 0; off < len; off += psize())
		sum += *(volatile const __u64 *)(mem + off);
	getrusage(RUSAGE_SELF, &after);
	res->minflt = after.ru_minflt - before.ru_minflt;
	res->majflt = after.ru_majflt - before.ru_majflt;
	res->sum = sum;
}

/*
 * A reader: keep only @mem evictable, say so with one byte on @reply_fd,
 * then serve commands from @cmd_fd until it is closed: 'r' does a read
 * pass and replies with its result; 'f' forks a second reader on the
 * pipes in @child (the snapshot workload's fork) and replies with its
 * pid.
 */
static void reader_main(const char *mem, size_t len, int cmd_fd,
			int reply_fd, const int *child)
{
	struct pass_result res;
	pid_t pid;
	char c = 'y';

	if (mlock_all_but((void *)mem, len) ||
	    write(reply_fd, &c, 1) != 1)
		_exit(1);
	while (read(cmd_fd, &c, 1) == 1) {
		if (c == 'f' && child) {
			pid = fork();
			if (!pid) {
				/* Locks are not inherited: lock again. */
				if (mlock_all_but((void *)mem, len))
					_exit(1);
				/* The child serves on its own pipes. */
				close(cmd_fd);
				close(reply_fd);
				cmd_fd = child[0];
				reply_fd = child[1];
				child = NULL;
				continue;
			}
			close(child[0]);
			close(child[1]);
			child = NULL;
			if (write(reply_fd, &pid, sizeof(pid)) != sizeof(pid))
				_exit(1);
			continue;
		}
		read_pass(mem, len, &res);
		if (write(reply_fd, &res, sizeof(res)) != sizeof(res))
			_exit(1);
	}
	_exit(0);
}

/* Pipes for a reader: the reader's ends in fd[0..1], ours in r. */
static int reader_pipes(struct reader *r, int *fd)
{
	int cmd[2], reply[2];

	if (pipe2(cmd, O_CLOEXEC))
		return -1;
	if (pipe2(reply, O_CLOEXEC)) {
		close(cmd[0]);
		close(cmd[1]);
		return -1;
	}
	fd[0] = cmd[0];
	fd[1] = reply[1];
	r->cmd_fd = cmd[1];
	r->reply_fd = reply[0];
	return 0;
}

/*
 * Fork a reader and wait until it has locked all but @mem. Reclaim must
 * not start before that: a page of the reader's own that reclaim swaps
 * out in the meantime comes back when the reader touches it, and if it
 * is then mapped before and locked after, it stays mlocked in the swap
 * cache (SwapCached never 0 again) until the reader exits.
 */
static int reader_spawn(struct reader *r, const char *mem, size_t len,
			const int *child)
{
	int fd[2];
	char c;

	if (reader_pipes(r, fd))
		return -1;
	fflush(stdout);
	r->pid = fork();
	if (!r->pid) {
		close(r->cmd_fd);
		close(r->reply_fd);
		reader_main(mem, len, fd[0], fd[1], child);
	}
	close(fd[0]);
	close(fd[1]);
	if (r->pid < 0 || read(r->reply_fd, &c, 1) != 1) {
		fprintf(stderr, "bench: a reader failed to start\n");
		return -1;
	}
	return 0;
}

static int reader_pass(struct reader *r, struct pass_result *res)
{
	char c = 'r';

	if (write(r->cmd_fd, &c, 1) != 1)
		return -1;
	return read(r->reply_fd, res, sizeof(*res)) == sizeof(*res) ? 0 : -1;
}

/*
 * Readers inherit each other's pipe ends, so closing a pipe does not
 * stop one: kill it. A snapshot child is not ours to reap; its parent's
 * death hands it to init.
 */
static void reader_stop(struct reader *r)
{
	if (r->pid > 0) {
		kill(r->pid, SIGKILL);
		waitpid(r->pid, NULL, 0);
	}
	if (r->pid || r->cmd_fd) {
		close(r->cmd_fd);
		close(r->reply_fd);
	}
	r->pid = 0;
	r->cmd_fd = 0;
	r->reply_fd = 0;
}

/* Which of @r's @nr processes map @pfn, where, and in which mapping. */
static void pfn_mappers_explain(const struct reader *r, int nr,
				unsigned long pfn)
{
	unsigned long start, end, a;
	char path[64], line[512];
	int i, fd;
	FILE *maps;
	__u64 pme;

	for (i = 0; i < nr; i++) {
		snprintf(path, sizeof(path), "/proc/%d/maps", r[i].pid);
		maps = fopen(path, "re");
		snprintf(path, sizeof(path), "/proc/%d/pagemap", r[i].pid);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		while (maps && fd >= 0 && fgets(line, sizeof(line), maps)) {
			if (sscanf(line, "%lx-%lx", &start, &end) != 2)
				continue;
			for (a = start; a < end; a += psize()) {
				if (pread(fd, &pme, sizeof(pme),
					  a / psize() * sizeof(pme)) !=
				    sizeof(pme) || !(pme & PM_PRESENT) ||
				    pagemap_pfn(pme) != pfn)
					continue;
				fprintf(stderr, "bench:     mapped by reader %d at %#lx: %s",
					i, a, line);
			}
		}
		if (maps)
			fclose(maps);
		if (fd >= 0)
			close(fd);
	}
}

/*
 * Why a swap-out failed: the first pages of @pid's range still present,
 * and the swap cache folios of the slot view, with their flags and
 * counts and the readers that map them, to tell a stuck folio from one
 * charged elsewhere.
 */
static void swap_out_explain(const struct reader *r, int nr_readers,
			     const char *mem, size_t len)
{
	pid_t pid = r[0].pid;
	size_t nr = len / psize(), i;
	struct swap_slot *slots;
	int fd, n, shown = 0;
	char path[64];
	__u64 pme, flags, count;

	snprintf(path, sizeof(path), "/proc/%d/pagemap", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	for (i = 0; fd >= 0 && i < nr && shown < 4; i++) {
		if (pread(fd, &pme, sizeof(pme),
			  ((unsigned long)mem / psize() + i) * sizeof(pme)) !=
		    sizeof(pme) || pagemap_entry_is_swap(pme))
			continue;
		flags = 0;
		count = 0;
		if (pme & PM_PRESENT) {
			kpageflags_get(pagemap_pfn(pme), &flags);
			kpagecount_get(pagemap_pfn(pme), &count);
		}
		fprintf(stderr, "bench:   page %zu not swapped: pagemap %#llx kpageflags %#llx kpagecount %llu\n",
			i, (unsigned long long)pme, (unsigned long long)flags,
			(unsigned long long)count);
		shown++;
	}
	if (fd >= 0)
		close(fd);

	slots = calloc(1 << 17, sizeof(*slots));
	n = slots ? swap_slots_read(slots, 1 << 17) : -1;
	for (i = 0, shown = 0; n > 0 && i < (size_t)n && shown < 4; i++) {
		if (!slots[i].in_swapcache)
			continue;
		flags = 0;
		kpageflags_get(slots[i].pfn, &flags);
		fprintf(stderr, "bench:   cached slot %u:%lu count %lu pfn %#lx mapcount %d refcount %d kpageflags %#llx\n",
			slots[i].type, slots[i].offset, slots[i].count,
			slots[i].pfn, slots[i].mapcount, slots[i].refcount,
			(unsigned long long)flags);
		pfn_mappers_explain(r, nr_readers, slots[i].pfn);
		shown++;
	}
	free(slots);
}

/* Reclaim in the cgroup until reader 0's range is out and the cache empty. */
static int swap_out(struct test_cgroup *cg, const struct reader *r, int nr,
		    const char *mem, size_t len)
{
	long long cached = -1;
	int pass;

	for (pass = 0; pass < SWAP_OUT_PASSES; pass++) {
		int ret = cgroup_reclaim(cg, len);

		if (ret && ret != -EAGAIN)
			return -1;
		cached = meminfo_read_kb("SwapCached");
		if (cached == 0 && pid_range_swapped(r[0].pid, mem, len))
			return 0;
		/* Let writeback to the disk backend finish. */
		usleep(pass < 10 ? 1000 : 50000);
	}
	fprintf(stderr, "bench: pages not swapped out after %d passes (SwapCached %lld kB)\n",
		SWAP_OUT_PASSES, cached);
	swap_out_explain(r, nr, mem, len);
	return -1;
}

static long long zram_used_kb(void)
{
	unsigned long long v[3];
	char buf[256];

	if (opt.backend != SWAP_BACKEND_ZRAM ||
	    file_read_str(ZRAM_MM_STAT, buf, sizeof(buf)) ||
	    sscanf(buf, "%llu %llu %llu", &v[0], &v[1], &v[2]) != 3)
		return -1;
	return v[2] / 1024;
}

static long long swap_held_kb(void)
{
	return meminfo_read_kb("SwapTotal") - meminfo_read_kb("SwapFree");
}

#define SETTLE_POLL_US	500
#define SETTLE_MAX_MS	100

/* How long until the pages hold no swap space beyond @base_kb; -1: never */
static double swap_settle_ms(long long base_kb)
{
	double t0 = bench_now();

	while (swap_held_kb() > base_kb) {
		if (bench_now() - t0 > SETTLE_MAX_MS / 1e3)
			return -1;
		usleep(SETTLE_POLL_US);
	}
	return (bench_now() - t0) * 1e3;
}

/*
 * One repetition. The pages are written by this process, which then
 * hands them to the readers and unmaps its own copy, so that exactly
 * the readers map them.
 */
static int run_once(struct test_cgroup *cg, int rep)
{
	int nr = opt.workload == WL_SNAPSHOT ? 2 : opt.nr_sharers;
	size_t len = opt.mib << 20, off;
	struct reader r[MAX_SHARERS] = {};
	long minflt = 0, majflt = 0, other_flt = 0;
	long long pswpin0, held_first = 0, base;
	double t0, t_first = 0, t_all = 0, settle = -1;
	struct pass_result res = {};
	struct reader tmp;
	int child[2] = { -1, -1 };
	__u64 want = 0;
	int i, ret = -1;
	char *mem;

	mem = mmap(NULL, len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		return -1;
	madvise(mem, len, MADV_NOHUGEPAGE);
	if (munlock(mem, len))
		goto out;
	for (off = 0; off < len; off += psize()) {
		page_fill(mem + off, page_seed(rep, off / psize(), 0));
		want += *(__u64 *)(mem + off);
	}

	if (opt.workload == WL_SNAPSHOT) {
		/* Reader 1 is forked by reader 0 after the swap-out. */
		if (reader_pipes(&r[1], child) ||
		    reader_spawn(&r[0], mem, len, child))
			goto out;
		close(child[0]);
		close(child[1]);
	} else {
		for (i = 0; i < nr; i++)
			if (reader_spawn(&r[i], mem, len, NULL))
				goto out;
	}
	if (munmap(mem, len))
		goto out;
	if (swap_out(cg, r, nr, mem, len))
		goto out;
	/* Every page holds one slot now; the rest is not the workload's. */
	base = swap_held_kb() - (long long)(len >> 10);
	if (opt.workload == WL_SNAPSHOT) {
		char c = 'f';

		if (write(r[0].cmd_fd, &c, 1) != 1 ||
		    read(r[0].reply_fd, &r[1].pid, sizeof(pid_t)) !=
		    sizeof(pid_t) || r[1].pid <= 0)
			goto out;
		/* The child (the snapshot writer) reads first. */
		tmp = r[0];
		r[0] = r[1];
		r[1] = tmp;
	}

	pswpin0 = vmstat_read("pswpin");
	for (i = 0; i < nr; i++) {
		t0 = bench_now();
		if (reader_pass(&r[i], &res) || res.sum != want) {
			fprintf(stderr, "bench: reader %d: %s\n", i,
				res.sum != want ? "wrong data" : "failed");
			goto out;
		}
		t_all += bench_now() - t0;
		minflt += res.minflt;
		majflt += res.majflt;
		if (i)
			other_flt += res.minflt + res.majflt;
		if (!i) {
			t_first = t_all;
			held_first = swap_held_kb() - base;
			settle = swap_settle_ms(base);
		}
	}

	printf("bench: label=%s workload=%s backend=%s sharers=%d mib=%lu rep=%d first_s=%.4f all_s=%.4f minflt=%ld majflt=%ld other_flt=%ld pswpin=%lld held_first_kb=%lld settle_ms=%.1f held_kb=%lld base_kb=%lld zram_kb=%lld\n",
	       opt.label, opt.workload == WL_SHARE ? "share" : "snapshot",
	       swap_backend_name(opt.backend), nr, opt.mib, rep, t_first,
	       t_all, minflt, majflt, other_flt,
	       vmstat_read("pswpin") - pswpin0, held_first, settle,
	       swap_held_kb() - base, base, zram_used_kb());
	ret = 0;
	mem = NULL;
out:
	for (i = 0; i < nr; i++)
		reader_stop(&r[i]);
	if (mem && mem != MAP_FAILED)
		munmap(mem, len);
	return ret;
}

static void usage(const char *prog)
{
	fprintf(stderr,
		"usage: %s [-b zram|disk] [-w share|snapshot] [-n SHARERS (1-%d)] [-m MIB] [-r REPS] [-l LABEL]\n",
		prog, MAX_SHARERS);
	exit(2);
}

static unsigned long arg_num(const char *prog, const char *s,
			     unsigned long min, unsigned long max)
{
	unsigned long v;

	if (bench_arg_ulong(s, min, max, &v))
		usage(prog);
	return v;
}

int main(int argc, char **argv)
{
	struct bench_env env;
	int c, rep, ret = 1;

	while ((c = getopt(argc, argv, "b:w:n:m:r:l:")) != -1) {
		switch (c) {
		case 'b':
			if (!strcmp(optarg, "zram"))
				opt.backend = SWAP_BACKEND_ZRAM;
			else if (!strcmp(optarg, "disk"))
				opt.backend = SWAP_BACKEND_DISK;
			else
				usage(argv[0]);
			break;
		case 'w':
			if (!strcmp(optarg, "share"))
				opt.workload = WL_SHARE;
			else if (!strcmp(optarg, "snapshot"))
				opt.workload = WL_SNAPSHOT;
			else
				usage(argv[0]);
			break;
		case 'n':
			opt.nr_sharers = arg_num(argv[0], optarg, 1, MAX_SHARERS);
			break;
		case 'm':
			opt.mib = arg_num(argv[0], optarg, 1, 4096);
			break;
		case 'r':
			opt.reps = arg_num(argv[0], optarg, 1, 1000);
			break;
		case 'l':
			opt.label = optarg;
			break;
		default:
			usage(argv[0]);
		}
	}
	if (optind != argc)
		usage(argv[0]);

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (bench_env_setup(&env, opt.backend, "bench"))
		return 1;
	for (rep = 1; rep <= opt.reps; rep++)
		if (run_once(&env.cg, rep))
			goto out;
	ret = 0;
out:
	bench_env_teardown(&env);
	return ret;
}
