-- Up Migration
-- Waitlists of sold-out sections (issue 11). A customer joins the line of one section of an event
-- (reserved seating or general admission) for a number of seats, once at a time; the line is served
-- in join order (`seq`). When seats come back, the head of the line is offered them as an ordinary
-- hold (a reservation claimed through claim_hold, with its own workflow and deadline): the entry is
-- OFFERED with that reservation, BOOKED when it was paid, LAPSED when the hold ended unpaid (or
-- could not be made for this customer, e.g. past the event's ticket limit), LEFT when the customer
-- left the line. See src/db/waitlist.ts and workflows/waitlist.ts.
CREATE TABLE waitlist_entries (
  id             uuid PRIMARY KEY,
  seq            bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
  event_id       uuid NOT NULL,
  section_id     uuid NOT NULL,
  customer_id    uuid NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
  quantity       integer NOT NULL CHECK (quantity BETWEEN 1 AND 100),
  status         text NOT NULL DEFAULT 'WAITING' CHECK (status IN ('WAITING', 'OFFERED', 'BOOKED', 'LAPSED', 'LEFT')),
  reservation_id uuid UNIQUE REFERENCES reservations (id),
  offered_at     timestamptz,
  closed_at      timestamptz,
  close_reason   text CHECK (length(close_reason) <= 500),
  created_at     timestamptz NOT NULL DEFAULT now(),
  FOREIGN KEY (section_id, event_id) REFERENCES sections (id, event_id) ON DELETE CASCADE,
  -- an offer is a reservation; a waiting entry has none yet
  CHECK (status <> 'WAITING' OR reservation_id IS NULL),
  CHECK (status NOT IN ('OFFERED', 'BOOKED') OR (reservation_id IS NOT NULL AND offered_at IS NOT NULL)),
  CHECK ((reservation_id IS NULL) = (offered_at IS NULL)),
  -- a live entry (waiting, offered) is open; every other one was closed at some time
  CHECK ((status IN ('WAITING', 'OFFERED')) = (closed_at IS NULL))
);
-- one live entry per customer and section: a customer joins a line once
CREATE UNIQUE INDEX waitlist_entries_one_live_idx ON waitlist_entries (section_id, customer_id) WHERE status IN ('WAITING', 'OFFERED');
-- the line, in order, and the open offers of a section
CREATE INDEX waitlist_entries_line_idx ON waitlist_entries (section_id, seq) WHERE status IN ('WAITING', 'OFFERED');
CREATE INDEX waitlist_entries_event_idx ON waitlist_entries (event_id, seq);
CREATE INDEX waitlist_entries_customer_idx ON waitlist_entries (customer_id, created_at DESC);

-- Sections whose waitlist workflow should look at its line again: seats of the section came back
-- (written by the outbox relay after it published them) or someone joined. The waker in the worker
-- role leases rows (FOR UPDATE SKIP LOCKED), signals the section's workflow (Signal-with-Start) and
-- deletes the row, unless it was requested again meanwhile (requested_at moved).
CREATE TABLE waitlist_wakeups (
  section_id      uuid PRIMARY KEY,
  event_id        uuid NOT NULL,
  requested_at    timestamptz NOT NULL DEFAULT clock_timestamp(),
  attempts        integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  FOREIGN KEY (section_id, event_id) REFERENCES sections (id, event_id) ON DELETE CASCADE
);
CREATE INDEX waitlist_wakeups_due_idx ON waitlist_wakeups (next_attempt_at);

-- Down Migration
DROP TABLE waitlist_wakeups;
DROP TABLE waitlist_entries;
