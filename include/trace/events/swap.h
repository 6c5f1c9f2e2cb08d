/* SPDX-License-Identifier: GPL-2.0 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM swap

#if !defined(_TRACE_SWAP_H) || defined(TRACE_HEADER_MULTI_READ)
#define _TRACE_SWAP_H

#include <linux/mm.h>
#include <linux/swap.h>
#include <linux/swapops.h>
#include <linux/tracepoint.h>

/*
 * The events are created in mm/swapfile.c, built only with CONFIG_SWAP.
 * mm/memory.c and mm/rmap.c also call them without it, and then get empty
 * inline functions.
 */
#ifdef CONFIG_SWAP
#define TRACE_EVENT_SWAP		TRACE_EVENT
#define DECLARE_EVENT_CLASS_SWAP	DECLARE_EVENT_CLASS
#define DEFINE_EVENT_SWAP		DEFINE_EVENT
#else
#define TRACE_EVENT_SWAP		TRACE_EVENT_NOP
#define DECLARE_EVENT_CLASS_SWAP	DECLARE_EVENT_CLASS_NOP
#define DEFINE_EVENT_SWAP		DEFINE_EVENT_NOP
#endif

#ifndef __TRACE_SWAP_ENUMS_ONCE
#define __TRACE_SWAP_ENUMS_ONCE
/**
 * enum swap_fault_source - Where do_swap_page() got the folio it mapped.
 * @SWAP_FAULT_CACHE_HIT: The folio was already in the swap cache.
 * @SWAP_FAULT_READAHEAD: swapin_readahead() read the folio through the
 *	swap cache.
 * @SWAP_FAULT_SKIP_SWAPCACHE: The folio was read synchronously from a
 *	SWP_SYNCHRONOUS_IO device, bypassing the swap cache.
 */
enum swap_fault_source {
	SWAP_FAULT_CACHE_HIT,
	SWAP_FAULT_READAHEAD,
	SWAP_FAULT_SKIP_SWAPCACHE,
};
#endif /* __TRACE_SWAP_ENUMS_ONCE */

/* Export the enum values to user space, for __print_symbolic(). */
TRACE_DEFINE_ENUM(SWAP_COUNT_FORK);
TRACE_DEFINE_ENUM(SWAP_COUNT_UNMAP);
TRACE_DEFINE_ENUM(SWAP_COUNT_SHMEM);
TRACE_DEFINE_ENUM(SWAP_COUNT_CACHE_GET);
TRACE_DEFINE_ENUM(SWAP_COUNT_SWAP_FREE);
TRACE_DEFINE_ENUM(SWAP_COUNT_ZAP);
TRACE_DEFINE_ENUM(SWAP_COUNT_CACHE_PUT);

TRACE_DEFINE_ENUM(SWAP_FAULT_CACHE_HIT);
TRACE_DEFINE_ENUM(SWAP_FAULT_READAHEAD);
TRACE_DEFINE_ENUM(SWAP_FAULT_SKIP_SWAPCACHE);

DECLARE_EVENT_CLASS_SWAP(swap_cache_template,
			 TP_PROTO(struct folio *folio, swp_entry_t swp),
			 TP_ARGS(folio, swp),
			 TP_STRUCT__entry(__field(unsigned int, type)
					  __field(unsigned long, offset)
					  __field(unsigned long, pfn)
					  __field(long, nr)),
			 TP_fast_assign(__entry->type = swp_type(swp);
					__entry->offset = swp_offset(swp);
					__entry->pfn = folio_pfn(folio);
					__entry->nr = folio_nr_pages(folio);),
			 TP_printk("type=%u offset=%lu pfn=0x%lx nr=%ld",
				   __entry->type, __entry->offset,
				   __entry->pfn, __entry->nr));

/*
 * swap_cache_add - a folio was added to the swap cache
 * @folio: the folio, locked
 * @swp: the swap entry of its first page
 *
 * Called by add_to_swap_cache() once the folio is in swapper_spaces[]:
 * on swap-out (add_to_swap(), shmem_writepage()) and on swap-in
 * (__read_swap_cache_async()). Migration replaces a folio in the swap
 * cache without this event or swap_cache_delete.
 */
DEFINE_EVENT_SWAP(swap_cache_template, swap_cache_add,
		  TP_PROTO(struct folio *folio, swp_entry_t swp),
		  TP_ARGS(folio, swp));

/*
 * swap_cache_delete - a folio was removed from the swap cache
 * @folio: the folio, locked
 * @swp: the swap entry of its first page
 *
 * Called by __delete_from_swap_cache() with the swap cache's i_pages lock
 * held, before the slots' SWAP_HAS_CACHE references are dropped.
 */
DEFINE_EVENT_SWAP(swap_cache_template, swap_cache_delete,
		  TP_PROTO(struct folio *folio, swp_entry_t swp),
		  TP_ARGS(folio, swp));

/*
 * swap_slot_count - the usage of swap slots changed
 * @type: swap device
 * @offset: first slot
 * @nr: number of consecutive slots that made the same change
 * @old_count: references to each slot before, from page tables or shmem,
 *	swap count continuations included
 * @old_cache: whether the swap cache pinned each slot before
 * @new_count: references to each slot after
 * @new_cache: whether the swap cache pins each slot after
 * @reason: the operation, see enum swap_count_reason
 *
 * Emitted under the slots' cluster lock (or the device's lock), where the
 * swap_map bytes change. A slot reaching 0 references without a swap cache
 * pin is free, although its swap_map byte may stay SWAP_HAS_CACHE until the
 * swap slot cache releases it. Allocating a slot for swap-out is reported
 * by swap_cache_add, not here.
 */
