-- Up Migration
-- Tickets: one per seat or general-admission place of a booking, made in the transaction that
-- confirms the booking. A statement-level trigger on booking_seats issues them with one
-- INSERT ... SELECT from the rows that statement inserted, so every path that books seats
-- (src/db/payments.ts, and legacy-payments.ts for workflows of the first version) issues
-- tickets without a line of workflow or activity code, and a booking never exists without them.
--
-- States:
--   VALID        issued, not yet used at the door
--   CHECKED_IN   admitted once (checked_in_at, checked_in_by: "support:<email>"); a check-in is
--                one conditional UPDATE ... WHERE state = 'VALID' (src/db/tickets.ts)
--   CANCELLED    the booking was cancelled or refunded later (cancelled_at); nothing sets it yet
--   TRANSFERRED  reserved for ticket transfers: the old ticket stops working and a new ticket for
--                the same seat is issued to the new holder; nothing sets it yet
-- A ticket's QR code is computed from its id and event (HMAC, src/tickets/codes.ts), never stored.
CREATE TABLE tickets (
  id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  booking_id     uuid NOT NULL REFERENCES bookings (id) ON DELETE CASCADE,
  event_id       uuid NOT NULL REFERENCES events (id),
  seat_id        uuid NOT NULL REFERENCES seats (id),
  state          text NOT NULL DEFAULT 'VALID' CHECK (state IN ('VALID', 'CHECKED_IN', 'CANCELLED', 'TRANSFERRED')),
  checked_in_at  timestamptz,
  checked_in_by  text CHECK (length(checked_in_by) BETWEEN 1 AND 300),
  cancelled_at   timestamptz,
  created_at     timestamptz NOT NULL DEFAULT now(),
  UNIQUE (booking_id, seat_id),
  -- admitted means: when and by whom; a ticket never admitted has neither
  CHECK ((checked_in_at IS NULL) = (checked_in_by IS NULL)),
  CHECK (state <> 'CHECKED_IN' OR checked_in_at IS NOT NULL),
  CHECK ((state = 'CANCELLED') = (cancelled_at IS NOT NULL))
);
-- one live ticket per seat: a transfer or a resale must retire the old ticket first
CREATE UNIQUE INDEX tickets_live_seat_key ON tickets (seat_id) WHERE state IN ('VALID', 'CHECKED_IN');
CREATE INDEX tickets_booking_idx ON tickets (booking_id);

CREATE FUNCTION issue_tickets() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO tickets (booking_id, event_id, seat_id)
  SELECT n.booking_id, b.event_id, n.seat_id
  FROM new_booking_seats n JOIN bookings b ON b.id = n.booking_id;
  RETURN NULL;
END;
$$;

CREATE TRIGGER booking_seats_issue_tickets
  AFTER INSERT ON booking_seats
  REFERENCING NEW TABLE AS new_booking_seats
  FOR EACH STATEMENT EXECUTE FUNCTION issue_tickets();

-- bookings made before this migration get their tickets now
INSERT INTO tickets (booking_id, event_id, seat_id)
SELECT bs.booking_id, b.event_id, bs.seat_id
FROM booking_seats bs JOIN bookings b ON b.id = bs.booking_id;

-- Down Migration
DROP TRIGGER booking_seats_issue_tickets ON booking_seats;
DROP FUNCTION issue_tickets();
DROP TABLE tickets;
