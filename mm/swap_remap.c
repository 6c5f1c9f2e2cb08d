// SPDX-License-Identifier: GPL-2.0
/*
 * Swap-in remap: map a shared anonymous folio back into every sharer at
 * the first swap-in, the mirror image of try_to_unmap() at swap-out (in
 * the default mode, for a folio of many sharers, once enough of them
 * have read it).
 *
 * Reclaim unmaps a folio shared by N processes in one rmap walk: every
 * PTE gets the same swap entry and the entry's swap count becomes N.
 * Without this file, swap-in undoes that one PTE per fault: the first
 * sharer reads the folio into the swap cache and maps it, and each of the
 * other N - 1 sharers later takes its own minor fault, a swap cache hit,
 * to map the same folio again.  Until the last of them has faulted, the
 * swap slot (on zram, its compressed copy in RAM too) stays allocated.
 *
 * Here, once do_swap_page() has mapped an order-0 anonymous folio that
 * is still in the swap cache while other references to its entry remain,
 * swapin_remap() walks the anon_vma interval tree, and in every VMA whose
 * PTE still holds exactly that swap entry, installs a read-only,
 * non-exclusive, old PTE for the folio and drops the PTE's swap
 * reference.  The walk is batched: the neighbouring swap PTEs of the
 * faulting VMA whose folios are already in the swap cache (swap
 * readahead, earlier faults) join the walk, so that one anon_vma lock,
 * one interval tree pass and one PTL hold per page table per VMA cover a
 * window of up to SWAP_REMAP_BATCH pages.  The same pass maps them into
 * the faulting mm as well (fault-around for the swap cache).
 *
 * A folio that swap readahead brought in and no fault has found yet
 * (PG_readahead) is a guess.  It joins only while readahead is proven
 * right in the faulting VMA: a fault has found one of its folios since
 * readahead last sized its window (swap_cache_ra_proven()).  Until then
 * it is left to its own fault, as filemap_map_pages() leaves the page
 * cache's readahead folios: mapped and counted on a guess, the guesses of
 * random access would grow the window to its maximum, to be reclaimed
 * unread and read again.  (PG_readahead is PG_reclaim: a folio under
 * writeback for reclaim looks like a guess too, and is left to its fault
 * as well.)  Every member mapped in the faulting VMA does the readahead
 * accounting of the fault it saves (swap_cache_ra_hit()): a guess counts
 * its hit, and the VMA's readahead address ends at the member farthest
 * from the fault, as faults in the direction of access would have left
 * it.  So sequential access takes the fault that reads a window and the
 * fault of its first guess, the batch maps the rest, and the fault after
 * the batch reads the next window on, forward or backward, at full size.
 *
 * Under "auto", the default, a folio whose entry has more than
 * SWAP_REMAP_EAGER other references takes part only once at least as
 * many PTEs map it as other references remain (swap_remap_wanted()):
 * until then a fault on it is the stock fault, and it stays out of other
 * faults' batches.
 *
 * Afterwards the swap slots are freed as /sys/kernel/mm/swap/swapin_remap
 * says; see enum swapin_remap_mode.  The fault frees them itself, after
 * the walk, with folios_free_swap(): when it returns, SwapFree and zram
 * have them back.
 *
 * Lock order (the same as rmap_walk()'s, and it is the only one used):
 *
 *   mmap_lock of the faulting mm, read, or the faulting VMA's lock
 *     folio lock of the faulting folio (folio_trylock())
 *       folio locks of the other batch members (folio_trylock() only)
 *         anon_vma->root->rwsem, read (anon_vma_trylock_read() only)
 *           page table lock of one PTE table at a time, any mm
 *       swap cluster lock (swap_put_refs()), after the anon_vma lock is
 *       dropped
 *       the locks of folios_free_swap(), after that, one after the other:
 *       the swap cluster lock, the swap cache XArray lock, then si->lock
 *       with the cluster lock (and the device's slot_free_notify()) under
 *       it, as folio_free_swap() and put_swap_folio() take them
 *
 * swapin_remap_prepare() runs earlier, in do_swap_page() with the folio
 * locked and the faulting PTL held; under "auto" it may take the swap
 * cluster lock there (swp_swapcount()), as swap_free_nr() does.
 *
 * No mmap_lock of another mm is taken: as in try_to_unmap(), the
 * anon_vma lock keeps every VMA found in the tree, and its page tables,
 * from being freed (free_pgtables() unlinks the VMA from its anon_vmas
 * under the anon_vma lock before it frees the tables), and the PTL
 * serialises each PTE.  The swap device cannot go away: do_swap_page()
 * holds get_swap_device() across the fault and the remap, and only
 * entries of that device join the batch.  All the locks but the PTL are
 * only tried: contention means that someone else is working on the
 * folio or on the tree, and the fault path gives up rather than waits.
 *
 * Every PTE changes only under its PTL and only from the exact swap
 * entry of a locked swap cache folio to a present PTE of that folio, and
 * for each such change the walk takes over the PTE's swap reference: it
 * drops all of them after the walk, before it unlocks the folios, one
 * swap cluster lock per run of consecutive slots (swap_put_refs()).  In
 * between, a count is too high by the references taken over, which only
 * keeps the slot from being freed, and the folio lock keeps it anyway.
 * So each PTE ends up either with its old swap entry or mapping the
 * folio, and each reference is dropped exactly once, by whoever changed
 * the PTE.
 * The races, one column per CPU, time going down:
 *
 * 1) Another sharer faults on the same entry.
 *
 *	CPU0 (swapin_remap)		CPU1 (do_swap_page, sharer B)
 *	folio_trylock()
 *					swap_cache_get_folio(): ref
 *					folio_lock_or_retry(): waits
 *	PTL(B); B's pte == entry:
 *	  set_pte_at(B, folio)
 *	PTL(B) unlock
 *	swap_put_refs(entry)
 *	folio_unlock()
 *					folio locked
 *					PTL(B); !pte_same(): out_nomap,
 *					the fault is done
 *
 *   If CPU0 freed the swap cache ("free" mode), CPU1 sees
 *   !folio_test_swapcache() and returns to refault on the present PTE.
 *
 * 2) munmap(), exit_mmap() or MADV_DONTNEED zaps a sharer.
 *
 *	CPU0 (swapin_remap)		CPU1 (zap_pte_range)
 *					PTL(B)
 *					pte = swap entry:
 *					  free_swap_and_cache_nr()
 *					  pte_clear()
 *					PTL(B) unlock
 *	PTL(B); pte_none: skip
 *
 *   or the other way round: CPU0 maps the folio first, and the zap finds
 *   a present PTE and removes the rmap, the reference and the counters as
 *   for any mapped anonymous page.  Page tables are freed only after the
 *   VMA left the anon_vma tree, under the anon_vma write lock, so not
 *   while CPU0 holds the read lock.
 *
 * 3) fork() copies a sharer.
 *
 *	CPU0 (swapin_remap)		CPU1 (copy_nonpresent_pte)
 *					anon_vma_fork(): child VMA in tree
 *					PTL(parent), PTL(child)
 *					swap_duplicate(entry): count + 1
 *					child pte = entry
 *					unlock both
 *	PTL(parent); pte == entry: map
 *	PTL(child); pte == entry: map
 *	swap_put_refs(entry): count - 2
 *
 *   If CPU0 takes the parent's PTL first, the copy finds a present PTE
 *   and duplicates the anon rmap (folio_try_dup_anon_rmap_pte()).  If the
 *   tree order makes CPU0 pass the child's VMA before the copy, the child
 *   keeps the entry and faults later as without this file.  The walk
 *   stops early once it has mapped as many PTEs as the entry had swap
 *   references when its folio joined; a reference copied after that read
 *   can make it stop before the child, which then also faults later.
 *   The free decision reads the count again after the walk, and a count
 *   of 0 is stable: new references are only made by copying a PTE that
 *   holds one.
 *
 * 4) mprotect() of a sharer.
 *
 *	CPU0 (swapin_remap)		CPU1 (mprotect_fixup)
 *					vma->vm_page_prot = new
 *					change_pte_range(): PTL(B) ...
 *	PTL(B)
 *	prot = vma->vm_page_prot
 *	set_pte_at(mk_pte(prot))
 *	PTL(B) unlock
 *					... PTL(B): fixes the PTE up
 *
 *   vm_page_prot and vm_flags are read under the PTL, as in
 *   remove_migration_pte(): a PTE made before change_pte_range() reaches
 *   it is rewritten by it; one made after it read the new protection.
 *
 * 5) mremap() moves a sharer's PTEs (move_ptes(), with or without the rmap
 *    locks).
 *
 *	CPU0 (swapin_remap)		CPU1 (move_ptes)
 *					PTL(old), PTL(new)
 *					pte = ptep_get_and_clear(old)
 *					set_pte_at(new, pte)
 *					unlock both
 *	walks old VMA: pte_none: skip
 *	walks new VMA (if not yet
 *	passed): pte == entry: map
 *
 *   A PTE moved behind the walk is missed and faults later as before; a
 *   PTE that CPU0 mapped first is moved as a present PTE.  Neither drops
 *   a reference twice: each drop goes with the PTE value it replaced.
 *
 * 6) swapoff().
 *
 *	CPU0 (swapin_remap)		CPU1 (unuse_pte_range)
 *	holds si (get_swap_device)
 *	folio_trylock()
 *					swap_cache_get_folio(): ref
 *					folio_lock(): waits
 *	maps under PTLs
 *	swap_put_refs()
 *	folio_unlock()
 *					unuse_pte(): !pte_same(): skip
 *					try_to_unuse() loops until the
 *					device is empty; swapoff waits for
 *					si users before freeing swap_map
 *
 * 7) Reclaim of the same folio: shrink_folio_list() locks the folio with
 *    folio_trylock() and so skips it while the walk runs, and
 *    folio_free_swap() by anyone needs the folio lock: the slot and the
 *    swap cache entry cannot be freed or reused under the walk.
 */

