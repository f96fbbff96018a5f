#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# `make deb`: build two Debian packages into build/deb/ with dpkg-deb:
#   mpconv-dkms_<version>_all.deb  the module's source under
#                                  /usr/src/mpconv-<version>/ for DKMS, which
#                                  builds it for the installed kernels (as
#                                  dh_dkms packages do: dkms's common.postinst)
#   mpconv_<version>_<arch>.deb    the CLI, its man page and bash completion
# Usage: scripts/deb.sh [OUTDIR]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
OUT=${1:-$ROOT/build/deb}
VERSION=$(sed -n 's/^#define MPCONV_VERSION "\(.*\)"/\1/p' kmod/mpconv.h)
ARCH=$(dpkg --print-architecture)
MAINT="mpconv developers <mpconv@example.org>"
[ -n "$VERSION" ] || { echo "deb: no version in kmod/mpconv.h" >&2; exit 1; }

command -v dpkg-deb >/dev/null || { echo "deb: dpkg-deb missing" >&2; exit 1; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
mkdir -p "$OUT"
rm -f "$OUT"/mpconv*.deb

copyright() {
	install -d "$1/usr/share/doc/$2"
	cat >"$1/usr/share/doc/$2/copyright" <<-EOF
		Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
		Upstream-Name: mpconv

		Files: *
		Copyright: The mpconv authors
		License: GPL-2.0
		 On Debian systems the full text of the GNU General Public License
		 version 2 is in /usr/share/common-licenses/GPL-2.
	EOF
}

# --- mpconv-dkms ---------------------------------------------------------------
d=$T/dkms
make -s dkms-src DESTDIR="$d"
copyright "$d" mpconv-dkms
install -d "$d/DEBIAN"
cat >"$d/DEBIAN/control" <<EOF
Package: mpconv-dkms
Version: $VERSION
Architecture: all
Section: kernel
Priority: optional
Maintainer: $MAINT
Depends: dkms (>= 3)
Recommends: mpconv
Installed-Size: $(du -sk "$d/usr" | cut -f1)
Homepage: https://example.org/mpconv
Description: TCP to Multipath TCP converter, kernel module (DKMS source)
 mpconv converts TCP connections to Multipath TCP and back inside the
 kernel: as a CPE (home gateway) it carries its LAN hosts' TCP over
 several uplinks to a concentrator, which runs it as an RFC 8803
 Transport Converter.
 .
 This package provides the module's source; DKMS builds it for the
 installed kernels.
EOF
cat >"$d/DEBIAN/postinst" <<EOF
#!/bin/sh
set -e
case "\$1" in
configure)
	/usr/lib/dkms/common.postinst mpconv $VERSION "" "" "\$2"
	;;
esac
exit 0
EOF
cat >"$d/DEBIAN/prerm" <<EOF
#!/bin/sh
set -e
case "\$1" in
remove | upgrade | deconfigure)
	if [ -n "\$(dkms status -m mpconv -v $VERSION)" ]; then
		dkms remove -m mpconv -v $VERSION --all
	fi
	;;
esac
exit 0
EOF
chmod 0755 "$d/DEBIAN/postinst" "$d/DEBIAN/prerm"
dpkg-deb --root-owner-group -Zxz --build "$d" "$OUT/mpconv-dkms_${VERSION}_all.deb" >/dev/null

# --- mpconv (CLI) --------------------------------------------------------------
c=$T/cli
make -s -C tools >/dev/null
install -D -m 0755 tools/mpconv "$c/usr/sbin/mpconv"
strip --strip-unneeded "$c/usr/sbin/mpconv"
install -d "$c/usr/share/man/man8"
gzip -9n <tools/mpconv.8 >"$c/usr/share/man/man8/mpconv.8.gz"
install -D -m 0644 tools/mpconv.bash-completion "$c/usr/share/bash-completion/completions/mpconv"
copyright "$c" mpconv
install -D -m 0644 uapi/linux/mpconv.h "$c/usr/share/doc/mpconv/mpconv-uapi.h"
install -d "$c/DEBIAN"
libc=$(dpkg-query -W -f='${Version}' libc6 | sed 's/-.*//')
mnl=$(dpkg-query -W -f='${Version}' libmnl0 | sed 's/-.*//')
cat >"$c/DEBIAN/control" <<EOF
Package: mpconv
Version: $VERSION
Architecture: $ARCH
Section: net
Priority: optional
Maintainer: $MAINT
Depends: libc6 (>= $libc), libmnl0 (>= $mnl)
Recommends: mpconv-dkms
Installed-Size: $(du -sk "$c/usr" | cut -f1)
Homepage: https://example.org/mpconv
Description: TCP to Multipath TCP converter, command line tool
 mpconv converts TCP connections to Multipath TCP and back inside the
 kernel (see mpconv-dkms). This package provides the mpconv command,
 which configures the CPE and converter roles, lists sessions and
 bindings, prints counters and follows events over generic netlink.
EOF
dpkg-deb --root-owner-group -Zxz --build "$c" "$OUT/mpconv_${VERSION}_${ARCH}.deb" >/dev/null

for f in "$OUT"/mpconv*.deb; do
	echo "deb: $f ($(du -k "$f" | cut -f1) KiB)"
done
