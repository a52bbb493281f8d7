-- Up Migration
-- The lost-hold sweeper looks for open reservations past their deadline.
CREATE INDEX reservations_open_deadline_idx ON reservations (hold_expires_at) WHERE status IN ('HELD', 'PAYING');

-- Down Migration
DROP INDEX reservations_open_deadline_idx;
