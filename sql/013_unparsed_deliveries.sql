-- A signed delivery whose body is not a JSON object igconnect can read
-- is still kept, raw, but flagged, counted by igconnect-relay and logged:
-- never silently left without entries.
ALTER TABLE webhook_events ADD COLUMN unparsed BOOLEAN NOT NULL DEFAULT false;
