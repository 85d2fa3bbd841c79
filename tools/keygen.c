/* SPDX-License-Identifier: ISC */
/*
 * igconnect-keygen: print a new token key, "keyid:base64-of-32-bytes",
 * from the CSPRNG, for IGCONNECT_TOKEN_KEYS.
 *
 *	igconnect-keygen [--id keyid]
 */
#include "ig.h"

int
main(int argc, char *argv[])
{
	return ig_keygen_main(argc, argv);
}
