// SPDX-License-Identifier: GPL-2.0
/* Non-replace patch of /proc/cmdline, version 3, that WARN()s once enabled (see lp_patch.h). */
#define LP_VERSION 3
#define LP_REPLACE 0
#define LP_PATCH_CMDLINE
#define LP_WARN_WHEN_ENABLED
#include "lp_patch.h"
