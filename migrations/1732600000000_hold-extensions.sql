-- Up Migration
-- How often a hold was extended (the workflow enforces the limit; this shows it to clients).
ALTER TABLE reservations ADD COLUMN extension_count integer NOT NULL DEFAULT 0 CHECK (extension_count >= 0);

-- Down Migration
ALTER TABLE reservations DROP COLUMN extension_count;