#include <linux/cacheflush.h>
#include <linux/kobject.h>
#include <linux/ksm.h>
#include <linux/memcontrol.h>
#include <linux/mm.h>
#include <linux/mm_inline.h>
#include <linux/pagemap.h>
#include <linux/rmap.h>
#include <linux/sched/coredump.h>
#include <linux/string.h>
#include <linux/swap.h>
#include <linux/swapops.h>
#include <linux/sysfs.h>
#include <linux/userfaultfd_k.h>
#include <linux/vm_event_item.h>
#include <linux/vmstat.h>

#include "internal.h"
#include "swap.h"

/*
 * SWAP_REMAP_BATCH - pages of the faulting VMA handled by one walk.
 *
 * The window is the naturally aligned block of this many pages around the
 * fault, clipped to the VMA (it never crosses a page table of the
 * faulting VMA).  16 covers the largest swap readahead window of the
 * default page-cluster (3, 8 pages) even when the fault is not aligned to
 * it, and keeps the per-walk state on the stack small.
 */
#define SWAP_REMAP_BATCH	16

/*
 * SWAP_REMAP_BUDGET - most PTE slots one fault may examine.
 *
 * A VMA in which a member is left to map costs a unit for every slot of
 * the window that one of its page tables covers, member or not, and one
 * more per page table (a window split over two page tables costs 18).
 * The walk checks the budget before each VMA it would visit (not a dying
 * mm's, not hugetlb); a fault that runs out with one still to visit gives
 * up the rest of the walk (counted in swapin_remap_abort), and the
 * sharers not reached keep their swap PTEs and fault as without the
 * remap.  So 512 units reach 31 VMAs of a full 16-page window (17 units
 * each: the 31st starts with 2 left and overdraws by 15), the faulting
 * VMA included, or 256 VMAs of one page, and cost on the order of 50 us
 * of CPU time on current hardware.
 */
#define SWAP_REMAP_BUDGET	512

/*
 * SWAP_REMAP_EAGER - other references of an entry that "auto" maps on any
 * fault.  A snapshot leaves one: a BGSAVE child and its parent.  Beyond
 * this many, see swap_remap_wanted().
 */
