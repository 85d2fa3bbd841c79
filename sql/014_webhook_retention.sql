-- Raw delivery bodies are kept IGCONNECT_WEBHOOK_RETENTION_DAYS, then
-- emptied by igconnect-relay (the row stays: its bodyHash still makes a
-- redelivery a duplicate).  This index finds the bodies due cheaply.
CREATE INDEX webhook_events_kept_idx ON webhook_events (receivedAt)
  WHERE octet_length(body) > 0;
