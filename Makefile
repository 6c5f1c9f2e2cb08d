# SPDX-License-Identifier: GPL-2.0
#
# Harness for the swap-cache series on Linux 6.12. See README.md.
#
#   make check    build everything, run the kselftests in QEMU, summarise
#   make harness-test   self-test of the result parser (part of check)
#   make run      build everything and run the shared-page swap demo
#   make shell    boot an interactive guest with swap on
#   make guest CMD='...' [EXTRA=dir] [HOSTROOT=1 [RWDIR=dir]]   run a command in the guest
#   make trace-clients   Debian's trace-cmd and perf decode the swap events
#   make host-programs   Debian's stress-ng and redis-server (BGSAVE) in the guest
#   make mm-selftests    upstream selftests/mm, swapin_remap never vs default
#   make soak           stress-ng --verify and remap_stress swapping, SOAK_S seconds
#   make bench    stock vs patched, non-debug kernels, side by side
#   make series   the patch series to mail, in build/series (with git am check)
#   make lint     checkpatch, kernel-doc and W=1 over the series
#   make bisect-check   build the kernel after each patch of the series
#   make docs     build Documentation/mm (htmldocs) of the patched tree
#   make robot    W=1 builds in many configs (x86_64, i386, arm64) and sparse
#
# Variables: SWAP=zram|disk|both|none (shell, guest, run; default zram),
# FLAVOUR=debug|bench|kasan|kcsan|debian (kernel config; default debug),
# BASE_TARBALL (the base source instead of the installed
# linux-source-6.12's, see README.md "On 6.12.118").

SHELL      := /bin/sh
TOP        := $(CURDIR)
BUILD      := $(TOP)/build
FLAVOUR    ?= debug
SWAP       ?= zram
CMD        ?= true
EXTRA      ?=
# HOSTROOT=1: "make guest" and "make shell" run in the host's root file
# system (read-only over virtio-9p), with the host's own programs.
# RWDIR=DIR (with HOSTROOT=1): the host's directory DIR, writable in the
# guest at the same path, without a page cache (run-guest.sh -w).
HOSTROOT   ?=
RWDIR      ?=
ROOTOPT    := $(if $(filter 1 y yes,$(HOSTROOT)),-r) $(if $(RWDIR),-w $(RWDIR))
SRC        := $(BUILD)/linux-patched
KOBJ       := $(BUILD)/obj-patched-$(FLAVOUR)
KERNEL     := $(BUILD)/bzImage-patched-$(FLAVOUR)
# The debug flavour's files keep their plain names (README and other
# people use them); other flavours add -$(FLAVOUR), so that their check
# runs do not overwrite the debug one's selftests, initramfs and logs.
SFX        := $(if $(filter debug,$(FLAVOUR)),,-$(FLAVOUR))
KST        := $(BUILD)/kselftest$(SFX)
SELFTESTS  := swapcache
# The sanitizer kernels run the same tests slower under TCG: the guest
# watchdog (GUEST_TIMEOUT of scripts/qemu-x86_64.conf) and the
# per-program kselftest timeout (each target's installed "settings") are
# multiplied by this. Measured against the debug guest's 472 s: kasan
# 1043 s (remap_upstream.sh 518 s, near the 600 s of its settings),
# kcsan 686 s; scaled, each keeps a margin of 3 or more.
TIMEOUT_SCALE_kasan := 3
TIMEOUT_SCALE_kcsan := 2
TIMEOUT_SCALE_debian := 2
TIMEOUT_SCALE ?= $(or $(TIMEOUT_SCALE_$(FLAVOUR)),1)
# Debian's kernel boots on two NUMA nodes (scripts/qemu-x86_64.conf),
# and with hugetlb: its CPU has no 1 GiB pages, a size that a 1 GiB guest
# cannot back (the upstream cow test would skip every case of it).
NUMA_NODES_debian := 2
QEMU_NUMA_NODES ?= $(or $(NUMA_NODES_$(FLAVOUR)),1)
export QEMU_NUMA_NODES
QEMU_CPU_debian := max,pdpe1gb=off
ifneq ($(QEMU_CPU_$(FLAVOUR)),)
QEMU_CPU ?= $(QEMU_CPU_$(FLAVOUR))
export QEMU_CPU
endif

export BUILD

.PHONY: all deps tree kernel selftests check harness-test run shell guest bench clean distclean \
	trace-deps trace-clients apps-deps host-programs mm-selftests-deps mm-selftests soak \
	base-version series lint lint-deps bisect-check docs docs-deps \
	robot robot-deps FORCE

all: kernel selftests

deps:
	@scripts/deps.sh