TRACE_EVENT_SWAP(swap_slot_count,
		 TP_PROTO(unsigned int type, unsigned long offset, int nr,
			  unsigned long old_count, bool old_cache,
			  unsigned long new_count, bool new_cache,
			  enum swap_count_reason reason),
		 TP_ARGS(type, offset, nr, old_count, old_cache, new_count,
			 new_cache, reason),
		 TP_STRUCT__entry(__field(unsigned int, type)
				  __field(unsigned long, offset)
				  __field(int, nr)
				  __field(unsigned long, old_count)
				  __field(unsigned long, new_count)
				  __field(bool, old_cache)
				  __field(bool, new_cache)
				  __field(int, reason)),
		 TP_fast_assign(__entry->type = type;
				__entry->offset = offset;
				__entry->nr = nr;
				__entry->old_count = old_count;
				__entry->new_count = new_count;
				__entry->old_cache = old_cache;
				__entry->new_cache = new_cache;
				__entry->reason = reason;),
		 TP_printk("type=%u offset=%lu nr=%d count=%lu->%lu cache=%d->%d reason=%s",
			   __entry->type, __entry->offset, __entry->nr,
			   __entry->old_count, __entry->new_count,
			   __entry->old_cache, __entry->new_cache,
			   __print_symbolic(__entry->reason,
					    { SWAP_COUNT_FORK, "fork" },
					    { SWAP_COUNT_UNMAP, "unmap" },
					    { SWAP_COUNT_SHMEM, "shmem" },
					    { SWAP_COUNT_CACHE_GET, "cache_get" },
					    { SWAP_COUNT_SWAP_FREE, "swap_free" },
					    { SWAP_COUNT_ZAP, "zap" },
					    { SWAP_COUNT_CACHE_PUT, "cache_put" })));

/*
 * swap_fault - do_swap_page() mapped a folio in place of swap PTEs
 * @mm: the faulting mm
 * @address: user address of the first PTE mapped
 * @swp: swap entry that the first PTE held
 * @page: page mapped at @address
 * @nr: number of PTEs mapped
 * @source: where the folio came from, see enum swap_fault_source
 *
 * Emitted with the page table lock held, once the PTEs point at the folio.
 * Faults that back out (the PTE changed, the folio lock was contended) are
 * not reported.
 */
TRACE_EVENT_SWAP(swap_fault,
		 TP_PROTO(struct mm_struct *mm, unsigned long address,
			  swp_entry_t swp, struct page *page, int nr,
			  enum swap_fault_source source),
		 TP_ARGS(mm, address, swp, page, nr, source),
		 TP_STRUCT__entry(__field(struct mm_struct *, mm)
				  __field(unsigned long, address)
				  __field(unsigned int, type)
				  __field(unsigned long, offset)
				  __field(unsigned long, pfn)
				  __field(int, nr)
				  __field(int, source)),
		 TP_fast_assign(__entry->mm = mm;
				__entry->address = address;
				__entry->type = swp_type(swp);
				__entry->offset = swp_offset(swp);
				__entry->pfn = page_to_pfn(page);
				__entry->nr = nr;
				__entry->source = source;),
		 TP_printk("mm=%p address=0x%lx type=%u offset=%lu pfn=0x%lx nr=%d source=%s",
			   __entry->mm, __entry->address, __entry->type,
			   __entry->offset, __entry->pfn, __entry->nr,
			   __print_symbolic(__entry->source,
					    { SWAP_FAULT_CACHE_HIT, "cache_hit" },
					    { SWAP_FAULT_READAHEAD, "readahead" },
					    { SWAP_FAULT_SKIP_SWAPCACHE,
					      "skip_swapcache" })));

/*
 * swap_unmap - try_to_unmap() replaced a PTE mapping an anonymous page
 *	with a swap PTE
 * @mm: the mm of the PTE
 * @address: user address of the PTE
 * @swp: swap entry written to the PTE
 * @page: page that was mapped
 *
 * Emitted with the page table lock held, after the swap entry's count was
 * raised (swap_slot_count with reason unmap) and the PTE was written.
 */
TRACE_EVENT_SWAP(swap_unmap,
		 TP_PROTO(struct mm_struct *mm, unsigned long address,
			  swp_entry_t swp, struct page *page),
		 TP_ARGS(mm, address, swp, page),
		 TP_STRUCT__entry(__field(struct mm_struct *, mm)
				  __field(unsigned long, address)
				  __field(unsigned int, type)
				  __field(unsigned long, offset)
				  __field(unsigned long, pfn)),
		 TP_fast_assign(__entry->mm = mm;
				__entry->address = address;
				__entry->type = swp_type(swp);
				__entry->offset = swp_offset(swp);
				__entry->pfn = page_to_pfn(page);),
		 TP_printk("mm=%p address=0x%lx type=%u offset=%lu pfn=0x%lx",
			   __entry->mm, __entry->address, __entry->type,
			   __entry->offset, __entry->pfn));

#endif /* _TRACE_SWAP_H */

/* This part must be outside protection */
#include <trace/define_trace.h>
