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

KBUILD_ARGS := MPCONV_ROOT=$(ROOT) CONFIG_MPCONV=m $(if $(W),W=$(W)) $(if $(C),C=$(C)) \
	$(if $(MPCONV_DEBUG),MPCONV_DEBUG=1)

.PHONY: all module cli selftests debug deps check unit fuzz demo bench style clean install help

all: module cli selftests

help:
	@sed -n '3,19p' Makefile | sed 's/^# \{0,1\}//'

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

clean:
	rm -rf build
	$(MAKE) --no-print-directory -C tools clean
	$(MAKE) --no-print-directory -C selftests clean
	-$(MAKE) --no-print-directory -C tests/unit clean
