# SPDX-License-Identifier: GPL-2.0
#
# mpconv top-level Makefile.
#
#   make                      module for KDIR (default: the running kernel's
#                             headers, else every kernel in /lib/modules/*/build),
#                             the CLI and the selftests' tools
#   make KDIR=<headers>       module for that kernel only
#   make W=1 / C=1            pass-through to Kbuild (extra warnings / sparse)
#   make debug                module with -DDEBUG
#   make deps                 install build/test dependencies (Debian 12)
#   make check                the whole test suite (both kernels, in QEMU)
#   make unit / make fuzz     codec unit tests + 60 s fuzz / fuzz as long as asked
#   make demo                 boot a VM and show mpconv at work
#   make bench                benchmarks in a VM (BENCH_KERNELS="6.12 6.1")
#   make check-arm64          cross-build for arm64, run the conversion suite
#                             on Debian's arm64 kernel (qemu-system-aarch64)
#   make check-armhf          the same for 32-bit ARM (armmp 6.1, qemu-system-arm)
#   make stress               the robustness suite's long runs (10,000 connections,
#                             rmmod with 1,000 live sessions...) and the uplink
#                             cut suite's 20+20 single transfers and 400 lossy
#                             echoes, on both kernels
#   make check-debug          every suite on a KASAN/lockdep/kmemleak build of
#                             Debian's 6.12 (builds it first: 20-40 min)
#   make dkms-install         register the module's source with DKMS and
#                             build it for the running kernel (dkms-uninstall)
#   make deb                  mpconv-dkms and mpconv packages in build/deb/
#   make openwrt-src          fill openwrt/mpconv/src for the OpenWrt package
#   make style                checkpatch.pl --strict on the sources
#   make clean
#
# Objects go to build/<kernelrelease>/, one directory per kernel.

