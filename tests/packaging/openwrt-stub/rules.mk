# SPDX-License-Identifier: GPL-2.0
# A stand-in for OpenWrt's rules.mk, enough to run a package Makefile's
# recipes outside an OpenWrt build tree (tests/packaging/test_openwrt.sh).
# Set by the test: STUB_KDIR (kernel headers), STUB_ARCH, STUB_CROSS,
# STUB_LDFLAGS (where the target's libmnl.so is).
INCLUDE_DIR := $(TOPDIR)/include
BUILD_DIR ?= $(TOPDIR)/build
CP := cp -fpR
INSTALL_DIR := install -d -m0755
INSTALL_BIN := install -m0755
INSTALL_CONF := install -m0600
INSTALL_DATA := install -m0644
TARGET_CC := $(STUB_CROSS)gcc
TARGET_CFLAGS := -Os -pipe
TARGET_CPPFLAGS :=
TARGET_LDFLAGS := $(STUB_LDFLAGS)
TARGET_CONFIGURE_OPTS := CC="$(TARGET_CC)"
