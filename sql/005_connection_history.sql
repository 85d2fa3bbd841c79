-- What happened to each connection and when: connected, refreshed,
-- refresh failed, disconnected, revoked.  Never holds a token.
CREATE TABLE connection_history (
  id BIGSERIAL PRIMARY KEY,
  connectionId UUID REFERENCES oauth_connections (id) ON DELETE SET NULL,
  userId UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  provider VARCHAR(50) NOT NULL,
  event TEXT NOT NULL,
  detail JSONB NOT NULL DEFAULT '{}',
  createdAt TIMESTAMP NOT NULL DEFAULT NOW()
);

CREATE INDEX connection_history_user_idx
  ON connection_history (userId, createdAt);
