-- Up Migration
-- A hold and an event's cancellation (or any other change of the event made under its row lock,
-- src/db/catalog.ts lockEvent) are decided one after the other (issue 10).
--
-- claim_hold read the event's status without a lock. A claim that read ON_SALE just before a
-- cancellation committed could commit its hold just after it, on a cancelled event; the API's
-- second pass and the worker's sweep cancelled it later, but until then it could be paid.
--
-- Now every claim first takes FOR KEY SHARE on its event's row: claims share it with each other
-- (and with the lifecycle's status updates, which are NO KEY UPDATEs), so the sale goes on in
-- parallel; a change of the event that locks its row FOR UPDATE waits for the claims in flight,
-- and the claims that arrive meanwhile wait for it and then read its outcome (each statement of
-- the claim reads a fresh snapshot, taken after the lock). A batch of claims (claim_holds, 1 ms
-- lock timeout) that meets the lock answers RETRY and its claims wait alone, as for a seat lock.
-- The lock is one per transaction: the claims of a batch after the first hold it already.
--
-- The claim itself is unchanged (migrations/1733600000000_ticket-limits.sql), renamed
-- claim_hold_body; claim_hold is the lock, then the body.
ALTER FUNCTION claim_hold(uuid, uuid, uuid, uuid[], uuid, int, text, text, int, int) RENAME TO claim_hold_body;

CREATE FUNCTION claim_hold(
  p_reservation_id uuid, p_customer_id uuid, p_event_id uuid,
  p_seat_ids uuid[], p_section_id uuid, p_quantity int,
  p_idempotency_key text, p_fingerprint text, p_hold_seconds int, p_grace_seconds int
) RETURNS jsonb LANGUAGE plpgsql AS $$
BEGIN
  PERFORM FROM events WHERE id = p_event_id FOR KEY SHARE;
  RETURN claim_hold_body(p_reservation_id, p_customer_id, p_event_id, p_seat_ids, p_section_id, p_quantity,
                         p_idempotency_key, p_fingerprint, p_hold_seconds, p_grace_seconds);
END
$$;

-- Down Migration
DROP FUNCTION claim_hold(uuid, uuid, uuid, uuid[], uuid, int, text, text, int, int);
ALTER FUNCTION claim_hold_body(uuid, uuid, uuid, uuid[], uuid, int, text, text, int, int) RENAME TO claim_hold;
