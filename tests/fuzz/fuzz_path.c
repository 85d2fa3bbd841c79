/* SPDX-License-Identifier: ISC */
/*
 * fuzz_path.c: a request's path as nginx (DOCUMENT_URI) or a CGI server
 * (REQUEST_URI, with its query) passes it, read by the publish route
 * (ig_pub_path_parse(), fcgi/media.c's job id) and by the routes that
 * keep an id in their last segment (ig_req_path_id_parse()).  An input
 * is the URI; a NUL ends it, as in a FastCGI parameter.
 *
 * Properties: a job id is exactly a lower-case 8-4-4-4-12 UUID, taken
 * from right after the collection's slash and ending the path (a query
 * may follow); the collection is the prefix alone or with a query;
 * anything else leaves no id.
 */
#include <stdlib.h>
#include <string.h>

#include "ig.h"
#include "extern.h"
#include "fuzz.h"

static int
is_uuid(const char *s)
{
	size_t	i;

	if (strlen(s) != IG_UUID_LEN)
		return 0;
	for (i = 0; i < IG_UUID_LEN; i++)
		if (i == 8 || i == 13 || i == 18 || i == 23 ?
		    s[i] != '-' : strchr("0123456789abcdef", s[i]) == NULL)
			return 0;
	return 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t	 n = sizeof(IG_PUB_COLLECTION) - 1;
	char			*uri = fz_str(data, size), *pid;
	char			 id[IG_UUID_LEN + 1];
	const char		*end;

	switch (ig_pub_path_parse(uri, id)) {
	case IG_PUB_PATH_JOB:
		end = uri + n + 1 + IG_UUID_LEN;
		if (strncmp(uri, IG_PUB_COLLECTION "/", n + 1) != 0 ||
		    !is_uuid(id) || strlen(uri) < n + 1 + IG_UUID_LEN ||
		    memcmp(uri + n + 1, id, IG_UUID_LEN) != 0 ||
		    (*end != '\0' && *end != '?'))
			abort();
		break;
	case IG_PUB_PATH_COLLECTION:
		if (strncmp(uri, IG_PUB_COLLECTION, n) != 0 ||
		    (uri[n] != '\0' && uri[n] != '?') || id[0] != '\0')
			abort();
		break;
	case IG_PUB_PATH_BAD:
		if (id[0] != '\0')
			abort();
		break;
	default:
		abort();
	}
	if ((pid = ig_req_path_id_parse(uri)) == NULL)
		abort();
	free(pid);
	free(uri);
	return 0;
}
