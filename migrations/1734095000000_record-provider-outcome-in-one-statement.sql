-- Up Migration
-- A checkout's settlement in one statement (issue 7): `record_provider_outcome` does what
-- recordProviderOutcome's transaction did in up to eleven round trips (src/db/payments.ts), with
-- the same locks, checks and writes, in one function call, so one statement is one transaction:
--   the attempt and its reservation locked (FOR UPDATE); an attempt already settled is left
--   alone; a REFUNDING attempt answers the refund due;
--   declined or never charged (p_outcome DECLINED / NOT_CHARGED): the attempt settled, the
--   reservation a hold again, its seats given back the passive grace past its deadline, the
--   customer told through the outbox;
--   charged: the reservation's held seats locked in id order; if it no longer owns all of them,
--   a refund is due (REFUNDING); otherwise the seats SOLD, the booking (id and reference chosen
--   by the caller) with its seats (their triggers issue the tickets and the webhook event), the
--   reservation CONFIRMED, the attempt SUCCEEDED, and the seat maps and the customer told.
-- Answers {"idempotencyKey", "status": "REFUNDING", "amountCents"} when a refund is due, else NULL.
CREATE FUNCTION record_provider_outcome(
  p_key text, p_outcome text, p_decline_code text, p_passive_grace_seconds int, p_follow_up_seconds int,
  p_booking_id uuid, p_reference text
) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  v record;
  v_owned int;
  v_seats jsonb;
BEGIN
  SELECT p.status, p.reservation_id, r.event_id, r.customer_id, p.amount_cents, r.seat_count, r.hold_expires_at
  INTO v
  FROM payment_intents p JOIN reservations r ON r.id = p.reservation_id
  WHERE p.idempotency_key = p_key
  FOR UPDATE;
  IF NOT FOUND THEN RETURN NULL; END IF;
  IF v.status = 'REFUNDING' THEN
    RETURN jsonb_build_object('idempotencyKey', p_key, 'status', 'REFUNDING', 'amountCents', v.amount_cents);
  END IF;
  IF v.status <> 'PENDING' THEN RETURN NULL; END IF;

  IF p_outcome <> 'CHARGED' THEN
    UPDATE payment_intents
    SET status = CASE WHEN p_outcome = 'DECLINED' THEN 'DECLINED' ELSE 'VOIDED' END,
        decline_code = CASE WHEN p_outcome = 'DECLINED' THEN p_decline_code END,
        settled_at = now(), acknowledged_at = now()
    WHERE idempotency_key = p_key;
    UPDATE reservations SET status = 'HELD', updated_at = now() WHERE id = v.reservation_id;
    UPDATE seats SET hold_expires_at = v.hold_expires_at + make_interval(secs => p_passive_grace_seconds)
    WHERE reservation_id = v.reservation_id AND state = 'HELD';
    INSERT INTO outbox (topic, payload)
    VALUES ('reservation.updated', jsonb_build_object('reservationId', v.reservation_id, 'customerId', v.customer_id, 'status', 'HELD'));
    RETURN NULL;
  END IF;

  PERFORM 1 FROM seats WHERE reservation_id = v.reservation_id AND state = 'HELD' ORDER BY id FOR UPDATE;
  GET DIAGNOSTICS v_owned = ROW_COUNT;
  IF v_owned <> v.seat_count THEN
    UPDATE payment_intents SET status = 'REFUNDING', settled_at = now(), check_after = now() + make_interval(secs => p_follow_up_seconds)
    WHERE idempotency_key = p_key;
    RETURN jsonb_build_object('idempotencyKey', p_key, 'status', 'REFUNDING', 'amountCents', v.amount_cents);
  END IF;

  WITH sold AS (
    UPDATE seats s SET state = 'SOLD', hold_expires_at = NULL, version = s.version + 1, updated_at = now()
    WHERE s.reservation_id = v.reservation_id AND s.state = 'HELD'
    RETURNING s.id, s.section_id, s.state, s.version
  )
  SELECT coalesce(jsonb_agg(jsonb_build_object('id', id, 'sectionId', section_id, 'state', state, 'version', version) ORDER BY id), '[]'::jsonb)
  INTO v_seats FROM sold;
  INSERT INTO bookings (id, reference, reservation_id, customer_id, event_id, amount_cents)
  VALUES (p_booking_id, p_reference, v.reservation_id, v.customer_id, v.event_id, v.amount_cents);
  INSERT INTO booking_seats (booking_id, seat_id)
  SELECT p_booking_id, (seat->>'id')::uuid FROM jsonb_array_elements(v_seats) AS seat;
  UPDATE reservations SET status = 'CONFIRMED', updated_at = now() WHERE id = v.reservation_id;
  UPDATE payment_intents SET status = 'SUCCEEDED', settled_at = now(), check_after = now() + make_interval(secs => p_follow_up_seconds)
  WHERE idempotency_key = p_key;
  IF jsonb_array_length(v_seats) > 0 THEN
    INSERT INTO outbox (topic, payload) VALUES ('seats.changed', jsonb_build_object('eventId', v.event_id, 'seats', v_seats));
  END IF;
  INSERT INTO outbox (topic, payload)
  VALUES ('reservation.updated', jsonb_build_object('reservationId', v.reservation_id, 'customerId', v.customer_id, 'status', 'CONFIRMED', 'bookingReference', p_reference));
  RETURN NULL;
END
$$;

-- Down Migration
DROP FUNCTION record_provider_outcome(text, text, text, int, int, uuid, text);
