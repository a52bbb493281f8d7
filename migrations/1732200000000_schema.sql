-- Up Migration
-- The booking engine's schema. PostgreSQL is the arbiter of seat ownership: a seat row
-- holds its current owner, and the constraints below make wrong states impossible to store.

CREATE TABLE customers (
  id            uuid PRIMARY KEY,
  email         text NOT NULL,
  name          text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  password_hash text NOT NULL,
  role          text NOT NULL DEFAULT 'customer' CHECK (role IN ('customer', 'support')),
  created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX customers_email_key ON customers (lower(email));

CREATE TABLE venues (
  id   uuid PRIMARY KEY,
  name text NOT NULL CHECK (length(name) > 0)
);

CREATE TABLE events (
  id          uuid PRIMARY KEY,
  venue_id    uuid NOT NULL REFERENCES venues (id),
  name        text NOT NULL CHECK (length(name) > 0),
  description text NOT NULL DEFAULT '',
  starts_at   timestamptz NOT NULL,
  status      text NOT NULL DEFAULT 'ON_SALE' CHECK (status IN ('ON_SALE', 'CLOSED', 'CANCELLED')),
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX events_starts_at_idx ON events (starts_at);

CREATE TABLE sections (
  id          uuid PRIMARY KEY,
  event_id    uuid NOT NULL REFERENCES events (id) ON DELETE CASCADE,
  name        text NOT NULL CHECK (length(name) > 0),
  kind        text NOT NULL CHECK (kind IN ('RESERVED', 'GA')),
  price_cents integer NOT NULL CHECK (price_cents >= 0),
  sort_order  integer NOT NULL DEFAULT 0,
  UNIQUE (event_id, name),
  UNIQUE (id, event_id)
);

-- One row per sellable place. Reserved seats have a row and a number; general-admission
-- places are pre-generated rows without them, claimed with FOR UPDATE SKIP LOCKED so buyers
-- of one section never queue on a single counter row.
CREATE TABLE seats (
  id              uuid PRIMARY KEY,
  event_id        uuid NOT NULL REFERENCES events (id) ON DELETE CASCADE,
  section_id      uuid NOT NULL,
  row_label       text,
  seat_number     integer,
  label           text NOT NULL,
  state           text NOT NULL DEFAULT 'AVAILABLE' CHECK (state IN ('AVAILABLE', 'HELD', 'SOLD')),
  reservation_id  uuid,
  hold_expires_at timestamptz,
  version         bigint NOT NULL DEFAULT 1 CHECK (version > 0),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  FOREIGN KEY (section_id, event_id) REFERENCES sections (id, event_id) ON DELETE CASCADE,
  UNIQUE (section_id, row_label, seat_number),
  -- an available seat has no owner; a held seat has an owner and a deadline; a sold seat has an owner
  CHECK ((state = 'AVAILABLE') = (reservation_id IS NULL)),
  CHECK ((state = 'HELD') = (hold_expires_at IS NOT NULL)),
  CHECK ((row_label IS NULL) = (seat_number IS NULL))
);
CREATE INDEX seats_event_idx ON seats (event_id);
CREATE INDEX seats_reservation_idx ON seats (reservation_id) WHERE reservation_id IS NOT NULL;
CREATE INDEX seats_section_claimable_idx ON seats (section_id, id) WHERE state <> 'SOLD';

CREATE TABLE reservations (
  id              uuid PRIMARY KEY,
  customer_id     uuid NOT NULL REFERENCES customers (id),
  event_id        uuid NOT NULL REFERENCES events (id),
  status          text NOT NULL DEFAULT 'HELD'
                  CHECK (status IN ('HELD', 'PAYING', 'CONFIRMED', 'EXPIRED', 'CANCELLED', 'FAILED')),
  amount_cents    integer NOT NULL CHECK (amount_cents >= 0),
  seat_count      integer NOT NULL CHECK (seat_count > 0),
  hold_expires_at timestamptz NOT NULL,
  idempotency_key text NOT NULL,
  cancelled_by    text,
  cancel_reason   text,
  failure_reason  text,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  UNIQUE (customer_id, idempotency_key)
);
CREATE INDEX reservations_customer_idx ON reservations (customer_id, created_at DESC);
CREATE INDEX reservations_event_status_idx ON reservations (event_id, status);

ALTER TABLE seats ADD FOREIGN KEY (reservation_id) REFERENCES reservations (id);

-- Which seats a reservation claimed (kept after the seats are released, for history).
CREATE TABLE reservation_seats (
  reservation_id uuid NOT NULL REFERENCES reservations (id) ON DELETE CASCADE,
  seat_id        uuid NOT NULL REFERENCES seats (id),
  price_cents    integer NOT NULL CHECK (price_cents >= 0),
  PRIMARY KEY (reservation_id, seat_id)
);
CREATE INDEX reservation_seats_seat_idx ON reservation_seats (seat_id);

CREATE TABLE bookings (
  id             uuid PRIMARY KEY,
  reference      text NOT NULL UNIQUE CHECK (reference ~ '^[A-Z0-9]{4}-[A-Z0-9]{4}$'),
  reservation_id uuid NOT NULL UNIQUE REFERENCES reservations (id),
  customer_id    uuid NOT NULL REFERENCES customers (id),
  event_id       uuid NOT NULL REFERENCES events (id),
  amount_cents   integer NOT NULL CHECK (amount_cents >= 0),
  created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX bookings_customer_idx ON bookings (customer_id, created_at DESC);

-- A seat appears in at most one booking: a second sale is impossible to store.
CREATE TABLE booking_seats (
  booking_id uuid NOT NULL REFERENCES bookings (id) ON DELETE CASCADE,
  seat_id    uuid NOT NULL REFERENCES seats (id),
  PRIMARY KEY (seat_id)
);
CREATE INDEX booking_seats_booking_idx ON booking_seats (booking_id);

-- The simulated payment provider's ledger (a real provider keeps its own; we keep ours too).
CREATE TABLE payment_charges (
  id              uuid PRIMARY KEY,
  reservation_id  uuid NOT NULL REFERENCES reservations (id),
  idempotency_key text NOT NULL UNIQUE,
  amount_cents    integer NOT NULL CHECK (amount_cents > 0),
  status          text NOT NULL CHECK (status IN ('SUCCEEDED', 'DECLINED', 'REFUNDED')),
  decline_code    text,
  card_last4      text NOT NULL CHECK (card_last4 ~ '^[0-9]{4}$'),
  attempts        integer NOT NULL DEFAULT 1 CHECK (attempts > 0),
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  CHECK ((status = 'DECLINED') = (decline_code IS NOT NULL))
);
-- At most one charge that took money per reservation.
CREATE UNIQUE INDEX payment_charges_one_success_idx ON payment_charges (reservation_id) WHERE status <> 'DECLINED';

CREATE TABLE payment_refunds (
  id              uuid PRIMARY KEY,
  charge_id       uuid NOT NULL UNIQUE REFERENCES payment_charges (id),
  idempotency_key text NOT NULL UNIQUE,
  amount_cents    integer NOT NULL CHECK (amount_cents > 0),
  reason          text NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now()
);

-- Transient-failure bookkeeping of the simulated provider (how often a key was tried).
CREATE TABLE payment_attempts (
  idempotency_key text PRIMARY KEY,
  attempts        integer NOT NULL CHECK (attempts > 0)
);

-- Transactional outbox: every committed seat or reservation change writes a row in the same
-- transaction; the relay publishes it after commit and marks it published.
CREATE TABLE outbox (
  id           bigserial PRIMARY KEY,
  topic        text NOT NULL CHECK (topic IN ('seats.changed', 'reservation.updated')),
  payload      jsonb NOT NULL,
  committed_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  published_at timestamptz
);
CREATE INDEX outbox_unpublished_idx ON outbox (id) WHERE published_at IS NULL;

-- Down Migration
DROP TABLE outbox, payment_attempts, payment_refunds, payment_charges, booking_seats, bookings,
  reservation_seats, reservations, seats, sections, events, venues, customers CASCADE;
