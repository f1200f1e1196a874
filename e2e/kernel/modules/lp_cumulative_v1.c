// SPDX-License-Identifier: GPL-2.0
/* Atomic-replace (cumulative) patch of /proc/cmdline, version 1: supersedes every other patch. */
#define LP_VERSION 1
#define LP_REPLACE 1
#define LP_PATCH_CMDLINE
#include "lp_patch.h"
