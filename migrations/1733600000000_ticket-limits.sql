-- Up Migration
-- Per-customer ticket limits per event (issue 10). `events.max_tickets_per_customer` (NULL: no
-- limit) caps the seats or places one customer may have in live holds (HELD, PAYING) and
-- CONFIRMED bookings of the event together. The limit is checked inside claim_hold(), in the
-- hold's one round trip, race-free (see the comment in the function); a hold over it is the
-- outcome TICKET_LIMIT_REACHED, returned like every other refusal, with nothing written. A
-- replay of an Idempotency-Key is answered before the check and still returns its hold.
ALTER TABLE events ADD COLUMN max_tickets_per_customer integer CHECK (max_tickets_per_customer > 0);

-- The limit's count: one customer's live and confirmed reservations of one event. Without it
-- the planner may answer the count through reservations_event_status_idx, every live hold of
-- the event on sale, inside the customer's lock.
CREATE INDEX reservations_customer_event_live_idx ON reservations (customer_id, event_id)
  WHERE status IN ('HELD', 'PAYING', 'CONFIRMED');

CREATE OR REPLACE FUNCTION claim_hold(
  p_reservation_id uuid, p_customer_id uuid, p_event_id uuid,
  p_seat_ids uuid[],                 -- reserved seating: these seats (NULL for general admission)
  p_section_id uuid, p_quantity int, -- general admission: this many places of this section
  p_idempotency_key text, p_fingerprint text, p_hold_seconds int, p_grace_seconds int
) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  v_earlier record;
  v_event record;
  v_email text;
  v_seats jsonb;
  v_section record;
  v_ids uuid[];
  v_amount int;
  v_wanted int := COALESCE(cardinality(p_seat_ids), p_quantity);
  v_deadline timestamptz := now() + make_interval(secs => p_hold_seconds);
  v_inserted int;
  v_unknown uuid[];
  v_mine record;
