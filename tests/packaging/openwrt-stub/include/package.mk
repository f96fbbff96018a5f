# SPDX-License-Identifier: GPL-2.0
# Stand-in for OpenWrt's package.mk: KernelPackage and BuildPackage evaluate
# the package definitions as OpenWrt does and keep their fields; `make
# stub-build` runs Build/Prepare and Build/Compile, installs the CLI package
# into $(STUB_DEST)/mpconv and the kernel package's FILES into
# $(STUB_DEST)/kmod-mpconv, and prints the fields it saw.
PKG_BUILD_DIR := $(BUILD_DIR)/$(PKG_NAME)-$(PKG_VERSION)
KernelPackage = $(eval $(KernelPackage/$(1)))$(eval K_FILES := $(FILES))$(eval \
	K_DEPENDS := $(DEPENDS))$(eval K_AUTOLOAD := $(AUTOLOAD))$(eval K_NAME := kmod-$(1))
BuildPackage = $(eval DEPENDS :=)$(eval $(Package/$(1)))$(eval P_DEPENDS := $(DEPENDS))$(eval \
	P_NAME := $(1))

stub-build:
	$(call Build/Prepare)
	$(call Build/Compile)
	$(call Package/mpconv/install,$(STUB_DEST)/mpconv)
	install -d $(STUB_DEST)/kmod-mpconv
	cp $(K_FILES) $(STUB_DEST)/kmod-mpconv/
	@echo "packages: $(K_NAME) $(P_NAME)"
	@echo "$(K_NAME) depends: $(K_DEPENDS); autoload: $(K_AUTOLOAD)"
	@echo "$(P_NAME) depends: $(P_DEPENDS)"
	@echo "conffiles: $(strip $(Package/mpconv/conffiles))"
.PHONY: stub-build
