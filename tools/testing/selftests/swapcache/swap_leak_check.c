// SPDX-License-Identifier: GPL-2.0
/*
 * The "nothing leaked" check of the swap cache selftests (leak_check()
 * in swap_util.c), for a soak script or a test script to run at its end,
 * once every process of its test has exited:
 *
 *   swap_leak_check [-c CGROUP]...
 *
 * Every swap area still on is the caller's: together they must have no
 * slot in use (/proc/swaps Used 0, SwapFree equal to SwapTotal), then
 * each is swapped off, which must succeed. Then SwapCached must be 0,
 * zram must hold nothing and use no memory (its swap header, block 0, is
 * discarded: mkswap it again to reuse it), and zswap must store no page.
 * Each CGROUP (a path, or a name under /sys/fs/cgroup) must have no
 * process left, no anon memory (memory.stat anon and swapcached) and,
 * after swapoff, no swap (memory.swap.current) charged to it, and is
 * removed; so are memory cgroups the selftests left (swapcache_test.*).
 *
 * Prints KTAP with one result, "leak_check"; exits 0 if nothing leaked.
 */
#define _GNU_SOURCE
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../kselftest.h"
#include "swap_util.h"

#define MAX_CGROUPS	8

int main(int argc, char **argv)
{
	char *cgroups[MAX_CGROUPS + 1] = { NULL };
	int opt, nr = 0;

	ksft_print_header();
	ksft_set_plan(1);
	if (geteuid())
		ksft_exit_skip("needs root\n");
	while ((opt = getopt(argc, argv, "c:")) != -1) {
		if (opt != 'c' || nr == MAX_CGROUPS)
			ksft_exit_fail_msg("usage: %s [-c CGROUP]... (at most %d)\n",
					   argv[0], MAX_CGROUPS);
		if (optarg[0] == '/')
			cgroups[nr] = strdup(optarg);
		else if (asprintf(&cgroups[nr], "/sys/fs/cgroup/%s", optarg) < 0)
			cgroups[nr] = NULL;
		if (!cgroups[nr++])
			ksft_exit_fail_msg("out of memory\n");
	}
	if (optind < argc)
		ksft_exit_fail_msg("usage: %s [-c CGROUP]...\n", argv[0]);
	ksft_test_result(!leak_check(LEAK_CHECK_SWAPON,
				     (const char *const *)cgroups),
			 "leak_check\n");
	ksft_finished();
}
