#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A suite with one failing check: the runner must report it and fail.

# shellcheck source=../../selftests/lib.sh
. "$(dirname "$0")/../../selftests/lib.sh"

mpc_init
mpc_check "a check that passes" true
mpc_check "a check that fails on purpose" false
mpc_exit
