-- Up Migration
-- Discount codes (issue 10): a code of one event, a percentage or a fixed amount off a
-- reservation's price, valid in a window, with an optional limit on how many reservations may
-- use it. A code is checked by an endpoint and applied at checkout (src/db/discounts.ts): the
-- reservation records the code and the discount, and the payment charges the price minus it.
--
-- Uses are not a counter: a use is a reservation carrying the code that is live (HELD before
-- its deadline, PAYING) or CONFIRMED. So a hold that expires, is cancelled or fails gives its
-- use back by itself, with no bookkeeping on any release path. Applying a code locks the code's
-- row, counts, and records: concurrent checkouts with one code are decided one after the other.
CREATE TABLE discount_codes (
  id          uuid PRIMARY KEY,
  event_id    uuid NOT NULL REFERENCES events (id) ON DELETE CASCADE,
  code        text NOT NULL CHECK (code ~ '^[A-Z0-9][A-Z0-9_-]{2,39}$'),
  kind        text NOT NULL CHECK (kind IN ('PERCENT', 'FIXED')),
  -- PERCENT: 1 to 100 (per cent off); FIXED: cents off the reservation's price (never below zero)
  value       integer NOT NULL CHECK ((kind = 'PERCENT' AND value BETWEEN 1 AND 100) OR (kind = 'FIXED' AND value > 0)),
  valid_from  timestamptz,
  valid_until timestamptz,
  max_uses    integer CHECK (max_uses > 0),
  created_by  text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  UNIQUE (event_id, code),
  CHECK (valid_from IS NULL OR valid_until IS NULL OR valid_until > valid_from)
);

ALTER TABLE reservations
  ADD COLUMN discount_code_id uuid REFERENCES discount_codes (id),
  ADD COLUMN discount_cents integer NOT NULL DEFAULT 0,
  ADD CONSTRAINT reservations_discount_within_price CHECK (discount_cents >= 0 AND discount_cents <= amount_cents),
  ADD CONSTRAINT reservations_discount_has_code CHECK (discount_code_id IS NOT NULL OR discount_cents = 0);

-- the uses of a code: its reservations (few per code; the partial index keeps the others out)
CREATE INDEX reservations_discount_code_idx ON reservations (discount_code_id) WHERE discount_code_id IS NOT NULL;

-- Down Migration
DROP INDEX reservations_discount_code_idx;
ALTER TABLE reservations DROP CONSTRAINT reservations_discount_has_code, DROP CONSTRAINT reservations_discount_within_price,
  DROP COLUMN discount_cents, DROP COLUMN discount_code_id;
DROP TABLE discount_codes;
