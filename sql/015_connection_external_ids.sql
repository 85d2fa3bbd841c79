-- A caller is known by their external id (the JWT's sub), and the read of
-- their connection, the busiest statement of all, had to join users to
-- find it: two index lookups and a join per read.  The users row's
-- externalId never changes, so the connection keeps a copy, found by an
-- index of its own.  A trigger fills it on every insert, whoever writes
-- the row (the link, the benchmark's seeding, a test).
ALTER TABLE oauth_connections ADD COLUMN userExternalId TEXT;

UPDATE oauth_connections c SET userExternalId = u.externalId
  FROM users u WHERE u.id = c.userId;

ALTER TABLE oauth_connections ALTER COLUMN userExternalId SET NOT NULL;

CREATE UNIQUE INDEX oauth_connections_external_idx
  ON oauth_connections (userExternalId, provider);

CREATE FUNCTION oauth_connections_external_id() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  SELECT u.externalId INTO NEW.userExternalId FROM users u
    WHERE u.id = NEW.userId;
  RETURN NEW;
END $$;

CREATE TRIGGER oauth_connections_external_id
  BEFORE INSERT OR UPDATE OF userId ON oauth_connections
  FOR EACH ROW EXECUTE FUNCTION oauth_connections_external_id();
