// SPDX-License-Identifier: GPL-2.0
/* Atomic-replace (cumulative) patch of /proc/cmdline, version 2: supersedes lp_cumulative_v1. */
#define LP_VERSION 2
#define LP_REPLACE 1
#define LP_PATCH_CMDLINE
#include "lp_patch.h"