#define SWAP_REMAP_EAGER	3

/**
 * enum swapin_remap_mode - the policy of /sys/kernel/mm/swap/swapin_remap
 * @SWAPIN_REMAP_NEVER: no remap; swap-in is the stock one.
 * @SWAPIN_REMAP_KEEP: remap, then free the swap slot only where the
 *	stock fault would: the swap or memcg is half full
 *	(mem_cgroup_swap_full()), or the folio is mlocked or was mapped
 *	into a VM_LOCKED VMA (see should_try_to_free_swap()).  A clean
 *	folio can then be reclaimed again without another write.
 * @SWAPIN_REMAP_FREE: remap, and free the swap slot and the swap cache as
 *	soon as no swap reference remains, before the fault returns.  On
 *	zram this gives the compressed copy back at once.
 * @SWAPIN_REMAP_AUTO: "free" on devices with SWP_SYNCHRONOUS_IO (zram,
 *	pmem: the slot's copy is RAM, or rewriting it is cheap), except for
 *	a folio whose memory cgroup is due for reclaim
 *	(swap_remap_memcg_full()), which is "keep"; "keep" on the others
 *	(disk: the slot costs no RAM, and keeping it saves a write when the
 *	folio is reclaimed again); and a folio with more than
 *	SWAP_REMAP_EAGER other sharers only where swap_remap_wanted()
 *	says.  The default.  See Documentation/mm/swap.rst for the
 *	measurements behind it.
 * @NR_SWAPIN_REMAP_MODES: the number of modes.
 * @SWAPIN_REMAP_AUTO_FREE: not a mode of the sysfs file: what
 *	@SWAPIN_REMAP_AUTO is on a SWP_SYNCHRONOUS_IO device, once the
 *	walk is done.
 */
enum swapin_remap_mode {
	SWAPIN_REMAP_NEVER,
	SWAPIN_REMAP_KEEP,
	SWAPIN_REMAP_FREE,
	SWAPIN_REMAP_AUTO,
	NR_SWAPIN_REMAP_MODES,
	SWAPIN_REMAP_AUTO_FREE = NR_SWAPIN_REMAP_MODES,
};

static int swapin_remap_mode __read_mostly = SWAPIN_REMAP_AUTO;

/*
 * struct swap_remap - one walk.
 * @pgoff:	pgoff of slot 0 of the batch window.
 * @nr:		slots in the window.
 * @left:	members the walk may still map (@refs not 0, not found
 *		poisoned), a bit per slot.
 * @own:	members the walk mapped in the faulting VMA, a bit per slot.
 * @budget:	units left, see SWAP_REMAP_BUDGET.
 * @root:	the anon_vma tree root that every member belongs to.
 * @vma:	the faulting VMA: a member mapped there saved a fault of its
 *		own, and does that fault's readahead accounting.
 * @ra:		readahead folios may join: swap_cache_ra_proven(@vma).
 * @wait:	"auto": a neighbour joins only if swap_remap_wanted() says so
 *		(swapin_remap_prepare() checked the faulting folio).
 * @folio:	locked member folios with a reference, or NULL.
 * @refs:	swap references of the member's entry this walk has yet to
 *		take over: the count read when it joined, less the PTEs
 *		mapped since.  An estimate that only steers the walk (zaps
 *		may drop references meanwhile, fork() may add some): the free
 *		decision reads the count again.  0: nothing left to map for it.
 * @put:	swap references of the member's entry that the walk took
 *		over, one per PTE it mapped, dropped after the walk.
 * @swp_pte:	the member's swap PTE, without the swp pte bits.
 * @pfn:	the member's page frame.
 * @mlock:	the member was mapped into a VM_LOCKED VMA.
 * @memcg:	the memcg whose limits @memcg_full last tested, or NULL.
 * @memcg_full:	swap_remap_memcg_full(@memcg): members are nearly always
 *		charged to one memcg, tested once for the batch.
 */
struct swap_remap {
	pgoff_t pgoff;
	unsigned int nr;
	unsigned long left;
	unsigned long own;
	int budget;
	struct anon_vma *root;
	struct vm_area_struct *vma;
	bool ra;
	bool wait;
	struct folio *folio[SWAP_REMAP_BATCH];
	int refs[SWAP_REMAP_BATCH];
	unsigned int put[SWAP_REMAP_BATCH];
	pte_t swp_pte[SWAP_REMAP_BATCH];
	unsigned long pfn[SWAP_REMAP_BATCH];
	bool mlock[SWAP_REMAP_BATCH];
	struct mem_cgroup *memcg;
	bool memcg_full;
};

/*
 * swap_remap_wanted - is a folio worth mapping into its other sharers
 * under "auto"?
 * @others: swap references of its entry that PTEs other than the
 *	faulting VMA's hold
 * @users: PTEs that map it, the faulting VMA's counted
 *
 * Yes for at most SWAP_REMAP_EAGER others, or at most as many as there
 * are PTEs that map the folio: about as many sharers have read it since
 * it was read in (or since reclaim last unmapped it) as still hold the
 * entry.  Under steady reclaim a PTE that reclaim unmaps again before
 * its sharer reads it costs an rmap walk and an unmap, where a folio
 * only in the swap cache costs neither: mapping every sharer on the
 * first fault then costs more than their faults (the forking server of
 * Documentation/mm/swap.rst).  With this, the walk maps at most about as
 * many PTEs beyond the faulting VMA as there are PTEs that map the folio,
 * or SWAP_REMAP_EAGER.  "keep" and "free" map every sharer.
 */
static bool swap_remap_wanted(int others, int users)
{
	return others <= max(users, SWAP_REMAP_EAGER);
}

/*
 * swap_remap_worth - swap_remap_wanted() for @entry, whose references
 * besides the faulting VMA's are its swap count less @own.
 *
 * __swap_count() leaves out the continuation digits beyond SWAP_MAP_MAX:
 * with COUNT_CONTINUED set there are at least SWAP_MAP_MAX others, and
 * the whole count (swp_swapcount(), which takes the cluster lock and
 * walks the continuation pages) is read only if @users may reach it.
 */