BEGIN
  -- a retry of a request already answered returns that answer (the hold length is not compared)
  SELECT id, request_fingerprint AS fingerprint INTO v_earlier
  FROM reservations WHERE customer_id = p_customer_id AND idempotency_key = p_idempotency_key;
  IF FOUND THEN
    RETURN replayed_hold(v_earlier.id, COALESCE(v_earlier.fingerprint <> p_fingerprint, false));
  END IF;

  SELECT status, name, max_tickets_per_customer AS ticket_limit INTO v_event FROM events WHERE id = p_event_id;
  IF NOT FOUND THEN RETURN jsonb_build_object('outcome', 'EVENT_NOT_FOUND'); END IF;
  IF v_event.status <> 'ON_SALE' THEN RETURN jsonb_build_object('outcome', 'NOT_ON_SALE', 'status', v_event.status); END IF;
  SELECT email INTO v_email FROM customers WHERE id = p_customer_id;
  IF NOT FOUND THEN RETURN jsonb_build_object('outcome', 'CUSTOMER_UNKNOWN'); END IF;

  -- Per-customer ticket limit, when the event has one (no lock and no count otherwise, so an
  -- event without a limit pays nothing for it). Check-then-claim is only race-free if one
  -- customer's holds of one event are decided one at a time: the transaction-scoped advisory
  -- lock on (event, customer) queues this customer's concurrent holds of this event behind each
  -- other and nobody else (other customers, other events go on in parallel). It is taken before
  -- any seat is locked, always in that order, so it cannot deadlock with the seat locks, and it
  -- is released at commit, after the winner's reservation is visible: the next one counts it.
  -- It costs no write (a row lock, e.g. on a per-customer counter, would dirty a page and need
  -- upkeep on every release, expiry and sale). Key: the two-int4 form, whose key space does not
  -- overlap the bigint one (the outbox relay's leader lock and the migration lock use bigints);
  -- a collision of two pairs' hashes only makes them wait for each other, never miscounts.
  -- Counted: seats of the customer's live holds (HELD with a seat still within its own deadline,
  -- as reservation_view() reads them, and PAYING) and of their CONFIRMED bookings. A hold's seats
  -- are read by reservation only (the state is tested in the aggregate): written as an EXISTS on
  -- state and deadline, the generic plan scanned seats_held_deadline_idx, every live seat of
  -- every event, once per hold (EXPLAIN on a new database).
  IF v_event.ticket_limit IS NOT NULL THEN
    PERFORM pg_advisory_xact_lock(hashtext(p_event_id::text), hashtext(p_customer_id::text));
    SELECT COALESCE(sum(r.seat_count) FILTER (WHERE r.status <> 'CONFIRMED'), 0) AS held,
           COALESCE(sum(r.seat_count) FILTER (WHERE r.status = 'CONFIRMED'), 0) AS booked
    INTO v_mine
    FROM reservations r
    WHERE r.customer_id = p_customer_id AND r.event_id = p_event_id AND r.status IN ('HELD', 'PAYING', 'CONFIRMED')
      AND (r.status <> 'HELD' OR (SELECT max(s.hold_expires_at) FILTER (WHERE s.state = 'HELD')
                                  FROM seats s WHERE s.reservation_id = r.id) >= now());
    IF v_mine.held + v_mine.booked + v_wanted > v_event.ticket_limit THEN
      -- a twin request with the same key may have committed while we waited for the lock: a replay
      SELECT id, request_fingerprint AS fingerprint INTO v_earlier
      FROM reservations WHERE customer_id = p_customer_id AND idempotency_key = p_idempotency_key;
      IF FOUND THEN
        RETURN replayed_hold(v_earlier.id, COALESCE(v_earlier.fingerprint <> p_fingerprint, false));
      END IF;
      RETURN jsonb_build_object('outcome', 'TICKET_LIMIT_REACHED', 'limit', v_event.ticket_limit,
                                'held', v_mine.held, 'booked', v_mine.booked, 'requested', v_wanted);
    END IF;
  END IF;

  -- Lock the seats to claim, in id order, writing nothing yet: a claim that falls short
  -- returns with nothing to undo. A row is claimable when free, or held past its own deadline.
  IF p_seat_ids IS NOT NULL THEN
    SELECT array_agg(t.id ORDER BY t.id), sum(t.price) INTO v_ids, v_amount FROM (
      SELECT s.id, sec.price_cents AS price
      FROM seats s JOIN sections sec ON sec.id = s.section_id
      WHERE s.event_id = p_event_id AND s.id = ANY(p_seat_ids) AND s.row_label IS NOT NULL
        AND (s.state = 'AVAILABLE' OR (s.state = 'HELD' AND s.hold_expires_at < now()))
      ORDER BY s.id FOR UPDATE OF s) t;
  ELSE
    SELECT kind, price_cents INTO v_section FROM sections WHERE id = p_section_id AND event_id = p_event_id;
    IF NOT FOUND OR v_section.kind <> 'GA' THEN
      RETURN jsonb_build_object('outcome', 'SECTION_INVALID', 'reason', CASE WHEN FOUND THEN 'RESERVED' ELSE 'UNKNOWN' END);
    END IF;
    -- Fast path: skip places other buyers are claiming right now, so buyers of one section do
    -- not queue: free places first (an ordered scan of seats_ga_available_idx that stops at the
    -- first unlocked ones), then holds past their own deadline. Skipped places may still come
    -- free (a rival may lose its own race), so a short result is not yet "sold out": wait for
    -- the claims in flight instead, locking in id order so that waiting cannot deadlock. A
    -- partial result of a quantity above one is undone first (the block's savepoint drops its
    -- row locks); a quantity of one has nothing to undo and needs no savepoint.
    IF p_quantity = 1 THEN
      v_ids := ga_places_unlocked(p_section_id, 1);
    ELSE
      BEGIN
        v_ids := ga_places_unlocked(p_section_id, p_quantity);
        IF COALESCE(cardinality(v_ids), 0) < p_quantity THEN
          RAISE EXCEPTION USING ERRCODE = 'BKSHT';
        END IF;
      EXCEPTION WHEN SQLSTATE 'BKSHT' THEN
        v_ids := NULL;
      END;
    END IF;
    IF COALESCE(cardinality(v_ids), 0) < p_quantity THEN
      SELECT array_agg(t.id ORDER BY t.id) INTO v_ids FROM (
        SELECT s.id FROM seats s
        WHERE s.id IN (SELECT a.id FROM seats a WHERE a.section_id = p_section_id AND a.state = 'AVAILABLE' AND a.row_label IS NULL
                       UNION ALL
                       SELECT h.id FROM seats h WHERE h.section_id = p_section_id AND h.state = 'HELD' AND h.hold_expires_at < now() AND h.row_label IS NULL)
          -- stated again on the locked row itself, so a row a rival claimed while we waited is rechecked and passed over
          AND s.section_id = p_section_id AND s.row_label IS NULL
          AND (s.state = 'AVAILABLE' OR (s.state = 'HELD' AND s.hold_expires_at < now()))
        ORDER BY s.id LIMIT p_quantity FOR UPDATE) t;
    END IF;
    v_amount := v_section.price_cents * COALESCE(cardinality(v_ids), 0);
  END IF;

  IF COALESCE(cardinality(v_ids), 0) < v_wanted THEN
    -- a twin request with the same key may have committed while we waited for its seats
    SELECT id, request_fingerprint AS fingerprint INTO v_earlier
    FROM reservations WHERE customer_id = p_customer_id AND idempotency_key = p_idempotency_key;
    IF FOUND THEN
      RETURN replayed_hold(v_earlier.id, COALESCE(v_earlier.fingerprint <> p_fingerprint, false));
    END IF;
    IF p_seat_ids IS NULL THEN
      RETURN jsonb_build_object('outcome', 'SEAT_TAKEN', 'requested', p_quantity, 'available', COALESCE(cardinality(v_ids), 0));
    END IF;
    v_unknown := ARRAY(SELECT x.id FROM unnest(p_seat_ids) AS x(id) WHERE NOT EXISTS (
                   SELECT 1 FROM seats s WHERE s.id = x.id AND s.event_id = p_event_id AND s.row_label IS NOT NULL));
    IF cardinality(v_unknown) > 0 THEN
      RETURN jsonb_build_object('outcome', 'UNKNOWN_SEATS', 'seatIds', to_jsonb(v_unknown));
    END IF;
    RETURN jsonb_build_object('outcome', 'SEAT_TAKEN', 'seatIds',
                              to_jsonb(ARRAY(SELECT x.id FROM unnest(p_seat_ids) AS x(id) WHERE x.id <> ALL(COALESCE(v_ids, '{}')))));
  END IF;

  -- the key is the gate: a twin request that got here first is answered as a replay
  INSERT INTO reservations (id, customer_id, event_id, status, amount_cents, seat_count, hold_expires_at, idempotency_key, request_fingerprint)
  VALUES (p_reservation_id, p_customer_id, p_event_id, 'HELD', v_amount, v_wanted, v_deadline, p_idempotency_key, p_fingerprint)
  ON CONFLICT (customer_id, idempotency_key) DO NOTHING;
  GET DIAGNOSTICS v_inserted = ROW_COUNT;
  IF v_inserted = 0 THEN
    SELECT id, request_fingerprint AS fingerprint INTO v_earlier
    FROM reservations WHERE customer_id = p_customer_id AND idempotency_key = p_idempotency_key;
    RETURN replayed_hold(v_earlier.id, COALESCE(v_earlier.fingerprint <> p_fingerprint, false));
  END IF;

  -- the seats, the reservation's list of them, and the outbox row for the seat maps, in one
  -- statement; the answer is built from what it returns (no second read of what was written)
  WITH claimed AS (
    UPDATE seats s
    SET state = 'HELD', reservation_id = p_reservation_id, hold_expires_at = v_deadline + make_interval(secs => p_grace_seconds),
        version = s.version + 1, updated_at = now()
    WHERE s.id = ANY(v_ids)
    RETURNING s.id, s.section_id, s.version, s.label
  ), priced AS (
    SELECT c.id, c.section_id, c.version, c.label, sec.name AS section_name, sec.price_cents
    FROM claimed c JOIN sections sec ON sec.id = c.section_id
  ), linked AS (
    INSERT INTO reservation_seats (reservation_id, seat_id, price_cents) SELECT p_reservation_id, id, price_cents FROM priced
  ), published AS (
    INSERT INTO outbox (topic, payload)
    SELECT 'seats.changed', jsonb_build_object('eventId', p_event_id, 'seats',
             jsonb_agg(jsonb_build_object('id', id, 'sectionId', section_id, 'state', 'HELD', 'version', version) ORDER BY id))
    FROM priced
  )
  SELECT jsonb_agg(jsonb_build_object('id', id, 'label', label, 'sectionId', section_id, 'sectionName', section_name, 'priceCents', price_cents) ORDER BY label)
  INTO v_seats FROM priced;

  INSERT INTO workflow_starts (reservation_id) VALUES (p_reservation_id);
  -- the same shape as reservation_view()
  RETURN jsonb_build_object('outcome', 'CREATED', 'reservation', jsonb_build_object(
    'id', p_reservation_id, 'customerId', p_customer_id, 'customerEmail', v_email, 'eventId', p_event_id, 'eventName', v_event.name,
    'status', 'HELD', 'seats', v_seats, 'amountCents', v_amount, 'holdExpiresAt', iso_utc(v_deadline), 'extensionCount', 0,
    'createdAt', iso_utc(now()), 'booking', NULL, 'cancelReason', NULL, 'cancelledBy', NULL, 'failureReason', NULL));
