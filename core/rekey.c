/* SPDX-License-Identifier: ISC */
/*
 * rekey.c: the token keys' tools.  igconnect-keygen prints a new key for
 * IGCONNECT_TOKEN_KEYS; igconnect-rekey seals every stored token again
 * with the first key, so that the keys after it can be dropped.
 *
 * Rekeying runs while the programs serve: a batch of rows is claimed
 * with FOR UPDATE SKIP LOCKED, each value opened with whichever key it
 * names and sealed with the first, with the same associated data (the
 * row's user, the provider, the value's purpose), and written in the
 * batch's transaction.  The plain token is the same before and after,
 * so the row's version stays: a refresh in flight still lands, and a
 * program that read the old value still opens it (both keys are
 * configured).  Interrupted, a batch rolls back; run again, it goes on.
 * Copies on several hosts skip each other's rows; a row another
 * transaction holds is left for the next run, as the counts show.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libpq-fe.h>

#include "ig.h"
#include "extern.h"

#define BATCH_DEFAULT	500
#define BATCH_MAX	10000

/*
 * One column of sealed values: its counts by key id, its claims after
 * no row and after row "$3" (keyset: each row is looked at once a run,
 * even one that cannot be opened), its write, and its associated data.
 * "$1" is the first key's id, "$2" the batch size.
 */
struct	sealed {
	const char		*name;		/* table.column */
	struct ig_stmt		 count, first, next, write;
	void			(*aad)(char *, size_t, const char *);
};

#define KEYID(c)	"split_part(" c ", '.', 2)"
#define COUNT(t, c, w) \
	"SELECT CASE WHEN " c " LIKE 'ig1.%' THEN " KEYID(c) " END, " \
	"count(*) FROM " t " WHERE " c " IS NOT NULL" w " GROUP BY 1 " \
	"ORDER BY 1"
#define CLAIM(t, k, c, w) \
	"SELECT " k ", userId, " c " FROM " t " WHERE " c " LIKE 'ig1.%' " \
	"AND " KEYID(c) " <> $1" w
#define ORDER(k) \
	" ORDER BY " k " LIMIT $2 FOR UPDATE SKIP LOCKED"
#define SEALED(n, t, k, c, w, aad) { t "." c, \
	{ "rekey_count_" n, COUNT(t, c, w), 0 }, \
	{ "rekey_first_" n, CLAIM(t, k, c, w) ORDER(k), 2 }, \
	{ "rekey_next_" n, CLAIM(t, k, c, w) " AND " k " > $3" ORDER(k), 3 }, \
	{ "rekey_write_" n, "UPDATE " t " SET " c " = $2 WHERE " k " = $1", \
	    2 }, aad }

/* Every sealed value igconnect stores (conn.c, state.c). */
static const struct sealed columns[] = {
	SEALED("access", "oauth_connections", "id", "accessToken",
	    " AND provider = '" IG_PROVIDER "'", ig_conn_token_aad),
	SEALED("user", "oauth_connections", "id", "refreshToken",
	    " AND provider = '" IG_PROVIDER "'", ig_conn_user_token_aad),
	SEALED("selection", "account_selections", "selectionHash",
	    "userToken", "", ig_selection_aad),
};

struct	rekey {
	const struct ig_cfg	*cfg;
	struct ig_db		*db;
	char			 batch[16];	/* rows per claim, as text */
	long			 resealed, failed, pending;
};

static const struct ig_stmt tx_begin = { "rekey_begin", "BEGIN", 0 };
static const struct ig_stmt tx_commit = { "rekey_commit", "COMMIT", 0 };
static const struct ig_stmt tx_rollback = { "rekey_rollback", "ROLLBACK",
    0 };

/*
 * "WHEN TABLE.COLUMN KEYID N" on stdout for each key id of each column
 * ("unsealed" for a value igconnect did not seal); rk->pending counts
 * the values a run would seal again.
 */
