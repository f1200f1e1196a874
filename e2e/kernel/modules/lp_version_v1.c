// SPDX-License-Identifier: GPL-2.0
/* Non-replace patch of /proc/version: the "pinned" patch of the hybrid scenarios. */
#define LP_VERSION 1
#define LP_REPLACE 0
#define LP_PATCH_VERSION
#include "lp_patch.h"
