/* SPDX-License-Identifier: ISC */
/*
 * igconnect-migrate: apply the pending sql/NNN_*.sql migrations in order,
 * each in its own transaction, recording what ran, as the database's
 * owner (IGCONNECT_MIGRATE_DATABASE_URL, else DATABASE_URL); then grant
 * the programs' role (IGCONNECT_APP_ROLE) what sql/grants.sql lists.
 * Running it twice is harmless; several hosts running it at once take
 * turns (advisory lock).
 */
#include <stdio.h>
#include <string.h>

#include "ig.h"

static const char usage[] = "usage: igconnect-migrate [--dir sql-dir]\n";

int
main(int argc, char *argv[])
{
	struct ig_cfg	 cfg;
	struct ig_db	*db;
	const char	*dir = "sql";
	char		 msg[256];
	int		 applied = 0, i;
	enum ig_err	 er;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc)
			dir = argv[++i];
		else if (strcmp(argv[i], "--help") == 0) {
			/* Asked for: on stdout, and not a failure. */
			printf("%s", usage);
			return 0;
		} else {
			fprintf(stderr, "%s", usage);
			return 2;
		}
	}
	if (ig_cfg_load(&cfg, IG_NEED_MIGRATE, msg, sizeof(msg)) != IG_OK) {
		fprintf(stderr, "igconnect-migrate: %s\n", msg);
		return 1;
	}
	ig_log_init("migrate", cfg.log_level);
	if ((db = ig_db_open(cfg.migrate_database_url, "migrate")) == NULL) {
		ig_cfg_free(&cfg);
		return 1;
	}
	er = ig_db_migrate(db, dir, cfg.app_role, &applied);
	if (er == IG_OK)
		ig_log_info("%d migration%s applied", applied,
		    applied == 1 ? "" : "s");
	ig_db_close(db);
	ig_cfg_free(&cfg);
	return er == IG_OK ? 0 : 1;
}