static bool swap_remap_worth(swp_entry_t entry, int own, int users)
{
	int count = __swap_count(entry);

	if (count & COUNT_CONTINUED) {
		if (users < SWAP_MAP_MAX)
			return false;
		count = swp_swapcount(entry);
	}
	return swap_remap_wanted(count - own, users);
}

/**
 * swapin_remap_prepare - decide whether a swap-in fault should remap
 * @folio: the folio do_swap_page() has just mapped, from the swap cache
 * @entry: the swap entry the faulting PTE held
 *
 * Called by do_swap_page() after it mapped @folio, before it unlocks it.
 * Cheap checks only: the walk itself runs from swapin_remap() once the
 * PTL is dropped.  Under "auto", a @folio that swap_remap_wanted()
 * declines gets the stock fault, without a batch.
 *
 * Context: @folio locked, the faulting PTE's PTL held, the swap device of
 * @entry pinned with get_swap_device().  Under "auto", for a count above
 * SWAP_MAP_MAX, may take the swap cluster lock (swp_swapcount()), as
 * do_swap_page()'s swap_free_nr() has just done under the same PTL.
 * Return: @folio with an extra reference if swapin_remap() should run for
 * it, else NULL.
 */
struct folio *swapin_remap_prepare(struct folio *folio, swp_entry_t entry)
{
	int mode = READ_ONCE(swapin_remap_mode);

	if (mode == SWAPIN_REMAP_NEVER)
		return NULL;
	if (folio_test_large(folio) || folio_test_ksm(folio) ||
	    !folio_test_anon(folio) || !folio_test_swapcache(folio))
		return NULL;
	/* A swap PTE never points at an exclusive page: nobody to map. */
	if (PageAnonExclusive(folio_page(folio, 0)))
		return NULL;
	/* Others still hold @entry: the point of the walk. */
	if (!__swap_count(entry))
		return NULL;
	/*
	 * The faulting PTE maps @folio and has dropped its reference: the
	 * count is the others'.  Its neighbours are mostly shared as widely,
	 * and swapin_remap() checks each of them.
	 */
	if (mode == SWAPIN_REMAP_AUTO &&
	    !swap_remap_worth(entry, 0, folio_mapcount(folio)))
		return NULL;
	folio_get(folio);
	return folio;
}

static bool swap_remap_mm_dying(struct mm_struct *mm)
{
	return !atomic_read(&mm->mm_users) ||
	       test_bit(MMF_UNSTABLE, &mm->flags);
}

/*
 * swap_remap_join - count member @i in, with its swap references, and
 * what the walk compares and maps for it.
 */
static void swap_remap_join(struct swap_remap *rm, unsigned int i)
{
	struct folio *folio = rm->folio[i];

	rm->refs[i] = __swap_count(folio->swap);
	if (rm->refs[i])
		__set_bit(i, &rm->left);
	rm->swp_pte[i] = swp_entry_to_pte(folio->swap);
	rm->pfn[i] = folio_pfn(folio);
}

/*
 * swap_remap_add - try to add @folio, found in the swap cache for the
 * neighbouring swap PTE of the faulting VMA at slot @i, which held
 * @entry, to the batch.  Takes over the reference on @folio.
 */
static void swap_remap_add(struct swap_remap *rm, unsigned int i,
			   struct folio *folio, swp_entry_t entry)
{
	if (folio_test_large(folio) || folio_test_ksm(folio) ||
	    !folio_trylock(folio))
		goto put;
	/*
	 * A guess of swap readahead, not yet proven: see the top.  Tested
	 * under the folio lock, which reclaim needs to set PG_reclaim, the
	 * same bit.  Readahead sets PG_readahead without it, after the read:
	 * a guess found before that joins as a stock fault would map it.
	 */
	if (!rm->ra && folio_test_readahead(folio))
		goto unlock;
	/* Under the folio lock: still the cache folio of @entry? */
	if (!folio_test_swapcache(folio) || folio->swap.val != entry.val ||
	    !folio_test_uptodate(folio) || folio_test_hwpoison(folio))
		goto unlock;
	if (folio_test_anon(folio)) {
		/*
		 * As ksm_might_need_to_copy(): mapped where we expect it?
		 * Compare the pointer only: nothing pins an anon_vma of a
		 * folio that may be mapped nowhere.  A folio shared by fork()
		 * is mapped from the root (__folio_set_anon()).
		 */
		if (folio_anon_vma(folio) != rm->root ||
		    folio->index != rm->pgoff + i ||
		    PageAnonExclusive(folio_page(folio, 0)))
			goto unlock;
	} else {
		/*
		 * Read by swap readahead and never mapped: it becomes anon
		 * at its first mapping below, as in do_swap_page().  Not
		 * shmem's: its entry came from an anonymous PTE.
		 */
		if (folio_mapped(folio) || folio_test_mappedtodisk(folio)) {
			VM_WARN_ON_ONCE_FOLIO(1, folio);
			goto unlock;
		}
	}
	/* The faulting VMA's PTE holds one of @entry's references. */
	if (rm->wait && !swap_remap_worth(entry, 1, folio_mapcount(folio) + 1))
		goto unlock;
	rm->folio[i] = folio;
	swap_remap_join(rm, i);
	return;
unlock:
	folio_unlock(folio);
put:
	folio_put(folio);
}

/*
 * swap_remap_candidate - may the swap cache folio of @e join @entry's batch?
 *
 * Only entries of the device that do_swap_page() pinned, and not @entry
 * again (a KSM page swapped out at several pgoffs): a folio is a member at
 * its own pgoff only.  And only entries in the swap cache: SWAP_HAS_CACHE,
 * read without the cluster lock, is a hint that spares the lookup of the
 * others; the folio lock decides.
 */
static bool swap_remap_candidate(struct swap_info_struct *si,
				 swp_entry_t entry, swp_entry_t e)
{
	if (non_swap_entry(e) || swp_type(e) != swp_type(entry) ||
	    e.val == entry.val || swp_offset(e) >= si->max)
		return false;
	/* A hint, see above: the folio lock decides. */
	return data_race(si->swap_map[swp_offset(e)]) & SWAP_HAS_CACHE;
}

