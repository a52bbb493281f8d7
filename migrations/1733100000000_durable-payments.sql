-- Up Migration
-- Durable payment attempts. Before any money moves, the transaction that marks a reservation
-- PAYING writes the attempt here, with the idempotency key the provider will see. Whatever
-- crashes afterwards, the attempt is settled from these rows (never from a workflow's memory):
-- the provider is asked what became of the key, and the attempt ends as a booking
-- (SUCCEEDED), nothing charged (DECLINED, VOIDED), or a refund (REFUNDING, then REFUNDED).
-- A reservation is PAYING exactly while it has a PENDING attempt.
CREATE TABLE payment_intents (
  idempotency_key text PRIMARY KEY CHECK (length(idempotency_key) BETWEEN 1 AND 200),
  reservation_id  uuid NOT NULL REFERENCES reservations (id),
  attempt         integer NOT NULL CHECK (attempt >= 0),
  amount_cents    integer NOT NULL CHECK (amount_cents >= 0),
  status          text NOT NULL DEFAULT 'PENDING'
                  CHECK (status IN ('PENDING', 'SUCCEEDED', 'DECLINED', 'VOIDED', 'REFUNDING', 'REFUNDED')),
  decline_code    text,
  created_at      timestamptz NOT NULL DEFAULT now(),
  settled_at      timestamptz,
  -- when the reconciler next looks at this attempt, unless it has been acknowledged: an open
  -- attempt past this time, or a settled one whose workflow may not have learned its outcome
  check_after     timestamptz NOT NULL,
  -- the reservation's workflow has recorded the outcome (or no workflow needs to learn it)
  acknowledged_at timestamptz,
  UNIQUE (reservation_id, attempt),
  CHECK ((status = 'PENDING') = (settled_at IS NULL)),
  CHECK ((status = 'DECLINED') = (decline_code IS NOT NULL))
);
-- one open attempt at a time, and at most one that took money
CREATE UNIQUE INDEX payment_intents_one_open_idx ON payment_intents (reservation_id) WHERE status IN ('PENDING', 'REFUNDING');
CREATE UNIQUE INDEX payment_intents_one_charge_idx ON payment_intents (reservation_id) WHERE status IN ('SUCCEEDED', 'REFUNDING', 'REFUNDED');
CREATE INDEX payment_intents_follow_up_idx ON payment_intents (check_after) WHERE acknowledged_at IS NULL;

-- The simulated provider closes an attempt it never charged (VOIDED), so a charge that
-- arrives after the engine settled the attempt can never take money.
ALTER TABLE payment_charges DROP CONSTRAINT payment_charges_status_check;
ALTER TABLE payment_charges ADD CONSTRAINT payment_charges_status_check CHECK (status IN ('SUCCEEDED', 'DECLINED', 'REFUNDED', 'VOIDED'));
DROP INDEX payment_charges_one_success_idx;
CREATE UNIQUE INDEX payment_charges_one_success_idx ON payment_charges (reservation_id) WHERE status IN ('SUCCEEDED', 'REFUNDED');

-- Down Migration
DROP TABLE payment_intents;
DELETE FROM payment_charges WHERE status = 'VOIDED';
DROP INDEX payment_charges_one_success_idx;
CREATE UNIQUE INDEX payment_charges_one_success_idx ON payment_charges (reservation_id) WHERE status <> 'DECLINED';
ALTER TABLE payment_charges DROP CONSTRAINT payment_charges_status_check;
ALTER TABLE payment_charges ADD CONSTRAINT payment_charges_status_check CHECK (status IN ('SUCCEEDED', 'DECLINED', 'REFUNDED'));
