-- What the connection lifecycle needs beyond seed 000's columns.
--  * Disconnecting destroys the tokens (the token columns become
--    NULL), so accessToken may be NULL.
--  * status: active, disconnected or needs_reauth (token revoked).
--  * tokenIssuedAt: when the current token was issued; Meta refreshes
--    only tokens at least 24 hours old.
--  * version: bumped by every write, so a refresh that read an older
--    row cannot overwrite a newer re-link (conditional update).
ALTER TABLE oauth_connections
  ALTER COLUMN accessToken DROP NOT NULL,
  ADD COLUMN status TEXT NOT NULL DEFAULT 'active'
    CHECK (status IN ('active', 'disconnected', 'needs_reauth')),
  ADD COLUMN tokenIssuedAt TIMESTAMP,
  ADD COLUMN version BIGINT NOT NULL DEFAULT 1;

CREATE INDEX oauth_connections_expiry_idx
  ON oauth_connections (expiresAt) WHERE status = 'active';
CREATE INDEX oauth_connections_business_idx
  ON oauth_connections (businessAccountId);
