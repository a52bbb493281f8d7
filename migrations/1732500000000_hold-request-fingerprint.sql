-- Up Migration
-- What a hold asked for (event, seats or section and quantity), hashed. A retry with the same
-- Idempotency-Key must ask for the same thing; a different request under a used key is refused.
ALTER TABLE reservations ADD COLUMN request_fingerprint text CHECK (request_fingerprint ~ '^[0-9a-f]{64}$');

-- Down Migration
ALTER TABLE reservations DROP COLUMN request_fingerprint;
