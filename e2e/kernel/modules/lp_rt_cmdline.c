// SPDX-License-Identifier: GPL-2.0
/*
 * lp_rt_cmdline: a non-replace patch of /proc/cmdline whose klp_patch is built at run time: the
 * daemon's overlap check must act after the load (docs/design.md §5 rule 10).
 */
#define LP_REPLACE 0
#include "lp_rt_patch.h"
