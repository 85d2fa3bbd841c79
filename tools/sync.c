/* SPDX-License-Identifier: ISC */
/*
 * igconnect-sync: re-read the profile (/me) of connections not synced
 * for --max-age hours: followers, follows, media count, biography,
 * website, picture, and lastSyncedAt.  A failure keeps the old values.
 * Safe to run on many hosts at once.
 *
 *	igconnect-sync --once      sync what is due, then exit (cron)
 *	igconnect-sync --daemon    a pass every --interval seconds
 */
#include "ig.h"

int
main(int argc, char *argv[])
{
	return ig_run_main(argc, argv, &ig_run_sync);
}
