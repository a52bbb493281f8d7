-- Up Migration
-- A hold is decided by PostgreSQL in one round trip: `claim_hold` checks the idempotency key,
-- the event, the customer and the seats, claims them all or none, and writes the reservation,
-- its seats, the outbox row for the seat maps and the request to start its workflow, in the
-- one transaction of a single statement. Expected outcomes (a lost race, a replay, an unknown
-- seat) are returned, never raised: an error would cost the pooled connection.

-- Requests to start a reservation's workflow, written with the hold and consumed by the
-- starters in the worker role (src/reservations/starter.ts). A row leaves once its workflow runs.
CREATE TABLE workflow_starts (
  reservation_id  uuid PRIMARY KEY REFERENCES reservations (id) ON DELETE CASCADE,
  requested_at    timestamptz NOT NULL DEFAULT now(),
  attempts        integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  -- a starter leases a row by moving this forward; a starter that dies lets its lease lapse
  next_attempt_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX workflow_starts_due_idx ON workflow_starts (next_attempt_at);

-- Timestamps in JSON as ISO 8601 in UTC with milliseconds, whatever the session's time zone.
CREATE FUNCTION iso_utc(t timestamptz) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
$$;

-- What customers, support and the web client read about one reservation. A HELD reservation
-- whose seats' own deadline has passed reads as EXPIRED (passive expiry) before anything
-- rewrites the row.
CREATE FUNCTION reservation_view(p_id uuid) RETURNS jsonb LANGUAGE sql STABLE AS $$
  SELECT jsonb_build_object(
    'id', r.id, 'customerId', r.customer_id, 'customerEmail', c.email, 'eventId', r.event_id, 'eventName', e.name,
    'status', CASE WHEN r.status = 'HELD' AND NOT EXISTS (
                     SELECT 1 FROM seats s WHERE s.reservation_id = r.id AND s.state = 'HELD' AND s.hold_expires_at >= now())
                   THEN 'EXPIRED' ELSE r.status END,
    'seats', COALESCE((SELECT jsonb_agg(jsonb_build_object('id', s.id, 'label', s.label, 'sectionId', sec.id,
                                                           'sectionName', sec.name, 'priceCents', rs.price_cents) ORDER BY s.label)
                       FROM reservation_seats rs JOIN seats s ON s.id = rs.seat_id JOIN sections sec ON sec.id = s.section_id
                       WHERE rs.reservation_id = r.id), '[]'::jsonb),
    'amountCents', r.amount_cents, 'holdExpiresAt', iso_utc(r.hold_expires_at), 'extensionCount', r.extension_count,
    'createdAt', iso_utc(r.created_at),
    'booking', (SELECT jsonb_build_object('id', b.id, 'reference', b.reference) FROM bookings b WHERE b.reservation_id = r.id),
    'cancelReason', r.cancel_reason, 'cancelledBy', r.cancelled_by, 'failureReason', r.failure_reason)
  FROM reservations r JOIN events e ON e.id = r.event_id JOIN customers c ON c.id = r.customer_id
  WHERE r.id = p_id
$$;

-- The answer to a request whose Idempotency-Key was used before: the same hold, or a refusal
-- when the key was used for a different request.
CREATE FUNCTION replayed_hold(p_id uuid, p_other_request boolean) RETURNS jsonb LANGUAGE sql STABLE AS $$
  SELECT CASE WHEN p_other_request THEN jsonb_build_object('outcome', 'KEY_REUSED', 'reservationId', p_id)
              ELSE jsonb_build_object('outcome', 'REPLAYED', 'reservation', reservation_view(p_id)) END
$$;

CREATE FUNCTION claim_hold(
  p_reservation_id uuid, p_customer_id uuid, p_event_id uuid,
  p_seat_ids uuid[],                 -- reserved seating: these seats (NULL for general admission)
  p_section_id uuid, p_quantity int, -- general admission: this many places of this section
  p_idempotency_key text, p_fingerprint text, p_hold_seconds int, p_grace_seconds int
) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  v_earlier record;
  v_event_status text;
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

  SELECT status INTO v_event_status FROM events WHERE id = p_event_id;
  IF NOT FOUND THEN RETURN jsonb_build_object('outcome', 'EVENT_NOT_FOUND'); END IF;
  IF v_event_status <> 'ON_SALE' THEN RETURN jsonb_build_object('outcome', 'NOT_ON_SALE', 'status', v_event_status); END IF;
  PERFORM 1 FROM customers WHERE id = p_customer_id;
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
    -- not queue. Skipped places may still come free (a rival may lose its own race), so a short
    -- result is not yet "sold out": undo it (the block's savepoint drops its row locks) and wait
    -- for the claims in flight instead. Both paths lock in id order, so waiting cannot deadlock.
    BEGIN
      SELECT array_agg(t.id ORDER BY t.id) INTO v_ids FROM (
        SELECT s.id FROM seats s
        WHERE s.section_id = p_section_id AND s.row_label IS NULL
          AND (s.state = 'AVAILABLE' OR (s.state = 'HELD' AND s.hold_expires_at < now()))
        ORDER BY s.id LIMIT p_quantity FOR UPDATE SKIP LOCKED) t;
      IF COALESCE(cardinality(v_ids), 0) < p_quantity THEN
        RAISE EXCEPTION USING ERRCODE = 'BKSHT';
      END IF;
    EXCEPTION WHEN SQLSTATE 'BKSHT' THEN
      SELECT array_agg(t.id ORDER BY t.id) INTO v_ids FROM (
        SELECT s.id FROM seats s
        WHERE s.section_id = p_section_id AND s.row_label IS NULL
          AND (s.state = 'AVAILABLE' OR (s.state = 'HELD' AND s.hold_expires_at < now()))
        ORDER BY s.id LIMIT p_quantity FOR UPDATE) t;
    END;
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

  WITH claimed AS (
    UPDATE seats s
    SET state = 'HELD', reservation_id = p_reservation_id, hold_expires_at = v_deadline + make_interval(secs => p_grace_seconds),
        version = s.version + 1, updated_at = now()
    WHERE s.id = ANY(v_ids)
    RETURNING s.id, s.section_id, s.version
  ), linked AS (
    INSERT INTO reservation_seats (reservation_id, seat_id, price_cents)
    SELECT p_reservation_id, c.id, sec.price_cents FROM claimed c JOIN sections sec ON sec.id = c.section_id
  )
  INSERT INTO outbox (topic, payload)
  SELECT 'seats.changed', jsonb_build_object('eventId', p_event_id, 'seats',
           jsonb_agg(jsonb_build_object('id', c.id, 'sectionId', c.section_id, 'state', 'HELD', 'version', c.version) ORDER BY c.id))
  FROM claimed c;

  INSERT INTO workflow_starts (reservation_id) VALUES (p_reservation_id);
  RETURN jsonb_build_object('outcome', 'CREATED', 'reservation', reservation_view(p_reservation_id));
END
$$;

-- Down Migration
DROP FUNCTION claim_hold(uuid, uuid, uuid, uuid[], uuid, int, text, text, int, int);
DROP FUNCTION replayed_hold(uuid, boolean);
DROP FUNCTION reservation_view(uuid);
DROP FUNCTION iso_utc(timestamptz);
DROP TABLE workflow_starts;
