-- When the account was (re)linked and when its profile was last read
-- from Meta; GET /integrations/instagram shows both (connectedAt,
-- lastSyncedAt) and igconnect-sync picks connections by the second.
ALTER TABLE oauth_connections
  ADD COLUMN connectedAt TIMESTAMP,
  ADD COLUMN lastSyncedAt TIMESTAMP;

UPDATE oauth_connections SET connectedAt = createdAt
  WHERE connectedAt IS NULL;
