-- What the programs and jobs may do in the database, and nothing more.
-- Not a migration: igconnect-migrate runs this file after them at every
-- run, in one transaction, as the database's owner.  It takes back every
-- privilege the programs' role (IGCONNECT_APP_ROLE, here the session
-- setting igconnect.app_role) held on the tables and sequences, then
-- grants exactly what is listed, so that role never alters, drops or
-- creates a table (only an owner may), never reads or writes
-- schema_migrations, and a table a migration adds stays out of its reach
-- until its line is added here.
--
-- Why each privilege: SELECT ... FOR UPDATE (the jobs' claims, the
-- sweeps of expired states and selections) needs UPDATE; INSERT ... ON
-- CONFLICT DO UPDATE needs UPDATE; 009's triggers run as the role whose
-- DELETE fires them, so deleting a connection updates connection_history.
-- No program deletes a users row, a history row or a publish job.
DO $$
DECLARE
  app text := current_setting('igconnect.app_role');
  t text;
  p text;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = app) THEN
    RAISE WARNING 'role "%" does not exist, so nothing was granted: '
      'create it (README, "Database roles") or set IGCONNECT_APP_ROLE to '
      'the role the programs connect as', app;
    RETURN;
  END IF;
  IF pg_has_role(app, current_user, 'MEMBER') OR
      (SELECT rolsuper FROM pg_roles WHERE rolname = app) THEN
    RAISE WARNING 'role "%" has every right of "%", the tables'' owner, '
      'so nothing was granted: the programs need a role of their own '
      '(README, "Database roles")', app, current_user;
    RETURN;
  END IF;

  -- Before PostgreSQL 15 every role could create tables in public, and
  -- every role may create temporary tables unless told otherwise: only
  -- the schema's and the database's owners can take that back.
  IF pg_has_role((SELECT nspowner FROM pg_namespace
      WHERE nspname = 'public'), 'MEMBER') THEN
    EXECUTE format('REVOKE CREATE ON SCHEMA public FROM PUBLIC, %I', app);
  END IF;
  IF pg_has_role((SELECT datdba FROM pg_database
      WHERE datname = current_database()), 'MEMBER') THEN
    EXECUTE format('REVOKE CREATE, TEMPORARY ON DATABASE %I FROM PUBLIC, %I',
      current_database(), app);
  END IF;

  EXECUTE format('REVOKE ALL ON ALL TABLES IN SCHEMA public FROM %I', app);
  EXECUTE format('REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM %I',
    app);
  FOR t, p IN VALUES
      ('users', 'SELECT, INSERT, UPDATE'),
      ('oauth_connections', 'SELECT, INSERT, UPDATE, DELETE'),
      ('oauth_states', 'SELECT, INSERT, UPDATE, DELETE'),
      ('connection_history', 'SELECT, INSERT, UPDATE'),
      ('webhook_events', 'SELECT, INSERT, UPDATE, DELETE'),
      ('webhook_entries', 'SELECT, INSERT, UPDATE, DELETE'),
      ('data_deletions', 'SELECT, INSERT'),
      ('account_selections', 'SELECT, INSERT, UPDATE, DELETE'),
      ('publish_jobs', 'SELECT, INSERT, UPDATE'),
      ('publish_containers', 'SELECT, INSERT, UPDATE')
  LOOP
    EXECUTE format('GRANT %s ON TABLE %I TO %I', p, t, app);
  END LOOP;
  FOR t IN VALUES ('connection_history_id_seq'), ('webhook_events_id_seq'),
      ('webhook_entries_id_seq')
  LOOP
    EXECUTE format('GRANT USAGE ON SEQUENCE %I TO %I', t, app);
  END LOOP;

  IF has_schema_privilege(app, 'public', 'CREATE') OR
      has_database_privilege(app, current_database(), 'CREATE, TEMPORARY')
  THEN
    RAISE WARNING 'role "%" may still create tables or schemas: as a '
      'superuser, REVOKE CREATE ON SCHEMA public FROM PUBLIC and REVOKE '
      'CREATE, TEMPORARY ON DATABASE % FROM PUBLIC', app,
      quote_ident(current_database());
  END IF;
END $$;
