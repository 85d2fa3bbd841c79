/* SPDX-License-Identifier: ISC */
/*
 * fakemeta: the fake accounts and the permission (scope) table.
 *
 * Account N is a pure function of N, so tests can predict every id
 * without asking the fake.  The ids follow Meta's login flavors: app-scoped
 * ids are 17 digits starting with 2, IG_IDs start with 1784, and both
 * exceed 2^53 so that a client parsing them as doubles fails visibly.
 */

#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "fakemeta.h"

#define APP_SCOPED_BASE	27281358591558845LL
#define IG_ID_BASE	17841457215396811LL
#define LEGACY_BASE	5370000000LL
#define FB_USER_BASE	10161234567890000LL
#define PAGE_BASE	134895700000000LL	/* + 100 N + i */

static const struct {
	const char	*name;
	enum fm_flavor	 flavor;
} scopes[] = {
	/* Instagram Login; [0] is the one every grant must include. */
	{ "instagram_business_basic", FM_IG },
	{ "instagram_business_content_publish", FM_IG },
	{ "instagram_business_manage_messages", FM_IG },
	{ "instagram_business_manage_comments", FM_IG },
	{ "instagram_business_manage_insights", FM_IG },
	/* Facebook Login. */
	{ "public_profile", FM_FB },
	{ "email", FM_FB },
	{ "pages_show_list", FM_FB },
	{ "pages_read_engagement", FM_FB },
	{ "pages_manage_metadata", FM_FB },
	{ "business_management", FM_FB },
	{ "instagram_basic", FM_FB },
	{ "instagram_content_publish", FM_FB },
	{ "instagram_manage_comments", FM_FB },
	{ "instagram_manage_insights", FM_FB },
	{ "instagram_manage_messages", FM_FB },
	{ "ads_management", FM_FB },
	{ "ads_read", FM_FB },
};

void
fm_account_get(long long n, struct fm_account *a)
{
	memset(a, 0, sizeof(*a));
	a->n = n;
	a->app_scoped_id = APP_SCOPED_BASE + n;
	a->ig_id = IG_ID_BASE + n;
	a->legacy_ig_id = LEGACY_BASE + n;
	a->fb_user_id = FB_USER_BASE + n;
	a->followers = 1000 + 37 * n;
	a->follows = 100 + n;
	a->media = 10 + n % 1000;
	/* The buffers are sized for the largest N (FM_MAX_ACCOUNT). */
	fm_msgf(a->username, sizeof(a->username), "fake_user_%lld", n);
	fm_msgf(a->name, sizeof(a->name), "Fake User %lld", n);
	fm_msgf(a->fb_name, sizeof(a->fb_name),
	    "Fake Facebook User %lld", n);
	/*
	 * Non-ASCII on purpose: Graph sends it as \uXXXX escapes (0.3.4),
	 * which a conforming JSON parser must turn back into UTF-8.
	 */
	fm_msgf(a->biography, sizeof(a->biography),
	    "Fake account %lld \xe2\x80\x94 caf\xc3\xa9 & \"tests\"", n);
	/* Only even accounts have a website: absent fields are omitted. */
	if (n % 2 == 0)
		fm_msgf(a->website, sizeof(a->website),
		    "https://example.com/fake_user_%lld", n);
	fm_msgf(a->picture, sizeof(a->picture),
	    "https://scontent.cdninstagram.com/v/t51.2885-19/"
	    "fake_user_%lld.jpg?_nc_ht=scontent.cdninstagram.com&oe=6740A1B2",
	    n);
}

static long long
by_base(const char *id, long long base)
{
	long long	 v;

	if (fm_parse_ll(id, base + 1, base + FM_MAX_ACCOUNT, &v) == -1)
		return 0;
	return v - base;
}

/* Account number for an app-scoped id, or 0. */
long long
fm_account_by_app_scoped_id(const char *id)
{
	return by_base(id, APP_SCOPED_BASE);
}

/* Account number for a Facebook Login user id, or 0. */
long long
fm_account_by_fb_user_id(const char *id)
{
	return by_base(id, FB_USER_BASE);
}

