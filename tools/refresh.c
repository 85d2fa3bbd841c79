/* SPDX-License-Identifier: ISC */
/*
 * igconnect-refresh: keep long-lived Instagram tokens alive.  Tokens that
 * expire within --window days and are at least 24 hours old are refreshed
 * (ig_refresh_token); short-lived fallback tokens are upgraded
 * (ig_exchange_token).  Safe to run on many hosts at once.
 *
 *	igconnect-refresh --once      refresh what is due, then exit (cron)
 *	igconnect-refresh --daemon    a pass every --interval seconds
 */
#include "ig.h"

int
main(int argc, char *argv[])
{
	return ig_run_main(argc, argv, &ig_run_refresh);
}