ROOT := $(CURDIR)
KSRC := $(notdir $(wildcard kmod/*.c kmod/*.h)) Kbuild

ifeq ($(origin KDIR),undefined)
KDIRS := $(wildcard /lib/modules/$(shell uname -r)/build)
ifeq ($(KDIRS),)
KDIRS := $(wildcard /lib/modules/*/build)
endif
else
KDIRS := $(KDIR)
endif

VERSION := $(shell sed -n 's/^\#define MPCONV_VERSION "\(.*\)"/\1/p' kmod/mpconv.h)
DKMS_SRC = $(DESTDIR)/usr/src/mpconv-$(VERSION)

KBUILD_ARGS := MPCONV_ROOT=$(ROOT) CONFIG_MPCONV=m $(if $(W),W=$(W)) $(if $(C),C=$(C)) \
	$(if $(MPCONV_DEBUG),MPCONV_DEBUG=1)

.PHONY: all module cli selftests debug deps check unit fuzz demo bench style clean install help \
	check-arm64 check-armhf stress check-debug dkms-src dkms-install dkms-uninstall deb openwrt-src

all: module cli selftests

help:
	@sed -n '3,30p' Makefile | sed 's/^# \{0,1\}//'

module:
	@test -n "$(KDIRS)" || { echo "make: no kernel headers found; run 'make deps' or pass KDIR=" >&2; exit 1; }
	@set -e; for k in $(KDIRS); do \
		rel=$$(sed -n 's/^#define UTS_RELEASE "\(.*\)"/\1/p' $$k/include/generated/utsrelease.h); \
		d=build/$$rel; mkdir -p $$d; \
		for f in $(KSRC); do ln -sfn ../../kmod/$$f $$d/$$f; done; \
		echo "  KMOD    $$rel"; \
		$(MAKE) --no-print-directory -C $$k M=$(ROOT)/$$d $(KBUILD_ARGS) modules; \
	done

debug:
	$(MAKE) module MPCONV_DEBUG=1

cli:
	$(MAKE) --no-print-directory -C tools

selftests:
	$(MAKE) --no-print-directory -C selftests

deps:
	bash scripts/deps.sh

fuzz:
	$(MAKE) --no-print-directory -C tests/unit fuzz

unit:
	$(MAKE) --no-print-directory -C tests/unit test fuzz-check

check:
	bash scripts/check.sh

demo:
	bash scripts/demo.sh

bench:
	bash bench/bench.sh

install: module
	@for k in $(KDIRS); do \
		rel=$$(sed -n 's/^#define UTS_RELEASE "\(.*\)"/\1/p' $$k/include/generated/utsrelease.h); \
		$(MAKE) -C $$k M=$(ROOT)/build/$$rel $(KBUILD_ARGS) modules_install; \
	done
	$(MAKE) -C tools install
	install -D -m 0644 tools/mpconv.bash-completion $(DESTDIR)/usr/share/bash-completion/completions/mpconv

style:
	bash scripts/style.sh

check-arm64:
	bash scripts/cross.sh arm64

check-armhf:
	bash scripts/cross.sh armhf

STRESS_KERNELS ?= 6.12 6.1
stress: all
	@set -e; for k in $(STRESS_KERNELS); do \
		bash scripts/vm-run.sh -q -k $$k -t 3600 -l build/stress-$$k.log -- \
			env MPC_SKIP_IS_FAIL=1 MPCONV_STRESS=1 \
			make --no-print-directory -C selftests run_tests TEST_PROGS=mpconv_robust.sh; \
		bash scripts/vm-run.sh -q -k $$k -t 7200 -l build/stress-paths-$$k.log -- \
			env MPC_SKIP_IS_FAIL=1 MPCONV_STRESS=1 MPC_SUITE_TIMEOUT=6600 \
			make --no-print-directory -C selftests run_tests TEST_PROGS=mpconv_paths.sh; \
	done

check-debug:
	bash scripts/check-debug.sh

# The module's source as DKMS wants it: dkms.conf, kmod/ and uapi/.
dkms-src:
	install -d $(DKMS_SRC)/kmod $(DKMS_SRC)/uapi/linux
	install -m 0644 kmod/*.c kmod/*.h kmod/Kbuild $(DKMS_SRC)/kmod/
	install -m 0644 uapi/linux/mpconv.h $(DKMS_SRC)/uapi/linux/
	sed 's/@VERSION@/$(VERSION)/' dkms.conf >$(DKMS_SRC)/dkms.conf

dkms-install: dkms-src
	dkms status -m mpconv -v $(VERSION) | grep -q . || dkms add -m mpconv -v $(VERSION)
	@if [ -d /lib/modules/$$(uname -r)/build ]; then \
		dkms install -m mpconv -v $(VERSION); \
	else \
		echo "dkms-install: no headers for $$(uname -r): registered only" \
		     "(dkms builds it when a kernel and its headers are installed)"; \
	fi

dkms-uninstall:
	-dkms remove -m mpconv -v $(VERSION) --all
	rm -rf $(DKMS_SRC)

deb:
	bash scripts/deb.sh

# The OpenWrt package's source (openwrt/mpconv/src, not versioned).
openwrt-src:
	rm -rf openwrt/mpconv/src
	install -d openwrt/mpconv/src/kmod openwrt/mpconv/src/uapi/linux openwrt/mpconv/src/tools
	install -m 0644 kmod/*.c kmod/*.h kmod/Kbuild openwrt/mpconv/src/kmod/
	install -m 0644 uapi/linux/mpconv.h openwrt/mpconv/src/uapi/linux/
	install -m 0644 tools/*.c tools/*.h tools/Makefile tools/mpconv.8 openwrt/mpconv/src/tools/
	install -m 0644 COPYING openwrt/mpconv/src/

clean:
	rm -rf build
	$(MAKE) --no-print-directory -C tools clean
	$(MAKE) --no-print-directory -C selftests clean
	-$(MAKE) --no-print-directory -C tests/unit clean