/* Account number for an IG_ID, or 0. */
long long
fm_account_by_ig_id(const char *id)
{
	return by_base(id, IG_ID_BASE);
}

/*
 * Page i (1..FM_MAX_PAGES) of account n: PAGE_BASE + 100 n + i, so a
 * test reads both numbers off the id.  Which Pages a user has, and
 * which hold an Instagram account, is the login's business (fblogin.c).
 */
long long
fm_page_id(long long n, int i)
{
	return PAGE_BASE + 100 * n + i;
}

void
fm_page_name(long long n, int i, char *buf, size_t sz)
{
	fm_msgf(buf, sz, "Fake Page %lld.%d", n, i);
}

/* Account number owning Page id (its number in *i), or 0. */
long long
fm_account_by_page_id(const char *id, int *i)
{
	long long	 v;

	if (fm_parse_ll(id, PAGE_BASE + 101, PAGE_BASE + 100 * FM_MAX_ACCOUNT +
	    FM_MAX_PAGES, &v) == -1)
		return 0;
	v -= PAGE_BASE;
	if (v % 100 == 0 || v % 100 > FM_MAX_PAGES)
		return 0;
	*i = (int)(v % 100);
	return v / 100;
}

unsigned
fm_scope_bit(const char *name)
{
	size_t	 i;

	for (i = 0; i < sizeof(scopes) / sizeof(scopes[0]); i++)
		if (strcmp(scopes[i].name, name) == 0)
			return 1U << i;
	return 0;
}

unsigned
fm_scopes_all(enum fm_flavor fl)
{
	unsigned	 bits = 0;
	size_t		 i;

	for (i = 0; i < sizeof(scopes) / sizeof(scopes[0]); i++)
		if (scopes[i].flavor == fl)
			bits |= 1U << i;
	return bits;
}

/*
 * Parse a comma- or space-separated scope list (A.1) of the given
 * flavor into *bits.  Names that are unknown or of the other flavor are
 * appended to bad (comma-separated, for "Invalid scope field(s): ...").
 * Returns the number of such names, or -1 if bad overflowed.  Each bad
 * name is cut at 64 bytes: it is echoed in an error message.
 */
int
fm_scopes_parse(const char *list, enum fm_flavor fl, unsigned *bits,
    struct fm_buf *bad)
{
	const char	*p = list, *e;
	size_t		 n, i;
	int		 nbad = 0;

	*bits = 0;
	while (*p != '\0') {
		if (*p == ',' || *p == ' ') {
			p++;
			continue;
		}
		for (e = p; *e != '\0' && *e != ',' && *e != ' '; e++)
			continue;
		n = (size_t)(e - p);
		for (i = 0; i < sizeof(scopes) / sizeof(scopes[0]); i++)
			if (n == strlen(scopes[i].name) &&
			    memcmp(scopes[i].name, p, n) == 0 &&
			    scopes[i].flavor == fl)
				break;
		if (i < sizeof(scopes) / sizeof(scopes[0]))
			*bits |= 1U << i;
		else {
			if ((nbad > 0 && fm_buf_add(bad, ",", 1) == -1) ||
			    fm_buf_add(bad, p, n < 64 ? n : 64) == -1)
				return -1;
			nbad++;
		}
		p = e;
	}
	return nbad;
}

/* New JSON array of the granted scope names, in table order. */
json_t *
fm_scopes_array(unsigned bits)
{
	json_t	*a = json_array();
	size_t	 i;

	for (i = 0; a != NULL && i < sizeof(scopes) / sizeof(scopes[0]); i++)
		if (bits & (1U << i))
			json_array_append_new(a, json_string(scopes[i].name));
	return a;
}

/* Append the granted scope names, comma-separated (documented shape). */
int
fm_scopes_csv(unsigned bits, struct fm_buf *b)
{
	size_t	 i;
	int	 first = 1;

	for (i = 0; i < sizeof(scopes) / sizeof(scopes[0]); i++) {
		if (!(bits & (1U << i)))
			continue;
		if ((!first && fm_buf_add(b, ",", 1) == -1) ||
		    fm_buf_adds(b, scopes[i].name) == -1)
			return -1;
		first = 0;
	}
	return 0;
}
