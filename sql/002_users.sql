-- The callers' users: the host app's external user id (JWT "sub",
-- REMOTE_USER) mapped to the uuid that oauth_connections.userId holds.
-- A row is created on a user's first call.
CREATE TABLE users (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  externalId TEXT NOT NULL UNIQUE
    CHECK (length(externalId) BETWEEN 1 AND 128),
  createdAt TIMESTAMP NOT NULL DEFAULT NOW()
);

ALTER TABLE oauth_connections
  ALTER COLUMN id SET DEFAULT gen_random_uuid(),
  ADD CONSTRAINT oauth_connections_userid_fkey
    FOREIGN KEY (userId) REFERENCES users (id) ON DELETE CASCADE;