/*
 * swap_remap_gather - fill the batch with the swap cache folios of the
 * faulting VMA's neighbouring swap PTEs.
 *
 * The PTEs are read without the PTL, as a hint only: each one is checked
 * again under its PTL by the walk, when the faulting VMA comes up in the
 * interval tree like any other.
 */
static void swap_remap_gather(struct swap_remap *rm, struct vm_fault *vmf,
			      swp_entry_t entry, unsigned int slot)
{
	unsigned long start = vmf->address - ((unsigned long)slot << PAGE_SHIFT);
	struct swap_info_struct *si = swp_swap_info(entry);
	swp_entry_t ent[SWAP_REMAP_BATCH], e;
	struct folio *found[SWAP_REMAP_BATCH];
	unsigned int i, j, k;
	pte_t *ptep, pte;

	ptep = pte_offset_map(vmf->pmd, start);
	if (!ptep)
		return;
	for (i = 0; i < rm->nr; i++) {
		ent[i].val = 0;
		if (i == slot)
			continue;
		pte = ptep_get_lockless(ptep + i);
		if (!is_swap_pte(pte) || pte_swp_exclusive(pte) ||
		    pte_swp_uffd_wp_any(pte))
			continue;
		e = pte_to_swp_entry(pte);
		if (swap_remap_candidate(si, entry, e))
			ent[i] = e;
	}
	pte_unmap(ptep);

	/*
	 * Look up each run of consecutive entries in one pass through the
	 * swap cache (readahead and reclaim usually leave the neighbours on
	 * neighbouring slots), within one of its XArrays.
	 */
	for (i = 0; i < rm->nr; i = j) {
		j = i + 1;
		if (!ent[i].val)
			continue;
		while (j < rm->nr && ent[j].val == ent[i].val + (j - i) &&
		       swap_cache_index(ent[j]))
			j++;
		swap_cache_get_folios(ent[i], j - i, found);
		for (k = i; k < j; k++)
			if (found[k - i])
				swap_remap_add(rm, k, found[k - i], ent[k]);
	}
}

/*
 * swap_remap_pte - map slot @i's folio at @addr in place of @ptent.
 *
 * The PTE's swap reference is taken over by the walk: swap_remap_put()
 * drops it after the walk, with the others of the member, before the
 * folio is unlocked.
 *
 * Context: the PTL of @ptep held, the folio locked; @ptent is the swap PTE
 * of the folio's entry read under that PTL.
 */
static void swap_remap_pte(struct swap_remap *rm, unsigned int i,
			   struct vm_area_struct *vma, pgprot_t prot,
			   unsigned long addr, pte_t *ptep, pte_t ptent)
{
	struct folio *folio = rm->folio[i];
	/* Order 0: its only page, without folio_page()'s pfn round trip. */
	struct page *page = &folio->page;
	swp_entry_t entry = folio->swap;
	pte_t pte;

	pte = pte_mkold(pfn_pte(rm->pfn[i], prot));
	if (pte_swp_soft_dirty(ptent))
		pte = pte_mksoft_dirty(pte);
	VM_WARN_ON_ONCE(pte_write(pte));

	folio_get(folio);
	if (!folio_test_anon(folio)) {
		/* Its first mapping: as do_swap_page() does. */
		arch_swap_restore(entry, folio);
		folio_add_new_anon_rmap(folio, vma, addr, RMAP_NONE);
	} else {
		folio_add_anon_rmap_pte(folio, page, vma, addr, RMAP_NONE);
	}
	flush_icache_page(vma, page);
	set_pte_at(vma->vm_mm, addr, ptep, pte);
	/*
	 * As do_swap_page() does after set_ptes(): sparc64 restores the ADI
	 * tags that it saved for this swap entry at unmap (VM_SPARC_ADI),
	 * under the PTL as there.  A no-op elsewhere.
	 */
	arch_do_swap_page_nr(vma->vm_mm, vma, addr, pte, ptent, 1);
	/* No flush: the PTE was not present. */
	update_mmu_cache(vma, addr, ptep);
}

/*
 * swap_remap_table - remap the batch members at @nr consecutive slots from
 * @i, which @vma maps in one page table from @addr on.
 */
static void swap_remap_table(struct swap_remap *rm, struct vm_area_struct *vma,
			     unsigned long addr, unsigned int i, unsigned int nr)
{
	struct mm_struct *mm = vma->vm_mm;
	/* The members left to map here, bit j for slot i + j. */
	unsigned long todo = (rm->left >> i) & GENMASK(nr - 1, 0);
	unsigned int mapped = 0;
	pte_t *start_pte;
	spinlock_t *ptl;	/* the PTL of start_pte's table */
	pgprot_t prot;
	bool locked;
	pmd_t *pmd;

	/* Skip the page table walk if no member here is left to map. */
	if (!todo)
		return;

	rm->budget -= nr + 1;
	pmd = mm_find_pmd(mm, addr);
	if (!pmd)
		return;
	/* NULL if there is no PTE table there (none, huge, migrating). */
	start_pte = pte_offset_map_lock(mm, pmd, addr, &ptl);
	if (!start_pte)
		return;
	/*
	 * Read under the PTL: mprotect() and mlock() update them before
	 * they walk the PTEs under this same lock.
	 */
	if (userfaultfd_wp(vma))
		goto unlock;
	prot = vma->vm_page_prot;
	locked = vma->vm_flags & VM_LOCKED;

	/* One word: __ffs() inline, not find_next_bit()'s call. */
	for (; todo; todo &= todo - 1) {
		unsigned int j = __ffs(todo), k = i + j;
		pte_t *ptep = start_pte + j;
		pte_t ptent = ptep_get(ptep);

		/*
		 * Exactly this entry, as pte_same_as_swp(): the compare
		 * strips the swp pte bits, tested after it.
		 */
		if (!pte_same(pte_swp_clear_flags(ptent), rm->swp_pte[k]))
			continue;
		if (pte_swp_uffd_wp(ptent) || pte_swp_exclusive(ptent))
			continue;
		/*
		 * memory_failure() sets PG_hwpoison before it takes the folio
		 * lock: a member found poisoned here is mapped into no further
		 * PTE of this walk.  memory_failure() usually gives the PTEs
		 * mapped before their swap entries back once the walk unlocks
		 * the folio, and the slot is kept (swap_remap_should_free()).
		 */
		if (unlikely(folio_test_hwpoison(rm->folio[k]))) {
			__clear_bit(k, &rm->left);
			continue;
		}
		swap_remap_pte(rm, k, vma, prot, addr + (j << PAGE_SHIFT),
			       ptep, ptent);
		/* Mapped in the faulting VMA: a fault saved there. */
		if (vma == rm->vma)
			__set_bit(k, &rm->own);
		rm->mlock[k] |= locked;
		rm->put[k]++;
		mapped++;
		/* The rwc->done of this walk: nobody left to map this one. */
		if (!--rm->refs[k])
			__clear_bit(k, &rm->left);
	}
unlock:
	pte_unmap_unlock(start_pte, ptl);
	if (mapped) {
		add_mm_counter(mm, MM_ANONPAGES, mapped);
		add_mm_counter(mm, MM_SWAPENTS, -(long)mapped);
		count_vm_events(SWAPIN_REMAP_PTE, mapped);
	}
}

