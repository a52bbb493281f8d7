-- Up Migration
-- Holds claimed in batches (issue 7): the API gathers the hold requests that arrive while its
-- earlier claims are running and sends them as one statement, `claim_holds`, one transaction and
-- one commit for all of them, instead of a round trip and a commit per hold.
--
-- Each request is `claim_hold` itself (migrations/1733600000000), unchanged, in its own
-- subtransaction: a request that fails rolls back alone and the rest of the batch goes on.
-- A batch holds the locks of its earlier claims while it runs its later ones, so it must never
-- wait for a lock: two batches waiting for each other would deadlock. So the batch runs with a
-- lock timeout of 1 ms, and a claim that would wait (a GA loser waiting for the claims in flight
-- to settle, a reserved seat another transaction has locked, a customer's ticket-limit lock
-- taken by a hold in flight, a twin Idempotency-Key being inserted elsewhere) is rolled back and
-- answered RETRY, with nothing written. The API then makes that claim alone, as `claim_hold`
-- in its own transaction, which may wait safely: it holds no other lock. Every other error is
-- answered RETRY as well, so the lone claim reports it for its own request only.
--
-- Input: a JSON array of claims, each {"id", "customerId", "eventId", "seatIds" | null,
-- "sectionId" | null, "quantity" | null, "key", "fingerprint", "holdSeconds", "graceSeconds"}.
-- Output: a JSON array of claim_hold's answers (or {"outcome":"RETRY","sqlstate"}), in order.
-- Batches stay under 64 claims: each winner's subtransaction takes a subtransaction id, and
-- past 64 in one transaction every other backend's snapshot checks slow down.
CREATE FUNCTION claim_holds(p_claims jsonb) RETURNS jsonb LANGUAGE plpgsql
SET lock_timeout = '1ms' AS $$
DECLARE
  v_claim jsonb;
  v_answers jsonb := '[]';
BEGIN
  FOR v_claim IN SELECT value FROM jsonb_array_elements(p_claims) LOOP
    BEGIN
      v_answers := v_answers || jsonb_build_array(claim_hold(
        (v_claim->>'id')::uuid, (v_claim->>'customerId')::uuid, (v_claim->>'eventId')::uuid,
        (SELECT array_agg(s::uuid) FROM jsonb_array_elements_text(NULLIF(v_claim->'seatIds', 'null')) s),
        (v_claim->>'sectionId')::uuid, (v_claim->>'quantity')::int,
        v_claim->>'key', v_claim->>'fingerprint', (v_claim->>'holdSeconds')::int, (v_claim->>'graceSeconds')::int));
    EXCEPTION WHEN OTHERS THEN
      v_answers := v_answers || jsonb_build_array(jsonb_build_object('outcome', 'RETRY', 'sqlstate', SQLSTATE));
    END;
  END LOOP;
  RETURN v_answers;
END
$$;

-- Down Migration
DROP FUNCTION claim_holds(jsonb);
