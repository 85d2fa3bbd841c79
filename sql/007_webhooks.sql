-- Meta's webhook deliveries.  A delivery is stored,
-- raw, before it is acknowledged; the same bytes twice are stored once.
CREATE TABLE webhook_events (
  id BIGSERIAL PRIMARY KEY,
  bodyHash BYTEA NOT NULL UNIQUE CHECK (length(bodyHash) = 32),
  body BYTEA NOT NULL,
  object TEXT,
  receivedAt TIMESTAMP NOT NULL DEFAULT NOW()
);

-- One row per entry of a delivery: what igconnect-relay hands to the
-- host app, in order per account (accountId = entry.id, the professional
-- account id).  entryHash is the SHA-256 of the entry as jsonb text, so an
-- entry Meta sends again in another batch is not relayed twice.
CREATE TABLE webhook_entries (
  id BIGSERIAL PRIMARY KEY,
  eventId BIGINT NOT NULL REFERENCES webhook_events (id) ON DELETE CASCADE,
  entryHash BYTEA NOT NULL UNIQUE,
  object TEXT,
  accountId TEXT NOT NULL,
  connectionId UUID REFERENCES oauth_connections (id) ON DELETE SET NULL,
  isTest BOOLEAN NOT NULL DEFAULT false,
  payload JSONB NOT NULL,
  status TEXT NOT NULL DEFAULT 'pending'
    CHECK (status IN ('pending', 'delivered', 'dead')),
  attempts INT NOT NULL DEFAULT 0,
  nextAttemptAt TIMESTAMP NOT NULL DEFAULT NOW(),
  claimedUntil TIMESTAMP,
  lastError TEXT,
  deliveredAt TIMESTAMP,
  createdAt TIMESTAMP NOT NULL DEFAULT NOW()
);

-- The relay's queue: the oldest pending entry of each account.
CREATE INDEX webhook_entries_pending_idx
  ON webhook_entries (accountId, id) WHERE status = 'pending';

-- Meta's data deletion requests and what became of them; the status URL
-- given to Meta reads this by confirmation code.
CREATE TABLE data_deletions (
  code TEXT PRIMARY KEY,
  status TEXT NOT NULL CHECK (status IN ('completed')),
  connections INT NOT NULL DEFAULT 0,
  requestedAt TIMESTAMP NOT NULL DEFAULT NOW(),
  completedAt TIMESTAMP
);
