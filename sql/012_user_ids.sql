-- A caller's user id is any UTF-8 text without control characters of up
-- to 255 bytes (an email address, "O'Brien", a name in any script); the
-- programs check the characters, the table the length in bytes.
ALTER TABLE users
  DROP CONSTRAINT users_externalid_check,
  ADD CONSTRAINT users_externalid_check
    CHECK (octet_length(externalId) BETWEEN 1 AND 255);
