-- Up Migration
-- Cancelling a confirmed booking and refunding it (workflows/booking-refund.ts).
--
-- A reservation whose booking was refunded ends REFUNDED: its seats are free again, its tickets
-- CANCELLED, and it no longer counts against the event's per-customer ticket limit (claim_hold
-- counts CONFIRMED only).
ALTER TABLE reservations DROP CONSTRAINT reservations_status_check;
ALTER TABLE reservations ADD CONSTRAINT reservations_status_check
  CHECK (status IN ('HELD', 'PAYING', 'CONFIRMED', 'EXPIRED', 'CANCELLED', 'FAILED', 'REFUNDED'));

-- The event's cancellation policy for customers: a customer may cancel (and is refunded in full)
-- until this many hours before the event starts; NULL: customers cannot cancel themselves (support
-- still can, at any time). 24 hours unless the event says otherwise.
ALTER TABLE events ADD COLUMN refund_cutoff_hours integer DEFAULT 24
  CHECK (refund_cutoff_hours IS NULL OR refund_cutoff_hours BETWEEN 0 AND 8760);

-- The durable record of a booking's cancellation, written (with who asked and why) before the
-- payment provider is asked for anything, in the transaction that checks the policy. One per
-- booking: a second request finds it and gets the same outcome. The provider is asked to refund
-- the booking's one charge under that charge's key (`charge_key`; the provider's own refund key is
-- `refund:<charge_key>`), so every path that refunds a reservation refunds it at most once.
--   REQUESTED  written; the refund workflow asks the provider, then releases the booking
--   REFUNDED   the provider refunded (or nothing was charged), the seats are free, the tickets
--              CANCELLED and the reservation REFUNDED: all in the transaction that sets it
CREATE TABLE booking_refunds (
  booking_id     uuid PRIMARY KEY REFERENCES bookings (id),
  reservation_id uuid NOT NULL UNIQUE REFERENCES reservations (id),
  -- the idempotency key of the booking's charge (its payment_intents row, or for bookings of the
  -- first workflow version its payment_charges row); NULL for a booking that cost nothing
  charge_key     text CHECK (length(charge_key) BETWEEN 1 AND 200),
  amount_cents   integer NOT NULL CHECK (amount_cents >= 0),
  status         text NOT NULL DEFAULT 'REQUESTED' CHECK (status IN ('REQUESTED', 'REFUNDED')),
  requested_by   text NOT NULL CHECK (length(requested_by) BETWEEN 1 AND 300),
  reason         text NOT NULL CHECK (length(reason) <= 500),
  requested_at   timestamptz NOT NULL DEFAULT now(),
  completed_at   timestamptz,
  -- when the reconciler next makes sure a workflow is finishing a REQUESTED refund (a crash
  -- between this row's commit and the workflow's start leaves it to the reconciler)
  check_after    timestamptz NOT NULL,
  CHECK ((status = 'REFUNDED') = (completed_at IS NOT NULL)),
  CHECK ((amount_cents = 0) OR (charge_key IS NOT NULL))
);
CREATE INDEX booking_refunds_follow_up_idx ON booking_refunds (check_after) WHERE status = 'REQUESTED';

-- Down Migration
DROP TABLE booking_refunds;
ALTER TABLE events DROP COLUMN refund_cutoff_hours;
UPDATE reservations SET status = 'CANCELLED' WHERE status = 'REFUNDED';
ALTER TABLE reservations DROP CONSTRAINT reservations_status_check;
ALTER TABLE reservations ADD CONSTRAINT reservations_status_check
  CHECK (status IN ('HELD', 'PAYING', 'CONFIRMED', 'EXPIRED', 'CANCELLED', 'FAILED'));
