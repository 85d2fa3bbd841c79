-- Facebook Login can find several Pages with an Instagram account (an
-- agency's).  The exchange then answers with the candidates and a
-- selection: a single-use handle, like an OAuth state, that finishes the
-- link with the chosen account without a second Meta login.  It keeps
-- the user token sealed (bound to the user) and the accounts offered;
-- only the SHA-256 of the handle is stored, for ten minutes.
CREATE TABLE account_selections (
  selectionHash BYTEA PRIMARY KEY CHECK (length(selectionHash) = 32),
  userId UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  userToken TEXT NOT NULL,
  tokenKind TEXT NOT NULL CHECK (tokenKind IN ('long', 'short')),
  tokenExpiresAt TIMESTAMP,
  candidates JSONB NOT NULL,
  createdAt TIMESTAMP NOT NULL DEFAULT NOW(),
  expiresAt TIMESTAMP NOT NULL
);

CREATE INDEX account_selections_expiry_idx ON account_selections (expiresAt);