/* swap_remap_vma - remap the batch members that @vma maps. */
static void swap_remap_vma(struct swap_remap *rm, struct vm_area_struct *vma)
{
	pgoff_t first = max(rm->pgoff, vma->vm_pgoff);
	pgoff_t last = min(rm->pgoff + rm->nr, vma->vm_pgoff + vma_pages(vma));
	unsigned long addr, end;
	unsigned int i, nr;

	while (first < last) {
		addr = vma->vm_start + ((first - vma->vm_pgoff) << PAGE_SHIFT);
		end = pmd_addr_end(addr, vma->vm_end);
		nr = min_t(unsigned long, last - first,
			   (end - addr) >> PAGE_SHIFT);
		i = first - rm->pgoff;
		swap_remap_table(rm, vma, addr, i, nr);
		first += nr;
	}
}

/*
 * swap_remap_walk - one pass over the anon_vma tree for the whole batch.
 *
 * Return: false if the walk gave up (anon_vma contention, budget).
 */
static bool swap_remap_walk(struct swap_remap *rm)
{
	struct anon_vma_chain *avc;
	bool ret = true;

	if (!anon_vma_trylock_read(rm->root))
		return false;
	anon_vma_interval_tree_foreach(avc, &rm->root->rb_root, rm->pgoff,
				       rm->pgoff + rm->nr - 1) {
		struct vm_area_struct *vma = avc->vma;

		if (swap_remap_mm_dying(vma->vm_mm) || is_vm_hugetlb_page(vma))
			continue;
		/* Out of budget with a VMA still to visit: a give-up. */
		if (rm->budget <= 0) {
			ret = false;
			break;
		}
		swap_remap_vma(rm, vma);
		if (!rm->left)
			break;
		cond_resched();
	}
	anon_vma_unlock_read(rm->root);
	return ret;
}

/*
 * swap_remap_put - drop the swap references of the PTEs the walk mapped:
 * swap_put_refs() for each run of members on consecutive slots, one swap
 * cluster lock per run (readahead and reclaim usually leave neighbours on
 * neighbouring slots).  Until then the counts are too high by what the
 * walk took over, which only makes others keep the slots: the folios are
 * locked, and nobody can free a slot or its cache folio meanwhile.
 */
static void swap_remap_put(struct swap_remap *rm)
{
	unsigned int i, j;

	for (i = 0; i < rm->nr; i = j) {
		swp_entry_t first;

		j = i + 1;
		if (!rm->put[i])
			continue;
		first = rm->folio[i]->swap;
		while (j < rm->nr && rm->folio[j] &&
		       rm->folio[j]->swap.val == first.val + (j - i))
			j++;
		swap_put_refs(first, rm->put + i, j - i);
	}
}

/*
 * swap_remap_ra - the readahead accounting of the faults that the walk
 * saved in the faulting VMA, which swap_cache_get_folios() did not do:
 * swap_cache_ra_hit() for each member mapped there, at its address.
 * Nearest to @slot, the fault's, first, so that the VMA's last fault
 * address ends at the farthest, the page that faults in the direction of
 * access would have reached last: the next window then reads on in that
 * direction, forward or backward.  Two at the same distance: the one
 * above last.
 *
 * Context: the members locked, the faulting VMA held.
 */
static void swap_remap_ra(struct swap_remap *rm, unsigned long addr,
			  unsigned int slot)
{
	/*
	 * @slot too.  Its bit is set only if something unmapped the folio
	 * after do_swap_page() unlocked it (MADV_PAGEOUT, reclaim) and the
	 * walk mapped it back: the walk saved the refault.  That refault
	 * would have found the folio in the swap cache, where the reference
	 * of swapin_remap_prepare() keeps it, and done this accounting in
	 * swap_cache_get_folio().
	 */
	unsigned long below = rm->own & GENMASK(slot, 0);
	unsigned long above = rm->own & ~GENMASK(slot, 0);
	/* The address of slot 0: the window lies in the faulting VMA. */
	unsigned long start = addr - ((unsigned long)slot << PAGE_SHIFT);
	unsigned int i;

	while (below || above) {
		/* The nearer of the nearest below and above; below on a tie. */
		if (below && (!above ||
			      slot - __fls(below) <= __ffs(above) - slot)) {
			i = __fls(below);
			__clear_bit(i, &below);
		} else {
			i = __ffs(above);
			__clear_bit(i, &above);
		}
		swap_cache_ra_hit(rm->folio[i], rm->vma,
				  start + ((unsigned long)i << PAGE_SHIFT));
	}
}

