-- connection_history gets a row with every link, refresh and sync.  Its
-- two foreign keys made each of those writes look up, and share-lock, the
-- users row and the connection: on the users row that lock is a write of
-- its own, with its WAL record, on every code exchange.  Deletes, which
-- are rare (a user removed by the operator, Meta's data deletion), now do
-- the same cleanup with one statement-level trigger each.
ALTER TABLE connection_history
  DROP CONSTRAINT connection_history_connectionid_fkey,
  DROP CONSTRAINT connection_history_userid_fkey;

-- Was ON DELETE CASCADE from users.
CREATE FUNCTION connection_history_forget_users() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM connection_history h USING gone WHERE h.userId = gone.id;
  RETURN NULL;
END $$;

CREATE TRIGGER users_forget_history
  AFTER DELETE ON users REFERENCING OLD TABLE AS gone
  FOR EACH STATEMENT EXECUTE FUNCTION connection_history_forget_users();

-- Was ON DELETE SET NULL from oauth_connections.
CREATE FUNCTION connection_history_detach() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  UPDATE connection_history h SET connectionId = NULL
    FROM gone WHERE h.connectionId = gone.id;
  RETURN NULL;
END $$;

CREATE TRIGGER oauth_connections_detach_history
  AFTER DELETE ON oauth_connections REFERENCING OLD TABLE AS gone
  FOR EACH STATEMENT EXECUTE FUNCTION connection_history_detach();
