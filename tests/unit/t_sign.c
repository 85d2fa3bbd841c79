/* SPDX-License-Identifier: ISC */
/*
 * t_sign.c: unit tests of the signature checks in core/webhook.c: the
 * X-Hub-Signature-256 header of webhook deliveries and Meta's
 * signed_request, with forged, truncated and malformed inputs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ig.h"

#include "../lib/check.h"

#define IG_SECRET	"instagram-app-secret-for-tests"
#define FB_SECRET	"facebook-app-secret-for-tests"

static struct ig_cfg	cfg;
static char		ig_secret[] = IG_SECRET;
static char		fb_secret[] = FB_SECRET;

static void
setup(void)
{
	memset(&cfg, 0, sizeof(cfg));
	cfg.ig_app_secret = ig_secret;
	cfg.fb_app_secret = fb_secret;
	cfg.signed_request_max_age = 3600;
}

/* "sha256=" + hex HMAC of "body" under "key". */
static void
header_for(const char *key, const char *body, char out[72])
{
	unsigned char	mac[32];

	CHECK(ig_hmac_sha256(key, strlen(key), body, strlen(body), mac) ==
	    IG_OK);
	memcpy(out, "sha256=", 7);
	ig_hex(out + 7, mac, sizeof(mac));
}

static int
signed_ok(const char *header, const char *body)
{
	return ig_webhook_signed(&cfg, header, body, strlen(body));
}

static void
t_hub_signature(void)
{
	const char	*body = "{\"object\":\"instagram\",\"entry\":[]}";
	char		 h[72], bad[80];

	setup();
	header_for(IG_SECRET, body, h);
	CHECK(signed_ok(h, body));
	header_for(FB_SECRET, body, h);
	CHECK(signed_ok(h, body));		/* either app secret */
	header_for("another-secret", body, h);
	CHECK(!signed_ok(h, body));
	header_for(IG_SECRET, body, h);
	CHECK(!signed_ok(h, "{\"object\": \"instagram\",\"entry\":[]}"));
	CHECK(!signed_ok(NULL, body));
	CHECK(!signed_ok("", body));
	(void)snprintf(bad, sizeof(bad), "%.70s", h);	/* truncated */
	CHECK(!signed_ok(bad, body));
	(void)snprintf(bad, sizeof(bad), "%s0", h);	/* too long */
	CHECK(!signed_ok(bad, body));
	(void)snprintf(bad, sizeof(bad), "sha1=%s", h + 7);
	CHECK(!signed_ok(bad, body));
	(void)snprintf(bad, sizeof(bad), "%s", h);
	bad[7] = 'g';					/* not hex */
	CHECK(!signed_ok(bad, body));
	(void)snprintf(bad, sizeof(bad), "%s", h);
	bad[7] = bad[7] == '0' ? '1' : '0';		/* one nibble off */
	CHECK(!signed_ok(bad, body));
	cfg.fb_app_secret = NULL;
	header_for(FB_SECRET, body, h);
	CHECK(!signed_ok(h, body));	/* only configured secrets count */
}

/* "sig.payload" for the JSON "payload" signed with "key". */
static char *
signed_request(const char *key, const char *payload, int pad)
{
	unsigned char	 mac[32];
	size_t		 plen = strlen(payload);
	char		*p, *out;
	size_t		 elen = ig_b64url_len(plen);

	p = malloc(elen + 1);
	out = malloc(elen + 64);
	if (p == NULL || out == NULL)
		abort();
	ig_b64url_enc(p, (const unsigned char *)payload, plen);
	CHECK(ig_hmac_sha256(key, strlen(key), p, strlen(p), mac) == IG_OK);
	ig_b64url_enc(out, mac, sizeof(mac));
	if (pad)
		strcat(out, "=");
	strcat(out, ".");
	strcat(out, p);
	free(p);
	return out;
}

#define ISSUED	1700000000	/* the issued_at of the requests below */

/* The user_id ig_signed_request() finds at "now", or NULL if it refuses. */
static char *
verify_at(const char *sr, time_t now)
{
	char		*user = NULL;
	enum ig_err	 er = ig_signed_request(&cfg, sr, now, &user);

	CHECK((er == IG_OK) == (user != NULL));
	return user;
}

/* verify_at() ten seconds after the requests were issued. */
static char *
verify(const char *sr)
{
	return verify_at(sr, ISSUED + 10);
}

static void
t_signed_request(void)
{
	const char	*good = "{\"algorithm\":\"HMAC-SHA256\",\"issued_at\":"
	    "1700000000,\"user_id\":\"17841457215396812\"}";
	char		*sr, *user;

	setup();
	sr = signed_request(IG_SECRET, good, 0);
	user = verify(sr);
	CHECK(user != NULL && strcmp(user, "17841457215396812") == 0);
	free(user);
	sr[strlen(sr) - 2] ^= 1;			/* tampered payload */
	CHECK(verify(sr) == NULL);
	free(sr);
	sr = signed_request(IG_SECRET, good, 1);	/* padded signature */
	user = verify(sr);
	CHECK(user != NULL);
	free(user);
	free(sr);
	sr = signed_request("not-the-secret", good, 0);
	CHECK(verify(sr) == NULL);
	free(sr);
	sr = signed_request(IG_SECRET, "{\"algorithm\":\"none\",\"user_id\":"
	    "\"1\"}", 0);
	CHECK(verify(sr) == NULL);
	free(sr);
	sr = signed_request(IG_SECRET, "{\"algorithm\":\"HMAC-SHA256\"}", 0);
	CHECK(verify(sr) == NULL);			/* no user_id */
	free(sr);
	sr = signed_request(IG_SECRET, "{\"algorithm\":\"HMAC-SHA256\","
	    "\"issued_at\":1700000000,"
	    "\"user_id\":27281358591558845}", 0);	/* a number, > 2^53 */
	user = verify(sr);
	CHECK(user != NULL && strcmp(user, "27281358591558845") == 0);
	free(user);
	free(sr);
	sr = signed_request(IG_SECRET, "not json", 0);
	CHECK(verify(sr) == NULL);
	free(sr);
	/* Fresh: at most IGCONNECT_SIGNED_REQUEST_MAX_AGE old, not ahead. */
	sr = signed_request(IG_SECRET, good, 0);
	user = verify_at(sr, ISSUED + 3600);
	CHECK(user != NULL);
	free(user);
	CHECK(verify_at(sr, ISSUED + 3601) == NULL);
	CHECK(verify_at(sr, ISSUED - 61) == NULL);
	free(sr);
	sr = signed_request(IG_SECRET, "{\"algorithm\":\"HMAC-SHA256\","
	    "\"user_id\":\"1\"}", 0);			/* no issued_at */
	CHECK(verify(sr) == NULL);
	free(sr);
	CHECK(verify(NULL) == NULL);
	CHECK(verify("") == NULL);
	CHECK(verify("abc") == NULL);
	CHECK(verify("a.b.c") == NULL);
	CHECK(verify(".") == NULL);
}

int
main(int argc, char *argv[])
{
	static const struct ig_test	tests[] = {
		TEST(t_hub_signature),
		TEST(t_signed_request),
	};

	return ig_test_main(argc, argv, tests, sizeof(tests) /
	    sizeof(tests[0]));
}