/**
 * swap_remap_memcg_full - is reclaim due in a memory cgroup?
 * @memcg: the memcg a batch member is charged to, or NULL.
 *
 * True if @memcg, or an ancestor of it, has less than a charge batch
 * (MEMCG_CHARGE_BATCH pages) left below its memory.high or its
 * memory.max.  Over memory.high, try_charge() sends the charging task
 * to reclaim, on its way back to user space, about what it charged
 * over the limit; the pages charged meanwhile come from the batch that
 * the per-CPU stock charged at once.  So a cgroup held at its
 * memory.high by one task is over it at about one charge in a batch,
 * and within a batch of it at nearly every one (with several CPUs
 * charging, the stocks spread it wider): a heuristic.  Below
 * memory.max, a batch no longer fits, and charges reclaim once the rest
 * is gone.  Reclaim there soon takes pages of the cgroup, the member
 * among the candidates: kept in the swap cache, clean, with its slot,
 * it is dropped without a write; with its slot freed it is dirty, and
 * swapping it out again means compressing and writing it again.
 * The reclaim that memory.high starts is of the charging task's own
 * cgroup, which for a folio charged elsewhere (a swap-in is charged to
 * the memcg of the swap-out) may be another.  Nearness to the system's
 * watermarks is not tested: under global reclaim alone this is false.
 *
 * Context: The member is locked and referenced: its memcg stays the
 * same, charged and alive.
 * Return: true if reclaim is due in @memcg or above it; false without
 * memcgs, for the root memcg, or where no limit is near.
 */
static bool swap_remap_memcg_full(struct mem_cgroup *memcg)
{
#ifdef CONFIG_MEMCG
	for (; memcg && !mem_cgroup_is_root(memcg);
	     memcg = parent_mem_cgroup(memcg)) {
		unsigned long usage = page_counter_read(&memcg->memory);

		usage += MEMCG_CHARGE_BATCH;
		if (usage > READ_ONCE(memcg->memory.high) ||
		    usage > READ_ONCE(memcg->memory.max))
			return true;
	}
#endif
	return false;
}

/* swap_remap_should_free - may the member's swap slot go now? */
static bool swap_remap_should_free(struct swap_remap *rm, unsigned int i,
				   int mode)
{
	struct folio *folio = rm->folio[i];

	/*
	 * memory_failure() sets PG_hwpoison before it takes the folio
	 * lock: a folio found poisoned here, once the walk is done,
	 * keeps its slot, whether or not swap_remap_table() saw the poison.
	 * Still in the swap cache, it usually gets its swap PTEs back from
	 * memory_failure() and, if clean, leaves the cache, the slot
	 * keeping the data for every sharer, as on a stock kernel.  A
	 * poison set after this test still sees the slot freed, as after
	 * folio_free_swap() in a stock do_swap_page().
	 */
	if (folio_test_hwpoison(folio))
		return false;
	/*
	 * folios_free_swap() frees only slots without a swap reference: it
	 * reads their counts under the cluster lock.
	 */
	if (mode == SWAPIN_REMAP_FREE)
		return true;
	/*
	 * "auto" on zram: "free", but "keep" where reclaim is due in the
	 * member's memcg: that of its swap-out (or the reading task's, if
	 * that one was offline at swap-in), not necessarily the faulting
	 * task's.
	 */
	if (mode == SWAPIN_REMAP_AUTO_FREE) {
		struct mem_cgroup *memcg = folio_memcg(folio);

		/* rm is zeroed: NULL, and not full, is right for no memcg */
		if (memcg != rm->memcg) {
			rm->memcg_full = swap_remap_memcg_full(memcg);
			rm->memcg = memcg;
		}
		if (!rm->memcg_full)
			return true;
	}
	/*
	 * Any swap reference left?  Read again rather than taken from
	 * @refs.  Lockless, but stable at 0: the folio lock and the cache's
	 * SWAP_HAS_CACHE keep the slot from being reused, and a new
	 * reference is only made by copying a PTE that holds one.
	 */
	if (!folio_test_swapcache(folio) || __swap_count(folio->swap))
		return false;
	/* SWAPIN_REMAP_KEEP: only where should_try_to_free_swap() would. */
	return mem_cgroup_swap_full(folio) || rm->mlock[i] ||
	       folio_test_mlocked(folio);
}

/**
 * swapin_remap - map a swapped-in folio into the other sharers of its entry
 * @vmf: the swap-in fault that mapped @folio
 * @folio: from swapin_remap_prepare(), with the extra reference it took
 * @entry: the swap entry of @folio that the faulting PTE held
 * @ret: the fault's result so far
 *
 * Walks the anon_vma tree once for @folio and the swap cache folios of
 * its neighbours in the faulting VMA, maps each of them into every PTE
 * that still holds its swap entry, then frees the swap slots that the
 * swapin_remap mode says to free, all of the window at once
 * (folios_free_swap()).  Gives up, rather than waits, on a contended
 * folio or anon_vma lock, and stops after SWAP_REMAP_BUDGET units of work.
 * Maps nothing after a memory error in @folio found before the walk
 * (%VM_FAULT_HWPOISON in @ret, or PG_hwpoison set by then), maps a folio
 * found poisoned during the walk into no further sharer, and frees no
 * slot of a folio found poisoned once the walk is done.  Drops the
 * reference on @folio.
 *
 * Context: process context, may sleep (cond_resched()).  Called by
 * do_swap_page() with the mmap_lock held for read or the VMA locked, no
 * PTL and no folio lock held, and the swap device of @entry pinned with
 * get_swap_device().
 */
