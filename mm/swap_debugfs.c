// SPDX-License-Identifier: GPL-2.0
/*
 * /sys/kernel/debug/swap/slots: the swap slots in use, with their swap
 * counts and swap cache state, to debug leaked or miscounted swap entries.
 *
 * Reading prints a line naming the columns, then one line per slot in use
 * on each swap device that is on, by type then offset:
 *
 *   type offset map count has_cache in_swapcache pfn mapcount refcount
 *
 * type:         index of the device in swap_info[], as in swp_type()
 * offset:       offset of the slot in the device, in pages
 * map:          the slot's swap_map byte, in hex
 * count:        references from page tables and shmem, swap count
 *               continuations included; 1 for a slot owned by shmem
 * has_cache:    1 if the slot has SWAP_HAS_CACHE: the swap cache holds a
 *               folio for it or is about to, or the slot waits in the
 *               swap slots cache, allocated or being freed
 * in_swapcache: 1 if the swap cache (swapper_spaces[]) holds a folio for
 *               the slot
 * pfn:          folio_pfn() of that folio, in hex
 * mapcount:     folio_mapcount() of that folio
 * refcount:     folio_ref_count() of that folio, less the reference taken
 *               to read it
 *
 * The last three are "-" when the swap cache holds no folio. Each line is
 * a snapshot: map and count are read under the slot's cluster lock, the
 * folio afterwards, so a slot changing meanwhile can show both states.
 *
 * Writing "TYPE OFFSET [COUNT]" (numbers in C notation) restricts files
 * opened afterwards to the COUNT slots (default 1) from OFFSET of device
 * TYPE; writing "all" or an empty line lifts the restriction. TYPE must
 * be on and the slots within it, else the write fails with -EINVAL.
 *
 * This is a debugging aid, not ABI: the format may change at any time.
 */

#include <linux/debugfs.h>
#include <linux/init.h>
#include <linux/kstrtox.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/pagemap.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/string.h>
#include <linux/swap.h>
#include <linux/swapops.h>
#include <linux/uaccess.h>
#include "swap.h"

/* Longest write accepted: "TYPE OFFSET COUNT" with room for hex and spaces */
#define SWAP_SLOTS_WRITE_MAX	64

/* Slots scanned between two cond_resched() calls */
#define SWAP_SLOTS_BATCH	1024

/*
 * seq_file positions: 0 is the header line, 1 + (type << 32 | offset) the
 * slot at offset of device type (si->max is an unsigned int).
 */
#define SWAP_SLOTS_POS_SHIFT	32
#define SWAP_SLOTS_POS_MASK	((1ULL << SWAP_SLOTS_POS_SHIFT) - 1)

/**
 * struct swap_slots_range - The slots a read shows.
 * @all: Every slot of every device; the other fields are unused.
 * @type: The device.
 * @start: The first slot.
 * @end: The slot after the last one.
 */
struct swap_slots_range {
	bool all;
	unsigned int type;
	unsigned long start;
	unsigned long end;
};

/* The selection last written, copied by each open. */
static DEFINE_MUTEX(swap_slots_mutex);
/* Protected by swap_slots_mutex. */
static struct swap_slots_range swap_slots_sel = { .all = true };

/**
 * struct swap_slots_iter - An open file's iterator, its seq_file's private.
 * @range: The slots to show, copied from swap_slots_sel at open.
 * @si: The device of the current slot, pinned from ->start() to ->stop()
 *	with get_swap_device_by_type(), or NULL.
 * @type: Current slot: its device.
 * @offset: Current slot: its offset.
 * @map: Current slot: its swap_map byte.
 * @count: Current slot: its references, see swap_slot_usage().
 * @in_swapcache: Current slot: the swap cache holds a folio for it.
 * @pfn: Current slot's folio, if @in_swapcache: folio_pfn().
 * @mapcount: Current slot's folio: folio_mapcount().
 * @refcount: Current slot's folio: folio_ref_count(), less ours.
 *
 * The seq_file callbacks run under the seq_file's lock, which thus
 * protects all fields.
 */
