import { beginPayment, recordProviderOutcome } from '../../src/db/payments.ts';
import { sql } from '../../src/db/sql.ts';
import { createSimulatedProvider, TEST_CARDS } from '../../src/payments/simulated.ts';
import type { TestEngine } from './engine.ts';

/**
 * The first steps of a checkout, as its local activities would have run them before a crash
 * took the process (and with it the checkout's Update and workflow task): the durable attempt
 * is opened, perhaps charged at the provider, perhaps recorded as the booking. The workflow
 * never learns of any of it.
 */
export async function crashedCheckout(engine: TestEngine, reservationId: string, steps: { charged: boolean; recorded?: boolean }) {
  const timings = engine.config.paymentTimings;
  const provider = createSimulatedProvider(engine.db.pool, { slowMs: 0 });
  const attempt = await beginPayment(engine.db.pool, reservationId, timings);
  if (attempt.kind !== 'OPEN') throw new Error(`reservation ${reservationId} could not be paid`);
  const { paymentToken } = await provider.tokenize({ number: TEST_CARDS.success });
  if (steps.charged) await provider.charge({ reservationId, amountCents: attempt.amountCents, paymentToken, idempotencyKey: attempt.idempotencyKey });
  if (steps.recorded) await recordProviderOutcome(engine.db.pool, attempt.idempotencyKey, { outcome: 'CHARGED' }, timings);
  return { ...attempt, paymentToken, provider };
}

/** Puts the reconciler's follow-up of the reservation's attempts an hour away, so another path must settle them. */
export async function reconcilerLooksAway(engine: TestEngine, reservationId: string) {
  await engine.db.pool.query(sql.typeAlias('void')`UPDATE payment_intents SET check_after = now() + interval '1 hour' WHERE reservation_id = ${reservationId}`);
}
