/* SPDX-License-Identifier: ISC */
/*
 * igconnect-relay: hand stored webhook entries to the host app.  Each
 * pending entry is POSTed to IGCONNECT_FORWARD_URL, signed with
 * IGCONNECT_FORWARD_SECRET, at least once and in order per account;
 * failures back off exponentially and end "dead" after --max-attempts.
 * Any number of relays may run at once, on any hosts: they claim rows
 * with FOR UPDATE SKIP LOCKED and never send one entry concurrently.
 *
 *	igconnect-relay --once      deliver what is due, then exit (cron)
 *	igconnect-relay --daemon    keep delivering; poll every --interval
 */
#include "ig.h"

int
main(int argc, char *argv[])
{
	return ig_run_main(argc, argv, &ig_run_relay);
}
