#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# `make demo`: install what is needed, build, boot Debian's 6.12 kernel in
# QEMU and show mpconv at work in the reference topology (selftests/topo.sh).
# Usage: scripts/demo.sh [KERNEL]   (default 6.12)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
bash scripts/deps.sh
make -s module cli
exec bash scripts/vm-run.sh -q -k "${1:-6.12}" -l build/demo-console.log -- \
	bash "$ROOT/scripts/demo-vm.sh"