struct swap_slots_iter {
	struct swap_slots_range range;
	struct swap_info_struct *si;
	unsigned int type;
	unsigned long offset;
	unsigned char map;
	unsigned long count;
	bool in_swapcache;
	unsigned long pfn;
	int mapcount;
	int refcount;
};

static loff_t swap_slots_pos(unsigned int type, unsigned long offset)
{
	return (((loff_t)type << SWAP_SLOTS_POS_SHIFT) | offset) + 1;
}

static void swap_slots_unpin(struct swap_slots_iter *it)
{
	if (it->si) {
		put_swap_device(it->si);
		it->si = NULL;
	}
}

/* Pin device @type in @it->si, unless it is off. */
static bool swap_slots_pin(struct swap_slots_iter *it, unsigned int type)
{
	if (it->si && it->si->type == type)
		return true;
	swap_slots_unpin(it);
	it->si = get_swap_device_by_type(type);
	return it->si;
}

/* Read slot @offset of the pinned device into @it; false if it is free. */
static bool swap_slots_read(struct swap_slots_iter *it, unsigned long offset)
{
	struct swap_info_struct *si = it->si;
	swp_entry_t entry = swp_entry(si->type, offset);
	struct folio *folio;
	swp_entry_t swap;

	it->map = swap_slot_usage(si, offset, &it->count);
	if (!it->map || it->map == SWAP_MAP_BAD)
		return false;
	it->type = si->type;
	it->offset = offset;
	it->in_swapcache = false;

	/*
	 * The swap cache is looked up like the page cache: this takes a
	 * reference on the folio, so it cannot be freed while we look at it,
	 * but it can leave the swap cache, which we check afterwards.
	 */
	folio = filemap_get_folio(swap_address_space(entry),
				  swap_cache_index(entry));
	if (IS_ERR(folio))
		return true;

	swap.val = READ_ONCE(folio->swap.val);
	if (folio_test_swapcache(folio) && swp_type(swap) == si->type &&
	    offset - swp_offset(swap) < folio_nr_pages(folio)) {
		it->in_swapcache = true;
		it->pfn = folio_pfn(folio);
		it->mapcount = folio_mapcount(folio);
		it->refcount = folio_ref_count(folio) - 1;
	}
	folio_put(folio);
	return true;
}

/*
 * Find the first slot in use at or after slot @offset of device @type,
 * within @it->range, and read it into @it. Swapped off devices are skipped;
 * the device of the slot found stays pinned.
 */
static bool swap_slots_find(struct swap_slots_iter *it, unsigned int type,
			    unsigned long offset)
{
	const struct swap_slots_range *range = &it->range;
	unsigned int last = MAX_SWAPFILES - 1;
	unsigned long end;
	unsigned char map;

	if (!range->all) {
		if (type < range->type) {
			type = range->type;
			offset = range->start;
		}
		last = range->type;
	}

	for (; type <= last; type++, offset = 0) {
		if (!swap_slots_pin(it, type))
			continue;

		end = it->si->max;
		if (!range->all) {
			offset = max(offset, range->start);
			end = min(end, range->end);
		}
		for (; offset < end; offset++) {
			if (!(offset % SWAP_SLOTS_BATCH))
				cond_resched();
			/* A cheap unlocked look first, as find_next_to_unuse() */
			map = READ_ONCE(it->si->swap_map[offset]);
			if (!map || map == SWAP_MAP_BAD)
				continue;
			if (swap_slots_read(it, offset))
				return true;
		}
	}

	swap_slots_unpin(it);
	return false;
}

static void *swap_slots_start(struct seq_file *m, loff_t *pos)
{
	struct swap_slots_iter *it = m->private;
	loff_t slot;

	if (!*pos)
		return SEQ_START_TOKEN;

	slot = *pos - 1;
	if (!swap_slots_find(it, slot >> SWAP_SLOTS_POS_SHIFT,
			     slot & SWAP_SLOTS_POS_MASK))
		return NULL;
	*pos = swap_slots_pos(it->type, it->offset);
	return it;
}

static void *swap_slots_next(struct seq_file *m, void *v, loff_t *pos)
{
	struct swap_slots_iter *it = m->private;
	bool found;

	if (v == SEQ_START_TOKEN)
		found = swap_slots_find(it, 0, 0);
	else
		found = swap_slots_find(it, it->type, it->offset + 1);

	if (!found) {
		*pos = swap_slots_pos(MAX_SWAPFILES, 0);
		return NULL;
	}
	*pos = swap_slots_pos(it->type, it->offset);
	return it;
}