void swapin_remap(struct vm_fault *vmf, struct folio *folio,
		  swp_entry_t entry, vm_fault_t ret)
{
	struct vm_area_struct *vma = vmf->vma;
	int mode = READ_ONCE(swapin_remap_mode);
	struct folio *tofree[SWAP_REMAP_BATCH];
	unsigned int nr_free = 0;
	/* Still holding the faulting VMA's lock, and so vmf->pmd? */
	bool vma_held = !(ret & (VM_FAULT_RETRY | VM_FAULT_COMPLETED));
	struct swap_remap rm;
	unsigned long start, end;
	unsigned int slot, i;

	/*
	 * A memory error in @folio: wp_page_copy() could not read it and
	 * queued memory_failure(), which may not have run yet.  Left as
	 * the fault left it, in the swap cache, a clean folio is dropped
	 * from the cache and the slot keeps the data for the other
	 * sharers, as on a stock kernel; mapped into them, and its slot
	 * freed, it would take the only copy with it.
	 */
	if (ret & (VM_FAULT_HWPOISON | VM_FAULT_HWPOISON_LARGE))
		goto put;
	if (!folio_trylock(folio)) {
		count_vm_event(SWAPIN_REMAP_ABORT);
		goto put;
	}
	/*
	 * Freed from the swap cache since the fault?  Or poisoned by a
	 * memory_failure() that ran meanwhile, which leaves a dirty folio
	 * in the cache for do_swap_page() to refuse (PageHWPoison), and
	 * not uptodate.
	 */
	if (!folio_test_swapcache(folio) || folio->swap.val != entry.val ||
	    !folio_test_anon(folio) || !folio_test_uptodate(folio) ||
	    folio_test_hwpoison(folio))
		goto unlock;

	/*
	 * Without the faulting VMA there is no anon_vma we may use: one of
	 * a folio that may be mapped nowhere is not pinned.
	 */
	if (!vma_held || folio->index != linear_page_index(vma, vmf->address))
		goto unlock;

	BUILD_BUG_ON(SWAP_REMAP_BATCH > BITS_PER_LONG);
	memset(&rm, 0, sizeof(rm));
	rm.budget = SWAP_REMAP_BUDGET;
	/*
	 * do_swap_page() mapped @folio here, so its anon_vma has this root
	 * (ksm_might_need_to_copy() checked it), and the VMA keeps the root
	 * alive even if a write fault has since replaced the folio with a
	 * copy and it is mapped nowhere.
	 */
	rm.root = vma->anon_vma->root;
	rm.vma = vma;
	rm.ra = swap_cache_ra_proven(vma);

	/*
	 * The window: the aligned SWAP_REMAP_BATCH pages around the fault
	 * in the faulting VMA, or @folio alone after an error.
	 */
	slot = 0;
	rm.nr = 1;
	if (!(ret & VM_FAULT_ERROR)) {
		start = ALIGN_DOWN(vmf->address, SWAP_REMAP_BATCH * PAGE_SIZE);
		end = start + SWAP_REMAP_BATCH * PAGE_SIZE;
		start = max(start, vma->vm_start);
		end = min(end, vma->vm_end);
		slot = (vmf->address - start) >> PAGE_SHIFT;
		rm.nr = (end - start) >> PAGE_SHIFT;
	}
	rm.pgoff = folio->index - slot;
	rm.folio[slot] = folio;
	swap_remap_join(&rm, slot);
	/* swapin_remap_prepare() checked @folio itself. */
	rm.wait = mode == SWAPIN_REMAP_AUTO;
	/* Where do_swap_page() mapped it: its VM_LOCKED counts too. */
	rm.mlock[slot] = vma->vm_flags & VM_LOCKED;
	if (rm.nr > 1)
		swap_remap_gather(&rm, vmf, entry, slot);

	if (rm.left) {
		count_vm_event(SWAPIN_REMAP_WALK);
		if (!swap_remap_walk(&rm))
			count_vm_event(SWAPIN_REMAP_ABORT);
		swap_remap_put(&rm);
		swap_remap_ra(&rm, vmf->address, slot);
	}

	if (mode == SWAPIN_REMAP_AUTO) {
		struct swap_info_struct *si = swp_swap_info(entry);

		/* Fixed at swapon, other flags are not: as do_swap_page() */
		mode = data_race(si->flags & SWP_SYNCHRONOUS_IO) ?
		       SWAPIN_REMAP_AUTO_FREE : SWAPIN_REMAP_KEEP;
	}
	/*
	 * Free here, before the fault returns, in slot order so that
	 * neighbouring slots are freed together.  On zram most of the cost
	 * is zram's (slot_free_notify(), zs_free()); handing it to a worker
	 * saved no time in the faulting task when measured (see
	 * Documentation/mm/swap.rst) and left the slots of the last windows
	 * held after the faults had stopped.
	 */
	for (i = 0; i < rm.nr; i++)
		if (rm.folio[i] && swap_remap_should_free(&rm, i, mode))
			tofree[nr_free++] = rm.folio[i];
	if (nr_free)
		folios_free_swap(tofree, nr_free);
	for (i = 0; i < rm.nr; i++) {
		struct folio *f = rm.folio[i];

		if (f && f != folio) {
			folio_unlock(f);
			folio_put(f);
		}
	}
unlock:
	folio_unlock(folio);
put:
	folio_put(folio);
}

#ifdef CONFIG_SYSFS
static const char * const swapin_remap_names[NR_SWAPIN_REMAP_MODES] = {
	[SWAPIN_REMAP_NEVER]	= "never",
	[SWAPIN_REMAP_KEEP]	= "keep",
	[SWAPIN_REMAP_FREE]	= "free",
	[SWAPIN_REMAP_AUTO]	= "auto",
};

static ssize_t swapin_remap_show(struct kobject *kobj,
				 struct kobj_attribute *attr, char *buf)
{
	int mode = READ_ONCE(swapin_remap_mode);
	int i, len = 0;

	for (i = 0; i < NR_SWAPIN_REMAP_MODES; i++)
		len += sysfs_emit_at(buf, len, i == mode ? "%s[%s]" : "%s%s",
				     i ? " " : "", swapin_remap_names[i]);
	len += sysfs_emit_at(buf, len, "\n");
	return len;
}

static ssize_t swapin_remap_store(struct kobject *kobj,
				  struct kobj_attribute *attr,
				  const char *buf, size_t count)
{
	int mode = sysfs_match_string(swapin_remap_names, buf);

	if (mode < 0)
		return -EINVAL;
	WRITE_ONCE(swapin_remap_mode, mode);
	return count;
}

struct kobj_attribute swapin_remap_attr = __ATTR_RW(swapin_remap);
#endif /* CONFIG_SYSFS */
