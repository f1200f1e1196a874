// SPDX-License-Identifier: GPL-2.0
/*
 * lp_rt_cumulative: an atomic-replace (.replace = true) patch of /proc/cmdline whose klp_patch is
 * built at run time: the daemon's check of a declared atomicReplace reads the kernel's "replace"
 * attribute after the load (docs/design.md §5).
 */
#define LP_REPLACE 1
#include "lp_rt_patch.h"