static enum ig_err
print_counts(struct rekey *rk, const char *when)
{
	const char	*first = rk->cfg->keys[0].id, *id;
	PGresult	*res;
	size_t		 i;
	int		 r;
	enum ig_err	 er;

	rk->pending = 0;
	for (i = 0; i < sizeof(columns) / sizeof(columns[0]); i++) {
		er = ig_db_exec(rk->db, &columns[i].count, NULL, &res);
		if (er != IG_OK)
			return er;
		for (r = 0; r < PQntuples(res); r++) {
			id = PQgetisnull(res, r, 0) ? "unsealed" :
			    PQgetvalue(res, r, 0);
			printf("%s %s %s %s\n", when, columns[i].name, id,
			    PQgetvalue(res, r, 1));
			if (!PQgetisnull(res, r, 0) && strcmp(id, first) != 0)
				rk->pending += strtol(PQgetvalue(res, r, 1),
				    NULL, 10);
		}
		PQclear(res);
	}
	return fflush(stdout) == 0 ? IG_OK : IG_ESYS;
}

/*
 * Seal one value again ("*done" counts it).  A value no configured key
 * opens is counted and left as it is: it is no more readable after than
 * before.
 */
static enum ig_err
reseal(struct rekey *rk, const struct sealed *col, const char *key,
    const char *user, const char *old, long *done)
{
	const char	*vals[2];
	char		 aad[80], *plain, *sealed;
	enum ig_err	 er;

	col->aad(aad, sizeof(aad), user);
	if ((er = ig_open(rk->cfg, old, aad, &plain)) != IG_OK) {
		if (er != IG_ECRYPTO)
			return er;
		ig_log_warnx("%s of row %s cannot be opened with the "
		    "configured keys; left as it is", col->name, key);
		rk->failed++;
		return IG_OK;
	}
	er = ig_seal(rk->cfg, plain, aad, &sealed);
	ig_free_secret(plain);
	if (er != IG_OK)
		return er;
	vals[0] = key;
	vals[1] = sealed;
	if ((er = ig_db_exec(rk->db, &col->write, vals, NULL)) == IG_OK)
		(*done)++;
	free(sealed);
	return er;
}

/*
 * One batch of "col" after the row "last" ("" for none) in one
 * transaction; "last" becomes the batch's last row, "*n" its size.
 */
static enum ig_err
batch(struct rekey *rk, const struct sealed *col, char *last, size_t sz,
    int *n)
{
	const char	*vals[3] = { rk->cfg->keys[0].id, rk->batch, last };
	PGresult	*res;
	long		 done = 0;
	int		 r;
	enum ig_err	 er;

	*n = 0;
	if ((er = ig_db_exec(rk->db, &tx_begin, NULL, NULL)) != IG_OK)
		return er;
	er = ig_db_exec(rk->db, *last == '\0' ? &col->first : &col->next,
	    vals, &res);
	if (er == IG_OK) {
		*n = PQntuples(res);
		for (r = 0; r < *n && er == IG_OK; r++)
			er = reseal(rk, col, PQgetvalue(res, r, 0),
			    PQgetvalue(res, r, 1), PQgetvalue(res, r, 2),
			    &done);
		if (*n > 0)
			(void)snprintf(last, sz, "%s",
			    PQgetvalue(res, *n - 1, 0));
		PQclear(res);
	}
	if (er == IG_OK &&
	    (er = ig_db_exec(rk->db, &tx_commit, NULL, NULL)) == IG_OK)
		rk->resealed += done;
	else
		(void)ig_db_exec(rk->db, &tx_rollback, NULL, NULL);
	return er;
}

static enum ig_err
rekey_column(struct rekey *rk, const struct sealed *col)
{
	char		last[80] = "";
	int		n;
	enum ig_err	er;

	do {
		if ((er = batch(rk, col, last, sizeof(last), &n)) != IG_OK)
			return er;
	} while (n > 0);
	return IG_OK;
}

