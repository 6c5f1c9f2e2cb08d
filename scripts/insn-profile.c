// SPDX-License-Identifier: GPL-2.0
/*
 * insn-profile: a QEMU TCG plugin that counts the guest instructions
 * executed per translation block of kernel code, for scripts/bench.sh's
 * "profile" part.
 *
 *   qemu-system-x86_64 ... -icount shift=0 \
 *	-plugin insn-profile.so,trigger=ADDR,out=FILE
 *
 * Every time the guest executes the block that starts at ADDR (the entry
 * of a kernel function), the plugin closes an interval: it writes the
 * instructions each kernel block ran since the previous one, and the sum
 * for user space, to FILE. The last interval closes when QEMU exits.
 * FILE then holds, for each interval K:
 *
 *   interval K user INSNS
 *   VADDR NINSNS COUNT        one line per kernel block that ran
 *
 * where COUNT * NINSNS is the block's share. scripts/insn-profile.py maps
 * VADDR to functions with System.map. With -icount shift=0 the guest
 * clock advances 1 ns per instruction, so the totals match the times the
 * guest measures.
 *
 * Only the few functions of QEMU's plugin API (version 1, QEMU 7.2 and
 * later) that this needs are declared here, so that it builds without
 * QEMU's headers.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef uint64_t qemu_plugin_id_t;
struct qemu_plugin_tb;
struct qemu_info;

#define EXPORT __attribute__((visibility("default")))

EXPORT int qemu_plugin_version = 1;

enum { QEMU_PLUGIN_INLINE_ADD_U64 = 0 };
enum { QEMU_PLUGIN_CB_NO_REGS = 0 };

void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id,
		void (*cb)(qemu_plugin_id_t id, struct qemu_plugin_tb *tb));
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
uint64_t qemu_plugin_tb_vaddr(const struct qemu_plugin_tb *tb);
void qemu_plugin_register_vcpu_tb_exec_inline(struct qemu_plugin_tb *tb,
		int op, void *ptr, uint64_t imm);
void qemu_plugin_register_vcpu_tb_exec_cb(struct qemu_plugin_tb *tb,
		void (*cb)(unsigned int vcpu_index, void *userdata),
		int flags, void *userdata);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id,
		void (*cb)(qemu_plugin_id_t id, void *userdata),
		void *userdata);

/* x86-64: kernel addresses have the top bit set. */
#define KERNEL_START	0xffff800000000000ull
#define MAX_BLOCKS	(1u << 20)
#define HASH_SIZE	(1u << 21)

struct block {
	uint64_t vaddr;
	uint64_t count;		/* executions, updated inline by TCG */
	uint64_t last;		/* count when the previous interval closed */
	uint32_t ninsns;
};

static struct block *blocks;
static uint32_t *hash;		/* index into blocks + 1, 0: empty */
static uint32_t nr_blocks;
static uint64_t user_insns, user_last;
static uint64_t trigger;
static unsigned int interval;
static FILE *out;

/*
 * One counter per (vaddr, ninsns): a block translated again, after a
 * flush, keeps its counter.
 */
static struct block *block_get(uint64_t vaddr, uint32_t ninsns)
{
	uint32_t h = (uint32_t)((vaddr * 0x9e3779b97f4a7c15ull) >> 43);

	for (;; h = (h + 1) & (HASH_SIZE - 1)) {
		struct block *b;

		if (!hash[h]) {
			if (nr_blocks == MAX_BLOCKS)
				return NULL;
			b = &blocks[nr_blocks++];
			b->vaddr = vaddr;
			b->ninsns = ninsns;
			hash[h] = nr_blocks;
			return b;
		}
		b = &blocks[hash[h] - 1];
		if (b->vaddr == vaddr && b->ninsns == ninsns)
			return b;
	}
}

static void interval_close(void)
{
	uint32_t i;

	fprintf(out, "interval %u user %llu\n", interval++,
		(unsigned long long)(user_insns - user_last));
	user_last = user_insns;
	for (i = 0; i < nr_blocks; i++) {
		struct block *b = &blocks[i];

		if (b->count == b->last)
			continue;
		fprintf(out, "%llx %u %llu\n", (unsigned long long)b->vaddr,
			b->ninsns, (unsigned long long)(b->count - b->last));
		b->last = b->count;
	}
}

static void on_trigger(unsigned int vcpu_index, void *userdata)
{
	interval_close();
}

static void on_translate(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	uint64_t vaddr = qemu_plugin_tb_vaddr(tb);
	size_t n = qemu_plugin_tb_n_insns(tb);
	struct block *b;

	if (vaddr < KERNEL_START) {
		qemu_plugin_register_vcpu_tb_exec_inline(tb,
				QEMU_PLUGIN_INLINE_ADD_U64, &user_insns, n);
		return;
	}
	b = block_get(vaddr, n);
	if (b)
		qemu_plugin_register_vcpu_tb_exec_inline(tb,
				QEMU_PLUGIN_INLINE_ADD_U64, &b->count, 1);
	if (vaddr == trigger)
		qemu_plugin_register_vcpu_tb_exec_cb(tb, on_trigger,
				QEMU_PLUGIN_CB_NO_REGS, NULL);
}

static void on_qemu_exit(qemu_plugin_id_t id, void *userdata)
{
	interval_close();
	if (nr_blocks == MAX_BLOCKS)
		fprintf(out, "overflow: more than %u kernel blocks\n",
			MAX_BLOCKS);
	fclose(out);
}

EXPORT int qemu_plugin_install(qemu_plugin_id_t id,
			       const struct qemu_info *info,
			       int argc, char **argv)
{
	const char *path = NULL;
	int i;

	for (i = 0; i < argc; i++) {
		if (!strncmp(argv[i], "trigger=", 8))
			trigger = strtoull(argv[i] + 8, NULL, 16);
		else if (!strncmp(argv[i], "out=", 4))
			path = argv[i] + 4;
		else {
			fprintf(stderr, "insn-profile: unknown argument %s\n",
				argv[i]);
			return -1;
		}
	}
	if (!trigger || !path) {
		fprintf(stderr, "insn-profile: usage: trigger=HEXADDR,out=FILE\n");
		return -1;
	}
	out = fopen(path, "w");
	blocks = calloc(MAX_BLOCKS, sizeof(*blocks));
	hash = calloc(HASH_SIZE, sizeof(*hash));
	if (!out || !blocks || !hash) {
		perror("insn-profile");
		return -1;
	}
	qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
	qemu_plugin_register_atexit_cb(id, on_qemu_exit, NULL);
	return 0;
}
