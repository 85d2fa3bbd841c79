-- Single-use OAuth states (RFC 6749 10.12, RFC 9700 4.7).  Only the
-- SHA-256 of the state is stored; the row binds it to the user, the
-- flavor and the exact redirect URI, and optionally to the browser that
-- started the flow.  Consuming is one DELETE ... RETURNING, so check and
-- use cannot race.
CREATE TABLE oauth_states (
  stateHash BYTEA PRIMARY KEY CHECK (length(stateHash) = 32),
  userId UUID REFERENCES users (id) ON DELETE CASCADE,
  provider VARCHAR(50) NOT NULL DEFAULT 'instagram',
  flavor TEXT NOT NULL DEFAULT 'instagram'
    CHECK (flavor IN ('instagram', 'facebook')),
  redirectUri TEXT NOT NULL,
  browserHash BYTEA,
  createdAt TIMESTAMP NOT NULL DEFAULT NOW(),
  expiresAt TIMESTAMP NOT NULL
);

CREATE INDEX oauth_states_expiry_idx ON oauth_states (expiresAt);
