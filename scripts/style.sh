#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# `make style`: checkpatch.pl --strict on the module, the uapi header and the
# CLI, and shellcheck on the scripts. checkpatch comes from Debian's
# linux-source-6.12 (installed here when missing).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo

cp_dir=$ROOT/build/checkpatch
if [ ! -x "$cp_dir/scripts/checkpatch.pl" ]; then
	tarball=$(ls /usr/src/linux-source-6.12*.tar.* 2>/dev/null | head -n 1 || true)
	if [ -z "$tarball" ]; then
		$SUDO apt-get update -q
		$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
			--no-install-recommends linux-source-6.12
		tarball=$(ls /usr/src/linux-source-6.12*.tar.* | head -n 1)
	fi
	mkdir -p "$cp_dir"
	top=$(basename "$tarball"); top=${top%.tar.*}
	tar -xf "$tarball" -C "$cp_dir" --strip-components=1 \
		"$top/scripts/checkpatch.pl" "$top/scripts/spelling.txt" \
		"$top/scripts/const_structs.checkpatch"
fi

command -v shellcheck >/dev/null || $SUDO apt-get install -y -q shellcheck

rc=0
"$cp_dir/scripts/checkpatch.pl" --no-tree --strict --terse --show-types \
	--ignore FILE_PATH_CHANGES,SPDX_LICENSE_TAG \
	-f kmod/*.c kmod/*.h uapi/linux/mpconv.h || rc=1
shellcheck -x -S warning -s bash scripts/*.sh selftests/*.sh tests/harness/*.sh \
	tests/completion/*.sh tests/packaging/*.sh tools/mpconv.bash-completion bench/*.sh \
	.ci/run || rc=1
# OpenWrt runs init scripts with busybox ash (local is fine): checked as dash
shellcheck -x -S warning -s dash openwrt/mpconv/files/mpconv.init || rc=1
exit $rc
