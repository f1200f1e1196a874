// SPDX-License-Identifier: GPL-2.0
/* Non-replace patch of /proc/cmdline, version 2: the upgrade of lp_cmdline_v1. */
#define LP_VERSION 2
#define LP_REPLACE 0
#define LP_PATCH_CMDLINE
#include "lp_patch.h"
