-- Up Migration
-- A checkout's first step in one statement (issue 7): `begin_payment` does what beginPayment's
-- transaction did in seven round trips (src/db/payments.ts, migrations/1733100000000), with the
-- same locks, checks and writes, in one function call, so one statement is one transaction:
--   the reservation locked (FOR UPDATE); a reservation already PAYING answers its open attempt
--   (a retried step pays under the same key); a live hold of all its seats gets a new attempt
--   (`<reservation>:charge:<n>`, n = attempts so far), becomes PAYING, its seats are kept for
--   the payment window, and the seat maps hear of it through the outbox.
-- Answers {"idempotencyKey", "amountCents"} of the open attempt, or NULL when the reservation
-- is not payable (gone, over, or a hold that lost a seat to passive expiry).
CREATE FUNCTION begin_payment(p_reservation_id uuid, p_window_seconds int, p_follow_up_seconds int)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  v_hold record;
  v_open record;
  v_key text;
BEGIN
  SELECT r.status, r.customer_id, r.amount_cents - r.discount_cents AS amount_cents, r.seat_count,
         (SELECT count(*) FROM seats s WHERE s.reservation_id = r.id AND s.state = 'HELD' AND s.hold_expires_at > now()) AS live_seats,
         (SELECT count(*) FROM payment_intents p WHERE p.reservation_id = r.id) AS attempts
  INTO v_hold
  FROM reservations r WHERE r.id = p_reservation_id
  FOR UPDATE OF r;
  IF NOT FOUND THEN RETURN NULL; END IF;

  IF v_hold.status = 'PAYING' THEN
    -- at most one attempt is open (payment_intents_one_open_idx)
    SELECT idempotency_key, status, amount_cents INTO v_open
    FROM payment_intents WHERE reservation_id = p_reservation_id AND status IN ('PENDING', 'REFUNDING');
    IF FOUND AND v_open.status = 'PENDING' THEN
      RETURN jsonb_build_object('idempotencyKey', v_open.idempotency_key, 'amountCents', v_open.amount_cents);
    END IF;
    RETURN NULL;
  END IF;
  IF v_hold.status <> 'HELD' OR v_hold.live_seats <> v_hold.seat_count THEN RETURN NULL; END IF;

  v_key := p_reservation_id::text || ':charge:' || v_hold.attempts;
  INSERT INTO payment_intents (idempotency_key, reservation_id, attempt, amount_cents, check_after)
  VALUES (v_key, p_reservation_id, v_hold.attempts, v_hold.amount_cents, now() + make_interval(secs => p_follow_up_seconds));
  UPDATE reservations SET status = 'PAYING', updated_at = now() WHERE id = p_reservation_id;
  -- passive expiry must not hand the seats to someone else while money may be moving
  UPDATE seats SET hold_expires_at = greatest(hold_expires_at, now() + make_interval(secs => p_window_seconds))
  WHERE reservation_id = p_reservation_id AND state = 'HELD';
  INSERT INTO outbox (topic, payload)
  VALUES ('reservation.updated', jsonb_build_object('reservationId', p_reservation_id, 'customerId', v_hold.customer_id, 'status', 'PAYING'));
  RETURN jsonb_build_object('idempotencyKey', v_key, 'amountCents', v_hold.amount_cents);
END
$$;

-- Down Migration
DROP FUNCTION begin_payment(uuid, int, int);
