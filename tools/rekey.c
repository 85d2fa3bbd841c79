/* SPDX-License-Identifier: ISC */
/*
 * igconnect-rekey: seal every stored token again with the first key of
 * IGCONNECT_TOKEN_KEYS, online, in batches, and count the values by key
 * id before and after; once no row names an old key, that key can go.
 * Safe to interrupt, to run again and to run on several hosts at once.
 *
 *	igconnect-rekey [--batch rows] [--dry-run]
 */
#include "ig.h"

int
main(int argc, char *argv[])
{
	return ig_rekey_main(argc, argv);
}
