// SPDX-License-Identifier: GPL-2.0
/* Non-replace patch of /proc/cmdline, version 1 (see lp_patch.h). */
#define LP_VERSION 1
#define LP_REPLACE 0
#define LP_PATCH_CMDLINE
#include "lp_patch.h"
