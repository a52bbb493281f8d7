-- Up Migration
-- Ticket transfers: the holder hands a VALID ticket to another customer (by email). The old ticket
-- becomes TRANSFERRED (its QR code stops admitting: the door says so) and a new ticket with a new id,
-- hence a new signed code, is issued for the same seat to the recipient, in one transaction. A
-- ticket's holder is its booking's customer unless `holder_id` names someone else.
ALTER TABLE tickets ADD COLUMN holder_id uuid REFERENCES customers (id);
ALTER TABLE tickets ADD COLUMN transferred_at timestamptz;
-- the ticket issued in its place; checked at commit, because the old ticket must leave the live
-- seat index (tickets_live_seat_key) before the new one can be inserted
ALTER TABLE tickets ADD COLUMN replaced_by uuid REFERENCES tickets (id) DEFERRABLE INITIALLY DEFERRED;
ALTER TABLE tickets ADD CONSTRAINT tickets_transferred_check
  CHECK ((state = 'TRANSFERRED') = (replaced_by IS NOT NULL AND transferred_at IS NOT NULL));
-- a booking's seat may now have a chain of tickets (each transfer retires one and issues the next);
-- tickets_live_seat_key still allows one live ticket per seat
ALTER TABLE tickets DROP CONSTRAINT tickets_booking_id_seat_id_key;
CREATE INDEX tickets_holder_idx ON tickets (holder_id) WHERE holder_id IS NOT NULL;

-- Down Migration
DROP INDEX tickets_holder_idx;
-- the tickets issued by transfers go; the first ticket of each seat is its booking's again
ALTER TABLE tickets DROP CONSTRAINT tickets_transferred_check;
CREATE TEMP TABLE issued_by_transfer AS SELECT replaced_by AS id FROM tickets WHERE replaced_by IS NOT NULL;
UPDATE tickets SET replaced_by = NULL WHERE replaced_by IS NOT NULL;
DELETE FROM tickets WHERE id IN (SELECT id FROM issued_by_transfer);
UPDATE tickets SET state = 'VALID' WHERE state = 'TRANSFERRED';
DROP TABLE issued_by_transfer;
ALTER TABLE tickets DROP COLUMN replaced_by;
ALTER TABLE tickets DROP COLUMN transferred_at;
ALTER TABLE tickets DROP COLUMN holder_id;
ALTER TABLE tickets ADD CONSTRAINT tickets_booking_id_seat_id_key UNIQUE (booking_id, seat_id);
