-- What igconnect-refresh and igconnect-sync keep per connection, one set
-- of columns per job:
--  * <job>LeaseUntil: a claimed row is leased, so other copies of the job
--    on any host skip it; a job that dies only delays it.
--  * <job>Attempts, <job>NextAt: failures back off exponentially and are
--    retried on a later run.
--  * <job>State: ok, retrying, or exhausted after too many failures (no
--    longer tried until the account is linked again or refreshed by hand).
--  * <job>Error: the class and Meta's code of the last failure.
-- Linking an account again resets all of them.
ALTER TABLE oauth_connections
  ADD COLUMN refreshAttempts INT NOT NULL DEFAULT 0,
  ADD COLUMN refreshState TEXT NOT NULL DEFAULT 'ok'
    CHECK (refreshState IN ('ok', 'retrying', 'exhausted')),
  ADD COLUMN refreshNextAt TIMESTAMP,
  ADD COLUMN refreshLeaseUntil TIMESTAMP,
  ADD COLUMN refreshError JSONB,
  ADD COLUMN syncAttempts INT NOT NULL DEFAULT 0,
  ADD COLUMN syncState TEXT NOT NULL DEFAULT 'ok'
    CHECK (syncState IN ('ok', 'retrying', 'exhausted')),
  ADD COLUMN syncNextAt TIMESTAMP,
  ADD COLUMN syncLeaseUntil TIMESTAMP,
  ADD COLUMN syncError JSONB;

-- The sync job looks for the least recently synced active connections.
CREATE INDEX oauth_connections_synced_idx
  ON oauth_connections (lastSyncedAt) WHERE status = 'active';