static void swap_slots_stop(struct seq_file *m, void *v)
{
	swap_slots_unpin(m->private);
}

static int swap_slots_show(struct seq_file *m, void *v)
{
	struct swap_slots_iter *it = m->private;

	if (v == SEQ_START_TOKEN) {
		seq_puts(m, "type offset map count has_cache in_swapcache pfn mapcount refcount\n");
		return 0;
	}

	seq_printf(m, "%u %lu 0x%02x %lu %d %d", it->type, it->offset,
		   it->map, it->count, !!(it->map & SWAP_HAS_CACHE),
		   it->in_swapcache);
	if (it->in_swapcache)
		seq_printf(m, " 0x%lx %d %d\n", it->pfn, it->mapcount,
			   it->refcount);
	else
		seq_puts(m, " - - -\n");
	return 0;
}

static const struct seq_operations swap_slots_seq_ops = {
	.start	= swap_slots_start,
	.next	= swap_slots_next,
	.stop	= swap_slots_stop,
	.show	= swap_slots_show,
};

static int swap_slots_open(struct inode *inode, struct file *file)
{
	struct swap_slots_iter *it;

	it = __seq_open_private(file, &swap_slots_seq_ops, sizeof(*it));
	if (!it)
		return -ENOMEM;

	mutex_lock(&swap_slots_mutex);
	it->range = swap_slots_sel;
	mutex_unlock(&swap_slots_mutex);
	return 0;
}

/* Parse "TYPE OFFSET [COUNT]" into @range; -EINVAL unless all is valid. */
static int swap_slots_parse(char *buf, struct swap_slots_range *range)
{
	unsigned long offset, nr = 1;
	struct swap_info_struct *si;
	char *args[3], *arg;
	unsigned int type;
	int argc = 0;
	bool valid;

	while ((arg = strsep(&buf, " \t"))) {
		if (!*arg)
			continue;
		if (argc == ARRAY_SIZE(args))
			return -EINVAL;
		args[argc++] = arg;
	}
	if (argc < 2)
		return -EINVAL;
	if (kstrtouint(args[0], 0, &type) || kstrtoul(args[1], 0, &offset))
		return -EINVAL;
	if (argc == 3 && kstrtoul(args[2], 0, &nr))
		return -EINVAL;
	if (!nr)
		return -EINVAL;

	si = get_swap_device_by_type(type);
	if (!si)
		return -EINVAL;
	valid = offset < si->max && nr <= si->max - offset;
	put_swap_device(si);
	if (!valid)
		return -EINVAL;

	range->all = false;
	range->type = type;
	range->start = offset;
	range->end = offset + nr;
	return 0;
}

static ssize_t swap_slots_write(struct file *file, const char __user *ubuf,
				size_t len, loff_t *ppos)
{
	struct swap_slots_range range = { .all = true };
	char buf[SWAP_SLOTS_WRITE_MAX];
	char *cmd;
	int ret;

	if (!len)
		return 0;
	if (len >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	if (memchr(buf, '\0', len))
		return -EINVAL;
	buf[len] = '\0';

	cmd = strim(buf);
	if (*cmd && strcmp(cmd, "all")) {
		ret = swap_slots_parse(cmd, &range);
		if (ret)
			return ret;
	}

	mutex_lock(&swap_slots_mutex);
	swap_slots_sel = range;
	mutex_unlock(&swap_slots_mutex);
	return len;
}

static const struct file_operations swap_slots_fops = {
	.open		= swap_slots_open,
	.read		= seq_read,
	.write		= swap_slots_write,
	.llseek		= seq_lseek,
	.release	= seq_release_private,
};

static int __init swap_debugfs_init(void)
{
	struct dentry *dir = debugfs_create_dir("swap", NULL);

	/* Root only: the file shows page frame numbers. */
	debugfs_create_file("slots", 0600, dir, NULL, &swap_slots_fops);
	return 0;
}
late_initcall(swap_debugfs_init);