END
$$;


-- Down Migration
-- the claim of migration 1733400000000
CREATE OR REPLACE FUNCTION claim_hold(
  p_reservation_id uuid, p_customer_id uuid, p_event_id uuid,
  p_seat_ids uuid[],                 -- reserved seating: these seats (NULL for general admission)
  p_section_id uuid, p_quantity int, -- general admission: this many places of this section
  p_idempotency_key text, p_fingerprint text, p_hold_seconds int, p_grace_seconds int
) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  v_earlier record;
  v_event record;
  v_email text;
  v_seats jsonb;
  v_section record;
  v_ids uuid[];
  v_amount int;
  v_wanted int := COALESCE(cardinality(p_seat_ids), p_quantity);
  v_deadline timestamptz := now() + make_interval(secs => p_hold_seconds);
  v_inserted int;
  v_unknown uuid[];
BEGIN
  -- a retry of a request already answered returns that answer (the hold length is not compared)
  SELECT id, request_fingerprint AS fingerprint INTO v_earlier
  FROM reservations WHERE customer_id = p_customer_id AND idempotency_key = p_idempotency_key;
  IF FOUND THEN
    RETURN replayed_hold(v_earlier.id, COALESCE(v_earlier.fingerprint <> p_fingerprint, false));
  END IF;

  SELECT status, name INTO v_event FROM events WHERE id = p_event_id;
  IF NOT FOUND THEN RETURN jsonb_build_object('outcome', 'EVENT_NOT_FOUND'); END IF;
  IF v_event.status <> 'ON_SALE' THEN RETURN jsonb_build_object('outcome', 'NOT_ON_SALE', 'status', v_event.status); END IF;
  SELECT email INTO v_email FROM customers WHERE id = p_customer_id;
  IF NOT FOUND THEN RETURN jsonb_build_object('outcome', 'CUSTOMER_UNKNOWN'); END IF;

  -- Lock the seats to claim, in id order, writing nothing yet: a claim that falls short
  -- returns with nothing to undo. A row is claimable when free, or held past its own deadline.
  IF p_seat_ids IS NOT NULL THEN
    SELECT array_agg(t.id ORDER BY t.id), sum(t.price) INTO v_ids, v_amount FROM (
      SELECT s.id, sec.price_cents AS price
      FROM seats s JOIN sections sec ON sec.id = s.section_id
      WHERE s.event_id = p_event_id AND s.id = ANY(p_seat_ids) AND s.row_label IS NOT NULL
        AND (s.state = 'AVAILABLE' OR (s.state = 'HELD' AND s.hold_expires_at < now()))
      ORDER BY s.id FOR UPDATE OF s) t;
  ELSE
    SELECT kind, price_cents INTO v_section FROM sections WHERE id = p_section_id AND event_id = p_event_id;
    IF NOT FOUND OR v_section.kind <> 'GA' THEN
      RETURN jsonb_build_object('outcome', 'SECTION_INVALID', 'reason', CASE WHEN FOUND THEN 'RESERVED' ELSE 'UNKNOWN' END);
    END IF;
    -- Fast path: skip places other buyers are claiming right now, so buyers of one section do
    -- not queue: free places first (an ordered scan of seats_ga_available_idx that stops at the
    -- first unlocked ones), then holds past their own deadline. Skipped places may still come
    -- free (a rival may lose its own race), so a short result is not yet "sold out": wait for
    -- the claims in flight instead, locking in id order so that waiting cannot deadlock. A
    -- partial result of a quantity above one is undone first (the block's savepoint drops its
    -- row locks); a quantity of one has nothing to undo and needs no savepoint.
    IF p_quantity = 1 THEN
      v_ids := ga_places_unlocked(p_section_id, 1);
    ELSE
      BEGIN
        v_ids := ga_places_unlocked(p_section_id, p_quantity);
        IF COALESCE(cardinality(v_ids), 0) < p_quantity THEN
          RAISE EXCEPTION USING ERRCODE = 'BKSHT';
        END IF;
      EXCEPTION WHEN SQLSTATE 'BKSHT' THEN
        v_ids := NULL;
      END;
    END IF;
    IF COALESCE(cardinality(v_ids), 0) < p_quantity THEN
      SELECT array_agg(t.id ORDER BY t.id) INTO v_ids FROM (
        SELECT s.id FROM seats s
        WHERE s.id IN (SELECT a.id FROM seats a WHERE a.section_id = p_section_id AND a.state = 'AVAILABLE' AND a.row_label IS NULL
                       UNION ALL
                       SELECT h.id FROM seats h WHERE h.section_id = p_section_id AND h.state = 'HELD' AND h.hold_expires_at < now() AND h.row_label IS NULL)
          -- stated again on the locked row itself, so a row a rival claimed while we waited is rechecked and passed over
          AND s.section_id = p_section_id AND s.row_label IS NULL
          AND (s.state = 'AVAILABLE' OR (s.state = 'HELD' AND s.hold_expires_at < now()))
        ORDER BY s.id LIMIT p_quantity FOR UPDATE) t;
    END IF;
    v_amount := v_section.price_cents * COALESCE(cardinality(v_ids), 0);
  END IF;

  IF COALESCE(cardinality(v_ids), 0) < v_wanted THEN
    -- a twin request with the same key may have committed while we waited for its seats
    SELECT id, request_fingerprint AS fingerprint INTO v_earlier
    FROM reservations WHERE customer_id = p_customer_id AND idempotency_key = p_idempotency_key;
    IF FOUND THEN
      RETURN replayed_hold(v_earlier.id, COALESCE(v_earlier.fingerprint <> p_fingerprint, false));
    END IF;
    IF p_seat_ids IS NULL THEN
      RETURN jsonb_build_object('outcome', 'SEAT_TAKEN', 'requested', p_quantity, 'available', COALESCE(cardinality(v_ids), 0));
    END IF;
    v_unknown := ARRAY(SELECT x.id FROM unnest(p_seat_ids) AS x(id) WHERE NOT EXISTS (
                   SELECT 1 FROM seats s WHERE s.id = x.id AND s.event_id = p_event_id AND s.row_label IS NOT NULL));
    IF cardinality(v_unknown) > 0 THEN
      RETURN jsonb_build_object('outcome', 'UNKNOWN_SEATS', 'seatIds', to_jsonb(v_unknown));
    END IF;
    RETURN jsonb_build_object('outcome', 'SEAT_TAKEN', 'seatIds',
                              to_jsonb(ARRAY(SELECT x.id FROM unnest(p_seat_ids) AS x(id) WHERE x.id <> ALL(COALESCE(v_ids, '{}')))));
  END IF;

  -- the key is the gate: a twin request that got here first is answered as a replay
  INSERT INTO reservations (id, customer_id, event_id, status, amount_cents, seat_count, hold_expires_at, idempotency_key, request_fingerprint)
  VALUES (p_reservation_id, p_customer_id, p_event_id, 'HELD', v_amount, v_wanted, v_deadline, p_idempotency_key, p_fingerprint)
  ON CONFLICT (customer_id, idempotency_key) DO NOTHING;
  GET DIAGNOSTICS v_inserted = ROW_COUNT;
  IF v_inserted = 0 THEN
    SELECT id, request_fingerprint AS fingerprint INTO v_earlier
    FROM reservations WHERE customer_id = p_customer_id AND idempotency_key = p_idempotency_key;
    RETURN replayed_hold(v_earlier.id, COALESCE(v_earlier.fingerprint <> p_fingerprint, false));
  END IF;

  -- the seats, the reservation's list of them, and the outbox row for the seat maps, in one
  -- statement; the answer is built from what it returns (no second read of what was written)
  WITH claimed AS (
    UPDATE seats s
    SET state = 'HELD', reservation_id = p_reservation_id, hold_expires_at = v_deadline + make_interval(secs => p_grace_seconds),
        version = s.version + 1, updated_at = now()
    WHERE s.id = ANY(v_ids)
    RETURNING s.id, s.section_id, s.version, s.label
  ), priced AS (
    SELECT c.id, c.section_id, c.version, c.label, sec.name AS section_name, sec.price_cents
    FROM claimed c JOIN sections sec ON sec.id = c.section_id
  ), linked AS (
    INSERT INTO reservation_seats (reservation_id, seat_id, price_cents) SELECT p_reservation_id, id, price_cents FROM priced
  ), published AS (
    INSERT INTO outbox (topic, payload)
    SELECT 'seats.changed', jsonb_build_object('eventId', p_event_id, 'seats',
             jsonb_agg(jsonb_build_object('id', id, 'sectionId', section_id, 'state', 'HELD', 'version', version) ORDER BY id))
    FROM priced
  )
  SELECT jsonb_agg(jsonb_build_object('id', id, 'label', label, 'sectionId', section_id, 'sectionName', section_name, 'priceCents', price_cents) ORDER BY label)
  INTO v_seats FROM priced;

  INSERT INTO workflow_starts (reservation_id) VALUES (p_reservation_id);
  -- the same shape as reservation_view()
  RETURN jsonb_build_object('outcome', 'CREATED', 'reservation', jsonb_build_object(
    'id', p_reservation_id, 'customerId', p_customer_id, 'customerEmail', v_email, 'eventId', p_event_id, 'eventName', v_event.name,
    'status', 'HELD', 'seats', v_seats, 'amountCents', v_amount, 'holdExpiresAt', iso_utc(v_deadline), 'extensionCount', 0,
    'createdAt', iso_utc(now()), 'booking', NULL, 'cancelReason', NULL, 'cancelledBy', NULL, 'failureReason', NULL));
END
$$;

DROP INDEX reservations_customer_event_live_idx;
ALTER TABLE events DROP COLUMN max_tickets_per_customer;
