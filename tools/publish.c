/* SPDX-License-Identifier: ISC */
/*
 * igconnect-publish: advance the publish jobs that are due (scheduled
 * ones whose time came, containers to make or poll, posts to publish,
 * outcomes to confirm), one step per job per batch, many jobs' calls at
 * once, over the runner (core/runner.c) and the steps of
 * core/publish.c.  Any number of copies may run at once on any hosts;
 * each step is done once and a post is never published twice.
 *
 *	igconnect-publish --once      advance what is due, then exit (cron)
 *	igconnect-publish --daemon    keep advancing; a pass every --interval
 */
#include "ig.h"

int
main(int argc, char *argv[])
{
	return ig_run_main(argc, argv, &ig_run_publish);
}