base-version: deps
	@if [ -n "$(BASE_TARBALL)" ]; then \
		echo "base: $(BASE_TARBALL) (BASE_TARBALL), not the installed linux-source-6.12"; \
	else \
		echo "base: linux-source-6.12 $$(dpkg-query -W -f='$${Version}' linux-source-6.12)"; \
	fi

tree: base-version
	@scripts/prepare-tree.sh patched

kernel: tree
	@[ "$(FLAVOUR)" != debian ] || scripts/deps.sh debian
	@scripts/build-kernel.sh patched $(FLAVOUR)
	@ln -sf bzImage-patched-$(FLAVOUR) $(BUILD)/bzImage$(SFX)

# Built in the kernel tree the kselftest way, as static binaries.
selftests: kernel
	@rm -rf $(KST)
	@. scripts/lib.sh; msg "building selftests: $(SELFTESTS)"
	@$(MAKE) -s -C $(SRC)/tools/testing/selftests TARGETS="$(SELFTESTS)" \
		O=$(BUILD)/obj-selftests$(SFX) KHDR_INCLUDES="-isystem $(KOBJ)/usr/include" \
		INSTALL_PATH=$(KST) install >/dev/null
	@[ "$(TIMEOUT_SCALE)" = 1 ] || for f in $(KST)/*/settings; do \
		if [ -f $$f ]; then awk -F= -v s=$(TIMEOUT_SCALE) \
			'$$1 == "timeout" { $$0 = "timeout=" $$2 * s } 1' $$f > $$f.new && \
		mv $$f.new $$f; fi; done

$(BUILD)/initramfs-%.cpio: FORCE
	@scripts/mkinitramfs.sh $@ $(KST) "$(EXTRA)" "$(CMD)"

# scripts/ktap-summary.sh against synthetic logs, before anything boots;
# prints its cases only when one fails. Under a second.
harness-test:
	@out=$$(scripts/ktap-summary-test.sh 2>&1) || { printf '%s\n' "$$out"; exit 1; }; \
	printf '%s\n' "$$out" | tail -n 1

check: harness-test selftests $(BUILD)/initramfs-check$(SFX).cpio
	@. scripts/lib.sh; msg "booting $(KERNEL) and running the kselftests"
	@. scripts/qemu-x86_64.conf; rc=0; \
	scripts/run-guest.sh -k $(KERNEL) -i $(BUILD)/initramfs-check$(SFX).cpio \
		-m check -s none -l $(BUILD)/console-check$(SFX).log \
		-t $$((GUEST_TIMEOUT * $(TIMEOUT_SCALE))) 2>$(BUILD)/run-guest$(SFX).err || rc=$$?; \
	cat $(BUILD)/run-guest$(SFX).err >&2; \
	extra=0; [ $$rc -eq 0 ] || extra=1; \
	echo "console: $(BUILD)/console-check$(SFX).log"; \
	scripts/ktap-summary.sh $(BUILD)/console-check$(SFX).log $$extra

run: selftests $(BUILD)/initramfs-demo.cpio
	@scripts/run-guest.sh -k $(KERNEL) -i $(BUILD)/initramfs-demo.cpio \
		-m demo -s both -l $(BUILD)/console-demo.log -q

shell: selftests $(BUILD)/initramfs-shell.cpio
	@scripts/run-guest.sh -k $(KERNEL) -i $(BUILD)/initramfs-shell.cpio \
		-m shell -s $(SWAP) $(ROOTOPT)

guest: selftests $(BUILD)/initramfs-exec.cpio
	@scripts/run-guest.sh -k $(KERNEL) -i $(BUILD)/initramfs-exec.cpio \
		-m exec -s $(SWAP) -l $(BUILD)/console-exec.log $(ROOTOPT)

trace-deps:
	@scripts/deps.sh trace

# Debian's trace-cmd and perf, run in the guest from the host's root,
# record and decode the swap trace events (scripts/guest/trace-clients.sh).
trace-clients: trace-deps selftests
	@scripts/mkinitramfs.sh $(BUILD)/initramfs-trace$(SFX).cpio $(KST) "" \
		"sh $(TOP)/scripts/guest/trace-clients.sh"
	@scripts/run-guest.sh -k $(KERNEL) -i $(BUILD)/initramfs-trace$(SFX).cpio \
		-m exec -s none -r -q -l $(BUILD)/console-trace$(SFX).log

apps-deps:
	@scripts/deps.sh apps

# Debian's stress-ng and redis-server, run in the guest from the host's
# root with zram swap, their memory pushed to swap
# (scripts/guest/host-programs.sh).
host-programs: apps-deps selftests
	@scripts/mkinitramfs.sh $(BUILD)/initramfs-apps$(SFX).cpio $(KST) "" \
		"sh $(TOP)/scripts/guest/host-programs.sh"
	@scripts/run-guest.sh -k $(KERNEL) -i $(BUILD)/initramfs-apps$(SFX).cpio \
		-m exec -s zram -r -q -l $(BUILD)/console-apps$(SFX).log

mm-selftests-deps:
	@scripts/deps.sh mm

# The upstream selftests/mm (run_vmtests.sh), built from the base against
# the patched kernel's headers, run in one boot with swapin_remap=never
# and in another at the boot's default, the results compared
# (scripts/mm-selftests.sh). The kernel is built only if its image is
# missing. MM_SELFTESTS_CATEGORIES: run_vmtests.sh categories (default:
# the list in scripts/guest/mm-selftests.sh); MM_SELFTESTS_TIMEOUT:
# seconds per category, MM_SELFTESTS_GUEST_TIMEOUT: seconds per boot
# (both scaled by TIMEOUT_SCALE); MM_SELFTESTS_RERUNS: rounds of re-runs
# at most, in one more boot, of the programs whose results differ.
MM_SELFTESTS_CATEGORIES ?=
MM_SELFTESTS_TIMEOUT ?= 1800
MM_SELFTESTS_GUEST_TIMEOUT ?= 3600
MM_SELFTESTS_RERUNS ?= 20
mm-selftests: mm-selftests-deps $(if $(wildcard $(KERNEL)),,kernel)
	@FLAVOUR=$(FLAVOUR) KERNEL=$(KERNEL) KOBJ=$(KOBJ) SFX=$(SFX) \
		TIMEOUT_SCALE=$(TIMEOUT_SCALE) \
		MM_SELFTESTS_CATEGORIES="$(MM_SELFTESTS_CATEGORIES)" \
		MM_SELFTESTS_TIMEOUT=$(MM_SELFTESTS_TIMEOUT) \
		MM_SELFTESTS_GUEST_TIMEOUT=$(MM_SELFTESTS_GUEST_TIMEOUT) \
		MM_SELFTESTS_RERUNS=$(MM_SELFTESTS_RERUNS) \
		scripts/mm-selftests.sh

# The soak (scripts/soak.sh, scripts/guest/soak.sh): SOAK_S seconds of
# Debian's stress-ng VM and process stressors with --verify and the
# series' remap_stress, in parallel, in one memory cgroup that swaps to
# zram and the disk all along, while swapin_remap changes mode and a
# swap device goes off and on every few seconds; then the leak check.
# Fails on a stress-ng or checksum failure, a leak, a kernel problem on
# the console, a hung guest. The kernel is built only if its image is
# missing; the selftests are built from the tree into
# build/soak-kselftest$(SFX). EXTRA: a directory of files the guest
# finds first on PATH (to show each check failing, see README).
SOAK_S ?= 600
soak: apps-deps tree $(if $(wildcard $(KERNEL)),,kernel)
	@FLAVOUR=$(FLAVOUR) KERNEL=$(KERNEL) KOBJ=$(KOBJ) SFX=$(SFX) \
		TIMEOUT_SCALE=$(TIMEOUT_SCALE) SOAK_S=$(SOAK_S) EXTRA="$(EXTRA)" \
		SOAK_MODES="$(SOAK_MODES)" scripts/soak.sh

bench: selftests
	@scripts/bench.sh

# One commit per line of patches/series, mailed by format-patch to
# build/series and checked with git am on the pristine base.
series: base-version
	@scripts/mkseries.sh

lint-deps:
	@scripts/deps.sh lint

lint: lint-deps series tree
	@scripts/lint.sh

bisect-check: series
	@scripts/bisect-check.sh

docs-deps:
	@scripts/deps.sh docs

# Documentation/mm of the patched tree; fails on a warning from one of
# the series' .rst files.
docs: docs-deps tree
	@scripts/docs.sh

robot-deps:
	@scripts/deps.sh robot

# W=1 builds of the patched tree in the configurations of
# scripts/robot.sh (x86_64 with one option off at a time, i386, arm64)
# and sparse; ROBOT_ONLY=name[,name] runs a subset.
robot: robot-deps tree
	@scripts/robot.sh

clean:
	rm -rf $(BUILD)/obj-* $(BUILD)/bzImage* $(BUILD)/*.cpio $(BUILD)/*.log \
		$(BUILD)/kselftest $(BUILD)/kselftest-* $(BUILD)/guest-tools $(BUILD)/swap-disk.* \
		$(BUILD)/series $(BUILD)/series.map

distclean:
	rm -rf $(BUILD)
