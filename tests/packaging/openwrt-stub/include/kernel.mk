# SPDX-License-Identifier: GPL-2.0
# Stand-in for OpenWrt's kernel.mk: KERNEL_MAKE and AutoProbe.
KERNEL_MAKE := $(MAKE) -C $(STUB_KDIR) ARCH=$(STUB_ARCH) CROSS_COMPILE=$(STUB_CROSS)
AutoProbe = $(1)