static enum ig_err
rekey_all(struct rekey *rk, int dry_run)
{
	size_t		i;
	enum ig_err	er;

	if ((er = print_counts(rk, "before")) != IG_OK)
		return er;
	if (dry_run) {
		fprintf(stderr, "igconnect-rekey: dry run: %ld value%s to "
		    "seal with key %s\n", rk->pending, rk->pending == 1 ?
		    "" : "s", rk->cfg->keys[0].id);
		return IG_OK;
	}
	for (i = 0; i < sizeof(columns) / sizeof(columns[0]); i++)
		if ((er = rekey_column(rk, &columns[i])) != IG_OK)
			return er;
	if ((er = print_counts(rk, "after")) != IG_OK)
		return er;
	fprintf(stderr, "igconnect-rekey: sealed %ld value%s again with key "
	    "%s, failed %ld, left %ld\n", rk->resealed, rk->resealed == 1 ?
	    "" : "s", rk->cfg->keys[0].id, rk->failed, rk->pending);
	return IG_OK;
}

static const char rekey_usage[] =
    "usage: igconnect-rekey [--batch rows] [--dry-run]\n";

int
ig_rekey_main(int argc, char *argv[])
{
	struct ig_cfg	 cfg;
	struct rekey	 rk;
	char		 msg[256];
	long		 n = BATCH_DEFAULT;
	int		 i, dry_run = 0;
	enum ig_err	 er;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--dry-run") == 0)
			dry_run = 1;
		else if (strcmp(argv[i], "--batch") == 0 && i + 1 < argc &&
		    ig_valid_digits(argv[i + 1], strlen(argv[i + 1])) &&
		    (n = strtol(argv[++i], NULL, 10)) >= 1 && n <= BATCH_MAX)
			continue;
		else if (strcmp(argv[i], "--help") == 0) {
			printf("%s", rekey_usage);
			return 0;
		} else {
			fprintf(stderr, "%s", rekey_usage);
			return 2;
		}
	}
	if (ig_cfg_load(&cfg, IG_NEED_DB | IG_NEED_KEYS, msg,
	    sizeof(msg)) != IG_OK) {
		fprintf(stderr, "igconnect-rekey: %s\n", msg);
		return 1;
	}
	ig_log_init("rekey", cfg.log_level);
	memset(&rk, 0, sizeof(rk));
	rk.cfg = &cfg;
	(void)snprintf(rk.batch, sizeof(rk.batch), "%ld", n);
	if ((rk.db = ig_db_open(cfg.database_url, "rekey")) == NULL)
		er = IG_ENOMEM;
	else
		er = rekey_all(&rk, dry_run);
	if (er != IG_OK)
		fprintf(stderr, "igconnect-rekey: could not run (%s); what "
		    "was sealed again stays so\n", ig_strerror(er));
	ig_db_close(rk.db);
	ig_cfg_free(&cfg);
	return er == IG_OK && rk.failed == 0 ? 0 : 1;
}

/* ------------------------------------------------------------- keygen */

static const char keygen_usage[] = "usage: igconnect-keygen [--id keyid]\n";

/*
 * The default id says when the key was made (UTC, to the second), so
 * ids sort by age and two keys are unlikely to share one.
 */
int
ig_keygen_main(int argc, char *argv[])
{
	char		 id[33], line[33 + IG_KEY_B64 + 2];
	struct tm	 tm;
	time_t		 now = time(NULL);
	int		 i, rc;
	enum ig_err	 er;

	if (gmtime_r(&now, &tm) == NULL ||
	    strftime(id, sizeof(id), "k%Y%m%d%H%M%S", &tm) == 0)
		return 1;
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--id") == 0 && i + 1 < argc &&
		    ig_valid_key_id(argv[i + 1], strlen(argv[i + 1])))
			(void)snprintf(id, sizeof(id), "%s", argv[++i]);
		else if (strcmp(argv[i], "--help") == 0) {
			printf("%s", keygen_usage);
			return 0;
		} else {
			fprintf(stderr, "%s", keygen_usage);
			return 2;
		}
	}
	if ((er = ig_key_new(id, line, sizeof(line))) != IG_OK) {
		fprintf(stderr, "igconnect-keygen: %s\n", ig_strerror(er));
		return 1;
	}
	rc = printf("%s\n", line) < 0 || fflush(stdout) != 0;
	ig_wipe(line, sizeof(line));
	return rc;
}
